"""The news guarantees under concurrency, threads released together by a barrier (SQLite file
DB and PostgreSQL): two reminder sweeps at once remind once; items filed at once for one
activity leave the clock's facts a recount gives; two reviewers deciding at once yield one
decision.

The reminder guarantee has an unsafe twin: the conditional claim replaced by an unconditional
write in the test, and the race is then caught (everyone reminds)."""
import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from sciweek.accounts.models import Membership, Role, User
from sciweek.activities.models import Activity, Notification, Session
from sciweek.campaigns.models import Campaign
from sciweek.core import testing
from sciweek.news import services
from sciweek.news.models import NewsDue, NewsItem
from sciweek.organizations.models import Organization

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 8
TZ = ZoneInfo("Asia/Shanghai")


def rush(work, n=THREADS):
    return testing.rush(work, n, refusals=(ValidationError,))


@pytest.fixture
def world():
    campaign = Campaign.objects.create(year=2097, name="测试活动周", theme="测试", starts_on=date(2097, 5, 20),
                                       ends_on=date(2097, 5, 26), news_within_days=3)
    root = Organization.objects.add_root({"name": "测试组委会", "kind": "committee"})
    city = Organization.objects.add_child(root, {"name": "测试市", "kind": "region"})
    unit = Organization.objects.add_child(city, {"name": "测试科技馆", "kind": "museum"})
    people = []
    for n, role in enumerate([Role.PUBLICITY, Role.PUBLICITY, Role.LIAISON]):
        person = User.objects.create(username=f"race-news-{n}")
        Membership.objects.create(user=person, organization=unit, role=role)
        people.append(person)
    reviewers = []
    for n in range(2):
        reviewer = User.objects.create(username=f"race-news-reviewer-{n}")
        Membership.objects.create(user=reviewer, organization=city, role=Role.REVIEWER)
        reviewers.append(reviewer)
    day = date(2097, 5, 21)
    activity = Activity.objects.create(campaign=campaign, organization=unit, title="测试开放日", starts_on=day,
                                       ends_on=day, status=Activity.Status.APPROVED)
    Session.objects.create(activity=activity, starts_at=datetime.combine(day, time(9), TZ),
                           ends_at=datetime.combine(day, time(11), TZ))
    due = services.sync_news_due(activity)
    return {"campaign": campaign, "unit": unit, "city": city, "people": people, "reviewers": reviewers,
            "activity": activity, "due": due}


@pytest.fixture
def read_together(monkeypatch):
    """Every sweep has read the rows due before any claims one: the claim is where they meet."""
    barrier = threading.Barrier(THREADS)
    read = services._due_for_reminder

    def read_then_wait(now):
        rows = read(now)
        barrier.wait(timeout=30)
        return rows

    monkeypatch.setattr(services, "_due_for_reminder", read_then_wait)


def test_two_sweeps_at_once_remind_once(world, read_together):
    now = world["due"].due_at - timedelta(hours=2)
    outcomes = rush(lambda i: services.send_news_reminders(now=now))
    assert sorted(outcomes) == [0] * (THREADS - 1) + [1], outcomes
    notes = Notification.objects.filter(activity=world["activity"])
    assert notes.count() == len(world["people"])
    assert NewsDue.objects.get(pk=world["due"].pk).reminded_at == now


def test_unsafe_twin_an_unconditional_claim_reminds_everyone(world, read_together, monkeypatch):
    def unconditional(row, now):
        return NewsDue.objects.filter(pk=row.pk).update(reminded_at=now) == 1

    monkeypatch.setattr(services, "_claim_reminder", unconditional)
    now = world["due"].due_at - timedelta(hours=2)
    outcomes = rush(lambda i: services.send_news_reminders(now=now))
    assert sum(o for o in outcomes if isinstance(o, int)) > 1, outcomes
    assert Notification.objects.filter(activity=world["activity"]).count() > len(world["people"])


def test_items_filed_at_once_leave_the_facts_a_recount_gives(world):
    due = world["due"]
    base = due.due_at - timedelta(minutes=30)

    def file(i):
        item = services.submit(actor=world["people"][i % 2], organization=world["unit"], campaign=world["campaign"],
                               title=f"同时报送{i}", body="x", activity=world["activity"],
                               now=base + timedelta(minutes=i * 10))
        return item.late_seconds

    outcomes = rush(file)
    assert all(isinstance(o, int) for o in outcomes), outcomes
    row = NewsDue.objects.get(pk=due.pk)
    assert row.first_news_at == base and row.on_time
    assert NewsItem.objects.filter(activity=world["activity"]).count() == THREADS
    assert sorted(outcomes) == sorted(services.late_seconds(base + timedelta(minutes=i * 10), due.due_at)
                                      for i in range(THREADS))
    recount = services.rebuild_news_dues(world["campaign"])
    assert recount["updated"] == 0  # nothing to repair


def test_two_reviewers_at_once_decide_once(world):
    campaign = world["campaign"]
    campaign.news_review_required = True
    campaign.save(update_fields=["news_review_required"])
    item = services.submit(actor=world["people"][0], organization=world["unit"], campaign=campaign, title="待审",
                           body="x", activity=world["activity"], now=world["due"].due_at)

    def decide(i):
        reviewer = world["reviewers"][i % 2]
        fresh = NewsItem.objects.select_related("organization").get(pk=item.pk)
        if i % 2:
            services.return_for_revision(fresh, actor=reviewer, reason="请补图")
        else:
            services.approve(fresh, actor=reviewer)
        return "ok"

    outcomes = rush(decide)
    assert outcomes.count("ok") == 1 and outcomes.count("refused") == THREADS - 1, outcomes
    final = NewsItem.objects.get(pk=item.pk)
    assert final.status in ("published", "returned")
    row = NewsDue.objects.get(pk=world["due"].pk)
    assert (row.first_news_at is not None) == (final.status == "published")
