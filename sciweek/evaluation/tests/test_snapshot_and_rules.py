"""Freezing: the snapshot does not move when data or the scheme changes afterwards; the
simulator; who may score; state rules."""
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from sciweek.accounts.models import AuditEvent
from sciweek.activities.models import Activity
from sciweek.evaluation import selectors, services
from sciweek.evaluation.models import Evaluation, Indicator, SnapshotValue
from sciweek.reports.models import SummaryReport

from .conftest import YEAR


def _subjects(evaluation):
    return {s.organization.name: s for s in evaluation.subjects.select_related("organization")}


def test_snapshot_does_not_change_when_data_changes_afterwards(evaluation, small):
    services.score(small["p_reviewer"], evaluation, _subjects(evaluation)["甲二市"], evaluation.codes["leadership"],
                   "90", "领导亲自参加。")
    services.freeze(small["p_admin"], evaluation)
    before = selectors.standings(evaluation)
    cells = list(SnapshotValue.objects.filter(evaluation=evaluation).order_by("pk").values_list("raw", "score"))
    assert evaluation.status == Evaluation.Status.FROZEN and evaluation.scheme_snapshot["indicators"]
    assert AuditEvent.objects.filter(action="evaluation.frozen").exists()

    # The data changes: C3 holds five activities, C1's summaries are all late, a new media report.
    for n in range(5):
        Activity.objects.create(campaign=small["campaign"], organization=small["c3"], title=f"补报{n}",
                                status=Activity.Status.APPROVED, starts_on=date(YEAR, 8, 25))
    SummaryReport.objects.filter(org_path__startswith=small["c1"].path).update(on_time=False, returns=9)
    live = selectors.raw_values(Evaluation(pk=evaluation.pk, campaign=evaluation.campaign,
                                           organization=evaluation.organization, evaluated_on=evaluation.evaluated_on,
                                           status=Evaluation.Status.SCORING), selectors.scheme(evaluation))
    assert D(5) in live.values()  # the live figures did move …
    evaluation.refresh_from_db()
    assert selectors.standings(evaluation) == before  # … the frozen ones did not
    assert list(SnapshotValue.objects.filter(evaluation=evaluation).order_by("pk")
                .values_list("raw", "score")) == cells
    card = selectors.scorecard(evaluation)
    assert [r.total for _g, rows in card.groups for r in rows] == [s.total for s in before]

    # Nor does the scheme or a score change any more.
    with pytest.raises(services.EvaluationError):
        services.save_weights(small["p_admin"], evaluation, {evaluation.codes["held"].pk: D(50)})
    with pytest.raises(services.EvaluationError):
        services.score(small["p_reviewer"], evaluation, _subjects(evaluation)["甲一市"],
                       evaluation.codes["leadership"], "10", "改分")
    with pytest.raises(services.EvaluationConflict):
        services.freeze(small["p_admin"], evaluation)


def test_publish_only_after_freeze_and_support_only_after_publish(evaluation, small):
    admin = small["p_admin"]
    subject = _subjects(evaluation)["甲一市"]
    with pytest.raises(services.EvaluationConflict):
        services.publish(admin, evaluation)
    services.freeze(admin, evaluation)
    with pytest.raises(services.EvaluationError):
        services.mark_support(admin, evaluation, subject, True)
    services.publish(admin, evaluation)
    services.mark_support(admin, evaluation, subject, True, "优先支持重点项目")
    subject.refresh_from_db()
    assert subject.support_next_year and subject.support_note == "优先支持重点项目"
    assert AuditEvent.objects.filter(action="evaluation.support_marked").exists()


def test_simulator_moves_ranks_without_saving(evaluation, small):
    subjects = _subjects(evaluation)
    reviewer = small["p_reviewer"]
    services.score(reviewer, evaluation, subjects["甲一市"], evaluation.codes["leadership"], "10", "一般。")
    services.score(reviewer, evaluation, subjects["甲三市"], evaluation.codes["leadership"], "100", "很好。")
    weights = {i.pk: D(0) for i in Indicator.objects.filter(evaluation=evaluation)}
    weights[evaluation.codes["leadership"].pk] = D(10)  # only the reviewers' score counts
    groups = selectors.simulate(evaluation, weights, "cities")
    rows = {r.subject.organization.name: r for r in groups[0][1]}
    assert (rows["甲一市"].rank_before, rows["甲一市"].rank_after) == (1, 2)
    # before: 甲一市 72.00, 甲三市 30.00, 甲二市 20.33 (by hand, see test_indicators); after: 100, 10, 0
    assert (rows["甲三市"].rank_before, rows["甲三市"].rank_after) == (2, 1) and rows["甲三市"].moved == 1
    assert rows["甲一市"].total_before == D("72.00") and rows["甲三市"].total_before == D("30.00")
    assert rows["甲二市"].rank_after == 3 and rows["甲二市"].moved == 0
    assert Indicator.objects.get(pk=evaluation.codes["held"].pk).weight == D(10)  # nothing saved


def test_reviewers_score_with_a_comment_but_never_their_own_organization(evaluation, small):
    subjects = _subjects(evaluation)
    leadership = evaluation.codes["leadership"]
    with pytest.raises(services.EvaluationError):
        services.score(small["p_reviewer"], evaluation, subjects["甲一市"], leadership, "80", "  ")
    with pytest.raises(services.EvaluationError):
        services.score(small["p_reviewer"], evaluation, subjects["甲一市"], leadership, "101", "太高")
    with pytest.raises(services.EvaluationError):
        services.score(small["p_reviewer"], evaluation, subjects["甲一市"], evaluation.codes["held"], "80", "计算指标")
    with pytest.raises(services.EvaluationError):  # a member of C1 scores for P, but not C1
        services.score(small["both_reviewer"], evaluation, subjects["甲一市"], leadership, "80", "自评")
    services.score(small["both_reviewer"], evaluation, subjects["甲二市"], leadership, "80", "好")
    with pytest.raises(Http404):  # C1's reviewer is outside P's evaluation
        services.score(small["c1_reviewer"], evaluation, subjects["甲二市"], leadership, "80", "好")
    with pytest.raises(PermissionDenied):  # a statistician inside P reads, does not score
        services.score(small["p_statistician"], evaluation, subjects["甲二市"], leadership, "80", "好")
    with pytest.raises(Http404):  # DP's reviewer is a subject, not the evaluating level
        services.score(small["dp_reviewer"], evaluation, subjects["甲二市"], leadership, "80", "好")


def test_weights_are_checked_and_audited(evaluation, small):
    held = evaluation.codes["held"]
    for bad in ("abc", "-1", "1001", "1.234"):
        with pytest.raises(services.EvaluationError):
            services.save_weights(small["p_admin"], evaluation, {held.pk: bad})
    with pytest.raises(PermissionDenied):
        services.save_weights(small["p_reviewer"], evaluation, {held.pk: "5"})
    services.save_weights(small["p_admin"], evaluation, {held.pk: "25.5"})
    assert Indicator.objects.get(pk=held.pk).weight == D("25.5")
    assert AuditEvent.objects.filter(action="evaluation.weights_changed").count() == 1
