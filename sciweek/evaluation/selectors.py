"""Reads of the evaluations: the scorecard (subjects × indicators), the standings, the
simulator's ranks, the evidence behind a cell, last year's figures.

A frozen or published evaluation is read from its snapshot (Subject totals and SnapshotValue
rows); a draft or scoring one is computed live: the raw values by `indicators.compute_raw`
(a handful of GROUP BY queries whatever the number of subjects), the reviewers' scores, then
`scoring.compute`."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet

from sciweek.accounts import policy
from sciweek.organizations.selectors import within

from . import scoring
from .indicators import REGISTRY, Context, compute_raw
from .models import SCORED, Evaluation, Indicator, PeerGroup, Pillar, ReviewerScore, SnapshotValue, Subject


@dataclass(frozen=True)
class Standing:
    organization_id: int
    organization_name: str
    peer_group: str
    peer_group_label: str
    total: Decimal
    rank: int
    band: str  # "high" / "middle" / "low"


def evaluation_detail(pk: int) -> Evaluation | None:
    return Evaluation.objects.select_related("campaign", "organization").filter(pk=pk).first()


def visible_evaluations(user, campaign=None) -> QuerySet[Evaluation]:
    """The evaluations whose evaluating level lies in the user's evaluation.view scope."""
    qs = policy.scoped(Evaluation.objects.all(), user, "evaluation.view", "organization__path")
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs.select_related("campaign", "organization").order_by("-campaign__year", "organization__path", "id")


def published_for_region(campaign, organization) -> QuerySet[Evaluation]:
    """Published evaluations made by `organization` (its public page)."""
    return Evaluation.objects.filter(campaign=campaign, organization=organization,
                                     status=Evaluation.Status.PUBLISHED).order_by("id")


def peer_groups(evaluation: Evaluation) -> list[tuple[str, str]]:
    return list(PeerGroup.objects.filter(evaluation=evaluation).order_by("position", "id").values_list("key", "label"))


@dataclass
class Scheme:
    pillars: list[Pillar]
    indicators: list[Indicator]
    groups: list[PeerGroup]
    subjects: list[Subject]

    def specs(self):
        subjects = [scoring.SubjectSpec(s.id, s.peer_group.key, s.name or s.organization.name) for s in self.subjects]
        indicators = [scoring.IndicatorSpec(i.id, i.weight, i.direction, i.method, i.target, i.band_high, i.band_low,
                                            i.source == SCORED) for i in self.indicators]
        return subjects, indicators


def scheme(evaluation: Evaluation, peer_group: str | None = None) -> Scheme:
    pillars = list(Pillar.objects.filter(evaluation=evaluation).order_by("position", "id"))
    by_id = {p.id: p for p in pillars}
    indicators = list(Indicator.objects.filter(evaluation=evaluation).order_by("pillar__position", "position", "id"))
    for pillar in pillars:
        pillar.indicator_count = 0
    for indicator in indicators:
        indicator.pillar = by_id[indicator.pillar_id]
        indicator.pillar.indicator_count += 1
    groups = list(PeerGroup.objects.filter(evaluation=evaluation).order_by("position", "id"))
    group_by_id = {g.id: g for g in groups}
    subjects_qs = Subject.objects.filter(evaluation=evaluation).select_related("organization")
    if peer_group:
        subjects_qs = subjects_qs.filter(peer_group__key=peer_group)
    subjects = list(subjects_qs.order_by("peer_group__position", "org_path"))
    for subject in subjects:
        subject.peer_group = group_by_id[subject.peer_group_id]
    return Scheme(pillars, indicators, groups, subjects)


def raw_values(evaluation: Evaluation, sch: Scheme) -> dict[tuple[int, int], Decimal | None]:
    """(subject id, indicator id) -> raw value: the snapshot's when frozen, else live. The
    peer groups are computed whole (a group's min and max need all its members)."""
    if evaluation.is_frozen:
        rows = SnapshotValue.objects.filter(evaluation=evaluation).values_list("subject_id", "indicator_id", "raw")
        wanted = {s.id for s in sch.subjects}
        return {(s, i): raw for s, i, raw in rows if s in wanted}
    ctx = Context(evaluation.campaign_id, evaluation.organization.path, [s.org_path for s in sch.subjects],
                  evaluation.evaluated_on)
    sources = {i.id: i.source for i in sch.indicators if i.source != SCORED and i.source in REGISTRY}
    by_path = compute_raw(ctx, sources) if sch.subjects else {}
    result: dict[tuple[int, int], Decimal | None] = {}
    for subject in sch.subjects:
        for indicator_id in sources:
            result[(subject.id, indicator_id)] = by_path.get((subject.org_path, indicator_id))
    scored = [i.id for i in sch.indicators if i.source == SCORED]
    if scored and sch.subjects:
        wanted = {s.id for s in sch.subjects}
        rows = ReviewerScore.objects.filter(indicator_id__in=scored, subject__evaluation=evaluation)
        for subject_id, indicator_id, score in rows.values_list("subject_id", "indicator_id", "score"):
            if subject_id in wanted:
                result[(subject_id, indicator_id)] = score
    return result


