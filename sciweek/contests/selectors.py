"""Reads of the contests: one function per question, bounded, with what the pages show
select_related. Console and public pages and the API read through here."""
from __future__ import annotations

from django.db.models import CharField, Count, IntegerField, OuterRef, Q, QuerySet, Subquery

from sciweek.core.query_templates import QueryTemplate, Slot

from .models import Assignment, Award, Conflict, Contest, Entry, PanelJudge, Result, Round, Score


def public_contests(campaign) -> QuerySet[Contest]:
    return (Contest.objects.filter(campaign=campaign, status__in=Contest.Status.PUBLIC)
            .select_related("organization").order_by("organization__path", "kind", "id"))


def public_contest(campaign, slug: str) -> Contest | None:
    return public_contests(campaign).filter(slug=slug).first()


def rounds_of(contest: Contest) -> list[Round]:
    return list(Round.objects.filter(contest=contest).prefetch_related("criteria").order_by("position", "id"))


def results_of(rnd: Round) -> QuerySet[Result]:
    """A round's standings, category by category, best first (unranked last)."""
    return (Result.objects.filter(round=rnd).select_related("entry", "entry__category", "entry__organization",
                                                            "prize_tier")
            .order_by("entry__category__position", "entry__category_id", "rank", "entry__number"))


def awards_of(contest: Contest) -> QuerySet[Award]:
    return (Award.objects.filter(contest=contest).select_related("entry", "entry__category", "entry__organization",
                                                                 "tier")
            .order_by("tier__position", "entry__category__position", "rank", "entry__number"))


def award_by_code(code: str) -> Award | None:
    return (Award.objects.filter(certificate_code=code)
            .select_related("contest", "contest__campaign", "contest__organization", "entry", "entry__organization",
                            "tier").first())


def judge_assignments(judge, rnd: Round | None = None) -> QuerySet[Assignment]:
    """What a judge has to score (never a conflicted entry), with the score if any."""
    conflicted = Conflict.objects.filter(judge=judge).values("entry_id")
    qs = (Assignment.objects.filter(judge=judge).exclude(entry_id__in=conflicted)
          .select_related("round", "round__contest", "entry", "entry__category", "entry__organization", "score"))
    if rnd is not None:
        qs = qs.filter(round=rnd)
    return qs.order_by("round__contest_id", "round__position", "entry__number")


def judge_rounds(judge) -> list[dict]:
    """The rounds a judge sits in, each with their progress (submitted of assigned)."""
    conflicted = Conflict.objects.filter(judge=judge).values("entry_id")
    rows = (Assignment.objects.filter(judge=judge).exclude(entry_id__in=conflicted)
            .values("round_id").annotate(assigned=Count("id"),
                                          submitted=Count("id", filter=Q(score__status=Score.Status.SUBMITTED))))
    progress = {r["round_id"]: r for r in rows}
    seats = PanelJudge.objects.filter(judge=judge).values_list("panel__round_id", "is_chief")
    chief = {}
    for round_id, is_chief in seats:
        chief[round_id] = chief.get(round_id, False) or is_chief
    rounds = (Round.objects.filter(pk__in=set(progress) | set(chief))
              .select_related("contest", "contest__campaign").order_by("-contest__campaign__year", "contest_id",
                                                                        "position"))
    return [{"round": r, "assigned": progress.get(r.pk, {}).get("assigned", 0),
             "submitted": progress.get(r.pk, {}).get("submitted", 0), "is_chief": chief.get(r.pk, False)}
            for r in rounds]


def round_progress(rnd: Round) -> dict:
    """For the chief judge and the organizer: scores submitted of assigned, per judge."""
    rows = (Assignment.objects.filter(round=rnd).values("judge_id", "judge__full_name", "judge__username")
            .annotate(assigned=Count("id"), submitted=Count("id", filter=Q(score__status=Score.Status.SUBMITTED)))
            .order_by("judge__username"))
    rows = list(rows)
    return {"judges": rows, "assigned": sum(r["assigned"] for r in rows),
            "submitted": sum(r["submitted"] for r in rows)}


def entries_of(contest: Contest) -> QuerySet[Entry]:
    return (Entry.objects.filter(contest=contest)
            .select_related("category", "organization", "recommended_by", "video").order_by("number"))


# --- public pages, the API and the live board (appended by the public-pages part) -----------

PUBLIC_CONTESTS_SECONDS = 60  # how long a newly opened contest may wait to show in the nav


def campaign_has_public_contest(campaign) -> bool:
    """Does the campaign's year have a contest the public sees (the public site's 大赛 link)?
    Asked on every public page, so kept in the cache for ``PUBLIC_CONTESTS_SECONDS``."""
    from django.core.cache import cache

    key = f"contests.public.{campaign.pk}"
    found = cache.get(key)
    if found is None:
        found = Contest.objects.filter(campaign_id=campaign.pk, status__in=Contest.Status.PUBLIC).exists()
        cache.set(key, found, PUBLIC_CONTESTS_SECONDS)
    return found


