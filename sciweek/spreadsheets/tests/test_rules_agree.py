"""The console form and the Excel importer give the same answer, in the same words, for the
same values: both call activities.rules. Where they used to disagree, the stricter answer won
(the importer's for phones, the form's for where an activity may take place), except for hosts
outside the filer's scope, which both now link (co-hosting across the tree is normal)."""
import pytest

from sciweek.accounts.models import User
from sciweek.activities import services
from sciweek.activities.forms import FilingForm, check_sessions, content_areas_for, session_formset
from sciweek.activities.models import Activity
from sciweek.activities.rules import MAX_EXPECTED_PARTICIPANTS
from sciweek.spreadsheets.importer import Importer

pytestmark = pytest.mark.django_db
ROW = {"title": "规则一致", "hosts": "石家庄市科学技术局", "format": "线下", "starts_on": "2020-08-23",
       "ends_on": "2020-08-24", "division": "130102", "venue_capacity": 200, "safety_max_attendance": 80}


@pytest.fixture
def filer(demo):
    return User.objects.get(username="sjz-filer")


@pytest.fixture
def draft(demo, filer, org):
    return services.create_filing(actor=filer, organization=org("石家庄市"), campaign=demo, title="规则一致")


def form_errors(activity, **values) -> dict[str, list[str]]:
    data = {"title": activity.title, "format": "onsite", "starts_on": "2020-08-23", "ends_on": "2020-08-24",
            "venue_capacity": "200", "safety_max_attendance": "80", **values}
    form = FilingForm(data, activity=activity, content_areas=content_areas_for(activity))
    form.is_valid()
    return dict(form.errors)


def importer_errors(filer, org, campaign, **cells) -> dict[str, list[str]]:
    importer = Importer(user=filer, organization=org("石家庄市"), campaign=campaign, kind="project")
    _parsed, errors, _warnings = importer.validate(2, {**ROW, **cells})
    found: dict[str, list[str]] = {}
    for issue in errors:
        found.setdefault(issue.key, []).append(issue.message)
    return found


@pytest.mark.parametrize(("field", "value", "message"), [
    # the form used to accept these; the importer refused the phone (the stricter answer won)
    ("contact_phone", "abc", "无法识别的电话号码“abc”"),
    ("expected_participants", 100_000_000, f"预计参与人数 100000000 超过了 {MAX_EXPECTED_PARTICIPANTS}，请核实后填写。"),
    ("safety_max_attendance", 300, "最大同时在场人数 300 超过了场馆额定容量 200 人。"),
    # the importer's date rules, now the form's too: within the campaign's dates (the week here)
    ("starts_on", "2019-08-23", "2019-08-23 不在本届活动日期（2020-08-23 至 2020-08-29）内"),
    ("starts_on", "2020-08-30", "2020-08-30 不在本届活动日期（2020-08-23 至 2020-08-29）内"),
])
def test_form_and_importer_refuse_the_same_values_with_the_same_words(field, value, message, draft, filer, org,
                                                                       demo):
    assert form_errors(draft, **{field: str(value)})[field] == [message]
    assert importer_errors(filer, org, demo, **{field: value})[field] == [message]


def test_an_end_before_the_start_reads_the_same_everywhere(draft, filer, org, demo):
    message = "结束日期 2020-08-20 早于开始日期 2020-08-23"
    assert form_errors(draft, ends_on="2020-08-20")["ends_on"] == [message]
    assert importer_errors(filer, org, demo, ends_on="2020-08-20")["ends_on"] == [message]


def test_good_values_pass_both_and_phones_are_normalized_alike(draft, filer, org, demo):
    assert form_errors(draft, contact_phone="０３１１－１２３４５６７８", expected_participants="5000") == {}
    assert importer_errors(filer, org, demo, contact_phone="０３１１－１２３４５６７８") == {}
    importer = Importer(user=filer, organization=org("石家庄市"), campaign=demo, kind="project")
    parsed, _e, _w = importer.validate(2, {**ROW, "contact_phone": "０３１１－１２３４５６７８"})
    form = FilingForm({"title": "x", "contact_phone": "０３１１－１２３４５６７８"}, activity=draft,
                      content_areas=content_areas_for(draft))
    assert form.is_valid() and form.cleaned_data["contact_phone"] == parsed.filing.fields["contact_phone"] == (
        "0311-12345678")


def sessions_formset(*spans):
    data = {"sessions-TOTAL_FORMS": str(len(spans)), "sessions-INITIAL_FORMS": "0", "sessions-MIN_NUM_FORMS": "0",
            "sessions-MAX_NUM_FORMS": "1000"}
    for i, (start, end, capacity) in enumerate(spans):
        data.update({f"sessions-{i}-starts_at": start, f"sessions-{i}-ends_at": end, f"sessions-{i}-capacity": capacity})
    return data