def compute(evaluation: Evaluation, sch: Scheme, raw=None, weights=None) -> scoring.Result:
    subjects, indicators = sch.specs()
    raw = raw_values(evaluation, sch) if raw is None else raw
    return scoring.compute(subjects, indicators, raw, evaluation.band_high, evaluation.band_low, weights)


def standings(evaluation: Evaluation, peer_group: str | None = None) -> list[Standing]:
    """Every subject's total, rank in its peer group and band, best first within each group
    (groups in their order): from the snapshot when frozen or published, else live."""
    if evaluation.is_frozen:
        qs = Subject.objects.filter(evaluation=evaluation).select_related("peer_group")
        if peer_group:
            qs = qs.filter(peer_group__key=peer_group)
        return [Standing(s.organization_id, s.name, s.peer_group.key, s.peer_group.label, s.total, s.rank, s.band)
                for s in qs.order_by("peer_group__position", "peer_group_id", "rank", "name", "id")]
    sch = scheme(evaluation, peer_group)
    result = compute(evaluation, sch)
    by_id = {s.id: s for s in sch.subjects}
    specs, _ = sch.specs()
    return [Standing(by_id[spec.id].organization_id, spec.name, spec.group, by_id[spec.id].peer_group.label,
                     result.totals[spec.id], result.ranks[spec.id], result.bands[spec.id])
            for spec in result.order(specs)]


def previous_evaluation(evaluation: Evaluation) -> Evaluation | None:
    """Last year's frozen evaluation by the same level (the same name first, else any)."""
    qs = (Evaluation.objects.filter(organization_id=evaluation.organization_id,
                                    campaign__year=evaluation.campaign.year - 1,
                                    status__in=[Evaluation.Status.FROZEN, Evaluation.Status.PUBLISHED])
          .order_by("-frozen_at"))
    candidates = list(qs[:5])
    for candidate in candidates:
        if candidate.name == evaluation.name:
            return candidate
    return candidates[0] if candidates else None


def last_year_figures(evaluation: Evaluation) -> dict[tuple[int, str], Decimal | None]:
    """(organization id, indicator code) -> last year's frozen raw value, where there is one."""
    previous = previous_evaluation(evaluation)
    if previous is None:
        return {}
    rows = (SnapshotValue.objects.filter(evaluation=previous)
            .values_list("subject__organization_id", "indicator__code", "raw"))
    return {(org, code): raw for org, code, raw in rows}


@dataclass
class Row:
    subject: Subject
    total: Decimal
    rank: int
    band: str
    cells: list = field(default_factory=list)  # (indicator, Cell, last year's raw or None)
    pillar_totals: list = field(default_factory=list)  # (pillar, subtotal)


@dataclass
class Scorecard:
    evaluation: Evaluation
    scheme: Scheme
    groups: list  # (PeerGroup, [Row])
    has_last_year: bool


def scorecard(evaluation: Evaluation, peer_group: str | None = None) -> Scorecard:
    """The scorecard of one evaluation (optionally one peer group): a row per subject with its
    cells, pillar subtotals, total, rank and band, and last year's raw figure per cell."""
    sch = scheme(evaluation, peer_group)
    result = compute(evaluation, sch)
    last_year = last_year_figures(evaluation)
    specs, _ = sch.specs()
    by_id = {s.id: s for s in sch.subjects}
    pillar_weights = {}
    for indicator in sch.indicators:
        pillar_weights.setdefault(indicator.pillar_id, {})[indicator.id] = indicator.weight
    rows_by_group: dict[int, list[Row]] = {}
    for spec in result.order(specs):
        subject = by_id[spec.id]
        if evaluation.is_frozen:  # the snapshot's standing, as frozen
            total, rank, band = subject.total, subject.rank, subject.band
        else:
            total, rank, band = result.totals[spec.id], result.ranks[spec.id], result.bands[spec.id]
        row = Row(subject, total, rank, band)
        for indicator in sch.indicators:
            row.cells.append((indicator, result.cells[(spec.id, indicator.id)],
                              last_year.get((subject.organization_id, indicator.code))))
        for pillar in sch.pillars:
            weights = pillar_weights.get(pillar.id, {})
            scores = {iid: result.cells[(spec.id, iid)].score for iid in weights}
            row.pillar_totals.append((pillar, scoring.weighted_total(scores, weights)))
        rows_by_group.setdefault(subject.peer_group_id, []).append(row)
    groups = [(g, rows_by_group.get(g.id, [])) for g in sch.groups if not peer_group or g.key == peer_group]
    return Scorecard(evaluation, sch, groups, bool(last_year))


