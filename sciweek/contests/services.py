"""Every write of the contests, and their rules.

Entries (submitted by units, or recommended within quotas), conflicts of interest, balanced
assignment, scoring with lock and reopen, the round's results (recomputed on every submitted
score, so a live final's board and the official ranking are ready at once), public notice with
objections, final awards, and the public vote with its caps.

Judging rights come from a seat on a panel, not from the organization tree: a judge from a
unit in 保定 scores entries from 石家庄. Who may run a contest, enter or recommend comes from
accounts.policy as everywhere else.
"""
from __future__ import annotations

import contextlib
import contextvars
import hashlib
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from sciweek.accounts import audit, policy
from sciweek.accounts.models import Membership, Role
from sciweek.organizations.models import Organization

from . import scoring
from .models import (
    Assignment,
    Award,
    Category,
    Conflict,
    Contest,
    Criterion,
    Entry,
    Objection,
    Panel,
    PanelJudge,
    PrizeTier,
    Publication,
    Quota,
    Result,
    Round,
    RoundMarks,
    Score,
    Vote,
    VoteCounter,
)

# A burst: this many votes from one address or one device within the window are flagged.
BURST_VOTES = 20
BURST_WINDOW = timedelta(minutes=1)


def plain(number: Decimal) -> str:
    """10.00 → "10", 7.50 → "7.5" (Decimal.normalize alone gives 1E+1)."""
    return format(number.normalize(), "f")


class ContestError(ValidationError):
    """A refusal a person can act on; its message is in their language."""


def _bump(contest_id: int) -> None:
    Contest.objects.filter(pk=contest_id).update(version=F("version") + 1)


# --- entries ------------------------------------------------------------------------------

def _check_entry_window(contest: Contest, now) -> None:
    if contest.status != Contest.Status.OPEN:
        raise ContestError(_("这个大赛当前不接受报送作品。"))
    if contest.entries_open_at and now < contest.entries_open_at:
        raise ContestError(_("作品征集尚未开始。"))
    if contest.entries_close_at and now > contest.entries_close_at:
        raise ContestError(_("作品征集已截止。"))


def quota_for(contest: Contest, organization: Organization) -> int | None:
    """The places `organization` may recommend: its own quota, else the contest's default,
    else no limit (None)."""
    row = Quota.objects.filter(contest=contest, organization=organization).values_list("places", flat=True).first()
    return row if row is not None else contest.default_quota


def submit_entry(contest: Contest, *, actor, organization: Organization, category: Category, title: str,
                 first_author: str, team_members: str = "", summary: str = "", attested: bool,
                 aired_url: str = "", recommended_by: Organization | None = None,
                 recommendation_rank: int | None = None, now=None) -> Entry:
    """A unit's entry (actor may `contest.enter` for the unit), or an organization's
    recommendation (actor may `contest.recommend` for it; ranked, then cut to its quota)."""
    now = now or timezone.now()
    policy.require(actor, "contest.enter", organization)
    if recommended_by is not None:
        policy.require(actor, "contest.recommend", recommended_by)
        if recommendation_rank is None or recommendation_rank < 1:
            raise ContestError(_("推荐作品须填写推荐排序（从 1 开始）。"))
    elif contest.by_recommendation:
        raise ContestError(_("这个大赛只接受下级单位推荐的作品。"))
    _check_entry_window(contest, now)
    if category.contest_id != contest.pk:
        raise ContestError(_("所选组别不属于这个大赛。"))
    title, first_author = title.strip(), first_author.strip()
    if not title or not first_author:
        raise ContestError(_("请填写作品名称和第一作者。"))
    if not attested:
        raise ContestError(_("请确认作品为原创，未侵犯他人著作权。"))
    if contest.requires_aired_url and not aired_url:
        raise ContestError(_("这个大赛要求作品已公开播出，请填写播出网址。"))
    with transaction.atomic():
        locked = Contest.objects.select_for_update().get(pk=contest.pk)  # numbers and per-author limits
        if locked.max_entries_per_first_author:
            taken = Entry.objects.filter(contest=locked, first_author=first_author).exclude(
                status=Entry.Status.WITHDRAWN).count()
            if taken >= locked.max_entries_per_first_author:
                raise ContestError(_("每位第一作者最多报送 %(n)s 件作品，%(name)s 已报送 %(taken)s 件。") % {
                    "n": locked.max_entries_per_first_author, "name": first_author, "taken": taken})
        number = (Entry.objects.filter(contest=locked).aggregate(n=Max("number"))["n"] or 0) + 1
        try:
            with transaction.atomic():
                entry = Entry.objects.create(
                    contest=locked, category=category, number=number, title=title[:120], summary=summary,
                    first_author=first_author[:40], team_members=team_members[:300], organization=organization,
                    recommended_by=recommended_by, recommendation_rank=recommendation_rank,
                    originality_attested_at=now, aired_url=aired_url, created_by=actor)
        except IntegrityError:
            raise ContestError(_("推荐排序 %(rank)s 已被本单位的另一件作品使用。") % {
                "rank": recommendation_rank}) from None
        if recommended_by is not None:
            apply_quota(locked, recommended_by)
        _bump(locked.pk)
    entry.refresh_from_db()
    return entry


def apply_quota(contest: Contest, organization: Organization) -> list[int]:
    """Cut an organization's recommendations to its quota by rank: the first `places` (by
    recommendation rank) are in the contest, the rest are over quota. Returns the ids cut."""
    places = quota_for(contest, organization)
    ranked = list(Entry.objects.filter(contest=contest, recommended_by=organization).exclude(
        status__in=[Entry.Status.WITHDRAWN, Entry.Status.DISQUALIFIED]).order_by("recommendation_rank", "id")
        .values_list("id", flat=True))
    keep, cut = (ranked, []) if places is None else (ranked[:places], ranked[places:])
    Entry.objects.filter(pk__in=keep, status=Entry.Status.OVER_QUOTA).update(status=Entry.Status.SUBMITTED)
    Entry.objects.filter(pk__in=cut, status=Entry.Status.SUBMITTED).update(status=Entry.Status.OVER_QUOTA)
    return cut


