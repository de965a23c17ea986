"""The contests' guarantees under concurrency, threads released together by a barrier (SQLite
file DB and PostgreSQL): one voter's votes fired at once never pass the day's caps; a score
submitted twice at once is recorded once; entries filed at once get distinct numbers and the
per-author limit holds; results recomputed by concurrent submits end equal to a recompute.

Each guarantee has an unsafe twin that takes the guard away (the service's conditional UPDATE
replaced by a read-then-write in the test) and shows the race is then caught."""
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from sciweek.accounts.models import Membership, Role, User
from sciweek.campaigns.models import Campaign
from sciweek.contests import services
from sciweek.contests.models import (
    Assignment,
    Category,
    Contest,
    Criterion,
    Entry,
    Panel,
    PanelJudge,
    PrizeTier,
    Result,
    Round,
    RoundMarks,
    Score,
    Vote,
    VoteCounter,
)
from sciweek.core import testing
from sciweek.organizations.models import Organization
from sciweek.participants.models import Profile

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 8


def rush(work, n=THREADS):
    return testing.rush(work, n, refusals=(ValidationError,))


@pytest.fixture
def world():
    campaign = Campaign.objects.create(year=2098, name="测试活动周", theme="测试", starts_on=date(2098, 5, 1),
                                       ends_on=date(2098, 5, 7))
    root = Organization.objects.add_root({"name": "测试组委会", "kind": "committee"})
    province = Organization.objects.add_child(root, {"name": "测试省", "kind": "region"})
    units = [Organization.objects.add_child(province, {"name": f"测试单位{i}", "kind": "museum"}) for i in range(4)]
    admin = User.objects.create(username="race-admin")
    Membership.objects.create(user=admin, organization=province, role=Role.ADMIN)
    now = timezone.now()
    contest = Contest.objects.create(
        campaign=campaign, organization=province, kind=Contest.Kind.MICRO_VIDEO, title="测试微视频大赛", slug="race",
        status=Contest.Status.OPEN, judges_per_entry=3, vote_enabled=True, vote_share_percent=10,
        votes_per_entry_per_day=3, votes_per_category_per_day=5, max_entries_per_first_author=2,
        entries_open_at=now - timedelta(days=1))
    category = Category.objects.create(contest=contest, name="综合组")
    final = Round.objects.create(contest=contest, kind=Round.Kind.FINAL, name="决赛", position=1)
    for i, weight in enumerate((50, 40, 10)):
        Criterion.objects.create(round=final, name=f"项{i}", weight=weight, min_points=0, max_points=10, position=i)
    PrizeTier.objects.create(contest=contest, name="一等奖", count=1, position=0)
    panel = Panel.objects.create(round=final, name="评审组")
    judges = []
    for i in range(3):
        judge = User.objects.create(username=f"race-judge-{i}")
        Membership.objects.create(user=judge, organization=units[3], role=Role.JUDGE)
        PanelJudge.objects.create(panel=panel, judge=judge)
        judges.append(judge)
    return {"contest": contest, "category": category, "final": final, "units": units, "admin": admin,
            "judges": judges}


def voter(n):
    user = User.objects.create(username=f"race-voter-{n}")
    Profile.objects.create(user=user, phone=f"1709898{n:04d}", consent_at=timezone.now())
    return user


def new_entries(world, n):
    return [services.submit_entry(world["contest"], actor=world["admin"], organization=world["units"][0],
                                  category=world["category"], title=f"作品{i}", first_author=f"作者{i}",
                                  attested=True) for i in range(n)]


def test_votes_fired_at_once_never_pass_the_caps(world):
    a, b = new_entries(world, 2)
    person = voter(1)
    now = timezone.now()
    outcomes = rush(lambda i: services.cast_vote(a if i % 2 == 0 else b, voter=person, now=now) and "ok")
    assert not [o for o in outcomes if str(o).startswith("error")], outcomes
    assert Vote.objects.filter(entry=a).count() <= 3 and Vote.objects.filter(entry=b).count() <= 3
    assert Vote.objects.filter(voter=person).count() == 5 == outcomes.count("ok")  # the category cap, exactly
    assert VoteCounter.objects.get(voter=person, entry__isnull=True).used == 5


