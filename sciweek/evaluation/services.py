"""Every write of the evaluations. The evaluating level's admins (evaluation.manage) set the
scheme (pillars, indicators, weights, peer groups), open scoring, freeze and publish; its
reviewers (evaluation.score) score the indicators that need a judgement, with a comment, but
never their own organization. Freezing is a conditional UPDATE of the status followed by the
snapshot (every cell, every standing, the scheme) in the same transaction; nothing in a frozen
evaluation changes afterwards except next year's support marks (after publishing)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sciweek.accounts import audit, policy
from sciweek.organizations.models import Organization
from sciweek.organizations.selectors import within

from . import selectors
from .indicators import REGISTRY
from .models import SCORED, Evaluation, Indicator, PeerGroup, Pillar, ReviewerScore, SnapshotValue, Subject

MAX_WEIGHT = Decimal("1000")


class EvaluationError(ValidationError):
    pass


class EvaluationConflict(EvaluationError):
    """The evaluation changed state (someone else acted first)."""


def _require_editable(evaluation: Evaluation) -> None:
    if not evaluation.is_editable:
        raise EvaluationError(_("评估已定格，方案和评分不能再修改。"))


def _transition(evaluation: Evaluation, expected: list[str], to: str, **fields) -> None:
    updated = (Evaluation.objects.filter(pk=evaluation.pk, status__in=expected, version=evaluation.version)
               .update(status=to, version=F("version") + 1, updated_at=timezone.now(), **fields))
    if not updated:
        raise EvaluationConflict(_("评估的状态已被他人改变，请刷新后重试。"))
    evaluation.status = to
    evaluation.version += 1
    for name, value in fields.items():
        setattr(evaluation, name, value)


# --- the scheme ---------------------------------------------------------------------------------

def create_evaluation(actor, campaign, organization: Organization, name: str, evaluated_on: dt.date,
                      *, is_demo: bool = False) -> Evaluation:
    if actor is not None:
        policy.require(actor, "evaluation.manage", organization)
    name = (name or "").strip()
    if not name:
        raise EvaluationError(_("请填写评估名称。"))
    if Evaluation.objects.filter(campaign=campaign, organization=organization, name=name).exists():
        raise EvaluationError(_("本级本年度已有同名评估。"))
    with transaction.atomic():
        evaluation = Evaluation.objects.create(campaign=campaign, organization=organization, name=name,
                                               evaluated_on=evaluated_on, is_demo=is_demo)
        audit.record("evaluation.created", actor=actor, organization=organization, summary=name,
                     detail={"evaluation": evaluation.pk, "year": campaign.year})
    return evaluation


def add_pillar(actor, evaluation: Evaluation, code: str, name: str) -> Pillar:
    if actor is not None:
        policy.require(actor, "evaluation.manage", evaluation)
    _require_editable(evaluation)
    position = Pillar.objects.filter(evaluation=evaluation).count()
    pillar, _made = Pillar.objects.get_or_create(evaluation=evaluation, code=code,
                                                 defaults={"name": name, "position": position})
    return pillar


def parse_weight(value) -> Decimal:
    """A weight from a form: a number from 0 to 1000, two decimals at most."""
    try:
        weight = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise EvaluationError(_("权重须为数字。")) from None
    if not weight.is_finite() or weight < 0 or weight > MAX_WEIGHT:
        raise EvaluationError(_("权重须在 0 到 1000 之间。"))
    if weight != weight.quantize(Decimal("0.01")):
        raise EvaluationError(_("权重最多保留两位小数。"))
    return weight


def add_indicator(actor, evaluation: Evaluation, pillar: Pillar, code: str, *, source: str, name: str = "",
                  weight=Decimal("10"), direction: str | None = None, method: str = Indicator.Method.MINMAX,
                  target=None, unit: str | None = None) -> Indicator:
    if actor is not None:
        policy.require(actor, "evaluation.manage", evaluation)
    _require_editable(evaluation)
    if source != SCORED and source not in REGISTRY:
        raise EvaluationError(_("未知的数据来源。"))
    if method == Indicator.Method.TARGET and (target is None or Decimal(str(target)) <= 0):
        raise EvaluationError(_("对照目标值计分须填写大于 0 的目标值。"))
    computed = REGISTRY.get(source)
    position = Indicator.objects.filter(evaluation=evaluation, pillar=pillar).count()
    indicator, _made = Indicator.objects.update_or_create(
        evaluation=evaluation, code=code,
        defaults={"pillar": pillar, "source": source, "name": name or (str(computed.label) if computed else code),
                  "weight": parse_weight(weight),
                  "direction": direction or (computed.direction if computed else Indicator.Direction.HIGH),
                  "method": method, "target": target,
                  "unit": unit if unit is not None else (str(computed.unit) if computed else _("分")),
                  "position": position})
    return indicator


def new_indicator(actor, evaluation: Evaluation, pillar: Pillar, *, source: str, name: str = "",
                  weight=Decimal("10"), direction: str | None = None) -> Indicator:
    """An indicator the evaluating level adds on the scheme page. Its code is its data source
    (what last year's figure is matched by), with a number when the source is already used."""
    if pillar.evaluation_id != evaluation.pk:
        raise EvaluationError(_("请选择本评估的方面。"))
    if source == SCORED and not name.strip():
        raise EvaluationError(_("评审打分的指标须填写名称。"))
    taken = set(Indicator.objects.filter(evaluation=evaluation).values_list("code", flat=True))
    base = "scored" if source == SCORED else source
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}-{n}"[:32]
    with transaction.atomic():
        indicator = add_indicator(actor, evaluation, pillar, code, source=source, name=name.strip(), weight=weight,
                                  direction=direction or None)
        audit.record("evaluation.scheme_changed", actor=actor, organization=evaluation.organization,
                     summary=evaluation.name, detail={"evaluation": evaluation.pk, "added": code})
    return indicator


