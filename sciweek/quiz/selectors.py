"""Reads of the quiz for the console: live statistics, per-question figures, participation by
region and school, the attempts flagged for review and the prize list.

Every figure is aggregated in the database (``GROUP BY`` with bounded results: a handful of
score values, days, questions of the pool, provinces, cities); nothing here walks the attempts
in Python. While a quiz runs, a console open by many officials would still repeat those scans,
so the aggregates are kept in Django's cache (shared by the workers where ``REDIS_URL`` is
set) for ``LIVE_SECONDS`` while the quiz is open and ``QUIET_SECONDS`` otherwise, under a
fingerprint of the quiz (its ``updated_at`` and a generation that ``forget`` bumps after a
review): one worker recomputes a stale value while the others keep serving the old one
(``cache.add`` lock), so a refresh of many pages at once costs one scan.

Ranking order everywhere: score DESC, time_used_ms ASC, finished_at ASC, person_id ASC.

Prize tiers (一等奖/二等奖/三等奖) follow ``quiz.prize_basis``:

- ``count``: the first ``first_prizes`` ranked takers win 一等奖, the next ``second_prizes``
  二等奖, the next ``third_prizes`` 三等奖;
- ``share``: the fields are percentages of the *ranked* takers (standings not disqualified).
  The boundaries are rounded half up on the cumulative share, so the three tiers add up to
  the rounded total: with N ranked, 一等奖 ends at round(N × p1 %), 二等奖 at
  round(N × (p1 + p2) %), 三等奖 at round(N × (p1 + p2 + p3) %). N = 7 at 10/20/30 % gives
  1, 1 and 2 winners (boundaries 0.7 → 1, 2.1 → 2, 4.2 → 4).

The ranking is a total order (the person id breaks what score, time and finish leave equal),
so every place has one winner. A winner whose result equals the one before it on score, time
and finish is marked *tied*, and so is a taker just below the last prize who equals the last
winner: the list shows them (the organizer decides), it never drops them silently. A standing
whose attempt is still flagged for review keeps its place with a mark; a disqualified
standing leaves the ranking.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sciweek.organizations.models import Division

from . import bank
from .models import Attempt, AttemptQuestion, Question, Quiz, Standing

LIVE_SECONDS = 30  # how long a figure may be old while the quiz is open
QUIET_SECONDS = 300  # before it opens and after it closed (only a review changes anything)
KEEP_SECONDS = 3600  # how long a stale value stays available while another worker recomputes
QUESTION_SAMPLE = 20_000  # per-question figures of a bigger quiz come from its latest scored attempts
RANKING = ("-score", "time_used_ms", "finished_at", "person_id")

FLAG_LABELS = {
    "too_fast": _("答题速度快于合理速度"),
    "shared_device": _("同一设备有多个账号答题"),
    "shared_address": _("同一网络地址有大量账号答题"),
}
# Score bands, in percent of the attempt's maximum score: [low, high) and 100 % alone.
BANDS = ((0, 60), (60, 70), (70, 80), (80, 90), (90, 100), (100, 101))
PRIZE_TIERS = (("first", _("一等奖")), ("second", _("二等奖")), ("third", _("三等奖")))
_SKIPPED_NAMES = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


# --- the cache ----------------------------------------------------------------------------

def _generation(quiz) -> int:
    return cache.get(f"quiz.stats.gen.{quiz.pk}") or 0


def forget(quiz) -> None:
    """Let the next read recompute every figure of the quiz (after a review changed a result)."""
    key = f"quiz.stats.gen.{quiz.pk}"
    if not cache.add(key, 1, None):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, None)


def is_live(quiz, now=None) -> bool:
    """Is the quiz open (with ten minutes either side): figures then change and are kept briefly."""
    now = now or timezone.now()
    return quiz.opens_at - timedelta(minutes=10) <= now <= quiz.closes_at + timedelta(minutes=10)


def _kept(quiz, name: str, build, *parts, fresh: bool = False):
    """``build()``, kept under the quiz's fingerprint for a short while (see the module doc);
    ``fresh`` recomputes it now (and keeps the new value)."""
    stamp = quiz.updated_at.timestamp() if quiz.updated_at else 0
    fingerprint = f"{stamp}:{_generation(quiz)}"
    key = "quiz.stats." + ".".join(str(p) for p in (quiz.pk, name, *parts))
    seconds = LIVE_SECONDS if is_live(quiz) else QUIET_SECONDS
    kept = None if fresh else cache.get(key)
    now = time.time()
    if kept is not None and kept["fp"] == fingerprint and now - kept["at"] < seconds:
        return kept["value"]
    if kept is not None and kept["fp"] == fingerprint and not cache.add(key + ".lock", 1, 60):
        return kept["value"]  # another worker is recomputing it: the old figure meanwhile
    try:
        value = build()
        cache.set(key, {"fp": fingerprint, "at": now, "value": value}, KEEP_SECONDS)
    finally:
        cache.delete(key + ".lock")
    return value


# --- overview -----------------------------------------------------------------------------

@dataclass
class Band:
    low: int
    high: int  # exclusive; 101 for the 100 % band
    count: int

    @property
    def label(self) -> str:
        return "100%" if self.low == 100 else f"{self.low}–{self.high - 1}%"


@dataclass
class QuizStatistics:
    takers: int  # distinct people with a scored (non-practice) attempt handed in: their standings
    ranked: int  # of them, not disqualified
    disqualified: int
    scored_attempts: int  # scored attempts handed in (finished or closed at the deadline)
    practice_attempts: int  # practice attempts handed in
    in_progress: int  # attempts being answered now (scored and practice)
    flagged: int  # attempts waiting for review
    average: float | None  # of the ranked standings' scores
    median: float | None
    max_score: int  # the most common maximum score of the ranked standings
    passed: int  # ranked standings at or above the pass mark of their attempt
    pass_rate: float | None  # percent of ranked
    per_day: list[dict] = field(default_factory=list)  # [{day, scored, practice}] in day order
    bands: list[Band] = field(default_factory=list)
    computed_at: float = 0.0

    @property
    def attempts(self) -> int:
        return self.scored_attempts + self.practice_attempts


def _percent(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def _passes():
    """1 when the standing's score reaches the pass mark of its attempt (as Attempt.passed)."""
    return Case(When(GreaterThanOrEqual(F("score") * 100, F("attempt__max_score") * F("quiz__pass_percent")),
                     attempt__max_score__gt=0, then=Value(1)), default=Value(0), output_field=IntegerField())