def public_contests_version(campaign) -> str:
    """A token of everything the campaign's contest list shows: each contest's id, status and
    version (a campaign has a handful of contests: one small indexed read). Also fit to be the
    app's core.cache version source."""
    rows = Contest.objects.filter(campaign_id=campaign.pk).order_by("id").values_list("id", "status", "version")
    return ",".join(f"{i}.{s}.{v}" for i, s, v in rows) or "0"


def public_entries(contest: Contest) -> QuerySet[Entry]:
    """The entries in the contest (withdrawn, over-quota and disqualified ones are not shown)."""
    return (Entry.objects.filter(contest=contest, status__in=Entry.Status.IN_CONTEST)
            .select_related("category", "organization", "video").order_by("number"))


def public_entry(contest: Contest, number: int) -> Entry | None:
    return public_entries(contest).filter(number=number).first()


def _vote_target():
    return (Entry.objects.select_related("contest")
            .filter(contest__campaign__year=Slot("year", IntegerField()), contest__campaign__is_published=True,
                    contest__slug=Slot("slug", CharField()), contest__status__in=Contest.Status.PUBLIC,
                    number=Slot("number", IntegerField()), status__in=Entry.Status.IN_CONTEST)
            .only("id", "contest_id", "category_id", "number", "status", *(
                f"contest__{f}" for f in ("id", "campaign_id", "organization_id", "status", "vote_enabled",
                                          "votes_open_at", "votes_close_at", "votes_per_entry_per_day",
                                          "votes_per_category_per_day")))
            .order_by())


# The public vote is the hot path of a burst: the published contest and its entry in one
# statement, built once per process (core.query_templates).
_VOTE_TARGET = QueryTemplate(_vote_target)


def vote_target(year: int, slug: str, number: int) -> Entry | None:
    """An entry in the contest that a vote on it needs, with that contest's vote settings
    (``entry.contest``), as they are now; None when either is not public."""
    return _VOTE_TARGET.first(year=year, slug=slug, number=number)


def publication_of(contest: Contest):
    """The contest's public notice (公示), or None before it."""
    from .models import Publication

    if contest.status not in (Contest.Status.PUBLICITY, Contest.Status.FINAL):
        return None
    return Publication.objects.filter(contest=contest).select_related("round").first()


def published_results(publication) -> list[Result]:
    """The results put out for notice: the publication round's standings of the entries still
    in the contest, category by category, best first. Only the aggregate figures: never a
    judge's own marks."""
    return list(results_of(publication.round).filter(entry__status__in=Entry.Status.IN_CONTEST))


def live_round(contest: Contest) -> Round | None:
    """The round shown on the big screen: the contest's latest live round."""
    return Round.objects.filter(contest=contest, is_live=True).order_by("-position", "-id").first()


def live_board(rnd: Round) -> list[dict]:
    """Each contestant of a live round: number, title, unit, category, scores in of expected,
    and (once every assigned judge has marked) the score and rank. A figure shown half-way
    would jump about as marks arrive; the board waits for the last judge's mark."""
    rows = []
    for r in results_of(rnd).filter(entry__status__in=Entry.Status.IN_CONTEST):
        complete = r.scores_expected > 0 and r.scores_in >= r.scores_expected and r.score is not None
        rows.append({"number": r.entry.number, "code": r.entry.code, "title": r.entry.title,
                     "organization": r.entry.organization.display_name, "category": r.entry.category.name,
                     "category_id": r.entry.category_id, "scores_in": r.scores_in,
                     "scores_expected": r.scores_expected, "complete": complete,
                     "score": str(r.score) if complete else None, "rank": r.rank if complete else None,
                     "tied": r.tied if complete else False})
    return rows


def vote_counts(entry_ids) -> dict[int, int]:
    """Valid (not voided) votes per entry."""
    from .models import Vote

    return dict(Vote.objects.filter(entry_id__in=list(entry_ids), voided_at__isnull=True).values("entry_id")
                .annotate(n=Count("id")).values_list("entry_id", "n"))


# --- console pages (contests-console) ------------------------------------------------------

def console_contests(user, actions=("contest.manage", "contest.results")) -> QuerySet[Contest]:
    """Contests run by an organization where the user holds any of `actions`, newest campaign
    first, with their counts (entries in the contest, all entries, rounds) in the same query."""
    from sciweek.accounts import policy

    condition = Q()
    if not user.is_superuser:
        condition = Q(pk__in=[])
        for action in actions:
            condition |= policy.scope_filter(user, action, "organization__path")
    return (Contest.objects.filter(condition).select_related("organization", "campaign")
            .annotate(entries_in=Count("entries", filter=Q(entries__status__in=Entry.Status.IN_CONTEST),
                                       distinct=True),
                      entries_all=Count("entries", distinct=True), rounds_n=Count("rounds", distinct=True))
            .order_by("-campaign__year", "organization__path", "kind", "id"))


