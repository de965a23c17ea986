"""The news clock: one NewsDue row per approved activity, started at the end of its last session
(else the end of its last day), due N days later (N from the nearest regional plan, else the
campaign), its news facts rewritten on every submit and withdraw; lateness at the boundary."""
import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from freezegun import freeze_time

from sciweek.activities import services as activity_services
from sciweek.activities.models import Session
from sciweek.campaigns.models import RegionalPlan
from sciweek.news import services
from sciweek.news.lateness import humanize_seconds, late_label
from sciweek.news.models import NewsDue, NewsItem

from .conftest import at, user

pytestmark = pytest.mark.django_db

DAY1, DAY2 = date(2020, 8, 24), date(2020, 8, 25)


def file_news(activity, unit, when, title="活动现场", **kwargs):
    with freeze_time(when):
        return services.submit(actor=user("unit-publicity"), organization=unit, campaign=activity.campaign,
                               title=title, body="现场气氛热烈。", activity=activity, **kwargs)


def test_the_row_is_made_on_approval_and_the_clock_starts_at_the_last_session_end(approved):
    activity = approved(sessions=[(at(DAY2, 14), at(DAY2, 16)), (at(DAY1, 9), at(DAY1, 11))])
    due = NewsDue.objects.get(activity=activity)
    assert due.clock_starts_at == at(DAY2, 16)  # the last session's end, not the first's
    assert due.within_days == 3 and due.due_at == at(DAY2, 16) + timedelta(days=3)
    assert (due.campaign_id, due.organization_id, due.org_path) == (
        activity.campaign_id, activity.organization_id, activity.organization.path)
    assert due.first_news_at is None and not due.on_time and not due.with_images


def test_one_second_before_is_on_time_one_second_after_is_late(approved, unit):
    activity = approved()
    due = NewsDue.objects.get(activity=activity)
    on_time = file_news(activity, unit, due.due_at - timedelta(seconds=1))
    assert (on_time.late_seconds, on_time.is_late, on_time.due_at) == (0, False, due.due_at)
    assert on_time.late_display == ""
    due.refresh_from_db()
    assert due.on_time and due.first_news_at == due.due_at - timedelta(seconds=1)

    services.withdraw(on_time, actor=user("unit-publicity"))
    due.refresh_from_db()
    assert due.first_news_at is None and not due.on_time  # a withdrawn item does not count

    late = file_news(activity, unit, due.due_at + timedelta(seconds=1), title="补报")
    assert (late.late_seconds, late.is_late) == (1, True)
    assert late.late_display == "逾期 1 秒"
    due.refresh_from_db()
    assert not due.on_time and due.first_news_at == due.due_at + timedelta(seconds=1)


def test_exactly_at_the_due_time_is_on_time(approved, unit):
    activity = approved()
    due = NewsDue.objects.get(activity=activity)
    item = file_news(activity, unit, due.due_at)
    assert item.late_seconds == 0 and not item.is_late


def test_a_regional_plan_overrides_the_campaign_and_the_nearest_plan_wins(approved, org, demo):
    activity = approved()
    start = NewsDue.objects.get(activity=activity).clock_starts_at
    RegionalPlan.objects.update_or_create(campaign=demo, organization=org("河北省"),
                                          defaults={"news_within_days": 5})
    assert services.sync_news_due(activity).due_at == start + timedelta(days=5)
    RegionalPlan.objects.update_or_create(campaign=demo, organization=org("石家庄市"),
                                          defaults={"news_within_days": 2})
    due = services.sync_news_due(activity)
    assert (due.within_days, due.due_at) == (2, start + timedelta(days=2))


def test_without_sessions_the_clock_starts_at_the_end_of_the_last_day(approved):
    activity = approved(starts_on=DAY1, ends_on=DAY2)
    Session.objects.filter(activity=activity).delete()
    due = services.sync_news_due(activity)
    assert due.clock_starts_at == at(DAY2, 23, 59, 59)
    assert due.due_at == at(DAY2, 23, 59, 59) + timedelta(days=3)


def test_a_moved_clock_remeasures_items_from_their_first_submission(approved, unit):
    activity = approved()
    due = NewsDue.objects.get(activity=activity)
    item = file_news(activity, unit, due.due_at + timedelta(hours=2))
    assert item.late_seconds == 7200
    NewsDue.objects.filter(pk=due.pk).update(reminded_at=due.due_at)
    Session.objects.filter(activity=activity).update(ends_at=due.clock_starts_at + timedelta(hours=3))
    moved = services.sync_news_due(activity)
    item.refresh_from_db()
    assert moved.due_at == due.due_at + timedelta(hours=3) and moved.reminded_at is None
    assert (item.late_seconds, item.is_late, item.due_at) == (0, False, moved.due_at) and moved.on_time


def test_cancelling_the_activity_removes_its_clock(approved, django_capture_on_commit_callbacks):
    activity = approved()
    assert NewsDue.objects.filter(activity=activity).exists()
    with django_capture_on_commit_callbacks(execute=True):
        activity_services.cancel(activity, actor=user("unit-filer"), reason="场地维修")
    assert not NewsDue.objects.filter(activity=activity).exists()


def test_an_applied_change_moves_the_clock(approved, django_capture_on_commit_callbacks):
    activity = approved()
    with freeze_time("2020-07-21 10:00:00"):
        change = activity_services.propose_change(activity, actor=user("unit-filer"))
        Session.objects.filter(activity=change).update(ends_at=at(DAY1, 18))
        with django_capture_on_commit_callbacks(execute=True):
            activity_services.submit(change, actor=user("unit-filer"))
            change.refresh_from_db()
            activity_services.approve(change, actor=user("sjz-reviewer"))
    assert NewsDue.objects.get(activity=activity).clock_starts_at == at(DAY1, 18)
    assert not NewsDue.objects.filter(activity=change).exists()