def remove_indicator(actor, evaluation: Evaluation, indicator: Indicator) -> None:
    """Drop an indicator from the scheme (its reviewers' scores with it), before freezing."""
    policy.require(actor, "evaluation.manage", evaluation)
    _require_editable(evaluation)
    if indicator.evaluation_id != evaluation.pk:
        raise EvaluationError(_("这个指标不属于本评估。"))
    if Indicator.objects.filter(evaluation=evaluation).count() <= 1:
        raise EvaluationError(_("评估至少要有一个指标。"))
    with transaction.atomic():
        scores = ReviewerScore.objects.filter(indicator=indicator).count()
        indicator.delete()
        audit.record("evaluation.scheme_changed", actor=actor, organization=evaluation.organization,
                     summary=evaluation.name,
                     detail={"evaluation": evaluation.pk, "removed": indicator.code, "scores_removed": scores})


def new_peer_group(actor, evaluation: Evaluation, label: str, kinds: list[str],
                   relative_depth: int | None) -> PeerGroup:
    """A peer group the evaluating level adds; the subjects follow it at once."""
    label = (label or "").strip()
    if not label:
        raise EvaluationError(_("请填写分组名称。"))
    if PeerGroup.objects.filter(evaluation=evaluation, label=label).exists():
        raise EvaluationError(_("已有同名分组。"))
    taken = set(PeerGroup.objects.filter(evaluation=evaluation).values_list("key", flat=True))
    n = len(taken) + 1
    while f"group-{n}" in taken:
        n += 1
    with transaction.atomic():
        group = add_peer_group(actor, evaluation, f"group-{n}", label, kinds, relative_depth)
        count = sync_subjects(actor, evaluation)
        audit.record("evaluation.scheme_changed", actor=actor, organization=evaluation.organization,
                     summary=evaluation.name, detail={"evaluation": evaluation.pk, "group_added": label,
                                                      "subjects": count})
    return group


def remove_peer_group(actor, evaluation: Evaluation, group: PeerGroup) -> int:
    """Drop a peer group; its subjects go to the next group whose rule takes them, else leave
    the evaluation (with their scores). Returns the subjects left."""
    policy.require(actor, "evaluation.manage", evaluation)
    _require_editable(evaluation)
    if group.evaluation_id != evaluation.pk:
        raise EvaluationError(_("这个分组不属于本评估。"))
    with transaction.atomic():
        # re-home first, so a subject another rule takes keeps its scores
        group_id, label = group.pk, group.label
        PeerGroup.objects.filter(pk=group_id).update(kinds=[])
        count = sync_subjects(actor, evaluation)
        PeerGroup.objects.filter(pk=group_id).delete()
        audit.record("evaluation.scheme_changed", actor=actor, organization=evaluation.organization,
                     summary=evaluation.name, detail={"evaluation": evaluation.pk, "group_removed": label,
                                                      "subjects": count})
    return count