def set_quota(contest: Contest, organization: Organization, places: int, *, actor) -> None:
    policy.require(actor, "contest.manage", contest)
    with transaction.atomic():
        Quota.objects.update_or_create(contest=contest, organization=organization, defaults={"places": places})
        apply_quota(contest, organization)
        _bump(contest.pk)


def withdraw_entry(entry: Entry, *, actor) -> None:
    policy.require(actor, "contest.enter", entry.organization)
    with transaction.atomic():
        if not Entry.objects.filter(pk=entry.pk, status__in=[Entry.Status.SUBMITTED, Entry.Status.OVER_QUOTA]).update(
                status=Entry.Status.WITHDRAWN):
            raise ContestError(_("这件作品已不能撤回。"))
        Assignment.objects.filter(entry=entry, score__isnull=True).delete()
        if entry.recommended_by_id:
            apply_quota(entry.contest, entry.recommended_by)
        _bump(entry.contest_id)


def disqualify_entry(entry: Entry, *, actor, reason: str) -> None:
    """After an upheld objection, say: the entry leaves the ranking, the results are redone."""
    policy.require(actor, "contest.manage", entry.contest)
    if not reason.strip():
        raise ContestError(_("请填写取消资格的理由。"))
    with transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(status=Entry.Status.DISQUALIFIED)
        audit.record("contests.entry_disqualified", actor=actor, organization=entry.contest.organization,
                     summary=f"{entry.contest.title} · {entry.code} {entry.title}", detail={"reason": reason})
        for rnd in entry.contest.rounds.all():
            compute_results(rnd)


def attach_video(entry: Entry, asset, *, actor) -> None:
    """An entry's video, uploaded through the media intake for this purpose by the same person
    (the intake has checked the real streams against the contest's rule)."""
    policy.require(actor, "contest.enter", entry.organization)
    if asset.purpose != "contests.entry_video" or asset.uploaded_by_id != actor.pk:
        raise ContestError(_("请先上传这件作品的视频。"))
    if entry.contest.status != Contest.Status.OPEN or entry.status not in (Entry.Status.SUBMITTED,
                                                                           Entry.Status.OVER_QUOTA):
        raise ContestError(_("作品征集已结束，不能再更换视频。"))
    Entry.objects.filter(pk=entry.pk).update(video=asset)
    _bump(entry.contest_id)


def recommend_winners(source: Contest, target: Contest, *, actor, now=None) -> list[Entry]:
    """A province's award winners go on to the national contest, in the order of their
    final ranking, under the province's quota there (what is over it is cut by rank)."""
    if source.status != Contest.Status.FINAL:
        raise ContestError(_("本级大赛结果公布后才能向上推荐。"))
    awards = list(Award.objects.filter(contest=source).select_related("entry", "entry__category")
                  .order_by("rank", "entry__number"))
    categories = {c.name: c for c in target.categories.all()}
    fallback = next(iter(categories.values()), None)
    made = []
    for position, award in enumerate(awards, start=1):
        src = award.entry
        category = categories.get(src.category.name, fallback)
        if category is None:
            raise ContestError(_("上级大赛尚未设置组别。"))
        made.append(submit_entry(
            target, actor=actor, organization=src.organization, category=category, title=src.title,
            first_author=src.first_author, team_members=src.team_members, summary=src.summary, attested=True,
            aired_url=src.aired_url, recommended_by=source.organization, recommendation_rank=position, now=now))
        if src.video_id:
            Entry.objects.filter(pk=made[-1].pk).update(video_id=src.video_id)
    return made


# --- setting a contest up ------------------------------------------------------------------

def _sync_rows(model, owner: dict, rows: list[dict], fields: tuple[str, ...]) -> None:
    """Make `model`'s rows of `owner` what `rows` say, in their order: each row is {"id": an
    existing id or None, the fields…, "delete": True to remove it}. Ids that are not the
    owner's are treated as new rows (no writing into another contest's rubric)."""
    mine = {o.pk: o for o in model.objects.filter(**owner)}
    position = 0
    for row in rows:
        existing = mine.get(row.get("id"))
        if row.get("delete"):
            if existing is not None:
                existing.delete()
            continue
        values = {f: (row[f].strip() if isinstance(row.get(f), str) else row.get(f)) for f in fields}
        values["position"] = position
        position += 1
        if existing is None:
            model.objects.create(**owner, **values)
        else:
            model.objects.filter(pk=existing.pk).update(**values)


def save_contest(contest: Contest, *, actor, categories: list[dict], tiers: list[dict]) -> Contest:
    """A contest (new or changed: the caller has set its fields) with its categories and prize
    tiers, all or nothing. A category with entries or a tier already awarded cannot be deleted
    (ProtectedError); duplicate names or slugs are IntegrityErrors."""
    policy.require(actor, "contest.manage", contest.organization)
    with transaction.atomic():
        contest.save()
        _sync_rows(Category, {"contest": contest}, categories, ("name",))
        _sync_rows(PrizeTier, {"contest": contest}, tiers, ("name", "count", "share_percent"))
        _bump(contest.pk)
    contest.refresh_from_db()
    return contest


def save_round(rnd: Round, *, actor, criteria: list[dict] | None) -> Round:
    """A round (the caller has set its fields) and, while it is not yet scored, its rubric: a
    rubric under scoring stays as the judges mark it (criteria are then ignored)."""
    policy.require(actor, "contest.manage", rnd.contest)
    with transaction.atomic():
        if rnd.pk is None:
            last = Round.objects.filter(contest=rnd.contest).order_by("-position").first()
            rnd.position = (last.position + 1) if last else 1
        rnd.save()
        if rnd.status == Round.Status.PENDING and criteria is not None:
            _sync_rows(Criterion, {"round": rnd}, criteria,
                       ("name", "description", "weight", "min_points", "max_points"))
    return rnd