def cell(evaluation: Evaluation, subject: Subject, indicator: Indicator):
    """One cell of the scorecard (its peer group computed whole) and last year's raw value."""
    card = scorecard(evaluation, subject.peer_group.key)
    for _group, rows in card.groups:
        for row in rows:
            if row.subject.pk == subject.pk:
                for ind, value, last in row.cells:
                    if ind.pk == indicator.pk:
                        return value, last
    return None, None


@dataclass
class SimulatedRow:
    subject: Subject
    total_before: Decimal
    total_after: Decimal
    rank_before: int
    rank_after: int
    band_after: str

    @property
    def moved(self) -> int:
        return self.rank_before - self.rank_after


def simulate(evaluation: Evaluation, weights: dict[int, Decimal], peer_group: str | None = None):
    """Ranks under the saved weights and under `weights` (indicator id -> weight), from the same
    raw values: [(PeerGroup, [SimulatedRow])], best first under the proposed weights."""
    sch = scheme(evaluation, peer_group)
    raw = raw_values(evaluation, sch)
    before = compute(evaluation, sch, raw)
    after = compute(evaluation, sch, raw, weights)
    specs, _ = sch.specs()
    by_id = {s.id: s for s in sch.subjects}
    rows: dict[int, list[SimulatedRow]] = {}
    for spec in after.order(specs):
        subject = by_id[spec.id]
        rows.setdefault(subject.peer_group_id, []).append(SimulatedRow(
            subject, before.totals[spec.id], after.totals[spec.id], before.ranks[spec.id], after.ranks[spec.id],
            after.bands[spec.id]))
    return [(g, rows.get(g.id, [])) for g in sch.groups if g.id in rows]


# --- evidence -----------------------------------------------------------------------------------

def evidence(evaluation: Evaluation, subject: Subject, indicator: Indicator) -> dict:
    """The rows behind one cell (at most EVIDENCE_LIMIT, the most telling first): kind names
    the template part that shows them."""
    from .indicators import EVIDENCE_LIMIT

    campaign_id = evaluation.campaign_id
    path = subject.org_path
    if indicator.source == SCORED:
        score = ReviewerScore.objects.filter(indicator=indicator, subject=subject).select_related("scored_by").first()
        return {"kind": "scored", "score": score}
    kind = REGISTRY[indicator.source].evidence if indicator.source in REGISTRY else ""
    if kind == "activities":
        from sciweek.activities.models import Activity, ActivityStatus

        rows = (Activity.objects.filter(within(path, "organization__path"), campaign_id=campaign_id,
                                        revises__isnull=True, status__in=list(ActivityStatus.LISTED))
                .select_related("organization").order_by("status", "starts_on", "id"))
    elif kind == "check_ins":
        from django.db.models import Count, Sum

        from sciweek.activities.models import Activity

        checked = Q(sessions__reservations__checked_in_at__isnull=False,
                    sessions__reservations__checked_in_at__lt=Context(campaign_id, "", [], evaluation.evaluated_on).cutoff)
        rows = (Activity.objects.filter(within(path, "organization__path"), campaign_id=campaign_id)
                .annotate(people=Sum("sessions__reservations__seats", filter=checked),
                          sessions_count=Count("sessions", distinct=True))
                .filter(people__gt=0).select_related("organization").order_by("-people", "id"))
    elif kind == "news":
        from sciweek.news.models import NewsDue

        rows = (NewsDue.objects.filter(within(path, "org_path"), campaign_id=campaign_id)
                .select_related("activity", "organization").order_by("on_time", "due_at", "id"))
    elif kind == "summaries":
        from sciweek.reports.models import SummaryReport

        rows = (SummaryReport.objects.filter(within(path, "org_path"), campaign_id=campaign_id, expected=True)
                .select_related("organization").order_by("-returns", "on_time", "org_path"))
    elif kind == "coverage":
        from sciweek.reports.models import MediaCoverage

        rows = (MediaCoverage.objects.filter(within(path, "report__org_path"), report__campaign_id=campaign_id)
                .select_related("report__organization").order_by("published_on", "id"))
    else:
        rows = []
    rows = list(rows[: EVIDENCE_LIMIT + 1]) if rows != [] else []
    return {"kind": kind, "rows": rows[:EVIDENCE_LIMIT], "truncated": len(rows) > EVIDENCE_LIMIT}


def subject_detail(evaluation: Evaluation, subject_id: int) -> Subject | None:
    return (Subject.objects.filter(evaluation=evaluation, pk=subject_id)
            .select_related("organization", "peer_group").first())


def scoring_sheet(evaluation: Evaluation, subject: Subject) -> list[tuple[Indicator, ReviewerScore | None]]:
    """The scored indicators with this subject's score so far."""
    indicators = list(Indicator.objects.filter(evaluation=evaluation, source=SCORED)
                      .select_related("pillar").order_by("pillar__position", "position", "id"))
    scores = {s.indicator_id: s for s in ReviewerScore.objects.filter(subject=subject, indicator__in=indicators)
              .select_related("scored_by")}
    return [(i, scores.get(i.id)) for i in indicators]