def save_weights(actor, evaluation: Evaluation, weights: dict[int, Decimal]) -> None:
    """Store new weights (indicator id -> weight), the simulator's "save"."""
    policy.require(actor, "evaluation.manage", evaluation)
    _require_editable(evaluation)
    indicators = {i.id: i for i in Indicator.objects.filter(evaluation=evaluation)}
    changed = {}
    with transaction.atomic():
        for indicator_id, weight in weights.items():
            indicator = indicators.get(indicator_id)
            if indicator is None:
                raise EvaluationError(_("指标不属于这项评估。"))
            weight = parse_weight(weight)
            if weight != indicator.weight:
                Indicator.objects.filter(pk=indicator.pk).update(weight=weight)
                changed[indicator.code] = [str(indicator.weight), str(weight)]
        if changed:
            audit.record("evaluation.weights_changed", actor=actor, organization=evaluation.organization,
                         summary=evaluation.name, detail={"evaluation": evaluation.pk, "weights": changed})
    return changed


def update_indicators(actor, evaluation: Evaluation, changes: dict[int, dict]) -> dict:
    """Change indicators' weight, direction, method, target and bands (indicator id -> fields,
    already cleaned by the form). Returns what changed, by code."""
    policy.require(actor, "evaluation.manage", evaluation)
    _require_editable(evaluation)
    editable = ("weight", "direction", "method", "target", "band_high", "band_low")
    indicators = {i.id: i for i in Indicator.objects.filter(evaluation=evaluation)}
    changed = {}
    with transaction.atomic():
        for indicator_id, fields in changes.items():
            indicator = indicators.get(indicator_id)
            if indicator is None:
                raise EvaluationError(_("指标不属于这项评估。"))
            values = {name: fields[name] for name in editable if name in fields}
            if "weight" in values:
                values["weight"] = parse_weight(values["weight"])
            if values.get("method", indicator.method) == Indicator.Method.TARGET and not values.get(
                    "target", indicator.target):
                raise EvaluationError(_("对照目标值计分须填写大于 0 的目标值。"))
            diff = {name: [str(getattr(indicator, name)), str(value)] for name, value in values.items()
                    if getattr(indicator, name) != value}
            if diff:
                Indicator.objects.filter(pk=indicator.pk).update(**values)
                changed[indicator.code] = diff
        if changed:
            audit.record("evaluation.scheme_changed", actor=actor, organization=evaluation.organization,
                         summary=evaluation.name, detail={"evaluation": evaluation.pk, "changes": changed})
    return changed


def add_peer_group(actor, evaluation: Evaluation, key: str, label: str, kinds: list[str],
                   relative_depth: int | None = 1) -> PeerGroup:
    if actor is not None:
        policy.require(actor, "evaluation.manage", evaluation)
    _require_editable(evaluation)
    unknown = set(kinds) - set(Organization.Kind.values)
    if unknown or not kinds:
        raise EvaluationError(_("请选择组织类型。"))
    position = PeerGroup.objects.filter(evaluation=evaluation).count()
    group, _made = PeerGroup.objects.update_or_create(
        evaluation=evaluation, key=key,
        defaults={"label": label, "kinds": list(kinds), "relative_depth": relative_depth, "position": position})
    return group