def add_panel(rnd: Round, *, actor, name: str, category: Category | None = None) -> Panel:
    policy.require(actor, "contest.manage", rnd.contest)
    if not name.strip():
        raise ContestError(_("请填写评审组名称。"))
    if category is not None and category.contest_id != rnd.contest_id:
        raise ContestError(_("所选组别不属于这个大赛。"))
    return Panel.objects.create(round=rnd, name=name.strip()[:60], category=category)


def remove_judge(seat: PanelJudge, *, actor) -> None:
    """Take a judge off a panel, with their unscored assignments; refused once they have a
    score in it (the scores stay with who gave them)."""
    policy.require(actor, "contest.manage", seat.panel.round.contest)
    with transaction.atomic():
        if Score.objects.filter(assignment__panel=seat.panel, assignment__judge=seat.judge).exists():
            raise ContestError(_("这位评委已有评分，不能移出评审组。"))
        Assignment.objects.filter(panel=seat.panel, judge=seat.judge).delete()
        seat.delete()


# --- judges and conflicts ---------------------------------------------------------------

def judge_organizations(user) -> list[Organization]:
    """Where a judge comes from: the organizations of their judge memberships (any role if
    they hold no judge membership)."""
    memberships = list(Membership.objects.filter(user=user).select_related("organization"))
    judged = [m.organization for m in memberships if m.role == Role.JUDGE]
    return judged or [m.organization for m in memberships]


def tree_conflict(judge_orgs: list[Organization], entry_orgs: list[Organization],
                  organizer: Organization) -> str | None:
    """Conflict.Kind for a judge and an entry, from the tree: the same organization, or one
    above or below the other. The organizer and those above it do not count as 'above': every
    entry is below the body that runs the contest, and its own judges would all be conflicted."""
    for j in judge_orgs:
        for e in entry_orgs:
            if j.pk == e.pk:
                return Conflict.Kind.SAME_ORGANIZATION
            if organizer.path.startswith(j.path):
                continue
            if e.path.startswith(j.path) or j.path.startswith(e.path):
                return Conflict.Kind.TREE
    return None


def _entry_orgs(entry: Entry) -> list[Organization]:
    return [o for o in (entry.organization, entry.recommended_by) if o is not None]


def refresh_conflicts(rnd: Round) -> int:
    """Record the tree's conflicts for every judge on the round's panels and entry in it;
    drops any unscored assignment a conflict now forbids. Returns conflicts added."""
    contest = rnd.contest
    entries = list(Entry.objects.filter(contest=contest, status__in=Entry.Status.IN_CONTEST)
                   .select_related("organization", "recommended_by"))
    judges = {pj.judge for pj in PanelJudge.objects.filter(panel__round=rnd).select_related("judge")}
    existing = set(Conflict.objects.filter(entry__contest=contest).values_list("entry_id", "judge_id"))
    new = []
    for judge in judges:
        orgs = judge_organizations(judge)
        for entry in entries:
            if (entry.pk, judge.pk) in existing:
                continue
            kind = tree_conflict(orgs, _entry_orgs(entry), contest.organization)
            if kind:
                new.append(Conflict(entry=entry, judge=judge, kind=kind))
    Conflict.objects.bulk_create(new, ignore_conflicts=True)
    # One statement, however many conflicts: an unscored assignment that one now forbids goes.
    Assignment.objects.filter(round=rnd, score__isnull=True).filter(Exists(Conflict.objects.filter(
        entry_id=OuterRef("entry_id"), judge_id=OuterRef("judge_id")))).delete()
    return len(new)


def declare_conflict(entry: Entry, *, judge, reason: str) -> Conflict:
    """A judge declares a conflict (a former student, a co-author…): the assignment goes, and
    the entry is never shown to them again. A score already submitted goes out too."""
    if not reason.strip():
        raise ContestError(_("请简要说明回避原因。"))
    with transaction.atomic():
        conflict, _created = Conflict.objects.get_or_create(
            entry=entry, judge=judge, defaults={"kind": Conflict.Kind.DECLARED, "reason": reason[:200]})
        rounds = list(Round.objects.filter(assignments__entry=entry, assignments__judge=judge).distinct())
        Assignment.objects.filter(entry=entry, judge=judge).delete()
        audit.record("contests.conflict_declared", actor=judge, organization=entry.contest.organization,
                     summary=f"{entry.contest.title} · {entry.code}", detail={"reason": reason[:200]})
    for rnd in rounds:
        compute_results(rnd)
    return conflict


def add_judge(panel: Panel, judge, *, actor, is_chief: bool = False) -> PanelJudge:
    policy.require(actor, "contest.manage", panel.round.contest)
    if not Membership.objects.filter(user=judge, role=Role.JUDGE).exists():
        raise ContestError(_("%(name)s 没有评委角色，请先在其单位为其开通评委角色。") % {"name": judge})
    seat, _created = PanelJudge.objects.update_or_create(panel=panel, judge=judge, defaults={"is_chief": is_chief})
    return seat


@dataclass
class AssignmentReport:
    made: int
    short: list[tuple[Entry, int]]  # entries that could not get k judges, with how many they have


