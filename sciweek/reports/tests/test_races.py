"""The summary flow under concurrency (threads released together; SQLite file DB and
PostgreSQL): the same report submitted from two tabs at once is submitted once; accept and
return clicked at once by two people of the receiving level: exactly one wins, the other is
told the report moved; two reminder clicks at once remind each organization once. The unsafe
twin (the conditional UPDATE replaced by read-then-write) shows the double submission."""
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from sciweek.accounts.models import Membership, Role, User
from sciweek.core import testing
from sciweek.reports import services
from sciweek.reports.models import ReportEvent, ReportStatus, SummaryReport

from .conftest import at

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 6


def rush(work, n=THREADS):
    return testing.rush(work, n, refusals=(ValidationError,))


def test_submitted_from_two_tabs_at_once_counts_once(tree, ready):
    report = ready(tree["u1"], tree["u1_filer"])
    outcomes = rush(lambda i: services.submit(report, actor=tree["u1_filer"], now=at(9, 1)) and "ok")
    assert outcomes.count("ok") == 1, outcomes
    assert ReportEvent.objects.filter(report=report, action="submitted").count() == 1


def test_accept_and_return_at_once_one_wins(tree, ready):
    report = services.submit(ready(tree["u1"], tree["u1_filer"]), actor=tree["u1_filer"], now=at(9, 1))
    second = User.objects.create(username="r-c1-reviewer-2")
    Membership.objects.create(user=second, organization=tree["c1"], role=Role.REVIEWER)

    def decide(i):
        if i % 2:
            return services.accept(report, actor=tree["c1_reviewer"]) and "accepted"
        return services.return_report(report, actor=second, reason="请补充") and "returned"

    outcomes = rush(decide)
    assert len([o for o in outcomes if o in ("accepted", "returned")]) == 1, outcomes
    final = SummaryReport.objects.get(pk=report.pk)
    assert final.status in (ReportStatus.ACCEPTED, ReportStatus.RETURNED)
    assert ReportEvent.objects.filter(report=report).exclude(action="submitted").count() == 1


def test_two_reminder_clicks_remind_once(tree):
    outcomes = rush(lambda i: services.remind_missing(tree["campaign"], tree["p"], actor=tree["p_reviewer"],
                                                      now=at(9, 8)), n=4)
    assert sum(o for o in outcomes if isinstance(o, int)) == 5, outcomes  # c1, c2, u1, u2, u3


def test_unsafe_twin_read_then_write_submits_twice(tree, ready, monkeypatch):
    """Without the conditional UPDATE (each tab reads "draft", all wait, each writes), the
    report is submitted twice: two trail rows. The guard is what prevents it."""
    report = ready(tree["u1"], tree["u1_filer"])
    everyone_read = threading.Barrier(THREADS)
    real_filter = SummaryReport.objects.filter

    def naive_submit(report, *, actor, now=None):
        fresh = SummaryReport.objects.get(pk=report.pk)
        try:
            everyone_read.wait(timeout=5)
        except threading.BrokenBarrierError:
            pass
        if fresh.status not in ReportStatus.EDITABLE:
            raise services.ReportMoved("moved")
        real_filter(pk=report.pk).update(status=ReportStatus.SUBMITTED)
        services._event(report, ReportEvent.Action.SUBMITTED, actor, now=now)
        return fresh

    monkeypatch.setattr(services, "submit", naive_submit)
    outcomes = rush(lambda i: services.submit(report, actor=tree["u1_filer"], now=at(9, 1)) and "ok")
    if connection.vendor == "postgresql":
        assert ReportEvent.objects.filter(report=report, action="submitted").count() > 1, outcomes
    else:  # SQLite's one writer at a time: the others fail or wait; at least one gets through
        assert outcomes.count("ok") >= 1
