"""The list's flow under concurrency (threads released together; SQLite file DB and
PostgreSQL): two admins approving at once approve once; finalize clicked from several tabs
finalizes once; the unsafe twin (read the status, then write) approves more than once."""
import threading
from datetime import date
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from sciweek.commendations import services
from sciweek.commendations.models import Commendation, CommendationCategory, CommendationEvent, Kind
from sciweek.core import testing

from .conftest import YEAR, at, standings_for

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 6


def rush(work, n=THREADS):
    return testing.rush(work, n, refusals=(ValidationError,))


@pytest.fixture
def proposed(tree):
    rows = standings_for(tree)
    with mock.patch("sciweek.evaluation.selectors.standings",
                    side_effect=lambda e, peer_group=None: [r for r in rows if peer_group in (None, r.peer_group)]):
        admin = tree["p_admin"]
        commendation = services.create(admin, tree["evaluation"])
        CommendationCategory.objects.create(commendation=commendation, kind=Kind.UNIT, quota=3,
                                            peer_group="cities", name="优秀组织单位")
        services.draw_candidates(admin, commendation)
        return services.propose(admin, commendation)


def test_approve_twice_at_once_approves_once(tree, proposed):
    admins = [tree["p_admin"], tree["p_admin2"]]
    outcomes = rush(lambda i: services.approve(admins[i % 2], proposed) and "ok")
    assert outcomes.count("ok") == 1, outcomes
    assert all(o in ("ok", "refused") for o in outcomes), outcomes
    assert CommendationEvent.objects.filter(commendation=proposed, action="approved").count() == 1


def test_finalize_from_several_tabs_once(tree, proposed):
    services.approve(tree["p_admin"], proposed)
    services.start_notice(tree["p_admin"], proposed, days=3, contact="办公室", starts_on=date(YEAR, 10, 12),
                          now=at(10, 11))
    outcomes = rush(lambda i: services.finalize(tree["p_admin"], proposed, now=at(10, 20)) and "ok")
    assert outcomes.count("ok") == 1, outcomes
    assert CommendationEvent.objects.filter(commendation=proposed, action="final").count() == 1


def test_unsafe_twin_read_then_write_approves_twice(tree, proposed, monkeypatch):
    """Without the conditional UPDATE (each reads "proposed", all wait, each writes), the list
    is approved more than once: several trail rows. The guard is what prevents it."""
    everyone_read = threading.Barrier(THREADS)

    def naive_approve(actor, commendation, now=None):
        fresh = Commendation.objects.get(pk=commendation.pk)
        try:
            everyone_read.wait(timeout=5)
        except threading.BrokenBarrierError:
            pass
        if fresh.status != "proposed":
            raise services.CommendationMoved("moved")
        Commendation.objects.filter(pk=commendation.pk).update(status="approved")
        services._event(commendation, CommendationEvent.Action.APPROVED, actor, now=now)
        return fresh

    monkeypatch.setattr(services, "approve", naive_approve)
    outcomes = rush(lambda i: services.approve(tree["p_admin"], proposed) and "ok")
    if connection.vendor == "postgresql":
        assert CommendationEvent.objects.filter(commendation=proposed, action="approved").count() > 1, outcomes
    else:  # SQLite's one writer at a time: the others fail or wait; at least one gets through
        assert outcomes.count("ok") >= 1
