import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from freezegun import freeze_time

from sciweek.accounts.models import User
from sciweek.activities import selectors, services, workflow
from sciweek.activities.models import Activity, Notification, Transition
from sciweek.core.sms import LocmemSmsBackend

from .factories import complete_filing

pytestmark = pytest.mark.django_db
S = Activity.Status


def user(name):
    return User.objects.get(username=name)


@pytest.fixture(autouse=True)
def _within_filing_period():
    with freeze_time("2020-07-20 10:00:00", tick=True):
        yield


def test_review_path_follows_the_reporting_line(demo, org):
    unit = org("石家庄市科技信息研究所")
    assert [o.name for o in workflow.review_chain(unit, Activity.Level.UNIT)] == ["石家庄市"]
    assert [o.name for o in workflow.review_chain(unit, Activity.Level.PROVINCIAL)] == ["石家庄市", "河北省"]
    assert [o.name for o in workflow.review_chain(unit, Activity.Level.NATIONAL)] == [
        "石家庄市", "河北省", "全国科技活动周组委会"]
    department = org("河北省科学技术厅")
    assert [o.name for o in workflow.review_chain(department, Activity.Level.PROVINCIAL)] == ["河北省"]
    assert workflow.final_level_for(org("深圳市"), Activity.Level.CITY).name == "深圳市"


def test_city_activity_stops_at_the_city(demo):
    activity = complete_filing(demo)
    services.submit(activity, actor=user("unit-filer"))
    activity.refresh_from_db()
    assert (activity.status, activity.review_level.name) == (S.SUBMITTED, "石家庄市")
    services.approve(activity, actor=user("sjz-reviewer"))
    activity.refresh_from_db()
    assert activity.status == S.APPROVED and activity.review_level is None
    assert activity in selectors.public_activities(demo)


def test_provincial_activity_goes_up_level_by_level(demo):
    activity = complete_filing(demo, level=Activity.Level.PROVINCIAL)
    services.submit(activity, actor=user("unit-filer"))
    with pytest.raises(PermissionDenied):  # the province cannot act before the city
        services.approve(activity, actor=user("hebei-reviewer"))
    services.approve(activity, actor=user("sjz-reviewer"), comment="同意上报")
    activity.refresh_from_db()
    assert (activity.status, activity.review_level.name) == (S.SUBMITTED, "河北省")
    assert activity not in selectors.public_activities(demo)
    services.approve(activity, actor=user("hebei-reviewer"))
    activity.refresh_from_db()
    assert activity.status == S.APPROVED
    actions = list(activity.transitions.values_list("action", "level__name"))
    assert actions == [("submit", "石家庄市"), ("forward", "石家庄市"), ("approve", "河北省")]


def test_return_then_resubmit_shows_what_changed(demo):
    activity = complete_filing(demo)
    services.submit(activity, actor=user("unit-filer"))
    with pytest.raises(ValidationError):
        services.return_for_revision(activity, actor=user("sjz-reviewer"), comment="  ")
    services.return_for_revision(activity, actor=user("sjz-reviewer"), comment="请写明每场人数上限")
    activity.refresh_from_db()
    assert activity.status == S.RETURNED
    services.update_filing(activity, actor=user("unit-filer"), fields={"safety_max_attendance": 60,
                                                                      "title": "人工智能与健康生活科普讲座（限60人）"})
    services.submit(activity, actor=user("unit-filer"))
    activity.refresh_from_db()
    changes = {c["field"]: (c["old"], c["new"]) for c in services.changes_since_last_submission(activity)}
    assert changes["最大同时在场人数"] == ("80", "60")
    assert changes["名称"][1].endswith("（限60人）")
    assert Transition.objects.filter(activity=activity, action="return", comment="请写明每场人数上限").exists()


