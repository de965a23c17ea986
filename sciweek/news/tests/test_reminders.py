"""Reminders before the news clock runs out (once per activity, however often the sweep runs)
and the reporting dashboard's "remind everyone missing" (once a day per activity, audited)."""
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.http import Http404
from freezegun import freeze_time

from sciweek.accounts.models import AuditEvent, Membership
from sciweek.activities.models import Notification
from sciweek.news import services
from sciweek.news.models import NewsDue

from .conftest import user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _only_this_tests_clocks(db):
    """The demo's own clocks (2020's and the live campaign's) would be swept too: these tests
    count what the sweep does to the clocks they make."""
    NewsDue.objects.all().delete()


def news_people(organization):
    return set(Membership.objects.filter(organization=organization, role__in=["publicity", "liaison", "admin"])
               .values_list("user_id", flat=True))


def test_reminded_once_before_the_clock_runs_out_even_when_run_twice(approved, unit,
                                                                     django_capture_on_commit_callbacks):
    activity = approved()
    due = NewsDue.objects.get(activity=activity)
    people = news_people(unit)
    assert people
    with freeze_time(due.due_at - timedelta(hours=25)), django_capture_on_commit_callbacks(execute=True):
        assert services.send_news_reminders() == 0  # more than a day left
    with freeze_time(due.due_at - timedelta(hours=10)), django_capture_on_commit_callbacks(execute=True):
        assert services.send_news_reminders() == 1
        assert services.send_news_reminders() == 0
    notes = Notification.objects.filter(activity=activity, message__startswith="动态信息报送提醒")
    assert set(notes.values_list("user_id", flat=True)) == people and notes.count() == len(people)
    assert activity.title in notes.first().message
    assert any("动态信息报送提醒" in m.subject for m in mail.outbox)
    due.refresh_from_db()
    assert due.reminded_at == due.due_at - timedelta(hours=10)
    with freeze_time(due.due_at - timedelta(hours=1)), django_capture_on_commit_callbacks(execute=True):
        call_command("send_news_reminders", stdout=StringIO())  # the task, enqueued (run at once in tests)
        call_command("send_news_reminders", "--now", stdout=StringIO())
    assert notes.count() == len(people)


def test_no_reminder_once_news_is_in_or_after_the_clock_ran_out(approved, unit, django_capture_on_commit_callbacks):
    reported, overdue = approved(title="已报"), approved(title="过期")
    due = NewsDue.objects.get(activity=reported)
    with freeze_time(due.clock_starts_at + timedelta(minutes=5)):
        services.submit(actor=user("unit-publicity"), organization=unit, campaign=reported.campaign, title="已报送",
                        body="x", activity=reported)
    with freeze_time(due.due_at + timedelta(minutes=1)), django_capture_on_commit_callbacks(execute=True):
        assert services.send_news_reminders() == 0
    assert not Notification.objects.filter(activity__in=[reported, overdue],
                                           message__startswith="动态信息报送提醒").exists()


def test_remind_everyone_missing(approved, unit, org, django_capture_on_commit_callbacks):
    first, second = approved(title="缺一"), approved(title="缺二")
    due = NewsDue.objects.get(activity=first)
    city = org("石家庄市")
    with pytest.raises((PermissionDenied, Http404)):
        services.remind_missing_news(first.campaign, city, actor=user("unit-filer"))
    with freeze_time(due.clock_starts_at - timedelta(hours=1)):
        assert services.remind_missing_news(first.campaign, city, actor=user("sjz-admin")) == 0  # not held yet
    with freeze_time(due.due_at + timedelta(days=1)), django_capture_on_commit_callbacks(execute=True):
        assert services.remind_missing_news(first.campaign, city, actor=user("sjz-admin")) == 1  # one unit, two activities
        assert services.remind_missing_news(first.campaign, city, actor=user("sjz-admin")) == 0  # once a day
    note = Notification.objects.filter(message__contains="项活动尚未报送动态信息").first()
    assert note is not None and "2 项活动" in note.message and note.user_id in news_people(unit)
    events = AuditEvent.objects.filter(action="news.reminded", organization=city)
    assert events.count() == 3 and events.order_by("-id").values_list("detail", flat=True)[1]["organizations"] == 1
    with freeze_time(due.due_at + timedelta(days=2)):
        assert services.remind_missing_news(first.campaign, city, actor=user("sjz-admin")) == 1  # the next day again
    assert second  # both activities were counted for the same unit
