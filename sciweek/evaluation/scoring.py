"""The evaluation's arithmetic, pure functions (no database): raw values → scores (0–100) →
weighted totals → ranks and bands. The scorecard, the snapshot written by freeze and the
weight simulator all call `compute`, so one rule ranks everywhere.

- Normalization, per indicator and peer group:
  * min-max ("minmax"): high is good: 100·(v − min)/(max − min); low is good:
    100·(max − v)/(max − min). When everyone in the group has the same value, high-is-good gives
    100 to a positive value and 0 to zero (nobody did anything), low-is-good gives 100.
  * against a target ("target"): high is good: min(100, 100·v/target); low is good: 100 at or
    below the target, else 100·target/v.
  * a scored indicator's raw value is the reviewer's score (0–100), taken as it is.
  * a missing value (no data: a rate with nothing to divide by, a score not given) scores 0.
- Total: Σ weightᵢ·scoreᵢ / Σ weightᵢ (0–100), 2 decimals, half up. Weight 0 leaves an indicator out.
- Rank: within the peer group, best total first; equal totals share a rank (1, 2, 2, 4).
- Band: "high" at or above the high line, "low" below the low line, else "middle"."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal("100")
ZERO = Decimal("0")
CENT = Decimal("0.01")

HIGH, MIDDLE, LOW = "high", "middle", "low"


def q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _d(value) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True)
class IndicatorSpec:
    id: int
    weight: Decimal
    direction: str = "high"  # "high" or "low" is good
    method: str = "minmax"  # "minmax" or "target"
    target: Decimal | None = None
    band_high: Decimal = Decimal("80")
    band_low: Decimal = Decimal("60")
    scored: bool = False


@dataclass(frozen=True)
class SubjectSpec:
    id: int
    group: str
    name: str = ""


def band(score: Decimal, high: Decimal, low: Decimal) -> str:
    if score >= high:
        return HIGH
    if score < low:
        return LOW
    return MIDDLE


def normalize(values: dict, direction: str = "high", method: str = "minmax",
              target: Decimal | None = None) -> dict:
    """Scores (0–100, 2 decimals) of one indicator's raw values within one peer group."""
    values = {key: _d(v) for key, v in values.items()}
    present = [v for v in values.values() if v is not None]
    result = {}
    if method == "target":
        target = _d(target)
        for key, v in values.items():
            if v is None or not target:
                result[key] = ZERO
            elif direction == "low":
                result[key] = HUNDRED if v <= target else q(HUNDRED * target / v)
            else:
                result[key] = q(min(HUNDRED, max(ZERO, HUNDRED * v / target)))
        return result
    lo, hi = (min(present), max(present)) if present else (ZERO, ZERO)
    for key, v in values.items():
        if v is None:
            result[key] = ZERO
        elif hi == lo:
            result[key] = HUNDRED if direction == "low" or v > 0 else ZERO
        elif direction == "low":
            result[key] = q(HUNDRED * (hi - v) / (hi - lo))
        else:
            result[key] = q(HUNDRED * (v - lo) / (hi - lo))
    return result


def scored_value(value) -> Decimal:
    value = _d(value)
    if value is None:
        return ZERO
    return q(min(HUNDRED, max(ZERO, value)))


def weighted_total(scores: dict, weights: dict) -> Decimal:
    """Σ wᵢ·sᵢ / Σ wᵢ over the indicators in `weights` (a missing score counts 0)."""
    total_weight = sum((_d(w) for w in weights.values()), ZERO)
    if total_weight <= 0:
        return ZERO
    weighted = sum((_d(w) * scores.get(key, ZERO) for key, w in weights.items()), ZERO)
    return q(weighted / total_weight)


def ranks(totals: dict) -> dict:
    """Competition ranks (1, 2, 2, 4) of `totals` (key → total), best first."""
    ordered = sorted(totals.items(), key=lambda item: -item[1])
    result, previous, rank = {}, None, 0
    for position, (key, total) in enumerate(ordered, start=1):
        if total != previous:
            rank, previous = position, total
        result[key] = rank
    return result


@dataclass
class Cell:
    raw: Decimal | None
    score: Decimal
    band: str


@dataclass
class Result:
    cells: dict = field(default_factory=dict)  # (subject_id, indicator_id) -> Cell
    totals: dict = field(default_factory=dict)  # subject_id -> Decimal
    ranks: dict = field(default_factory=dict)  # subject_id -> int (within its group)
    bands: dict = field(default_factory=dict)  # subject_id -> band of the total

    def order(self, subjects: list[SubjectSpec]) -> list[SubjectSpec]:
        """Subjects by group (as given), then rank, then name."""
        group_order = {}
        for subject in subjects:
            group_order.setdefault(subject.group, len(group_order))
        return sorted(subjects, key=lambda s: (group_order[s.group], self.ranks[s.id], s.name, s.id))


def compute(subjects: list[SubjectSpec], indicators: list[IndicatorSpec], raw: dict,
            band_high: Decimal = Decimal("80"), band_low: Decimal = Decimal("60"),
            weights: dict | None = None) -> Result:
    """Every cell's score and band, every subject's total, rank and band.

    raw: (subject_id, indicator_id) -> value (missing = no data). weights: indicator_id ->
    weight, to try other weights (the simulator) without touching the indicators."""
    weights = {i.id: (_d(weights[i.id]) if weights and i.id in weights else i.weight) for i in indicators}
    groups: dict[str, list[SubjectSpec]] = defaultdict(list)
    for subject in subjects:
        groups[subject.group].append(subject)
    result = Result()
    for members in groups.values():
        for indicator in indicators:
            values = {s.id: raw.get((s.id, indicator.id)) for s in members}
            if indicator.scored:
                scores = {key: scored_value(v) for key, v in values.items()}
            else:
                scores = normalize(values, indicator.direction, indicator.method, indicator.target)
            for key, score in scores.items():
                result.cells[(key, indicator.id)] = Cell(_d(values[key]), score,
                                                         band(score, indicator.band_high, indicator.band_low))
        totals = {}
        for s in members:
            scores = {i.id: result.cells[(s.id, i.id)].score for i in indicators}
            totals[s.id] = weighted_total(scores, weights)
        result.totals.update(totals)
        result.ranks.update(ranks(totals))
    result.bands = {key: band(total, band_high, band_low) for key, total in result.totals.items()}
    return result


def movement(before: dict, after: dict) -> dict:
    """Rank changes (positive: moved up) between two rank maps of the same subjects."""
    return {key: before[key] - after[key] for key in after if key in before}