def test_only_reviewers_of_the_level_decide(demo, org):
    activity = complete_filing(demo)
    services.submit(activity, actor=user("unit-filer"))
    for outsider in ("unit-filer", "sjz-filer", "sjz-admin", "unit-reviewer"):
        with pytest.raises(PermissionDenied):
            services.approve(activity, actor=user(outsider))
    baoding_reviewer = User.objects.create_user("bd-reviewer", password="x")
    baoding_reviewer.memberships.create(organization=org("保定市"), role="reviewer")
    with pytest.raises(Http404):  # outside their tree the filing does not exist for them
        services.approve(activity, actor=baoding_reviewer)
    assert Activity.objects.get(pk=activity.pk).status == S.SUBMITTED


def test_reviewer_in_the_lead_department_reviews_for_its_level(demo, org):
    activity = complete_filing(demo)
    services.submit(activity, actor=user("unit-filer"))
    bureau_reviewer = User.objects.create_user("sjz-bureau-reviewer", password="x")
    bureau_reviewer.memberships.create(organization=org("石家庄市科学技术局"), role="reviewer")
    services.approve(activity, actor=bureau_reviewer)
    assert Activity.objects.get(pk=activity.pk).status == S.APPROVED


def test_reject_withdraw_reopen(demo):
    a = complete_filing(demo)
    services.submit(a, actor=user("unit-filer"))
    services.reject(a, actor=user("sjz-reviewer"), comment="与科技活动周主题无关")
    assert Activity.objects.get(pk=a.pk).status == S.REJECTED
    b = complete_filing(demo)
    services.submit(b, actor=user("unit-filer"))
    services.withdraw(b, actor=user("unit-filer"))
    b.refresh_from_db()
    assert b.status == S.WITHDRAWN and b.review_level is None
    services.reopen(b, actor=user("unit-filer"))
    assert Activity.objects.get(pk=b.pk).status == S.DRAFT


def test_missing_fields_block_submission_with_a_list(demo, org):
    activity = services.create_filing(actor=user("unit-filer"), organization=org("石家庄市科技信息研究所"),
                                      campaign=demo, title="半成品")
    with pytest.raises(ValidationError) as error:
        services.submit(activity, actor=user("unit-filer"))
    message = " ".join(error.value.messages)
    assert "主办单位" in message and "活动日期" in message and "联系人和联系电话" in message
    assert Activity.objects.get(pk=activity.pk).status == S.DRAFT


def test_attendance_cap_is_enforced(demo):
    demo.attendance_cap_percent = 30
    demo.save()
    activity = complete_filing(demo)  # venue 200 → at most 60; the plan says 80
    with pytest.raises(ValidationError) as error:
        services.submit(activity, actor=user("unit-filer"))
    assert "80" in " ".join(error.value.messages) and "60" in " ".join(error.value.messages)
    services.update_filing(activity, actor=user("unit-filer"), fields={"safety_max_attendance": 60})
    activity.sessions.update(capacity=90)
    with pytest.raises(ValidationError) as error:  # a session may not offer more places than allowed
        services.submit(activity, actor=user("unit-filer"))
    assert "第 1 场" in " ".join(error.value.messages)
    activity.sessions.update(capacity=30)
    services.submit(activity, actor=user("unit-filer"))


def test_regional_plan_can_be_stricter(demo, org):
    from sciweek.campaigns.models import RegionalPlan

    RegionalPlan.objects.create(campaign=demo, organization=org("石家庄市"), max_gathering=50)
    activity = complete_filing(demo)
    with pytest.raises(ValidationError):
        services.submit(activity, actor=user("unit-filer"))


def test_late_filing_is_flagged_or_refused(demo):
    with freeze_time("2020-08-05 10:00:00"):
        activity = complete_filing(demo)
        services.submit(activity, actor=user("unit-filer"))
        assert Activity.objects.get(pk=activity.pk).is_late
        demo.allow_late_filing = False
        demo.save()
        other = complete_filing(demo)
        with pytest.raises(ValidationError) as error:
            services.submit(other, actor=user("unit-filer"))
        assert "2020-07-31" in " ".join(error.value.messages)