def assign(rnd: Round, *, actor) -> AssignmentReport:
    """Give every entry of the round at least k judges from its panel, never a conflicted
    one, no judge more than the cap, the load as even as the conflicts allow. Keeps what is
    assigned (a re-run only fills gaps). Entries with the fewest possible judges go first, so
    the scarce judges are not used up on entries anyone can judge."""
    contest = rnd.contest
    policy.require(actor, "contest.manage", contest)
    with transaction.atomic():
        Round.objects.select_for_update().get(pk=rnd.pk)
        refresh_conflicts(rnd)
        k, cap = contest.judges_per_entry, contest.max_entries_per_judge
        conflicts = set(Conflict.objects.filter(entry__contest=contest).values_list("entry_id", "judge_id"))
        entries = _round_entries(rnd)
        have: dict[int, set[int]] = {}
        load: dict[int, int] = {}
        for entry_id, judge_id in Assignment.objects.filter(round=rnd).values_list("entry_id", "judge_id"):
            have.setdefault(entry_id, set()).add(judge_id)
            load[judge_id] = load.get(judge_id, 0) + 1
        panels = list(rnd.panels.prefetch_related("judges"))
        new, short = [], []

        def candidates(entry):
            for panel in panels:
                if panel.category_id in (None, entry.category_id):
                    for seat in panel.judges.all():
                        if (entry.pk, seat.judge_id) not in conflicts:
                            yield panel, seat.judge_id

        options = {e.pk: list(candidates(e)) for e in entries}
        for entry in sorted(entries, key=lambda e: (len(options[e.pk]), e.number)):
            mine = have.setdefault(entry.pk, set())
            pool = sorted((load.get(j, 0), j, p) for p, j in options[entry.pk] if j not in mine)
            for _load, judge_id, panel in pool:
                if len(mine) >= k:
                    break
                if cap is not None and load.get(judge_id, 0) >= cap:
                    continue
                if judge_id in mine:
                    continue
                mine.add(judge_id)
                load[judge_id] = load.get(judge_id, 0) + 1
                new.append(Assignment(round=rnd, entry=entry, judge_id=judge_id, panel=panel))
            if len(mine) < k:
                short.append((entry, len(mine)))
        Assignment.objects.bulk_create(new, ignore_conflicts=True)
        audit.record("contests.assigned", actor=actor, organization=contest.organization,
                     summary=f"{contest.title} · {rnd.name}", detail={"made": len(new), "short": len(short)})
    compute_results(rnd)
    return AssignmentReport(made=len(new), short=short)


def _round_entries(rnd: Round) -> list[Entry]:
    """Entries judged in a round: all in the contest for the first round; for a later one,
    those the previous round advanced."""
    qs = Entry.objects.filter(contest=rnd.contest, status__in=Entry.Status.IN_CONTEST)
    previous = Round.objects.filter(contest=rnd.contest, position__lt=rnd.position).order_by("-position").first()
    if previous is not None:
        qs = qs.filter(results__round=previous, results__advances=True)
    return list(qs.order_by("number"))


def open_round(rnd: Round, *, actor) -> None:
    policy.require(actor, "contest.manage", rnd.contest)
    if not rnd.criteria.exists():
        raise ContestError(_("请先设置这一轮的评分细则。"))
    with transaction.atomic():
        if not Round.objects.filter(pk=rnd.pk, status=Round.Status.PENDING).update(status=Round.Status.SCORING):
            raise ContestError(_("这一轮已经开始或已结束。"))
        Contest.objects.filter(pk=rnd.contest_id, status__in=[Contest.Status.DRAFT, Contest.Status.OPEN]).update(
            status=Contest.Status.JUDGING)
        _bump(rnd.contest_id)


def close_round(rnd: Round, *, actor) -> None:
    policy.require(actor, "contest.manage", rnd.contest)
    missing = Assignment.objects.filter(round=rnd).exclude(score__status=Score.Status.SUBMITTED).count()
    if missing:
        raise ContestError(_("还有 %(n)s 份评分未提交，不能结束这一轮。") % {"n": missing})
    Round.objects.filter(pk=rnd.pk, status=Round.Status.SCORING).update(status=Round.Status.CLOSED)
    compute_results(rnd)


# --- scoring -------------------------------------------------------------------------------

def criterion_rules(rnd: Round) -> list[scoring.CriterionRule]:
    return [scoring.CriterionRule(c.pk, c.weight, c.min_points, c.max_points)
            for c in Criterion.objects.filter(round=rnd).order_by("position", "id")]


def _clean_points(rnd: Round, raw: dict) -> dict[int, Decimal]:
    """Every criterion marked, within its range, at most two decimals; messages name the line."""
    points, problems = {}, []
    for c in Criterion.objects.filter(round=rnd).order_by("position", "id"):
        value = raw.get(c.pk, raw.get(str(c.pk)))
        if value in (None, ""):
            problems.append(_("请给“%(name)s”打分。") % {"name": c.name})
            continue
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            problems.append(_("“%(name)s”的分数应是数字。") % {"name": c.name})
            continue
        if not number.is_finite() or number < c.min_points or number > c.max_points:
            problems.append(_("“%(name)s”的分数应在 %(min)s 到 %(max)s 之间。") % {
                "name": c.name, "min": plain(c.min_points), "max": plain(c.max_points)})
            continue
        if number != number.quantize(scoring.TWO_DECIMALS):
            problems.append(_("“%(name)s”的分数最多保留两位小数。") % {"name": c.name})
            continue
        points[c.pk] = number
    if problems:
        raise ContestError(problems)
    return points


def judge_assignment(assignment_id: int, judge) -> Assignment:
    """The assignment a judge may see and score: theirs, in a round being scored, not
    conflicted. Anything else is as if it did not exist (no probing of entries)."""
    assignment = (Assignment.objects.select_related("round", "round__contest", "entry", "entry__category")
                  .filter(pk=assignment_id, judge=judge).first())
    if assignment is None or Conflict.objects.filter(entry_id=assignment.entry_id, judge=judge).exists():
        raise PermissionDenied(_("这件作品没有分配给您评审。"))
    return assignment