def test_sessions_outside_the_dates_or_over_the_cap_are_refused_by_both(draft, filer, org, demo):
    demo.attendance_cap_percent = 30  # venue 200 → 60 at most
    demo.save()
    data = {"title": "规则一致", "format": "onsite", "starts_on": "2020-08-23", "ends_on": "2020-08-24",
            "venue_capacity": "200", "safety_max_attendance": "60",
            **sessions_formset(("2020-08-25T09:00", "2020-08-25T10:00", "30"),   # after the last day
                               ("2020-08-23T09:00", "2020-08-23T09:00", "30"),   # ends as it starts
                               ("2020-08-23T14:00", "2020-08-23T15:00", "90"))}  # more places than allowed
    form = FilingForm(data, activity=draft, content_areas=content_areas_for(draft))
    formset = session_formset(draft, data)
    assert form.is_valid() and formset.is_valid()
    assert not check_sessions(form, formset)
    form_messages = [e for f in formset.forms for errors in f.errors.values() for e in errors]
    assert form_messages == [
        "场次日期 2020-08-25 不在活动日期（2020-08-23 至 2020-08-24）内", "第 2 场的结束时间应晚于开始时间。",
        "第 3 场的名额 90 超过了最大同时在场人数 60。"]

    imported = importer_errors(filer, org, demo, safety_max_attendance=60, sessions=(
        "2020-08-25 09:00-10:00（30人）；2020-08-23 09:00-09:00（30人）"))
    assert imported["sessions"] == form_messages[:2]
    imported = importer_errors(filer, org, demo, safety_max_attendance=60, sessions="2020-08-23 14:00-15:00（90人）")
    assert imported["capacity"] == ["第 1 场的名额 90 超过了最大同时在场人数 60。"]


def test_hosts_outside_the_filers_scope_are_linked_by_both_inactive_ones_by_neither(draft, filer, org, demo):
    from sciweek.activities import hosts
    from sciweek.organizations.models import Organization

    closed = Organization.objects.add_child(org("石家庄市"), {"name": "已撤销的科普基地", "kind": "other",
                                                               "is_active": False})
    names = ["保定市科学技术局", "省科技厅", "已撤销的科普基地"]
    linked, others = hosts.resolve(names, draft.organization)
    assert [o.name for o in linked] == ["保定市科学技术局", "河北省科学技术厅"] and others == ["已撤销的科普基地"]

    importer = Importer(user=filer, organization=org("石家庄市"), campaign=demo, kind="project")
    parsed, errors, _w = importer.validate(2, {**ROW, "hosts": "、".join(names)})
    assert errors == []
    assert parsed.filing.hosts == [o.pk for o in linked] and closed.pk not in parsed.filing.hosts
    assert parsed.filing.fields["other_hosts"] == "已撤销的科普基地"


def test_where_an_activity_may_take_place_is_the_filers_province_in_both(demo, org):
    """The form offered the filing unit's province only; the importer, for a tree that is not a
    region (a central department), every division. The stricter answer won: the unit's province."""
    academy = org("中国科学院")
    type(academy).objects.filter(pk=academy.pk).update(division_id="110000")
    academy.refresh_from_db()
    filer = User.objects.create_user("cas-filer", password="x")
    filer.memberships.create(organization=academy, role="filer")
    draft = services.create_filing(actor=filer, organization=academy, campaign=demo, title="院属活动")
    form = FilingForm(data={}, activity=draft, content_areas=content_areas_for(draft))
    assert {d.code[:2] for d in form.fields["division"].queryset} == {"11"}

    def chosen(_name):
        return academy

    assert importer_errors(filer, chosen, demo, division="130102")["division"] == [
        "行政区划代码 130102 不存在或不在本省范围内"]
    assert "division" not in importer_errors(filer, chosen, demo, division="110108")


def test_submission_checks_the_same_rules_again(draft, filer, demo):
    """A draft saved in parts can still break a rule (e.g. the venue lowered after the peak was
    saved); submission refuses it with the same words."""
    from django.core.exceptions import ValidationError

    from sciweek.activities.tests.factories import complete_filing

    activity = complete_filing(demo, safety_max_attendance=80, venue_capacity=50)
    Activity.objects.filter(pk=activity.pk).update(contact_phone="abc")
    with pytest.raises(ValidationError) as refused:
        services.submit(Activity.objects.get(pk=activity.pk), actor=User.objects.get(username="unit-filer"))
    assert "无法识别的电话号码“abc”" in refused.value.messages
    assert "最大同时在场人数 80 超过了场馆额定容量 50 人。" in refused.value.messages
