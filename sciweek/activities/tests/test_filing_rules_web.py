"""Issue 9, rules the web form missed: the filing page refuses what the importer refuses, the
completeness panel and the submit button agree with what submit() refuses, and activity and
session dates fall within the campaign's dates (the week, or the window the campaign sets)."""
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from freezegun import freeze_time

from sciweek.accounts.models import User
from sciweek.activities import rules, services
from sciweek.activities.models import Activity, Session
from sciweek.activities.rules import MAX_EXPECTED_PARTICIPANTS
from sciweek.activities.tests.factories import complete_filing
from sciweek.campaigns.models import Campaign, Deadline

pytestmark = pytest.mark.django_db
SESSIONS = {"sessions-TOTAL_FORMS": "0", "sessions-INITIAL_FORMS": "0", "sessions-MIN_NUM_FORMS": "0",
            "sessions-MAX_NUM_FORMS": "1000"}


@pytest.fixture(autouse=True)
def _filing_period():
    with freeze_time("2020-07-20 10:00:00", tick=True):
        yield


@pytest.fixture
def draft(staff_client, org):
    client = staff_client("unit-filer")
    client.post(reverse("activities:filing_new"), {"organization": org("石家庄市科技信息研究所").pk, "kind": "project"})
    return client, Activity.objects.latest("id")


def edit(client, activity, **values):
    data = {"title": "规则一致", "format": "onsite", "starts_on": "2020-08-24", "ends_on": "2020-08-24",
            "venue_capacity": "200", "safety_max_attendance": "80", **SESSIONS, **values}
    return client.post(reverse("activities:filing_edit", args=[activity.pk]), data)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("contact_phone", "abc", "无法识别的电话号码“abc”"),
    ("expected_participants", "100000000", f"预计参与人数 100000000 超过了 {MAX_EXPECTED_PARTICIPANTS}，请核实后填写。"),
    ("safety_max_attendance", "300", "最大同时在场人数 300 超过了场馆额定容量 200 人。"),
    ("starts_on", "2020-08-30", "2020-08-30 不在本届活动日期（2020-08-23 至 2020-08-29）内"),
])
def test_the_edit_page_refuses_what_the_importer_refuses(draft, field, value, message):
    client, activity = draft
    for submit in ({}, {"submit": "1"}):  # saving a draft and submitting alike
        response = edit(client, activity, **{field: value}, **submit)
        assert response.status_code == 200  # the page again, with the value and the reason
        assert message in response.content.decode()
        assert response.context["form"].errors[field] == [message]
        activity.refresh_from_db()
        assert activity.status == Activity.Status.DRAFT and activity.title != "规则一致"  # nothing half-saved


def panel(client, activity) -> str:
    return client.get(reverse("activities:filing_edit", args=[activity.pk])).content.decode()


def test_the_panel_never_says_ready_above_a_blocking_error(demo, staff_client):
    activity = complete_filing(demo)
    client = staff_client("unit-filer")
    assert "可以提交" in panel(client, activity)
    Activity.objects.filter(pk=activity.pk).update(contact_phone="abc")  # a draft saved before the rule
    page = panel(client, activity)
    assert "可以提交" not in page and "提交前须改正" in page and "无法识别的电话号码“abc”" in page
    detail = client.get(reverse("activities:filing_detail", args=[activity.pk])).content.decode()
    assert "无法识别的电话号码“abc”" in detail
    assert 'value="submit" disabled' in detail  # the button agrees with the panel
    with pytest.raises(ValidationError) as refused:
        services.submit(activity, actor=User.objects.get(username="unit-filer"))
    assert refused.value.messages == services.submission_check(activity).errors

    Activity.objects.filter(pk=activity.pk).update(contact_phone="13912345678")
    detail = client.get(reverse("activities:filing_detail", args=[activity.pk])).content.decode()
    assert 'value="submit" disabled' not in detail and 'value="submit"' in detail


def test_the_panel_names_a_closed_deadline_and_the_online_only_rule(demo, staff_client):
    activity = complete_filing(demo)
    client = staff_client("unit-filer")
    Campaign.objects.filter(pk=demo.pk).update(allow_late_filing=False, online_only=True)
    Deadline.objects.filter(campaign=demo, kind=Deadline.Kind.FILING).update(due_on=date(2020, 7, 19))
    page = panel(client, activity)
    assert "可以提交" not in page
    assert "备案已于 2020-07-19 截止，本届活动周不接受逾期备案。" in page
    assert "已改为线上举办" in page


