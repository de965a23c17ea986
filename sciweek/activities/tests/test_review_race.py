"""Two reviewers acting at once on one filing yield exactly one transition (SQLite file DB
and PostgreSQL). The twin, whose claim step is patched to an unconditional update, must show the race, or the test
proves nothing (../shared/RELIABILITY-PLAN.md 3.1)."""
import threading

import pytest
from django.db import close_old_connections, connection

from sciweek.accounts.models import User
from sciweek.activities import services
from sciweek.activities.models import Activity, Transition

from .factories import complete_filing

pytestmark = pytest.mark.django_db(transaction=True)
REVIEWERS = 6


def race(activity_pk: int) -> list[str]:
    """REVIEWERS threads decide the same filing at the same moment (half approve, half return)."""
    barrier = threading.Barrier(REVIEWERS)
    outcomes: list[str] = []
    reviewer = User.objects.get(username="sjz-reviewer")

    def decide(n):
        try:
            activity = Activity.objects.select_related("organization").get(pk=activity_pk)
            barrier.wait(timeout=10)
            if n % 2:
                services.approve(activity, actor=reviewer, comment=f"同意 {n}")
            else:
                services.return_for_revision(activity, actor=reviewer, comment=f"退回 {n}")
            outcomes.append("done")
        except services.TransitionConflict:
            outcomes.append("conflict")
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=decide, args=(n,)) for n in range(REVIEWERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def submitted_filing(campaign) -> Activity:
    activity = complete_filing(campaign)
    services.submit(activity, actor=User.objects.get(username="unit-filer"))
    return activity


@pytest.mark.parametrize("repetition", range(3))
def test_concurrent_decisions_yield_exactly_one_transition(demo, repetition):
    activity = submitted_filing(demo)
    outcomes = race(activity.pk)
    decisions = Transition.objects.filter(activity=activity).exclude(action="submit")
    assert outcomes.count("done") == 1 and outcomes.count("conflict") == REVIEWERS - 1
    assert decisions.count() == 1
    final = Activity.objects.get(pk=activity.pk)
    assert final.status == decisions.get().to_status and final.version == 3


def test_without_the_guard_the_race_shows(demo, monkeypatch):
    """Mutation twin: with the claim made unconditional (the naive "update by id"), concurrent
    decisions pile up."""
    from django.db.models import F
    from django.utils import timezone

    def unguarded_claim(activity, expected_status, to_status, fields):
        return Activity.objects.filter(pk=activity.pk).update(
            status=to_status, version=F("version") + 1, updated_at=timezone.now(), **fields) == 1

    monkeypatch.setattr(services, "_claim", unguarded_claim)
    piled_up = False
    for _ in range(20):
        activity = submitted_filing(demo)
        race(activity.pk)
        if Transition.objects.filter(activity=activity).exclude(action="submit").count() > 1:
            piled_up = True
            break
    assert piled_up, "the race test cannot fail, so it proves nothing"