def save_score(assignment: Assignment, *, judge, points: dict, submit: bool, now=None) -> Score:
    """A judge saves marks (a draft) or submits them (locked). Refused: not theirs, conflicted,
    round not being scored, out of range, already submitted."""
    now = now or timezone.now()
    if assignment.judge_id != judge.pk:
        raise PermissionDenied(_("这件作品没有分配给您评审。"))
    if Conflict.objects.filter(entry_id=assignment.entry_id, judge=judge).exists():
        raise PermissionDenied(_("您与这件作品存在回避关系，不能评分。"))
    rnd = assignment.round
    if rnd.status != Round.Status.SCORING:
        raise ContestError(_("这一轮当前不在评分时间。"))
    clean = _clean_points(rnd, points)
    total = scoring.weighted_total(clean, criterion_rules(rnd))
    stored = {str(k): str(v) for k, v in clean.items()}
    with transaction.atomic():
        score, _created = Score.objects.get_or_create(assignment=assignment)
        fields = {"points": stored, "total": total, "updated_at": now}
        if submit:
            fields.update(status=Score.Status.SUBMITTED, submitted_at=now)
        # Conditional: a submitted score is locked, whatever another request did meanwhile.
        if not Score.objects.filter(pk=score.pk, status=Score.Status.DRAFT).update(**fields):
            raise ContestError(_("这份评分已提交并锁定；如需修改，请联系评审组长。"))
        if submit:
            mark = _next_mark(rnd.pk)
            Score.objects.filter(pk=score.pk).update(mark_seq=mark)
    if submit:
        compute_results(rnd, marks_through=mark)
    score.refresh_from_db()
    return score


def _next_mark(round_id: int) -> int:
    """The next mark number of the round, taken in the caller's transaction: the counter row
    stays locked until the mark commits, so a reader that sees number n knows every mark up to n
    is committed (numbers are handed out one transaction at a time)."""
    RoundMarks.objects.get_or_create(round_id=round_id)
    RoundMarks.objects.filter(round_id=round_id).update(seq=F("seq") + 1)
    return RoundMarks.objects.values_list("seq", flat=True).get(round_id=round_id)


def is_chief(user, rnd: Round) -> bool:
    return PanelJudge.objects.filter(panel__round=rnd, judge=user, is_chief=True).exists()


def reopen_score(score: Score, *, actor, reason: str) -> Score:
    """The chief judge (or the contest's admin) unlocks a submitted score, with a reason that
    goes to the audit log. The entry's figure leaves the results until it is submitted again."""
    rnd = score.assignment.round
    if not (is_chief(actor, rnd) or policy.can(actor, "contest.manage", rnd.contest)):
        raise PermissionDenied(_("只有评审组长可以退回评分。"))
    if not reason.strip():
        raise ContestError(_("请填写退回评分的理由。"))
    if rnd.status != Round.Status.SCORING:
        raise ContestError(_("这一轮已结束，评分不能再退回。"))
    with transaction.atomic():
        mark = _next_mark(rnd.pk)
        if not Score.objects.filter(pk=score.pk, status=Score.Status.SUBMITTED).update(
                status=Score.Status.DRAFT, submitted_at=None, reopened_count=F("reopened_count") + 1,
                mark_seq=mark):
            raise ContestError(_("这份评分尚未提交，无需退回。"))
        entry = score.assignment.entry
        audit.record("contests.score_reopened", actor=actor, organization=rnd.contest.organization,
                     target_user=score.assignment.judge,
                     summary=f"{rnd.contest.title} · {rnd.name} · {entry.code}",
                     detail={"reason": reason[:500], "total": str(score.total)})
    compute_results(rnd, marks_through=mark)
    score.refresh_from_db()
    return score


# --- results -------------------------------------------------------------------------------

def _vote_scores(contest: Contest, entry_ids: list[int]) -> dict[int, Decimal]:
    """Public vote as a 0–100 figure: an entry's valid votes over the best entry's in its category."""
    counts = dict(Vote.objects.filter(entry_id__in=entry_ids, voided_at__isnull=True).values("entry_id")
                  .annotate(n=Count("id")).values_list("entry_id", "n"))
    categories = dict(Entry.objects.filter(pk__in=entry_ids).values_list("id", "category_id"))
    best: dict[int, int] = {}
    for entry_id, n in counts.items():
        best[categories[entry_id]] = max(best.get(categories[entry_id], 0), n)
    return {e: (Decimal(100) * counts.get(e, 0) / best[categories[e]]) if best.get(categories[e]) else Decimal(0)
            for e in entry_ids}


# Rounds whose results wait for the end of a `results_deferred` block (None: not deferring).
_deferred: contextvars.ContextVar[set[int] | None] = contextvars.ContextVar("contests_deferred", default=None)


@contextlib.contextmanager
def results_deferred():
    """Inside the block, compute_results only notes the round; each noted round is computed
    once, in full, at the end. For loading hundreds of marks in a row (the demo, an import of
    paper score sheets), where every recompute but the last would be thrown away."""
    if _deferred.get() is not None:  # nested: the outer block computes
        yield
        return
    token = _deferred.set(set())
    try:
        yield
        pending = _deferred.get()
    finally:
        _deferred.reset(token)
    for round_id in sorted(pending):
        compute_results(Round.objects.get(pk=round_id))