def test_submit_updates_images_and_first_news(approved, unit, settings):
    from .conftest import jpeg

    activity = approved()
    due = NewsDue.objects.get(activity=activity)
    file_news(activity, unit, due.clock_starts_at + timedelta(hours=1), title="无图")
    due.refresh_from_db()
    assert due.first_news_at == due.clock_starts_at + timedelta(hours=1) and due.on_time and not due.with_images
    assets, refused = services.intake_images([jpeg()], actor=user("unit-publicity"))
    assert not refused
    file_news(activity, unit, due.clock_starts_at + timedelta(hours=2), title="有图", images=[(assets[0], "现场")])
    due.refresh_from_db()
    assert due.with_images and due.first_news_at == due.clock_starts_at + timedelta(hours=1)


def test_rebuild_gives_what_sync_gives(approved, unit, demo):
    a = approved(title="甲")
    b = approved(title="乙", sessions=[(at(DAY2, 9), at(DAY2, 10))])
    file_news(a, unit, NewsDue.objects.get(activity=a).due_at - timedelta(hours=1))
    expected = {row.activity_id: (row.clock_starts_at, row.due_at, row.first_news_at, row.on_time, row.with_images)
                for row in NewsDue.objects.filter(activity__in=[a, b])}
    NewsDue.objects.filter(activity=a).update(first_news_at=None, on_time=False)
    NewsDue.objects.filter(activity=b).delete()
    out = io.StringIO()
    call_command("rebuild_news_dues", "2020", stdout=out)
    assert ", 1 updated," in out.getvalue()  # a; b and the demo's activities (approved without services) created
    got = {row.activity_id: (row.clock_starts_at, row.due_at, row.first_news_at, row.on_time, row.with_images)
           for row in NewsDue.objects.filter(activity__in=[a, b])}
    assert got == expected
    # Every approved activity of the campaign with a date has its row.
    from sciweek.activities.models import Activity

    dated = Activity.objects.filter(campaign=demo, status="approved", revises__isnull=True).exclude(
        starts_on__isnull=True, sessions__isnull=True)
    assert NewsDue.objects.filter(campaign=demo).count() == dated.distinct().count()
    assert services.rebuild_news_dues(demo) == {"created": 0, "updated": 0, "deleted": 0, "items": 0}


def test_news_of_a_not_yet_started_activity_is_still_refused(approved, unit):
    activity = approved()
    first = activity.sessions.order_by("starts_at").first()
    with freeze_time(first.starts_at - timedelta(seconds=1)), pytest.raises(Exception) as refused:
        services.submit(actor=user("unit-publicity"), organization=unit, campaign=activity.campaign, title="早",
                        body="x", activity=activity)
    assert "活动开始后才能报送" in str(refused.value)
    assert not NewsItem.objects.filter(title="早").exists()


def test_lateness_in_words():
    assert humanize_seconds(2 * 86400 + 5 * 3600 + 59) == "2 天 5 小时"
    assert humanize_seconds(3 * 86400) == "3 天"
    assert humanize_seconds(3600 + 60 * 7) == "1 小时 7 分钟"
    assert humanize_seconds(59) == "59 秒"
    assert humanize_seconds(0) == "" and late_label(None) == ""
    assert late_label(2 * 86400 + 5 * 3600) == "逾期 2 天 5 小时"


def test_a_cancelled_last_session_moves_the_clock_back(approved, django_capture_on_commit_callbacks):
    from sciweek.reservations import services as reservation_services

    activity = approved(sessions=[(at(DAY1, 9), at(DAY1, 11)), (at(DAY2, 14), at(DAY2, 16))])
    assert NewsDue.objects.get(activity=activity).clock_starts_at == at(DAY2, 16)
    last = Session.objects.get(activity=activity, starts_at=at(DAY2, 14))
    with django_capture_on_commit_callbacks(execute=True):
        reservation_services.close_session(last, actor=user("unit-filer"), cancel_all=True, reason="暴雨")
    due = NewsDue.objects.get(activity=activity)
    assert due.clock_starts_at == at(DAY1, 11) and due.due_at == at(DAY1, 11) + timedelta(days=3)


def test_changing_the_days_moves_the_clocks_they_bind(approved, org, django_capture_on_commit_callbacks):
    from sciweek.campaigns import services as campaign_services
    from sciweek.news import selectors

    activity = approved()
    start = NewsDue.objects.get(activity=activity).clock_starts_at
    campaign = activity.campaign
    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.update_campaign(campaign, actor=user("national-admin"), news_within_days=5)
    due = NewsDue.objects.get(activity=activity)
    # 石家庄 is bound by Hebei's plan when it sets the days, else by the campaign.
    plan_days = RegionalPlan.objects.filter(campaign=campaign, organization=org("河北省")).values_list(
        "news_within_days", flat=True).first()
    assert due.within_days == (plan_days or 5)
    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.save_regional_plan(actor=user("hebei-admin"), campaign=campaign,
                                             organization=org("河北省"), news_within_days=2)
    due = NewsDue.objects.get(activity=activity)
    assert (due.within_days, due.due_at) == (2, start + timedelta(days=2))
    from sciweek.organizations.models import Organization

    hebei, moment = org("河北省"), start + timedelta(days=1)
    assert hebei.depth == 2 and Organization.objects.filter(depth=1).exists()
    kept = selectors.clock_figures(campaign, hebei, moment)
    assert {k: v for k, v in kept.items() if v["expected"]} == selectors.clock_figures_counted(
        campaign, hebei, moment)  # the tally moved with them
