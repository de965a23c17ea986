"""Every write of the commendations (表彰) and the rules of their flow.

The commending level is the evaluation's organization. Its admins ("commendation.manage")
make the list from a frozen (or published) evaluation, set the quotas, draw the candidates from
the ranking, edit them with reasons, propose the list and approve it, put it out for public
notice (公示) for N days, handle the objections, and make it final once the notice has ended.

Rules decided here:

- **Drawing and ties.** Each unit category takes the best ``quota`` of its peer group's
  ranking (or of all subjects when the category has no peer group: ranked by total). When
  the last place within the quota is tied, every subject of that rank is drawn and flagged
  ``tied_at_boundary``; the category is then over its quota, and the list cannot be proposed
  until the level removes the extra candidates (with a reason) or writes why it keeps them
  (``over_quota_reason``). The same holds for units added beyond the quota. Drawing again
  replaces the drawn candidates (added ones and individuals stay).
- **Individuals** are named by the level: name, unit (within its subtree) and role only.
- **Approval** is by an admin of the commending level's tree ("commendation.manage"). The
  one who proposed may approve: many levels have a single admin, and the safeguards are the
  trail, the audit log and the public notice that follows. Approving twice (two tabs, two
  people) approves once; the other is told the list moved.
- **Notice**: N days (1–30) from the day it starts; objections are taken until its last day;
  the list becomes final only after that day and with no objection open.
- **Withdrawal** with a reason, from any state; a withdrawn final list's certificates no
  longer verify, and a new list may then be made from the same evaluation.

Every transition is a conditional ``UPDATE … WHERE status = expected`` with a trail row and an
audit record; a lost race is a ``CommendationMoved``."""
from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from sciweek.accounts import audit, policy
from sciweek.organizations.models import Organization

from .models import (
    Candidate,
    Commendation,
    CommendationCategory,
    CommendationEvent,
    CommendationStatus,
    Kind,
    Objection,
)

MAX_NOTICE_DAYS = 30
MAX_CANDIDATES_PER_CATEGORY = 200
MAX_OBJECTION_CHARS = 2000


class CommendationError(ValidationError):
    pass


class CommendationMoved(CommendationError):
    """The list changed state (another tab, another person) since the page was read."""


# --- helpers -------------------------------------------------------------------------------------

def _now(now=None):
    return now or timezone.now()


def _event(commendation, action, actor, reason="", now=None):
    CommendationEvent.objects.create(commendation=commendation, action=action,
                                     actor=actor if getattr(actor, "pk", None) else None,
                                     reason=reason, at=_now(now))


def _touch(commendation_id: int, now=None) -> None:
    """Date the list (the public cache's version source reads it)."""
    Commendation.objects.filter(pk=commendation_id).update(updated_at=_now(now), version=F("version") + 1)
    _public_changed()


def _public_changed() -> None:
    """Move the public lists' cache generation: now (this request reads its own write) and once
    committed (a reader in between cached the old list under the new generation)."""
    from .selectors import LISTS_GENERATION

    LISTS_GENERATION.bump()
    transaction.on_commit(LISTS_GENERATION.bump)


def _editable(actor, commendation: Commendation) -> Commendation:
    policy.require(actor, "commendation.manage", commendation)
    fresh = Commendation.objects.select_related("organization", "evaluation", "campaign").get(pk=commendation.pk)
    if fresh.status not in CommendationStatus.EDITABLE:
        raise CommendationMoved(_("名单已提交审定，退回修改后才能编辑。"))
    return fresh


def _transition(commendation: Commendation, actor, *, from_statuses, to_status, action, audit_event,
                reason="", now=None, extra=None, moved_message=None) -> Commendation:
    """The conditional UPDATE, its trail row and its audit record, in one transaction.
    ``audit_event(detail)`` writes the audit event (each caller names its literal action)."""
    now = _now(now)
    with transaction.atomic():
        changed = Commendation.objects.filter(pk=commendation.pk, status__in=list(from_statuses)).update(
            status=to_status, updated_at=now, version=F("version") + 1, **(extra or {}))
        if not changed:
            raise CommendationMoved(moved_message or _("名单的状态已经变化，请刷新页面。"))
        _event(commendation, action, actor, reason, now)
        audit_event({"reason": reason[:500]} if reason else None)
        _public_changed()
    return Commendation.objects.select_related("organization", "evaluation", "campaign").get(pk=commendation.pk)


