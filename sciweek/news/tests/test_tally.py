"""The news tally: whatever happens to the clocks (approval, news on time and late, pictures,
withdrawal, a moved clock, a cancellation, a cascade delete, a rebuild), the dashboard's figures
read from the tally equal the figures counted from every clock, for every level and at any
moment (the current hour included, where the tally defers to the clocks themselves)."""
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sciweek.activities import services as activity_services
from sciweek.activities.models import Activity, Session
from sciweek.news import selectors, services, tally
from sciweek.news.models import NewsDue, NewsTally
from sciweek.organizations.models import Organization

from .conftest import at, jpeg, user
from .test_clock import file_news

pytestmark = pytest.mark.django_db

DAY1, DAY2 = date(2020, 8, 24), date(2020, 8, 25)


def shown(figures):
    return {key: value for key, value in figures.items() if value["expected"]}


def moments(extra=()):
    """Before the week, on the hour and inside it while clocks start and fall due, after."""
    return [at(date(2020, 8, 20), 9), at(DAY1, 10), at(DAY1, 11, 30), at(DAY2, 16), at(DAY2, 16, 0, 1),
            at(date(2020, 8, 27), 16, 30), at(date(2020, 8, 28), 23, 59, 59), at(date(2020, 12, 1), 12), *extra]


def assert_exact(campaign, extra=()):
    levels = [Organization.objects.get(depth=1), Organization.objects.get(name="河北省"),
              Organization.objects.get(name="石家庄市"), Organization.objects.get(name="石家庄市科技信息研究所")]
    for level in levels:
        for now in moments(extra):
            assert shown(selectors.clock_figures(campaign, level, now)) == shown(
                selectors.clock_figures_counted(campaign, level, now)), (level.name, now)


def tally_rows(campaign):
    return {(r.path, r.start_hour, r.within_days): (r.clocks, r.reported, r.on_time, r.complete)
            for r in NewsTally.objects.filter(campaign=campaign) if (r.clocks, r.reported, r.on_time, r.complete) != (0,) * 4}


def test_the_demo_tally_answers_like_the_clocks(demo):
    assert NewsTally.objects.filter(campaign=demo).exists()
    assert not NewsTally.objects.filter(campaign=demo, depth=1).exists()  # no row for the root
    assert_exact(demo)


def test_every_write_keeps_the_tally_exact(approved, unit, django_capture_on_commit_callbacks):
    a = approved(title="甲", sessions=[(at(DAY1, 9), at(DAY1, 11, 30))])
    b = approved(title="乙", sessions=[(at(DAY2, 14), at(DAY2, 16))])
    campaign = a.campaign
    due_a, due_b = NewsDue.objects.get(activity=a), NewsDue.objects.get(activity=b)
    # Moments right around the new clocks: inside their start hour and their due hour.
    extra = [due_a.clock_starts_at, due_a.clock_starts_at + timedelta(minutes=10), due_a.due_at,
             due_a.due_at + timedelta(seconds=1), due_b.due_at - timedelta(minutes=5)]
    assert_exact(campaign, extra)

    on_time = file_news(a, unit, due_a.due_at - timedelta(hours=1))
    assert_exact(campaign, extra)
    assets, refused = services.intake_images([jpeg()], actor=user("unit-publicity"))
    assert not refused
    file_news(a, unit, due_a.due_at + timedelta(hours=1), title="补图", images=[(assets[0], "现场")])
    assert_exact(campaign, extra)
    services.withdraw(on_time, actor=user("unit-publicity"))  # the first news is now the late one
    assert NewsDue.objects.get(activity=a).on_time is False
    assert_exact(campaign, extra)

    file_news(b, unit, due_b.due_at + timedelta(days=1))  # late
    Session.objects.filter(activity=b).update(ends_at=due_b.clock_starts_at + timedelta(days=2))
    services.sync_news_due(b)  # the clock moves: the news is on time now
    assert NewsDue.objects.get(activity=b).on_time
    assert_exact(campaign, extra)

    with django_capture_on_commit_callbacks(execute=True):
        activity_services.cancel(a, actor=user("unit-filer"), reason="场地维修")
    assert not NewsDue.objects.filter(activity=a).exists()
    assert_exact(campaign, extra)

    Activity.objects.filter(pk=b.pk).delete()  # a cascade takes the clock with it
    assert_exact(campaign, extra)

    kept = tally_rows(campaign)
    tally.rebuild(campaign.pk)
    assert tally_rows(campaign) == kept  # what the writes kept is what a recount gives


def test_the_national_dashboard_reads_few_rows_whatever_the_clocks(demo):
    """The children's figures: one query over the tally, one over the current hour's clocks and
    one over the level's own, at any size."""
    root = Organization.objects.get(depth=1)
    with CaptureQueriesContext(connection) as queries:
        selectors.clock_figures(demo, root, at(DAY2, 16, 30))
    assert len(queries) == 3
