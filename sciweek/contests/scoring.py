"""The arithmetic of judging, pure functions with no database: a score's weighted total, the
round's aggregate of the judges' totals, per-judge normalisation, ranking with explicit
tie-breaks and prize tiers by count or share. Kept apart so the hand-worked examples of the
tests read them directly and every caller (results, live board, exports) uses the same rules.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ONE_DECIMAL = Decimal("0.1")
TWO_DECIMALS = Decimal("0.01")


def one_decimal(value) -> Decimal:
    """Scores are published to one decimal, rounded half up (4.25 → 4.3), as judges' sheets are."""
    return Decimal(value).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CriterionRule:
    id: int
    weight: Decimal
    min_points: Decimal
    max_points: Decimal


def weighted_total(points: dict[int, Decimal], criteria: list[CriterionRule]) -> Decimal:
    """Σ weight × (points − min)/(max − min), on the scale of the weights (100 when they sum
    to 100): a rubric of content 50 / delivery 40 / effect 10 marked 0–10 each gives 100 for
    10/10/10 and 50 for 10/0/0."""
    total = Decimal(0)
    for c in criteria:
        total += c.weight * (Decimal(points[c.id]) - c.min_points) / (c.max_points - c.min_points)
    return total.quantize(TWO_DECIMALS, rounding=ROUND_HALF_UP)


def aggregate(values: list[Decimal], method: str) -> Decimal | None:
    """The round's figure for one entry, unrounded. trimmed_mean drops one highest and one
    lowest mark when there are at least three (with fewer nothing can be dropped: the mean)."""
    if not values:
        return None
    values = sorted(Decimal(v) for v in values)
    if method == "median":
        return Decimal(statistics.median(values))
    if method == "trimmed_mean" and len(values) >= 3:
        values = values[1:-1]
    return sum(values, Decimal(0)) / len(values)


def normalize(scores: list[tuple[int, int, Decimal]]) -> dict[tuple[int, int], Decimal]:
    """Per-judge normalisation: each judge's marks are moved to the round's mean and spread
    (z-score, then rescaled), so a strict judge and a lenient one weigh alike. Input
    (judge_id, entry_id, total); output (judge_id, entry_id) → normalised total, two decimals.
    A judge with one mark, or all marks equal, is only shifted to the round's mean."""
    if not scores:
        return {}
    everything = [float(t) for _, _, t in scores]
    mean_all = statistics.fmean(everything)
    sd_all = statistics.pstdev(everything)
    by_judge: dict[int, list[float]] = {}
    for judge, _, total in scores:
        by_judge.setdefault(judge, []).append(float(total))
    out = {}
    for judge, entry, total in scores:
        mine = by_judge[judge]
        mean_j, sd_j = statistics.fmean(mine), statistics.pstdev(mine)
        value = (float(total) - mean_j) / sd_j * sd_all + mean_all if sd_j > 0 else float(total) - mean_j + mean_all
        out[(judge, entry)] = Decimal(str(value)).quantize(TWO_DECIMALS, rounding=ROUND_HALF_UP)
    return out


@dataclass
class Standing:
    """One entry's figures for ranking. `keys` are the tie-breaks after the score, in order,
    each (label, value): larger is better."""

    entry_id: int
    score: Decimal | None
    keys: list[tuple[str, Decimal]] = field(default_factory=list)
    number: int = 0  # the entry's number: only orders a tie for display, never breaks it
    rank: int | None = None
    tied: bool = False
    tie_break: str = ""
    tier_id: int | None = None


def rank(standings: list[Standing]) -> list[Standing]:
    """Rank by score, then by each tie-break key in order; what is still equal shares a rank
    (并列, the next rank skips: 1, 2, 2, 4). Entries without a score are left unranked, last.
    `tie_break` names the key that put an entry below the one with the same score above it."""
    scored = [s for s in standings if s.score is not None]
    unscored = [s for s in standings if s.score is None]

    def sort_key(s: Standing):
        return (-s.score, *(-value for _, value in s.keys), s.number)

    scored.sort(key=sort_key)
    for i, s in enumerate(scored):
        s.tied, s.tie_break = False, ""
        if i == 0:
            s.rank = 1
            continue
        above = scored[i - 1]
        if s.score != above.score:
            s.rank = i + 1
            continue
        for (label, value), (_, above_value) in zip(s.keys, above.keys, strict=True):
            if value != above_value:
                s.rank, s.tie_break = i + 1, label
                break
        else:
            s.rank = above.rank
            s.tied = above.tied = True
    for s in unscored:
        s.rank, s.tied, s.tie_break = None, False, ""
    return scored + unscored


@dataclass(frozen=True)
class TierRule:
    id: int
    count: int | None
    share_percent: int | None


def tier_sizes(tiers: list[TierRule], ranked: int) -> list[int]:
    """How many places each tier has among `ranked` entries: a count as set, a share of the
    ranked entries rounded half up (at least one while entries remain), no count and no share:
    all that remain. Never more than remain."""
    sizes, left = [], ranked
    for tier in tiers:
        if tier.count is not None:
            size = tier.count
        elif tier.share_percent is not None:
            size = int((Decimal(ranked * tier.share_percent) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            size = max(size, 1) if left else 0
        else:
            size = left
        size = min(size, left)
        sizes.append(size)
        left -= size
    return sizes


def assign_tiers(ranked: list[Standing], tiers: list[TierRule]) -> None:
    """Give tiers down the ranking. An entry tied with the last one of a tier shares that
    tier (the tier grows, the next shrinks): two entries of equal standing never get different
    prizes."""
    order = [s for s in ranked if s.rank is not None]
    for s in ranked:
        s.tier_id = None
    sizes = tier_sizes(tiers, len(order))
    i = 0
    for tier, size in zip(tiers, sizes, strict=True):
        end = i + size
        while end < len(order) and end > i and order[end].rank == order[end - 1].rank:
            end += 1
        for s in order[i:end]:
            s.tier_id = tier.id
        i = end
        if i >= len(order):
            break


def advancing(ranked: list[Standing], places: int) -> set[int]:
    """The entries that go on to the next round: the first `places`, and any tied with the last."""
    order = [s for s in ranked if s.rank is not None]
    if places <= 0 or not order:
        return set()
    end = min(places, len(order))
    while end < len(order) and order[end].rank == order[end - 1].rank:
        end += 1
    return {s.entry_id for s in order[:end]}