def default_title(campaign, organization: Organization) -> str:
    return _("%(year)s年度%(level)s科技活动周优秀组织单位和优秀个人") % {
        "year": campaign.year, "level": level_name(organization)}


def default_decision(campaign, organization: Organization) -> str:
    values = {"year": campaign.year, "level": level_name(organization)}
    return _("为表彰%(year)s年度%(level)s科技活动周优秀组织单位和人员，经评估、审定和公示，决定授予以下单位"
             "“%(year)s年度%(level)s科技活动周优秀组织单位”称号，授予以下同志“%(year)s年度%(level)s科技活动周"
             "优秀个人”称号。希望受到表彰的单位和个人珍惜荣誉，再接再厉，为推动科学普及工作再作新贡献。") % values


def level_name(organization: Organization) -> str:
    """How a title names the level: 全国 for the national committee, else its name."""
    return _("全国") if organization.depth <= 1 else organization.name


# --- the list ------------------------------------------------------------------------------------

def create(actor, evaluation, *, title: str = "", decision_text: str = "", now=None) -> Commendation:
    """A new draft list from a frozen or published evaluation of the actor's tree."""
    from sciweek.evaluation.models import Evaluation

    policy.require(actor, "commendation.manage", evaluation.organization)
    evaluation = Evaluation.objects.select_related("campaign", "organization").get(pk=evaluation.pk)
    if evaluation.status not in (Evaluation.Status.FROZEN, Evaluation.Status.PUBLISHED):
        raise CommendationError(_("评估结果定格后才能据此生成表彰名单。"))
    organization, campaign = evaluation.organization, evaluation.campaign
    try:
        with transaction.atomic():
            commendation = Commendation.objects.create(
                campaign=campaign, evaluation=evaluation, organization=organization,
                title=(title or "").strip()[:120] or default_title(campaign, organization),
                decision_text=(decision_text or "").strip()[:2000] or default_decision(campaign, organization),
                created_by=actor if getattr(actor, "pk", None) else None, is_demo=evaluation.is_demo)
            _event(commendation, CommendationEvent.Action.CREATED, actor, now=now)
            audit.record("commendations.created", actor=actor, organization=organization, summary=commendation.title)
    except IntegrityError:
        raise CommendationError(_("这次评估已经有一份表彰名单；撤销后才能重新生成。")) from None
    return commendation


def update_texts(actor, commendation: Commendation, *, title: str, decision_text: str, now=None) -> Commendation:
    commendation = _editable(actor, commendation)
    title, decision_text = (title or "").strip(), (decision_text or "").strip()
    if not title or not decision_text:
        raise CommendationError(_("请填写名单标题和表彰决定。"))
    if not Commendation.objects.filter(pk=commendation.pk, status__in=list(CommendationStatus.EDITABLE)).update(
            title=title[:120], decision_text=decision_text[:2000], updated_at=_now(now), version=F("version") + 1):
        raise CommendationMoved(_("名单已提交审定，退回修改后才能编辑。"))
    return Commendation.objects.get(pk=commendation.pk)


# --- categories ----------------------------------------------------------------------------------

def _peer_groups(evaluation) -> list[tuple[str, str]]:
    from sciweek.evaluation import selectors as evaluation_selectors

    return list(evaluation_selectors.peer_groups(evaluation))


def category_name(kind: str, peer_group_label: str = "") -> str:
    label = Kind(kind).label
    return _("%(kind)s（%(group)s）") % {"kind": label, "group": peer_group_label} if peer_group_label else str(label)