def _ancestor_paths(paths: list[str], steplen: int) -> set[str]:
    found = set()
    for path in paths:
        found.update(path[:end] for end in range(steplen, len(path) + 1, steplen))
    return found


def enterable_contests(user) -> QuerySet[Contest]:
    """Open contests a unit's staff may enter: run by an organization at or above one where
    they hold contest.enter (a city's filer enters the province's and the nation's contests)."""
    from sciweek.accounts import policy
    from sciweek.organizations.models import Organization

    qs = Contest.objects.filter(status=Contest.Status.OPEN).select_related("organization", "campaign")
    if not user.is_superuser:
        qs = qs.filter(organization__path__in=_ancestor_paths(policy.scope_paths(user, "contest.enter"),
                                                              Organization.steplen))
    return qs.order_by("-campaign__year", "entries_close_at", "id")


def unit_entries(user, contest: Contest | None = None) -> QuerySet[Entry]:
    """Entries of the organizations where the user holds contest.enter (their own unit's list)."""
    from sciweek.accounts import policy

    qs = policy.scoped(Entry.objects.all(), user, "contest.enter", "organization__path")
    if contest is not None:
        qs = qs.filter(contest=contest)
    # The prize once the results are final (one subquery, no query per row).
    prize = Award.objects.filter(entry=OuterRef("pk")).values("tier__name")[:1]
    return qs.select_related("contest", "category", "organization", "recommended_by").annotate(
        prize=Subquery(prize)).order_by("-contest__campaign__year", "contest_id", "number")


def panels_of(contest: Contest) -> list:
    """The contest's panels, round by round, each with its judges (chief first)."""
    from .models import Panel

    return list(Panel.objects.filter(round__contest=contest).select_related("round", "category")
                .prefetch_related(_judges_prefetch()).order_by("round__position", "id"))


def _judges_prefetch():
    from django.db.models import Prefetch

    return Prefetch("judges", queryset=PanelJudge.objects.select_related("judge").order_by("-is_chief", "id"))


def next_to_score(judge, rnd: Round, after: Assignment | None = None) -> Assignment | None:
    """The judge's next assignment in the round not yet submitted (after `after` by entry
    number, else the first), never a conflicted one."""
    qs = judge_assignments(judge, rnd).exclude(score__status=Score.Status.SUBMITTED)
    if after is not None:
        qs = qs.exclude(pk=after.pk)
        later = qs.filter(entry__number__gt=after.entry.number).first()
        if later is not None:
            return later
    return qs.first()


def round_scores(rnd: Round, *, hide_for=None) -> QuerySet[Score]:
    """A round's scores with their judge and entry, for the chief judge; `hide_for` (a judge)
    leaves out the entries that judge is conflicted with."""
    qs = (Score.objects.filter(assignment__round=rnd)
          .select_related("assignment", "assignment__judge", "assignment__entry", "assignment__entry__category")
          .order_by("assignment__entry__number", "assignment__judge__username"))
    if hide_for is not None:
        qs = qs.exclude(assignment__entry_id__in=Conflict.objects.filter(judge=hide_for).values("entry_id"))
    return qs


def objections_of(contest: Contest):
    from .models import Objection

    return Objection.objects.filter(contest=contest).select_related("entry", "handled_by").order_by(
        "status", "-created_at", "-id")


def is_judge(user) -> bool:
    """Does the user hold the judge role anywhere (the console's 我的评审 entry)? Read from the
    request's cached grants: no query per page."""
    from sciweek.accounts import policy
    from sciweek.accounts.models import Role

    return any(g.role == Role.JUDGE for g in policy.grants(user))


def may_upload_entry_video(request) -> bool:
    """Who may upload an entry's video: staff who may enter works for some unit. Which entry it
    goes to is checked again when it is attached (services.attach_video)."""
    from sciweek.accounts import policy

    user = request.user
    return bool(user.is_authenticated and (user.is_superuser or policy.scope_paths(user, "contest.enter")))


def flagged_sources(contest: Contest, limit: int = 20) -> list[dict]:
    """Where the flagged (burst) votes not yet voided come from: each address and each device
    with its count and time span, most first — what the organizer voids by."""
    from django.db.models import Max, Min

    from .models import Vote

    flagged = Vote.objects.filter(contest=contest, flagged=True, voided_at__isnull=True)
    rows = []
    # An address is NULL when unknown, a device "" (an empty filter on the address field would
    # become IS NULL and exclude everything).
    for by, field, present in (("ip", "ip", ~Q(ip__isnull=True)), ("device", "device", ~Q(device=""))):
        for row in (flagged.filter(present).values(field)
                    .annotate(n=Count("id"), first=Min("created_at"), last=Max("created_at")).order_by("-n")[:limit]):
            rows.append({"by": by, "value": row[field], "n": row["n"], "first": row["first"], "last": row["last"]})
    return sorted(rows, key=lambda r: -r["n"])[:limit]