def _compute_statistics(quiz) -> QuizStatistics:
    done = list(Attempt.Status.DONE)
    per_day: dict[date, dict] = {}
    totals = {"scored": 0, "practice": 0, "in_progress": 0, "flagged": 0}
    rows = (Attempt.objects.filter(quiz_id=quiz.pk).annotate(d=TruncDate("started_at"))
            .values("d", "is_practice", "status").annotate(n=Count("pk"), flagged=Count("pk", filter=Q(review="flagged")))
            .order_by())
    for row in rows:
        totals["flagged"] += row["flagged"]
        if row["status"] not in done:
            totals["in_progress"] += row["n"]
            continue
        kind = "practice" if row["is_practice"] else "scored"
        totals[kind] += row["n"]
        day = per_day.setdefault(row["d"], {"day": row["d"].isoformat(), "scored": 0, "practice": 0})
        day[kind] += row["n"]

    histogram: dict[int, int] = {}
    takers = disqualified = passed = 0
    max_scores: dict[int, int] = {}
    bands = [Band(low, high, 0) for low, high in BANDS]
    for row in (Standing.objects.filter(quiz_id=quiz.pk).values("score", "disqualified", "attempt__max_score")
                .annotate(n=Count("pk"), passed=Sum(_passes())).order_by()):
        takers += row["n"]
        if row["disqualified"]:
            disqualified += row["n"]
            continue
        histogram[row["score"]] = histogram.get(row["score"], 0) + row["n"]
        passed += row["passed"] or 0
        top = row["attempt__max_score"] or 0
        max_scores[top] = max_scores.get(top, 0) + row["n"]
        percent = row["score"] * 100 // top if top else 0
        for band in bands:
            if band.low <= percent < band.high:
                band.count += row["n"]
                break
    ranked = takers - disqualified
    average = median = None
    if ranked:
        average = round(sum(score * n for score, n in histogram.items()) / ranked, 1)
        median = _median(histogram, ranked)
    return QuizStatistics(
        takers=takers, ranked=ranked, disqualified=disqualified, scored_attempts=totals["scored"],
        practice_attempts=totals["practice"], in_progress=totals["in_progress"], flagged=totals["flagged"],
        average=average, median=median, max_score=max(max_scores, key=lambda k: (max_scores[k], k)) if max_scores else 0,
        passed=passed, pass_rate=_percent(passed, ranked), per_day=[per_day[d] for d in sorted(per_day)],
        bands=bands, computed_at=time.time())