def add_category(actor, commendation: Commendation, *, kind: str, quota: int, peer_group: str = "",
                 per_peer_group: bool = False, name: str = "", now=None) -> list[CommendationCategory]:
    """A quota of excellent units (of one peer group, of all, or one per peer group when
    ``per_peer_group``) or of individuals. Returns the categories made."""
    commendation = _editable(actor, commendation)
    if kind not in Kind.values:
        raise CommendationError(_("请选择表彰类别。"))
    if not isinstance(quota, int) or not 1 <= quota <= MAX_CANDIDATES_PER_CATEGORY:
        raise CommendationError(_("名额须为 1 到 %(n)s 之间的整数。") % {"n": MAX_CANDIDATES_PER_CATEGORY})
    groups = dict(_peer_groups(commendation.evaluation)) if kind == Kind.UNIT else {}
    if kind == Kind.INDIVIDUAL:
        wanted = [("", "")]
    elif per_peer_group:
        wanted = list(groups.items())
        if not wanted:
            raise CommendationError(_("这次评估没有比较组。"))
    elif peer_group:
        if peer_group not in groups:
            raise CommendationError(_("这次评估没有这个比较组。"))
        wanted = [(peer_group, groups[peer_group])]
    else:
        wanted = [("", "")]
    made = []
    position = (CommendationCategory.objects.filter(commendation=commendation).aggregate(n=Max("position"))["n"]
                or 0) + 1
    try:
        with transaction.atomic():
            for offset, (key, label) in enumerate(wanted):
                made.append(CommendationCategory.objects.create(
                    commendation=commendation, kind=kind, peer_group=key, peer_group_label=label, quota=quota,
                    name=((name or "").strip()[:60] if len(wanted) == 1 and name.strip() else category_name(kind, label)),
                    position=position + offset))
    except IntegrityError:
        raise CommendationError(_("这个类别已经设置过名额，请直接修改名额。")) from None
    _touch(commendation.pk, now)
    return made


def update_category(actor, category: CommendationCategory, *, quota: int, name: str = "",
                    over_quota_reason: str = "", now=None) -> CommendationCategory:
    commendation = _editable(actor, category.commendation)
    if not isinstance(quota, int) or not 1 <= quota <= MAX_CANDIDATES_PER_CATEGORY:
        raise CommendationError(_("名额须为 1 到 %(n)s 之间的整数。") % {"n": MAX_CANDIDATES_PER_CATEGORY})
    CommendationCategory.objects.filter(pk=category.pk, commendation=commendation).update(
        quota=quota, name=(name or "").strip()[:60] or category.name,
        over_quota_reason=(over_quota_reason or "").strip()[:200])
    _touch(commendation.pk, now)
    return CommendationCategory.objects.get(pk=category.pk)


def remove_category(actor, category: CommendationCategory, now=None) -> None:
    commendation = _editable(actor, category.commendation)
    CommendationCategory.objects.filter(pk=category.pk, commendation=commendation).delete()
    _touch(commendation.pk, now)


# --- candidates ----------------------------------------------------------------------------------

def _ranked(evaluation, peer_group: str) -> list:
    """The standings a category draws from, best first, each with its rank (the evaluation's
    order kept within a rank). Without a peer group: every subject, ranked by total (ties
    share the rank: 1, 2, 2, 4)."""
    from sciweek.evaluation import selectors as evaluation_selectors

    rows = list(evaluation_selectors.standings(evaluation, peer_group=peer_group or None))
    if peer_group:
        return sorted(rows, key=lambda s: s.rank)  # stable: the evaluation's order within a rank
    rows.sort(key=lambda s: -s.total)
    ranked, previous, rank = [], None, 0
    for n, row in enumerate(rows, start=1):
        if row.total != previous:
            rank, previous = n, row.total
        ranked.append((rank, row))
    return [_Reranked(row, rank) for rank, row in ranked]


class _Reranked:
    """A standing with its rank among every subject (a category without a peer group)."""

    def __init__(self, standing, rank):
        self._standing, self.rank = standing, rank

    def __getattr__(self, name):
        return getattr(self._standing, name)