def test_change_to_approved_activity_keeps_the_approved_version_public(demo):
    activity = complete_filing(demo)
    services.submit(activity, actor=user("unit-filer"))
    services.approve(activity, actor=user("sjz-reviewer"))
    change = services.propose_change(activity, actor=user("unit-filer"))
    assert services.propose_change(activity, actor=user("unit-filer")) == change  # one open change
    services.update_filing(change, actor=user("unit-filer"), fields={"title": "改到线上举办", "address": "线上"})
    services.submit(change, actor=user("unit-filer"))
    public = selectors.public_activities(demo)
    assert public.filter(pk=activity.pk, title="人工智能与健康生活科普讲座").exists()
    assert not public.filter(pk=change.pk).exists()
    assert {c["field"] for c in services.changes_since_last_submission(Activity.objects.get(pk=change.pk))} >= {"名称"}
    services.approve(Activity.objects.get(pk=change.pk), actor=user("sjz-reviewer"))
    activity.refresh_from_db()
    assert activity.title == "改到线上举办" and activity.status == S.APPROVED
    assert Activity.objects.get(pk=change.pk).status == S.SUPERSEDED
    assert activity.transitions.filter(action="apply_change").exists()


def test_cancellation_is_public_and_needs_a_reason(demo):
    activity = complete_filing(demo)
    services.submit(activity, actor=user("unit-filer"))
    services.approve(activity, actor=user("sjz-reviewer"))
    with pytest.raises(ValidationError):
        services.cancel(activity, actor=user("unit-filer"), reason="")
    services.cancel(Activity.objects.get(pk=activity.pk), actor=user("unit-filer"), reason="因疫情防控要求取消")
    cancelled = selectors.public_activities(demo).get(pk=activity.pk)
    assert cancelled.status == S.CANCELLED and cancelled.cancel_reason == "因疫情防控要求取消"


def test_transitions_notify_console_email_and_sms(demo):
    LocmemSmsBackend.outbox.clear()
    activity = complete_filing(demo)
    user("sjz-reviewer").__class__.objects.filter(username="sjz-reviewer").update(email="r@example.cn")
    services.submit(activity, actor=user("unit-filer"))
    assert Notification.objects.filter(user__username="sjz-reviewer", activity=activity).exists()
    assert any("待审核" in m.subject for m in mail.outbox)
    services.return_for_revision(Activity.objects.get(pk=activity.pk), actor=user("sjz-reviewer"), comment="补充材料")
    assert Notification.objects.filter(user__username="unit-filer", activity=activity,
                                       message__contains="补充材料").exists()
    assert LocmemSmsBackend.outbox and LocmemSmsBackend.outbox[-1][0] == "13912345678"


def test_deadline_reminders_once_a_day(demo):
    from sciweek.activities.notifications import remind_filing_deadlines

    complete_filing(demo)  # a draft of unit-filer
    with freeze_time("2020-07-28 09:00:00"):
        assert remind_filing_deadlines() >= 1
        assert remind_filing_deadlines() == 0
    assert Notification.objects.filter(user__username="unit-filer", message__contains="备案截止提醒").count() == 1


def test_bulk_review_reports_what_it_did(demo):
    filings = [complete_filing(demo) for _ in range(3)]
    for a in filings:
        services.submit(a, actor=user("unit-filer"))
    services.withdraw(Activity.objects.get(pk=filings[2].pk), actor=user("unit-filer"))
    result = services.bulk_review([a.pk for a in filings], actor=user("sjz-reviewer"), decision="approve",
                                  comment="同意")
    assert sorted(result["done"]) == sorted([filings[0].pk, filings[1].pk])
    assert result["skipped"] == [filings[2].pk]
    with pytest.raises(ValidationError):
        services.bulk_review([filings[0].pk], actor=user("sjz-reviewer"), decision="return", comment="")


def test_stale_version_is_a_conflict(demo):
    activity = complete_filing(demo)
    services.submit(activity, actor=user("unit-filer"))
    stale = Activity.objects.get(pk=activity.pk)
    services.approve(Activity.objects.get(pk=activity.pk), actor=user("sjz-reviewer"))
    with pytest.raises(services.TransitionConflict):
        services.return_for_revision(stale, actor=user("sjz-reviewer"), comment="晚了一步")
    assert Transition.objects.filter(activity=activity).exclude(action="submit").count() == 1