def test_autosave_updates_the_panel_in_place(draft):
    client, activity = draft
    response = client.post(reverse("activities:filing_autosave", args=[activity.pk]), {
        "title": "只写了标题", **SESSIONS}, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert 'id="submission-check"' in text and 'hx-swap-oob="true"' in text
    assert "还需要填写" in text and "已可提交" not in text


# --- the campaign's dates ------------------------------------------------------------

def test_dates_outside_the_week_are_refused_everywhere_with_the_allowed_dates(demo):
    window = rules.activity_window(demo)
    assert window == (date(2020, 8, 23), date(2020, 8, 29))  # no window set: the week
    problems = rules.field_problems({"starts_on": date(2020, 8, 22), "ends_on": date(2020, 8, 30)}, window=window)
    assert [(p.field, p.message) for p in problems] == [
        ("starts_on", "2020-08-22 不在本届活动日期（2020-08-23 至 2020-08-29）内"),
        ("ends_on", "2020-08-30 不在本届活动日期（2020-08-23 至 2020-08-29）内")]
    activity = complete_filing(demo, starts_on=date(2020, 8, 30), ends_on=date(2020, 8, 30))
    with pytest.raises(ValidationError) as refused:
        services.submit(activity, actor=User.objects.get(username="unit-filer"))
    assert "2020-08-30 不在本届活动日期（2020-08-23 至 2020-08-29）内" in refused.value.messages


def test_a_window_set_by_the_campaign_widens_the_allowed_dates(demo, draft):
    Campaign.objects.filter(pk=demo.pk).update(activities_from=date(2020, 8, 1), activities_until=date(2020, 8, 31))
    client, activity = draft
    assert edit(client, activity, starts_on="2020-08-30", ends_on="2020-08-31").status_code == 302
    response = edit(client, activity, starts_on="2020-09-01", ends_on="2020-09-01")
    assert "2020-09-01 不在本届活动日期（2020-08-01 至 2020-08-31）内" in response.content.decode()
    # sessions too, also when the activity has no dates yet
    response = edit(client, activity, starts_on="", ends_on="", **{
        "sessions-TOTAL_FORMS": "1", "sessions-0-starts_at": "2020-09-02T09:00", "sessions-0-ends_at": "2020-09-02T10:00",
        "sessions-0-capacity": "30"})
    assert "第 1 场：2020-09-02 不在本届活动日期（2020-08-01 至 2020-08-31）内" in response.content.decode()
    page = client.get(reverse("activities:filing_edit", args=[activity.pk])).content.decode()
    assert 'min="2020-08-01"' in page and 'max="2020-08-31"' in page and "本届活动日期：2020-08-01 至 2020-08-31" in page


def test_the_importer_follows_the_window(demo, org):
    from sciweek.spreadsheets.importer import Importer

    row = {"title": "窗口内", "hosts": "石家庄市科学技术局", "format": "线下", "starts_on": "2020-08-30",
           "ends_on": "2020-08-30", "division": "130102", "venue_capacity": 200, "safety_max_attendance": 80}
    filer = User.objects.get(username="sjz-filer")

    def errors():
        importer = Importer(user=filer, organization=org("石家庄市"), campaign=Campaign.objects.get(pk=demo.pk),
                            kind="project")
        return {issue.key: issue.message for issue in importer.validate(2, row)[1]}

    assert errors()["starts_on"] == "2020-08-30 不在本届活动日期（2020-08-23 至 2020-08-29）内"
    Campaign.objects.filter(pk=demo.pk).update(activities_until=date(2020, 8, 31))
    assert "starts_on" not in errors()


def test_the_2020_demo_filings_lie_in_its_week(demo):
    first, last = rules.activity_window(demo)
    demo_filings = Activity.objects.filter(campaign=demo)
    assert not demo_filings.exclude(starts_on__range=(first, last)).exists()
    assert not demo_filings.exclude(ends_on__range=(first, last)).exists()
    sessions = list(Session.objects.filter(activity__campaign=demo).values_list("starts_at", "ends_at", "capacity"))
    assert sessions and not [p for p in rules.session_problems(sessions, None, None, (first, last))
                             if p.field == "session_starts_at"]


def test_a_refused_form_leaves_the_panel_on_what_is_saved(demo, staff_client):
    activity = complete_filing(demo)
    Activity.objects.filter(pk=activity.pk).update(audience="")  # saved: one thing missing
    client = staff_client("unit-filer")
    response = edit(client, activity, audience="中小学生", contact_phone="abc")  # fills it, breaks another
    assert response.status_code == 200
    check = response.context["check"]
    assert "面向对象" in check.missing and not check.ready