def within_quota(ranked: list, quota: int) -> list[tuple[object, bool]]:
    """The rows a quota takes (pure): the first ``quota``, and every row tied with the last of
    them; each with True when it is one of several tied across the boundary."""
    if quota <= 0 or not ranked:
        return []
    boundary = ranked[min(quota, len(ranked)) - 1].rank
    taken = [row for row in ranked if row.rank <= boundary]
    over = len(taken) > quota
    return [(row, over and row.rank == boundary) for row in taken]


def draw_candidates(actor, commendation: Commendation, now=None) -> dict[int, int]:
    """Fill each unit category from the evaluation's ranking (see the module's rules). Returns
    how many candidates each category drew."""
    commendation = _editable(actor, commendation)
    evaluation = commendation.evaluation
    if not evaluation.is_frozen:
        raise CommendationError(_("评估结果定格后才能据此生成表彰名单。"))
    categories = list(CommendationCategory.objects.filter(commendation=commendation, kind=Kind.UNIT))
    if not categories:
        raise CommendationError(_("请先设置优秀组织单位的类别和名额。"))
    drawn: dict[int, int] = {}
    with transaction.atomic():
        Candidate.objects.filter(commendation=commendation, source=Candidate.Source.RANKED).delete()
        taken = set(Candidate.objects.filter(commendation=commendation, kind=Kind.UNIT, removed=False)
                    .values_list("organization_id", flat=True))
        rows = []
        for category in categories:
            count = 0
            for position, (standing, tied) in enumerate(
                    within_quota(_ranked(evaluation, category.peer_group), category.quota), start=1):
                if standing.organization_id in taken:
                    continue
                taken.add(standing.organization_id)
                rows.append(Candidate(commendation=commendation, category=category, kind=Kind.UNIT,
                                      organization_id=standing.organization_id, source=Candidate.Source.RANKED,
                                      rank=standing.rank, total=standing.total,
                                      peer_group_label=standing.peer_group_label or category.peer_group_label,
                                      tied_at_boundary=tied, position=position))
                count += 1
            drawn[category.pk] = count
        Candidate.objects.bulk_create(rows)
        # The added ones follow the drawn ones.
        for category in categories:
            for offset, pk in enumerate(Candidate.objects.filter(category=category, source=Candidate.Source.ADDED)
                                        .order_by("position", "id").values_list("pk", flat=True), start=1):
                Candidate.objects.filter(pk=pk).update(position=drawn[category.pk] + offset)
        Commendation.objects.filter(pk=commendation.pk).update(drawn_at=_now(now))
        _event(commendation, CommendationEvent.Action.DRAWN, actor, now=now)
        audit.record("commendations.drawn", actor=actor, organization=commendation.organization,
                     summary=commendation.title, detail={"candidates": sum(drawn.values())})
    _touch(commendation.pk, now)
    return drawn


def _next_position(category) -> int:
    return (Candidate.objects.filter(category=category).aggregate(n=Max("position"))["n"] or 0) + 1


def _in_level(commendation: Commendation, organization: Organization, *, include_level: bool) -> None:
    inside = organization.path.startswith(commendation.organization.path)
    if not inside or (not include_level and organization.pk == commendation.organization_id):
        raise CommendationError(_("只能表彰本级所辖的单位和人员。"))


def add_unit(actor, category: CommendationCategory, *, organization: Organization, reason: str,
             now=None) -> Candidate:
    """A unit the ranking did not draw, added by the level with a reason."""
    commendation = _editable(actor, category.commendation)
    if category.kind != Kind.UNIT:
        raise CommendationError(_("这个类别表彰个人，请填写姓名。"))
    reason = (reason or "").strip()
    if not reason:
        raise CommendationError(_("增补候选须写明理由。"))
    _in_level(commendation, organization, include_level=False)
    try:
        with transaction.atomic():
            candidate = Candidate.objects.create(
                commendation=commendation, category=category, kind=Kind.UNIT, organization=organization,
                source=Candidate.Source.ADDED, reason=reason[:200], position=_next_position(category))
    except IntegrityError:
        raise CommendationError(_("%(org)s已经在名单中。") % {"org": organization.name}) from None
    audit.record("commendations.candidate_added", actor=actor, organization=commendation.organization,
                 summary=f"{commendation.title} · {organization.name}", detail={"reason": reason[:200]})
    _touch(commendation.pk, now)
    return candidate