def sync_subjects(actor, evaluation: Evaluation) -> int:
    """Make the subject list follow the peer-group rules (the first group that takes an
    organization keeps it); subjects no rule takes any more are removed. Returns the count."""
    if actor is not None:
        policy.require(actor, "evaluation.manage", evaluation)
    _require_editable(evaluation)
    level = evaluation.organization
    taken: dict[int, tuple[PeerGroup, Organization]] = {}
    for group in PeerGroup.objects.filter(evaluation=evaluation).order_by("position", "id"):
        qs = Organization.objects.filter(within(level.path), kind__in=group.kinds, is_active=True).exclude(pk=level.pk)
        if group.relative_depth:
            qs = qs.filter(depth=level.depth + group.relative_depth)
        for org in qs.only("id", "path", "name"):
            taken.setdefault(org.id, (group, org))
    with transaction.atomic():
        existing = {s.organization_id: s for s in Subject.objects.filter(evaluation=evaluation)}
        Subject.objects.filter(evaluation=evaluation).exclude(organization_id__in=list(taken)).delete()
        new = []
        for org_id, (group, org) in taken.items():
            subject = existing.get(org_id)
            if subject is None:
                new.append(Subject(evaluation=evaluation, organization=org, peer_group=group, org_path=org.path,
                                   name=org.name))
            elif subject.peer_group_id != group.id or subject.org_path != org.path:
                Subject.objects.filter(pk=subject.pk).update(peer_group=group, org_path=org.path)
        Subject.objects.bulk_create(new, batch_size=1000)
    return len(taken)


def open_scoring(actor, evaluation: Evaluation) -> None:
    policy.require(actor, "evaluation.manage", evaluation)
    with transaction.atomic():
        _transition(evaluation, [Evaluation.Status.DRAFT], Evaluation.Status.SCORING)
        audit.record("evaluation.scoring_opened", actor=actor, organization=evaluation.organization,
                     summary=evaluation.name, detail={"evaluation": evaluation.pk})


# --- reviewers' scores --------------------------------------------------------------------------

def belongs_to(user, organization: Organization) -> bool:
    """Does the user hold a role in `organization` or below it (their own organization)?"""
    return any(g.path.startswith(organization.path) for g in policy.grants(user))


def may_score(user, evaluation: Evaluation, subject: Subject) -> bool:
    return (evaluation.is_editable and policy.can(user, "evaluation.score", evaluation)
            and not belongs_to(user, subject.organization))


def parse_score(value) -> Decimal:
    try:
        score = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise EvaluationError(_("得分须为数字。")) from None
    if not score.is_finite() or score < 0 or score > 100:
        raise EvaluationError(_("得分须在 0 到 100 之间。"))
    if score != score.quantize(Decimal("0.01")):
        raise EvaluationError(_("得分最多保留两位小数。"))
    return score


def score(actor, evaluation: Evaluation, subject: Subject, indicator: Indicator, value, comment: str) -> ReviewerScore:
    """A reviewer scores one scored indicator of one subject (0–100) with a comment."""
    policy.require(actor, "evaluation.score", evaluation)
    if subject.evaluation_id != evaluation.pk or indicator.evaluation_id != evaluation.pk:
        raise EvaluationError(_("指标或评估对象不属于这项评估。"))
    if indicator.source != SCORED:
        raise EvaluationError(_("这一指标由数据计算，不需要评分。"))
    if belongs_to(actor, subject.organization):
        raise EvaluationError(_("不能给本单位评分。"))
    _require_editable(evaluation)
    value = parse_score(value)
    comment = (comment or "").strip()
    if not comment:
        raise EvaluationError(_("请填写评分说明。"))
    if len(comment) > 2000:
        raise EvaluationError(_("评分说明不能超过 2000 字。"))
    with transaction.atomic():
        # The evaluation must still be editable when the score is written (not frozen meanwhile).
        if not Evaluation.objects.select_for_update().filter(
                pk=evaluation.pk, status__in=[Evaluation.Status.DRAFT, Evaluation.Status.SCORING]).exists():
            raise EvaluationConflict(_("评估已定格，评分未保存。"))
        row, _made = ReviewerScore.objects.update_or_create(
            indicator=indicator, subject=subject,
            defaults={"score": value, "comment": comment, "scored_by": actor if actor.is_authenticated else None,
                      "scored_at": timezone.now()})
        audit.record("evaluation.scored", actor=actor, organization=evaluation.organization,
                     summary=f"{subject.name or subject.organization.name} · {indicator.name}: {value}",
                     detail={"evaluation": evaluation.pk, "subject": subject.pk, "indicator": indicator.code,
                             "score": str(value)})
    return row


# --- freeze, publish, support ---------------------------------------------------------------------