def test_unsafe_twin_read_then_write_breaks_the_caps(world, monkeypatch):
    """The same race without the conditional upsert: each thread reads the counter, all wait
    until everyone has read it, then each writes. The cap is passed: the guard is what holds it."""
    a, = new_entries(world, 1)
    person = voter(2)
    everyone_read = threading.Barrier(THREADS)
    real_slot = services._take_vote_slot

    Contest.objects.filter(pk=world["contest"].pk).update(votes_per_category_per_day=100)  # only the entry cap

    def naive(counter, cap):
        if counter["entry_id"] is None:
            return real_slot(counter, cap)
        lookup = {"voter_id": counter["voter_id"], "entry_id": counter["entry_id"], "day": counter["day"]}
        used = VoteCounter.objects.get(**lookup).used
        try:
            everyone_read.wait(timeout=5)
        except threading.BrokenBarrierError:
            pass
        if used >= cap:
            return False
        VoteCounter.objects.filter(**lookup).update(used=used + 1)
        return True

    now = timezone.now()
    services.cast_vote(a, voter=person, now=now)  # the counters exist: the threads only read and write them
    monkeypatch.setattr(services, "_take_vote_slot", naive)
    outcomes = rush(lambda i: services.cast_vote(a, voter=person, now=now) and "ok")
    if connection.vendor == "postgresql":
        assert Vote.objects.filter(entry=a).count() > 3, outcomes
    else:  # SQLite's one writer at a time: the others fail or wait; at least the cap is reached
        assert outcomes.count("ok") >= 1


def test_a_score_submitted_twice_at_once_is_recorded_once(world):
    entry, = new_entries(world, 1)
    services.assign(world["final"], actor=world["admin"])
    services.open_round(world["final"], actor=world["admin"])
    assignment = Assignment.objects.select_related("round").filter(entry=entry).first()
    points = {c.pk: 8 for c in world["final"].criteria.all()}
    outcomes = rush(lambda i: services.save_score(assignment, judge=assignment.judge, points=points, submit=True)
                    and "ok")
    assert not [o for o in outcomes if str(o).startswith("error")], outcomes
    assert outcomes.count("ok") == 1 and outcomes.count("refused") == THREADS - 1
    assert Score.objects.filter(assignment=assignment).count() == 1


def test_entries_filed_at_once_get_distinct_numbers_and_the_author_limit_holds(world):
    def file(i):
        return services.submit_entry(world["contest"], actor=world["admin"], organization=world["units"][i % 3],
                                     category=world["category"], title=f"同时{i}", first_author="同一作者",
                                     attested=True) and "ok"

    outcomes = rush(file)
    assert not [o for o in outcomes if str(o).startswith("error")], outcomes
    assert outcomes.count("ok") == 2
    numbers = list(Entry.objects.filter(contest=world["contest"]).values_list("number", flat=True))
    assert sorted(numbers) == [1, 2]


def test_concurrent_submits_leave_the_results_a_recompute_gives(world):
    entries = new_entries(world, 4)
    services.assign(world["final"], actor=world["admin"])
    services.open_round(world["final"], actor=world["admin"])
    assignments = list(Assignment.objects.select_related("round").filter(round=world["final"]))
    criteria = list(world["final"].criteria.order_by("position"))

    def submit(i):
        for assignment in assignments[i::THREADS]:
            mark = 5 + (assignment.entry.number + assignment.judge_id) % 5
            services.save_score(assignment, judge=assignment.judge, points={c.pk: mark for c in criteria},
                                submit=True)
        return "ok"

    outcomes = rush(submit)
    assert outcomes.count("ok") == THREADS, outcomes
    # Every mark is counted by some recompute (those that queued behind one found theirs in it).
    world["final"].refresh_from_db()
    assert world["final"].computed_seq == RoundMarks.objects.get(round=world["final"]).seq == len(assignments)
    live = sorted(Result.objects.filter(round=world["final"]).values_list("entry_id", "score", "rank", "scores_in"))
    services.compute_results(world["final"])
    again = sorted(Result.objects.filter(round=world["final"]).values_list("entry_id", "score", "rank", "scores_in"))
    assert live == again and all(n == 3 for *_, n in live) and len(live) == len(entries)
    assert all(isinstance(s, Decimal) for _, s, _, _ in live)