def add_individual(actor, category: CommendationCategory, *, name: str, organization: Organization,
                   role: str = "", reason: str = "", now=None) -> Candidate:
    """A named person (name, unit and role only: no phone, no ID number)."""
    commendation = _editable(actor, category.commendation)
    if category.kind != Kind.INDIVIDUAL:
        raise CommendationError(_("这个类别表彰单位，请选择单位。"))
    name, role, reason = (name or "").strip(), (role or "").strip(), (reason or "").strip()
    if not name:
        raise CommendationError(_("请填写姓名。"))
    if len(name) > 40 or len(role) > 60:
        raise CommendationError(_("姓名最多 40 个字，职务或职称最多 60 个字。"))
    _in_level(commendation, organization, include_level=True)
    candidate = Candidate.objects.create(
        commendation=commendation, category=category, kind=Kind.INDIVIDUAL, organization=organization,
        person_name=name, person_role=role, source=Candidate.Source.ADDED,
        reason=reason[:200] or _("本级推荐"), position=_next_position(category))
    audit.record("commendations.candidate_added", actor=actor, organization=commendation.organization,
                 summary=f"{commendation.title} · {name}", detail={"unit": organization.name})
    _touch(commendation.pk, now)
    return candidate


def remove_candidate(actor, candidate: Candidate, *, reason: str, now=None) -> Candidate:
    """Off the list with a reason: while drafting, or during the notice (an objection upheld)."""
    policy.require(actor, "commendation.manage", candidate.commendation)
    reason = (reason or "").strip()
    if not reason:
        raise CommendationError(_("删除候选须写明理由。"))
    now = _now(now)
    allowed = list(CommendationStatus.EDITABLE | {CommendationStatus.NOTICE})
    with transaction.atomic():
        if not Commendation.objects.filter(pk=candidate.commendation_id, status__in=allowed).exists():
            raise CommendationMoved(_("名单已提交审定，退回修改后才能编辑。"))
        if not Candidate.objects.filter(pk=candidate.pk, removed=False).update(
                removed=True, removed_reason=reason[:200], removed_at=now, removed_by=actor):
            raise CommendationMoved(_("这个候选已经删除。"))
        audit.record("commendations.candidate_removed", actor=actor, organization=candidate.commendation.organization,
                     summary=f"{candidate.commendation.title} · {candidate.display_name}",
                     detail={"reason": reason[:200]})
    _touch(candidate.commendation_id, now)
    return Candidate.objects.get(pk=candidate.pk)


def restore_candidate(actor, candidate: Candidate, now=None) -> Candidate:
    commendation = _editable(actor, candidate.commendation)
    try:
        with transaction.atomic():
            if not Candidate.objects.filter(pk=candidate.pk, removed=True).update(
                    removed=False, removed_reason="", removed_at=None, removed_by=None):
                raise CommendationMoved(_("这个候选已经在名单中。"))
    except IntegrityError:
        raise CommendationError(_("%(org)s已经在名单中。") % {"org": candidate.organization.name}) from None
    audit.record("commendations.candidate_restored", actor=actor, organization=commendation.organization,
                 summary=f"{commendation.title} · {candidate.display_name}")
    _touch(commendation.pk, now)
    return Candidate.objects.get(pk=candidate.pk)