def _scheme_record(sch) -> dict:
    return {
        "pillars": [{"code": p.code, "name": p.name} for p in sch.pillars],
        "indicators": [{"code": i.code, "name": i.name, "pillar": i.pillar.code, "source": i.source,
                        "weight": str(i.weight), "direction": i.direction, "method": i.method,
                        "target": None if i.target is None else str(i.target), "unit": i.unit}
                       for i in sch.indicators],
        "peer_groups": [{"key": g.key, "label": g.label, "kinds": g.kinds, "relative_depth": g.relative_depth}
                        for g in sch.groups],
    }


def freeze(actor, evaluation: Evaluation, now=None) -> None:
    """Freeze the scheme and its figures: every cell's raw value, score and band, every
    subject's total, rank and band, as computed now up to the evaluation date. Later data
    changes and edits do not move them."""
    if actor is not None:
        policy.require(actor, "evaluation.manage", evaluation)
    now = now or timezone.now()
    with transaction.atomic():
        sch = selectors.scheme(evaluation)
        if not sch.subjects or not sch.indicators:
            raise EvaluationError(_("评估还没有评估对象或指标，不能定格。"))
        result = selectors.compute(evaluation, sch)
        _transition(evaluation, [Evaluation.Status.DRAFT, Evaluation.Status.SCORING], Evaluation.Status.FROZEN,
                    frozen_at=now, frozen_by=actor if actor is not None and actor.is_authenticated else None,
                    scheme_snapshot=_scheme_record(sch))
        SnapshotValue.objects.filter(evaluation=evaluation).delete()
        SnapshotValue.objects.bulk_create(
            [SnapshotValue(evaluation=evaluation, subject_id=s.id, indicator_id=i.id, raw=cell.raw,
                           score=cell.score, band=cell.band)
             for s in sch.subjects for i in sch.indicators for cell in [result.cells[(s.id, i.id)]]],
            batch_size=2000)
        for subject in sch.subjects:
            subject.name = subject.organization.name
            subject.total = result.totals[subject.id]
            subject.rank = result.ranks[subject.id]
            subject.band = result.bands[subject.id]
        Subject.objects.bulk_update(sch.subjects, ["name", "total", "rank", "band"], batch_size=250)
        audit.record("evaluation.frozen", actor=actor, organization=evaluation.organization,
                     summary=evaluation.name,
                     detail={"evaluation": evaluation.pk, "subjects": len(sch.subjects),
                             "indicators": len(sch.indicators), "evaluated_on": evaluation.evaluated_on.isoformat()})


def publish(actor, evaluation: Evaluation, now=None) -> None:
    """Make the frozen ranking public (the region's page, the commendations drawn from it)."""
    if actor is not None:
        policy.require(actor, "evaluation.manage", evaluation)
    with transaction.atomic():
        _transition(evaluation, [Evaluation.Status.FROZEN], Evaluation.Status.PUBLISHED,
                    published_at=now or timezone.now())
        _published_generation_bump()  # now, and once committed (a reader in between cached the old)
        transaction.on_commit(_published_generation_bump)
        audit.record("evaluation.published", actor=actor, organization=evaluation.organization,
                     summary=evaluation.name, detail={"evaluation": evaluation.pk})


def mark_support(actor, evaluation: Evaluation, subject: Subject, support: bool, note: str = "") -> None:
    """Mark (or unmark) next year's key-project support for a subject of a published evaluation."""
    if actor is not None:
        policy.require(actor, "evaluation.manage", evaluation)
    if evaluation.status != Evaluation.Status.PUBLISHED:
        raise EvaluationError(_("评估发布后才能确定下一年度重点项目支持。"))
    if subject.evaluation_id != evaluation.pk:
        raise EvaluationError(_("评估对象不属于这项评估。"))
    note = (note or "").strip()[:200]
    with transaction.atomic():
        Subject.objects.filter(pk=subject.pk).update(support_next_year=support, support_note=note)
        subject.support_next_year, subject.support_note = support, note
        detail = {"evaluation": evaluation.pk, "subject": subject.pk, "note": note}
        summary = subject.name or subject.organization.name
        if support:
            audit.record("evaluation.support_marked", actor=actor, organization=evaluation.organization,
                         summary=summary, detail=detail)
        else:
            audit.record("evaluation.support_unmarked", actor=actor, organization=evaluation.organization,
                         summary=summary, detail=detail)


def _published_generation_bump() -> None:
    from .public import PUBLISHED_GENERATION

    PUBLISHED_GENERATION.bump()