def compute_results(rnd: Round, *, entry_ids=None, marks_through: int | None = None) -> None:
    """Rewrite the round's results from its submitted scores: each entry's aggregate (to one
    decimal), the vote's capped share in the last round, ranks per category with the
    tie-breaks (each criterion's aggregate in rubric order, then the plain mean of every
    judge), prize tiers in the last round, who advances from an earlier one. Serialized per
    round by its row lock.

    `entry_ids`: only these entries' marks changed (a score submitted or reopened). Their
    figures are recomputed and every other entry keeps its stored one; the ranking is redone
    over all. This is what keeps a 250-entry, 30-judge final's ranking ready well within a
    second of the last mark. A normalised round, a vote-weighted one, or None recomputes all.
    The tie-break figures are read only for entries whose score another entry shares.

    `marks_through`: a judge's submit (or a reopen) numbered n. Marks that arrive together (30
    judges pressing 提交 in the same second) queue on the round's lock; whoever takes it reads
    the mark counter first and recomputes the entries of every mark up to it, so those behind
    find their mark already counted (computed_seq ≥ n) and return at once: the ranking is ready
    one or two recomputes after the last mark, not thirty."""
    pending = _deferred.get()
    if pending is not None:
        pending.add(rnd.pk)
        return
    with transaction.atomic():
        rnd = Round.objects.select_for_update().select_related("contest").get(pk=rnd.pk)
        if marks_through is not None and rnd.computed_seq >= marks_through:
            return  # an earlier recompute began after this mark committed: it is counted
        # Read before the scores: every mark numbered up to it is committed (see _next_mark).
        through = RoundMarks.objects.filter(round_id=rnd.pk).values_list("seq", flat=True).first() or 0
        if marks_through is not None:
            entry_ids = list(Score.objects.filter(assignment__round=rnd, mark_seq__gt=rnd.computed_seq,
                                                  mark_seq__lte=through)
                             .values_list("assignment__entry_id", flat=True).distinct())
        contest = rnd.contest
        entries = _round_entries(rnd)
        entry_by_id = {e.pk: e for e in entries}
        criteria = list(Criterion.objects.filter(round=rnd).order_by("position", "id"))
        expected = dict(Assignment.objects.filter(round=rnd).values("entry_id").annotate(n=Count("id"))
                        .values_list("entry_id", "n"))
        current = {r.entry_id: r for r in Result.objects.filter(round=rnd)}
        is_last = not Round.objects.filter(contest=contest, position__gt=rnd.position).exists()
        vote_share = Decimal(contest.vote_share_percent) / 100 if contest.vote_enabled and is_last else Decimal(0)
        full = entry_ids is None or rnd.normalize or bool(vote_share)
        targets = set(entry_by_id) if full else (
            {e for e in entry_ids if e in entry_by_id} | {e for e in entry_by_id if e not in current})
        submitted = Score.objects.filter(assignment__round=rnd, status=Score.Status.SUBMITTED)
        rows = list((submitted if full else submitted.filter(assignment__entry_id__in=targets))
                    .values_list("assignment__judge_id", "assignment__entry_id", "total", "id"))
        score_ids = {(judge_id, entry_id): score_id for judge_id, entry_id, _total, score_id in rows}
        rows = [(judge_id, entry_id, total) for judge_id, entry_id, total, _id in rows]
        normalized = {}
        if rnd.normalize:
            normalized = scoring.normalize(rows)
            # Kept beside the raw totals (one statement per 500 marks, not one per mark).
            Score.objects.bulk_update([Score(pk=score_ids[key], normalized=value) for key, value in normalized.items()],
                                      ["normalized"], batch_size=500)
        totals: dict[int, list[Decimal]] = {}
        for judge_id, entry_id, total in rows:
            totals.setdefault(entry_id, []).append(normalized.get((judge_id, entry_id), total))
        votes = _vote_scores(contest, list(entry_by_id)) if vote_share else {}
        figures = {}  # entry → (judges' score, vote score, final score, marks in)
        for entry_id in entry_by_id:
            if entry_id not in targets:
                row = current[entry_id]
                figures[entry_id] = (row.judges_score, row.vote_score, row.score, row.scores_in)
                continue
            marks = totals.get(entry_id, [])
            judges = scoring.aggregate(marks, rnd.aggregation)
            if judges is None:
                figures[entry_id] = (None, None, None, 0)
                continue
            vote = votes.get(entry_id, Decimal(0))
            final = scoring.one_decimal(judges * (1 - vote_share) + vote * vote_share) if vote_share else \
                scoring.one_decimal(judges)
            figures[entry_id] = (scoring.one_decimal(judges), scoring.one_decimal(vote) if vote_share else None,
                                 final, len(marks))
        keys = _tie_break_keys(rnd, criteria, entry_by_id, figures, normalized)
        standings_by_category: dict[int, list[scoring.Standing]] = {}
        for entry_id, entry in entry_by_id.items():
            standings_by_category.setdefault(entry.category_id, []).append(
                scoring.Standing(entry_id, figures[entry_id][2], keys.get(entry_id, []), entry.number))
        tiers = [scoring.TierRule(t.pk, t.count, t.share_percent)
                 for t in PrizeTier.objects.filter(contest=contest).order_by("position", "id")] if is_last else []
        advance = set()
        ranked_all: list[scoring.Standing] = []
        for standings in standings_by_category.values():
            ranked = scoring.rank(standings)
            if tiers:
                scoring.assign_tiers(ranked, tiers)
            if not is_last and rnd.advance_count:
                advance |= scoring.advancing(ranked, rnd.advance_count)
            ranked_all.extend(ranked)
        Result.objects.filter(round=rnd).exclude(entry_id__in=list(entry_by_id)).delete()
        to_create, to_update = [], []
        for s in ranked_all:
            judges_1, vote_1, final, n_in = figures[s.entry_id]
            values = {"judges_score": judges_1, "vote_score": vote_1, "score": final, "scores_in": n_in,
                      "scores_expected": expected.get(s.entry_id, 0), "rank": s.rank, "tied": s.tied,
                      "tie_break": s.tie_break[:120], "prize_tier_id": s.tier_id,
                      "advances": s.entry_id in advance}
            row = current.get(s.entry_id)
            if row is None:
                to_create.append(Result(round=rnd, entry_id=s.entry_id, **values))
            else:
                row._moved = {k for k, v in values.items() if getattr(row, k) != v}
                if row._moved:
                    for k in row._moved:
                        setattr(row, k, values[k])
                    to_update.append(row)
        Result.objects.bulk_create(to_create)
        if to_update:
            # Only the columns that moved (a mark usually moves ranks, not the other figures):
            # each column is a CASE over the rows, so fewer columns is a much cheaper statement.
            moved = [f for f in RESULT_FIELDS if any(f in row._moved for row in to_update)]
            Result.objects.bulk_update(to_update, moved, batch_size=500)
        Round.objects.filter(pk=rnd.pk).update(version=F("version") + 1,
                                               computed_seq=Greatest(F("computed_seq"), through))
        _bump(contest.pk)


RESULT_FIELDS = ["judges_score", "vote_score", "score", "scores_in", "scores_expected", "rank", "tied", "tie_break",
                 "prize_tier_id", "advances"]