def move_candidate(actor, candidate: Candidate, *, up: bool, now=None) -> None:
    """One place up or down within its category (the order of the published list)."""
    commendation = _editable(actor, candidate.commendation)
    siblings = list(Candidate.objects.filter(category_id=candidate.category_id, removed=False)
                    .order_by("position", "id").values_list("pk", flat=True))
    if candidate.pk not in siblings:
        return
    i = siblings.index(candidate.pk)
    j = i - 1 if up else i + 1
    if not 0 <= j < len(siblings):
        return
    siblings[i], siblings[j] = siblings[j], siblings[i]
    with transaction.atomic():
        for position, pk in enumerate(siblings, start=1):
            Candidate.objects.filter(pk=pk).update(position=position)
    _touch(commendation.pk, now)


# --- the flow ------------------------------------------------------------------------------------

def quota_problems(commendation: Commendation) -> list[str]:
    """Why the list cannot be proposed yet (empty when it can)."""
    problems = []
    categories = list(CommendationCategory.objects.filter(commendation=commendation))
    counts = {}
    for category_id in Candidate.objects.filter(commendation=commendation, removed=False).values_list(
            "category_id", flat=True):
        counts[category_id] = counts.get(category_id, 0) + 1
    if not counts:
        problems.append(_("名单中还没有候选。"))
    for category in categories:
        have = counts.get(category.pk, 0)
        if have > category.quota and not category.over_quota_reason.strip():
            problems.append(_("“%(name)s”名额 %(quota)s 名，现有 %(have)s 名。请删去多出的候选（写明理由），"
                              "或写明超出名额的理由。") % {"name": category.name, "quota": category.quota,
                                                  "have": have})
    return problems


def propose(actor, commendation: Commendation, now=None) -> Commendation:
    commendation = _editable(actor, commendation)
    problems = quota_problems(commendation)
    if problems:
        raise CommendationError(problems)
    return _transition(commendation, actor, from_statuses=[CommendationStatus.DRAFT],
                       to_status=CommendationStatus.PROPOSED, action=CommendationEvent.Action.PROPOSED,
                       audit_event=lambda detail: audit.record(
                           "commendations.proposed", actor=actor, organization=commendation.organization,
                           summary=commendation.title, detail=detail), now=now, extra={"proposed_by": actor})


def return_to_draft(actor, commendation: Commendation, *, reason: str, now=None) -> Commendation:
    policy.require(actor, "commendation.manage", commendation)
    reason = (reason or "").strip()
    if not reason:
        raise CommendationError(_("请写明退回修改的理由。"))
    return _transition(commendation, actor, from_statuses=[CommendationStatus.PROPOSED, CommendationStatus.APPROVED],
                       to_status=CommendationStatus.DRAFT, action=CommendationEvent.Action.RETURNED,
                       audit_event=lambda detail: audit.record(
                           "commendations.returned", actor=actor, organization=commendation.organization,
                           summary=commendation.title, detail=detail), reason=reason[:1000], now=now)


def approve(actor, commendation: Commendation, now=None) -> Commendation:
    policy.require(actor, "commendation.manage", commendation)
    now = _now(now)
    return _transition(commendation, actor, from_statuses=[CommendationStatus.PROPOSED],
                       to_status=CommendationStatus.APPROVED, action=CommendationEvent.Action.APPROVED,
                       audit_event=lambda detail: audit.record(
                           "commendations.approved", actor=actor, organization=commendation.organization,
                           summary=commendation.title, detail=detail), now=now,
                       extra={"approved_by": actor, "approved_at": now},
                       moved_message=_("名单已经审定过，或已退回修改，请刷新页面。"))


def start_notice(actor, commendation: Commendation, *, days: int, contact: str, starts_on: date | None = None,
                 now=None) -> Commendation:
    """Public notice (公示) for ``days`` days from ``starts_on`` (default today)."""
    policy.require(actor, "commendation.manage", commendation)
    today = timezone.localdate(_now(now))
    starts_on = starts_on or today
    contact = (contact or "").strip()
    if not isinstance(days, int) or not 1 <= days <= MAX_NOTICE_DAYS:
        raise CommendationError(_("公示期须为 1 到 %(n)s 天。") % {"n": MAX_NOTICE_DAYS})
    if starts_on < today:
        raise CommendationError(_("公示不能从过去的日期开始。"))
    if not contact:
        raise CommendationError(_("请填写受理异议的部门和联系方式（公示页面显示）。"))
    ends_on = starts_on + timedelta(days=days - 1)
    return _transition(commendation, actor, from_statuses=[CommendationStatus.APPROVED],
                       to_status=CommendationStatus.NOTICE, action=CommendationEvent.Action.NOTICE,
                       audit_event=lambda detail: audit.record(
                           "commendations.notice_started", actor=actor, organization=commendation.organization,
                           summary=commendation.title, detail=detail), now=now,
                       reason=f"{starts_on.isoformat()} – {ends_on.isoformat()}",
                       extra={"notice_starts_on": starts_on, "notice_ends_on": ends_on,
                              "notice_contact": contact[:200]})