def _median(histogram: dict[int, int], n: int) -> float:
    """The median of n scores given as {score: count}."""
    wanted = [(n - 1) // 2, n // 2]  # 0-based positions in ascending order
    values, seen = [], 0
    for score in sorted(histogram):
        count = histogram[score]
        while wanted and wanted[0] < seen + count:
            values.append(score)
            wanted.pop(0)
        seen += count
    return (values[0] + values[1]) / 2


def quiz_statistics(quiz: Quiz, fresh: bool = False) -> QuizStatistics:
    """Takers, attempts (scored, practice, in progress), the average and median score of the
    standings, passes, attempts per day and the score distribution (two grouped queries);
    ``fresh`` skips the cache (an export)."""
    return _kept(quiz, "overview", lambda: _compute_statistics(quiz), fresh=fresh)


# --- per question -------------------------------------------------------------------------

@dataclass
class QuestionFigures:
    question_id: int
    stem: str
    kind: str
    difficulty: int
    dealt: int  # times dealt in scored attempts
    answered: int  # of them, with an answer (a question left until its time ran out counts, as wrong)
    correct: int
    late: int  # answered after its time, or not at all before it ran out
    average_seconds: float | None  # from showing to answering, answers in time

    @property
    def correct_rate(self) -> float | None:
        return _percent(self.correct, self.answered)

    @property
    def kind_label(self) -> str:
        return str(Question.Kind(self.kind).label) if self.kind in Question.Kind.values else self.kind


def _seconds(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return round(value.total_seconds(), 1)
    return round(float(value) / 1_000_000, 1)  # a backend that returns microseconds


class QuestionTable(list):
    """The per-question figures (a list of QuestionFigures, hardest first); ``sample`` is how
    many of the latest scored attempts they come from, None when from all of them."""

    sample: int | None = None


def _compute_questions(quiz) -> QuestionTable:
    took = ExpressionWrapper(F("answered_at") - F("served_at"), output_field=DurationField())
    sheets = AttemptQuestion.objects.filter(attempt__quiz_id=quiz.pk, attempt__is_practice=False)
    table = QuestionTable()
    # A big quiz (hundreds of thousands of attempts, 20 rows each) is read from its latest
    # QUESTION_SAMPLE scored attempts: a bounded range of the sheet's (attempt, position) index.
    cutoff = list(Attempt.objects.filter(quiz_id=quiz.pk, is_practice=False).order_by("-pk")
                  .values_list("pk", flat=True)[QUESTION_SAMPLE - 1:QUESTION_SAMPLE])
    if cutoff:
        sheets, table.sample = sheets.filter(attempt_id__gte=cutoff[0]), QUESTION_SAMPLE
    rows = list(sheets
                .values("question_id").annotate(
                    dealt=Count("pk"), answered=Count("pk", filter=Q(answered_at__isnull=False)),
                    correct=Count("pk", filter=Q(is_correct=True)), late=Count("pk", filter=Q(in_time=False)),
                    took=Avg(took, filter=Q(in_time=True, served_at__isnull=False)))
                .order_by())
    texts = bank.question_data(quiz)
    missing = [row["question_id"] for row in rows if row["question_id"] not in texts]
    if missing:  # left the pool since they were dealt
        texts = {**texts, **{q.pk: {"stem": q.stem, "kind": q.kind, "difficulty": q.difficulty}
                             for q in Question.objects.filter(pk__in=missing).only("stem", "kind", "difficulty")}}
    for row in rows:
        text = texts.get(row["question_id"], {"stem": "", "kind": "", "difficulty": 0})
        table.append(QuestionFigures(
            question_id=row["question_id"], stem=text["stem"], kind=text["kind"], difficulty=text["difficulty"],
            dealt=row["dealt"], answered=row["answered"], correct=row["correct"], late=row["late"],
            average_seconds=_seconds(row["took"])))
    # The hardest first; questions nobody answered yet at the end.
    table.sort(key=lambda f: (f.correct_rate is None, f.correct_rate or 0, f.question_id))
    return table


def question_statistics(quiz: Quiz) -> QuestionTable:
    """Per question dealt in the quiz's scored attempts: times dealt, answered, correct rate,
    average time to answer (one grouped query over the dealt sheets, bounded to the latest
    QUESTION_SAMPLE scored attempts; texts from the bank cache)."""
    return _kept(quiz, "questions", lambda: _compute_questions(quiz))


# --- participation ------------------------------------------------------------------------

@dataclass
class Participation:
    code: str  # province or city code ("" when not registered)
    name: str
    takers: int
    ranked: int
    average: float | None
    passed: int
    school: str = ""  # for schools

    @property
    def pass_rate(self) -> float | None:
        return _percent(self.passed, self.ranked)


def division_names(codes) -> dict[str, str]:
    """{code: name} for division codes, a municipality's 市辖区 named after its parent."""
    codes = {c for c in codes if c}
    names = {}
    for division in Division.objects.filter(code__in=codes).select_related("parent"):
        name = division.name
        if name in _SKIPPED_NAMES and division.parent is not None:
            name = division.parent.name
        names[division.code] = name
    return names


def _participation_rows(queryset, group: str):
    return list(queryset.values(*group.split(",")).annotate(
        takers=Count("pk"), ranked=Count("pk", filter=Q(disqualified=False)),
        average=Avg("score", filter=Q(disqualified=False)),
        passed=Sum(Case(When(disqualified=False, then=_passes()), default=Value(0), output_field=IntegerField())))
        .order_by("-takers", *group.split(",")))


def _compute_regions(quiz, province_code):
    standings = Standing.objects.filter(quiz_id=quiz.pk)
    group = "province_code"
    if province_code:
        standings, group = standings.filter(province_code=province_code), "city_code"
    rows = _participation_rows(standings, group)
    names = division_names(row[group] for row in rows)
    unnamed = _("（未细分到市）") if province_code else _("（未登记地区）")
    return [Participation(code=row[group], name=names.get(row[group], row[group]) or str(unnamed),
                          takers=row["takers"], ranked=row["ranked"],
                          average=round(row["average"], 1) if row["average"] is not None else None,
                          passed=row["passed"] or 0)
            for row in rows]


def participation_by_region(quiz: Quiz, province_code: str | None = None) -> list[Participation]:
    """Takers, average score and passes by province, or by city within ``province_code``
    (names from organizations.Division), most takers first."""
    return _kept(quiz, "regions", lambda: _compute_regions(quiz, province_code), province_code or "all")


def _compute_schools(quiz, province_code, limit):
    standings = Standing.objects.filter(quiz_id=quiz.pk).exclude(school_name="")
    if province_code:
        standings = standings.filter(province_code=province_code)
    total = standings.values("province_code", "city_code", "school_name").distinct().count()
    rows = _participation_rows(standings, "province_code,city_code,school_name")[:limit]
    names = division_names([r["city_code"] or r["province_code"] for r in rows])
    return total, [Participation(code=r["city_code"] or r["province_code"],
                                 name=names.get(r["city_code"] or r["province_code"], ""),
                                 school=r["school_name"], takers=r["takers"], ranked=r["ranked"],
                                 average=round(r["average"], 1) if r["average"] is not None else None,
                                 passed=r["passed"] or 0)
                   for r in rows]


def participation_by_school(quiz: Quiz, province_code: str | None = None, limit: int = 50
                            ) -> tuple[int, list[Participation]]:
    """(how many schools, the ``limit`` schools with most takers): a school is its name within
    its city (two 第一中学 in two cities are two schools)."""
    return _kept(quiz, "schools", lambda: _compute_schools(quiz, province_code, limit), province_code or "all", limit)


# --- review -------------------------------------------------------------------------------

def flagged_attempts(quiz: Quiz, review: str = Attempt.Review.FLAGGED):
    """Attempts with this review state (flagged: waiting for a reviewer), oldest hand-in first;
    a queryset to paginate. ``flag_reasons(attempt)`` names why each was flagged."""
    return (Attempt.objects.filter(quiz_id=quiz.pk, review=review)
            .select_related("registration", "standing", "reviewed_by")
            .only("pk", "quiz_id", "person_id", "is_practice", "status", "started_at", "finished_at", "score",
                  "max_score", "correct_count", "question_count", "time_used_ms", "ip_address", "device_id",
                  "review", "flags", "registration__display_name", "registration__school_name",
                  "registration__province_code", "registration__city_code", "standing__id",
                  "standing__disqualified", "standing__attempt_id", "reviewed_by__id", "reviewed_by__username")
            .order_by("finished_at", "pk"))


def flag_reasons(attempt: Attempt) -> list[str]:
    return [str(FLAG_LABELS.get(flag, flag)) for flag in attempt.flags or []]


def sharing(quiz: Quiz, attempts) -> tuple[dict[str, int], dict[str, int]]:
    """How many people answered this quiz from each device and each address of ``attempts``
    (a page of the review list): ({device id: people}, {address: people}), two grouped queries."""
    devices = {a.device_id for a in attempts if a.device_id}
    addresses = {a.ip_address for a in attempts if a.ip_address}
    by_device = dict(Attempt.objects.filter(quiz_id=quiz.pk, device_id__in=devices).values("device_id")
                     .annotate(n=Count("person", distinct=True)).values_list("device_id", "n").order_by()) if devices else {}
    by_address = dict(Attempt.objects.filter(quiz_id=quiz.pk, ip_address__in=addresses).values("ip_address")
                      .annotate(n=Count("person", distinct=True)).values_list("ip_address", "n").order_by()
                      ) if addresses else {}
    return by_device, by_address


# --- ranking and prizes -------------------------------------------------------------------

def ranked_standings(quiz: Quiz):
    """Standings in ranking order, disqualified ones left out (a queryset)."""
    return Standing.objects.filter(quiz_id=quiz.pk, disqualified=False).order_by(*RANKING)


def prize_counts(quiz: Quiz, ranked: int) -> dict[str, int]:
    """How many winners each tier has among ``ranked`` takers (see the module doc)."""
    wanted = [quiz.first_prizes or 0, quiz.second_prizes or 0, quiz.third_prizes or 0]
    ends, cumulative = [], 0
    for value in wanted:
        cumulative += value
        if quiz.prize_basis == Quiz.PrizeBasis.SHARE:
            end = (2 * ranked * cumulative + 100) // 200  # round half up of ranked × cumulative %
        else:
            end = cumulative
        ends.append(min(end, ranked))
    counts, start = {}, 0
    for (tier, _label), end in zip(PRIZE_TIERS, ends, strict=True):
        counts[tier] = max(0, end - start)
        start = max(start, end)
    return counts


@dataclass
class PrizeRow:
    rank: int
    tier: str  # "first" | "second" | "third" | "" (a taker tied with the last winner)
    tier_label: str
    standing: Standing
    flagged: bool  # the counted attempt still waits for review
    tied: bool  # equal on score, time and finish to the row before

    @property
    def seconds(self) -> float:
        return round(self.standing.time_used_ms / 1000, 1)


@dataclass
class PrizeList:
    ranked: int
    counts: dict[str, int]
    basis: str

    @property
    def winners(self) -> int:
        return sum(self.counts.values())


def _key(standing) -> tuple:
    return standing.score, standing.time_used_ms, standing.finished_at


def prize_summary(quiz: Quiz) -> PrizeList:
    ranked = Standing.objects.filter(quiz_id=quiz.pk, disqualified=False).count()
    return PrizeList(ranked=ranked, counts=prize_counts(quiz, ranked), basis=quiz.prize_basis)


def prize_rows(quiz: Quiz, summary: PrizeList, limit: int | None = None) -> Iterator[PrizeRow]:
    """The winners in ranking order with their tier (``limit`` rows at most), then any taker
    tied with the last winner, without a tier."""
    winners = summary.winners if limit is None else min(limit, summary.winners)
    if not winners:
        return
    tiers = []
    for tier, label in PRIZE_TIERS:
        tiers += [(tier, str(label))] * summary.counts[tier]
    queryset = (ranked_standings(quiz).select_related("attempt")
                .only("pk", "person_id", "score", "time_used_ms", "finished_at", "display_name", "province_code",
                      "city_code", "school_name", "attempt__id", "attempt__review", "attempt__max_score",
                      "attempt__correct_count"))
    previous = None
    extra = 0 if limit is not None and limit < summary.winners else 50  # ties beyond the last prize shown
    for rank, standing in enumerate(queryset[:winners + extra].iterator(chunk_size=2000), start=1):
        tied = previous is not None and _key(standing) == _key(previous)
        if rank > winners:
            if not tied:
                return
            tier, label = "", ""
        else:
            tier, label = tiers[rank - 1]
        yield PrizeRow(rank=rank, tier=tier, tier_label=label, standing=standing,
                       flagged=standing.attempt.review == Attempt.Review.FLAGGED, tied=tied)
        previous = standing


def prize_list(quiz: Quiz, limit: int | None = None) -> tuple[PrizeList, list[PrizeRow]]:
    """The prize list: the summary (ranked takers, winners per tier) and the rows (all of them,
    or the first ``limit``)."""
    summary = prize_summary(quiz)
    return summary, list(prize_rows(quiz, summary, limit))


def tier_at(counts: dict[str, int], rank: int) -> tuple[str, str] | None:
    """(tier, label) of the ``rank``-th ranked taker (1-based) given ``prize_counts``: the first
    ``counts["first"]`` places win 一等奖 and so on, as ``prize_rows`` deals them; None below the
    last prize."""
    end = 0
    for tier, label in PRIZE_TIERS:
        end += counts[tier]
        if rank <= end:
            return tier, label
    return None


@dataclass(frozen=True)
class Prize:
    tier: str  # "first" | "second" | "third"
    label: str  # 一等奖 … (translated when shown)
    rank: int
    ranked: int


def prize_of(attempt: Attempt, now=None) -> Prize | None:
    """The prize the attempt won, for its certificate: only once the quiz has closed (until then
    the ranking still moves), for the taker's counted attempt (their standing's), not
    disqualified and not waiting for review (the prize list marks those for the organizer to
    decide; a certificate cannot be taken back). The rank is the leaderboard's "my rank" on the
    whole quiz, the tiers ``prize_counts`` of the ranked takers: the prize list's answer."""
    from . import leaderboard

    quiz = attempt.quiz
    if attempt.is_practice or attempt.review == Attempt.Review.FLAGGED:
        return None
    if not (quiz.first_prizes or quiz.second_prizes or quiz.third_prizes) or (now or timezone.now()) < quiz.closes_at:
        return None
    if not Standing.objects.filter(quiz_id=quiz.pk, attempt_id=attempt.pk, disqualified=False).exists():
        return None
    rank, ranked = leaderboard.rank_of(quiz, attempt.person_id).get("all", (0, 0))
    found = tier_at(prize_counts(quiz, ranked), rank) if rank else None
    if found is None:
        return None
    return Prize(tier=found[0], label=found[1], rank=rank, ranked=ranked)


# --- the public navigation ----------------------------------------------------------------

PUBLIC_QUIZZES_SECONDS = 60  # how long a newly published or withdrawn quiz may wait to show in the nav


def _public_quizzes_key(campaign_id: int) -> str:
    return f"quiz.public.{campaign_id}"


def campaign_has_public_quiz(campaign) -> bool:
    """Does the campaign's year have a published quiz (the public site's 答题 link)? Asked on
    every public page, so kept in the cache for ``PUBLIC_QUIZZES_SECONDS``: a query once a
    minute, not once a page."""
    key = _public_quizzes_key(campaign.pk)
    found = cache.get(key)
    if found is None:
        found = Quiz.objects.filter(campaign_id=campaign.pk, status=Quiz.Status.PUBLISHED).exists()
        cache.set(key, found, PUBLIC_QUIZZES_SECONDS)
    return found


def forget_public_quizzes(campaign_id: int) -> None:
    """A quiz of the campaign was published or withdrawn: the nav asks again on the next page."""
    cache.delete(_public_quizzes_key(campaign_id))