def _tie_break_keys(rnd: Round, criteria: list[Criterion], entry_by_id: dict[int, Entry], figures: dict,
                    normalized: dict) -> dict[int, list[tuple[str, Decimal]]]:
    """The tie-break figures, only for entries that share their score with another of their
    category: each criterion's aggregate in rubric order, then the plain mean of all marks."""
    seen: dict[tuple[int, Decimal], list[int]] = {}
    for entry_id, entry in entry_by_id.items():
        final = figures[entry_id][2]
        if final is not None:
            seen.setdefault((entry.category_id, final), []).append(entry_id)
    tied = [e for group in seen.values() if len(group) > 1 for e in group]
    if not tied:
        return {}
    marks: dict[int, list[Decimal]] = {}
    by_criterion: dict[int, dict[int, list[Decimal]]] = {}
    for judge_id, entry_id, total, points in Score.objects.filter(
            assignment__round=rnd, status=Score.Status.SUBMITTED, assignment__entry_id__in=tied).values_list(
            "assignment__judge_id", "assignment__entry_id", "total", "points"):
        marks.setdefault(entry_id, []).append(normalized.get((judge_id, entry_id), total))
        for c in criteria:
            by_criterion.setdefault(entry_id, {}).setdefault(c.pk, []).append(Decimal(points[str(c.pk)]))
    mean_label = str(_("全部评委平均分"))
    return {e: [(c.name, scoring.aggregate(by_criterion.get(e, {}).get(c.pk, []), rnd.aggregation) or Decimal(0))
                for c in criteria] + [(mean_label, scoring.aggregate(marks.get(e, []), "mean") or Decimal(0))]
            for e in tied}


# --- public notice, objections, awards -------------------------------------------------

def final_round(contest: Contest) -> Round | None:
    return Round.objects.filter(contest=contest).order_by("-position").first()


def publish_results(contest: Contest, *, actor, now=None) -> Publication:
    """Put the last round's results out for public notice (公示) for the contest's days."""
    now = now or timezone.now()
    policy.require(actor, "contest.manage", contest)
    rnd = final_round(contest)
    if rnd is None:
        raise ContestError(_("这个大赛还没有评审轮次。"))
    if rnd.status != Round.Status.CLOSED:
        raise ContestError(_("请先结束“%(round)s”的评分，再公示结果。") % {"round": rnd.name})
    with transaction.atomic():
        if not Contest.objects.filter(pk=contest.pk, status=Contest.Status.JUDGING).update(
                status=Contest.Status.PUBLICITY):
            raise ContestError(_("这个大赛当前不能公示结果。"))
        publication, _created = Publication.objects.update_or_create(contest=contest, defaults={
            "round": rnd, "publicity_starts_at": now, "publicity_ends_at": now + timedelta(days=contest.publicity_days),
            "finalized_at": None, "published_by": actor})
        audit.record("contests.results_published", actor=actor, organization=contest.organization,
                     summary=contest.title)
        _bump(contest.pk)
    return publication


def raise_objection(contest: Contest, *, entry: Entry, name: str, phone: str, text: str, now=None) -> Objection:
    now = now or timezone.now()
    contest = Contest.objects.get(pk=contest.pk)  # the status as it is now, not as the caller read it
    publication = Publication.objects.filter(contest=contest).first()
    if contest.status != Contest.Status.PUBLICITY or publication is None or now > publication.publicity_ends_at:
        raise ContestError(_("当前不在公示期，不能提出异议。"))
    if entry.contest_id != contest.pk:
        raise ContestError(_("这件作品不属于这个大赛。"))
    name, phone, text = name.strip(), phone.strip(), text.strip()
    if not name or not phone or not text:
        raise ContestError(_("异议须实名提出：请填写姓名、联系电话和异议内容。"))
    return Objection.objects.create(contest=contest, entry=entry, name=name[:40], phone=phone[:20], text=text[:5000])


def handle_objection(objection: Objection, *, actor, upheld: bool, response: str, now=None) -> Objection:
    policy.require(actor, "contest.manage", objection.contest)
    if not response.strip():
        raise ContestError(_("请填写处理意见。"))
    status = Objection.Status.UPHELD if upheld else Objection.Status.DISMISSED
    if not Objection.objects.filter(pk=objection.pk, status=Objection.Status.OPEN).update(
            status=status, response=response, handled_by=actor, handled_at=now or timezone.now()):
        raise ContestError(_("这条异议已经处理过了。"))
    audit.record("contests.objection_handled", actor=actor, organization=objection.contest.organization,
                 summary=f"{objection.contest.title} · {objection.entry.code}", detail={"status": status})
    objection.refresh_from_db()
    return objection


def finalize(contest: Contest, *, actor, now=None) -> list[Award]:
    """After the notice period, with no objection left open: the awards, each with its
    certificate code. The contest's results are then final."""
    now = now or timezone.now()
    policy.require(actor, "contest.manage", contest)
    contest = Contest.objects.get(pk=contest.pk)
    publication = Publication.objects.filter(contest=contest).first()
    if contest.status != Contest.Status.PUBLICITY or publication is None:
        raise ContestError(_("结果尚未公示。"))
    if now < publication.publicity_ends_at:
        raise ContestError(_("公示期到 %(end)s 结束，届满后才能公布最终结果。") % {
            "end": timezone.localtime(publication.publicity_ends_at).strftime("%Y-%m-%d %H:%M")})
    if Objection.objects.filter(contest=contest, status=Objection.Status.OPEN).exists():
        raise ContestError(_("还有异议未处理，处理完才能公布最终结果。"))
    rnd = publication.round
    compute_results(rnd)
    with transaction.atomic():
        if not Contest.objects.filter(pk=contest.pk, status=Contest.Status.PUBLICITY).update(
                status=Contest.Status.FINAL):
            raise ContestError(_("这个大赛的结果已经公布。"))
        results = Result.objects.filter(round=rnd, prize_tier__isnull=False, entry__status__in=Entry.Status.IN_CONTEST)
        Award.objects.bulk_create([Award(contest=contest, entry_id=r.entry_id, tier_id=r.prize_tier_id, rank=r.rank,
                                         score=r.score, awarded_at=now) for r in results], ignore_conflicts=True)
        Publication.objects.filter(pk=publication.pk).update(finalized_at=now)
        # The winners' videos are played on the public prize list from now on.
        from sciweek.media.models import MediaAsset

        MediaAsset.objects.filter(pk__in=Entry.objects.filter(awards__contest=contest, video__isnull=False)
                                  .values("video_id")).update(is_public=True)
        audit.record("contests.results_final", actor=actor, organization=contest.organization, summary=contest.title)
        _bump(contest.pk)
    return list(Award.objects.filter(contest=contest).select_related("entry", "tier"))