def notice_open(commendation: Commendation, now=None) -> bool:
    """Is the list on notice and taking objections today?"""
    today = timezone.localdate(_now(now))
    return (commendation.status == CommendationStatus.NOTICE and commendation.notice_starts_on is not None
            and commendation.notice_starts_on <= today <= commendation.notice_ends_on)


def finalize(actor, commendation: Commendation, now=None) -> Commendation:
    """The final list, after the notice has ended and every objection is handled."""
    policy.require(actor, "commendation.manage", commendation)
    now = _now(now)
    fresh = Commendation.objects.get(pk=commendation.pk)
    if fresh.status != CommendationStatus.NOTICE:
        raise CommendationMoved(_("名单不在公示中，不能公布最终名单。"))
    if timezone.localdate(now) <= fresh.notice_ends_on:
        raise CommendationError(_("公示期到 %(end)s 结束，届满后才能公布最终名单。") % {
            "end": fresh.notice_ends_on.isoformat()})
    if Objection.objects.filter(commendation=fresh, status=Objection.Status.OPEN).exists():
        raise CommendationError(_("还有异议未处理，处理完才能公布最终名单。"))
    if not Candidate.objects.filter(commendation=fresh, removed=False).exists():
        raise CommendationError(_("名单中没有候选，不能公布。"))
    return _transition(fresh, actor, from_statuses=[CommendationStatus.NOTICE], to_status=CommendationStatus.FINAL,
                       action=CommendationEvent.Action.FINAL,
                       audit_event=lambda detail: audit.record(
                           "commendations.finalized", actor=actor, organization=commendation.organization,
                           summary=commendation.title, detail=detail), now=now,
                       extra={"finalized_at": now})


def withdraw(actor, commendation: Commendation, *, reason: str, now=None) -> Commendation:
    policy.require(actor, "commendation.manage", commendation)
    reason = (reason or "").strip()
    if not reason:
        raise CommendationError(_("请写明撤销的理由。"))
    return _transition(commendation, actor, from_statuses=CommendationStatus.LIVE,
                       to_status=CommendationStatus.WITHDRAWN, action=CommendationEvent.Action.WITHDRAWN,
                       audit_event=lambda detail: audit.record(
                           "commendations.withdrawn", actor=actor, organization=commendation.organization,
                           summary=commendation.title, detail=detail), reason=reason[:1000], now=now,
                       extra={"withdrawn_reason": reason[:1000]})


# --- objections ----------------------------------------------------------------------------------

def raise_objection(commendation: Commendation, *, text: str, candidate_id: int | None = None, name: str = "",
                    contact: str = "", now=None) -> Objection:
    """From the public notice page (the view limits how often one address may send)."""
    commendation = Commendation.objects.get(pk=commendation.pk)
    if not notice_open(commendation, now):
        raise CommendationError(_("当前不在公示期，不能提出异议。"))
    text = (text or "").strip()
    if not text:
        raise CommendationError(_("请填写异议内容。"))
    candidate = None
    if candidate_id:
        candidate = Candidate.objects.filter(pk=candidate_id, commendation=commendation, removed=False).first()
        if candidate is None:
            raise CommendationError(_("所选候选已不在公示名单中。"))
    objection = Objection.objects.create(commendation=commendation, candidate=candidate, name=(name or "").strip()[:40],
                                         contact=(contact or "").strip()[:60], text=text[:MAX_OBJECTION_CHARS],
                                         created_at=_now(now))
    return objection