# --- public vote ---------------------------------------------------------------------------

class VoteRefused(ContestError):
    pass


def device_fingerprint(raw: str) -> str:
    return hashlib.sha256(f"sciweek-vote:{raw}".encode()).hexdigest()[:32] if raw else ""


def _take_vote_slot(counter: dict, cap: int) -> bool:
    """One more vote on a day's counter, if it is under the cap, in one statement: the counter
    is made at 1 or moved by one only where it is below the cap. Hand-written because the ORM
    has no conditional upsert (``bulk_create(update_conflicts=)`` cannot say "only below the cap");
    PostgreSQL and SQLite both take this form. The row lock of the conflicting row makes it exact
    under any interleaving; a refusal returns no row."""
    table = connection.ops.quote_name(VoteCounter._meta.db_table)
    per_entry = counter["entry_id"] is not None
    target = ("(voter_id, entry_id, day) WHERE entry_id IS NOT NULL" if per_entry
              else "(voter_id, category_id, day) WHERE entry_id IS NULL")
    with connection.cursor() as cursor:
        # The model's own table and a fixed conflict target; every value is a parameter.
        cursor.execute(
            f"INSERT INTO {table} (voter_id, contest_id, category_id, entry_id, day, used) "  # noqa: S608
            f"VALUES (%s, %s, %s, %s, %s, 1) ON CONFLICT {target} "
            f"DO UPDATE SET used = {table}.used + 1 WHERE {table}.used < %s RETURNING used",
            [counter["voter_id"], counter["contest_id"], counter["category_id"], counter["entry_id"],
             counter["day"], cap])
        return cursor.fetchone() is not None


def cast_vote(entry: Entry, *, voter, ip: str | None = None, device: str = "", now=None,
              contest: Contest | None = None) -> Vote:
    """One vote by a phone-verified participant. The caps (per entry per day, per category per
    day) hold exactly under any interleaving: both counters move by conditional upserts in one
    transaction, and a refused one rolls the other back. A burst from one address or device is
    flagged (counted, for the organizer to look at and void), not refused. ``contest`` is the
    entry's contest as the caller read it in this request (read again here when not given)."""
    now = now or timezone.now()
    if contest is None or contest.pk != entry.contest_id:
        contest = Contest.objects.get(pk=entry.contest_id)  # its vote settings as they are now
    if not contest.vote_enabled:
        raise VoteRefused(_("这个大赛没有开放网络投票。"))
    if (contest.votes_open_at and now < contest.votes_open_at) or (contest.votes_close_at and now > contest.votes_close_at):
        raise VoteRefused(_("当前不在投票时间。"))
    if entry.status not in Entry.Status.IN_CONTEST:
        raise VoteRefused(_("这件作品不在评选中。"))
    if not hasattr(voter, "public_profile"):
        raise VoteRefused(_("请先用手机号登录后再投票。"))
    day = timezone.localdate(now)
    counter = {"voter_id": voter.pk, "contest_id": contest.pk, "category_id": entry.category_id, "day": day}
    with transaction.atomic():
        if not _take_vote_slot({**counter, "entry_id": entry.pk}, contest.votes_per_entry_per_day):
            raise VoteRefused(_("您今天已为这件作品投了 %(n)s 票，明天再来吧。") % {"n": contest.votes_per_entry_per_day})
        if not _take_vote_slot({**counter, "entry_id": None}, contest.votes_per_category_per_day):
            raise VoteRefused(_("您今天在这个组别已投了 %(n)s 票，明天再来吧。") % {"n": contest.votes_per_category_per_day})
        device_hash = device_fingerprint(device)
        since = now - BURST_WINDOW
        recent = Q()
        if ip:
            recent |= Q(ip=ip)
        if device_hash:
            recent |= Q(device=device_hash)
        # Counted up to the threshold only (LIMIT): a burst of thousands costs no more than twenty.
        flagged = bool(recent) and Vote.objects.filter(recent, contest=contest, created_at__gte=since).values(
            "id")[:BURST_VOTES].count() >= BURST_VOTES
        vote = Vote.objects.create(contest=contest, entry=entry, voter=voter, day=day, ip=ip, device=device_hash,
                                   flagged=flagged, created_at=now)
    return vote


def void_votes(contest: Contest, *, actor, reason: str, vote_ids=None, ip: str | None = None,
               device: str | None = None, now=None) -> int:
    """Void votes (刷票): by ids, by address or by device; they stay, marked, in the trail."""
    policy.require(actor, "contest.manage", contest)
    if not reason.strip():
        raise ContestError(_("请填写作废的理由。"))
    qs = Vote.objects.filter(contest=contest, voided_at__isnull=True)
    if vote_ids is not None:
        qs = qs.filter(pk__in=vote_ids)
    elif ip:
        qs = qs.filter(ip=ip)
    elif device:
        qs = qs.filter(device=device)
    else:
        raise ContestError(_("请指定要作废的投票。"))
    with transaction.atomic():
        n = qs.update(voided_at=now or timezone.now(), voided_reason=reason[:200])
        audit.record("contests.votes_voided", actor=actor, organization=contest.organization, summary=contest.title,
                     detail={"count": n, "reason": reason[:200], "ip": ip or "", "device": device or ""})
    rnd = final_round(contest)
    if rnd is not None and n:
        compute_results(rnd)
    return n