def record_objection(actor, commendation: Commendation, *, text: str, candidate_id: int | None = None,
                     name: str = "", contact: str = "", now=None) -> Objection:
    """An objection the level received otherwise (a letter, a call) during the notice."""
    policy.require(actor, "commendation.manage", commendation)
    objection = raise_objection(commendation, text=text, candidate_id=candidate_id, name=name, contact=contact,
                                now=now)
    Objection.objects.filter(pk=objection.pk).update(source=Objection.Source.RECORDED)
    audit.record("commendations.objection_recorded", actor=actor, organization=commendation.organization,
                 summary=commendation.title)
    objection.source = Objection.Source.RECORDED
    return objection


def handle_objection(actor, objection: Objection, *, upheld: bool, response: str, remove: bool = False,
                     now=None) -> Objection:
    """Upheld or dismissed with a response; upheld with ``remove`` takes its candidate off the
    list (the response is the reason)."""
    policy.require(actor, "commendation.manage", objection.commendation)
    response = (response or "").strip()
    if not response:
        raise CommendationError(_("请填写处理意见。"))
    now = _now(now)
    status = Objection.Status.UPHELD if upheld else Objection.Status.DISMISSED
    with transaction.atomic():
        if not Objection.objects.filter(pk=objection.pk, status=Objection.Status.OPEN).update(
                status=status, response=response[:2000], handled_by=actor, handled_at=now):
            raise CommendationMoved(_("这条异议已经处理过了。"))
        audit.record("commendations.objection_handled", actor=actor, organization=objection.commendation.organization,
                     summary=objection.commendation.title, detail={"status": status})
        if upheld and remove and objection.candidate_id:
            candidate = Candidate.objects.select_related("commendation__organization", "organization").get(
                pk=objection.candidate_id)
            if not candidate.removed:
                remove_candidate(actor, candidate, reason=response[:200], now=now)
    _touch(objection.commendation_id, now)
    return Objection.objects.get(pk=objection.pk)


# --- next year's support -------------------------------------------------------------------------

def set_support(actor, candidate: Candidate, *, support: bool, now=None) -> Candidate:
    """Mark (or unmark) an awardee unit of a final list for next year's key-project support."""
    policy.require(actor, "commendation.manage", candidate.commendation)
    if candidate.kind != Kind.UNIT or candidate.removed:
        raise CommendationError(_("只有名单中的优秀组织单位可以列入下一年度重点项目支持。"))
    if not Commendation.objects.filter(pk=candidate.commendation_id, status=CommendationStatus.FINAL).exists():
        raise CommendationError(_("名单公布后才能确定下一年度重点项目支持。"))
    with transaction.atomic():
        Candidate.objects.filter(pk=candidate.pk).update(support_next_year=bool(support))
        _mirror_support(actor, candidate, bool(support))
    audit.record("commendations.support_set", actor=actor, organization=candidate.commendation.organization,
                 summary=f"{candidate.commendation.title} · {candidate.display_name}",
                 detail={"support": bool(support)})
    _touch(candidate.commendation_id, now)
    return Candidate.objects.get(pk=candidate.pk)


def _mirror_support(actor, candidate: Candidate, support: bool) -> None:
    """Keep the evaluation's record (``Subject.support_next_year``, evaluation.services) in step
    when the unit is one of its subjects and the evaluation is published."""
    from sciweek.evaluation import services as evaluation_services
    from sciweek.evaluation.models import Evaluation, Subject

    evaluation = candidate.commendation.evaluation
    if evaluation.status != Evaluation.Status.PUBLISHED:
        return
    subject = Subject.objects.filter(evaluation=evaluation, organization_id=candidate.organization_id).first()
    if subject is not None:
        evaluation_services.mark_support(actor, evaluation, subject, support,
                                         note=_("表彰名单：%(title)s") % {"title": candidate.commendation.title})
