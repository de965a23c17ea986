"""The arithmetic, worked by hand."""
from decimal import Decimal as D

from sciweek.evaluation import scoring
from sciweek.evaluation.scoring import IndicatorSpec, SubjectSpec


def test_min_max_high_and_low_is_good():
    values = {"a": D("75"), "b": D("50"), "c": D("60"), "d": None}
    assert scoring.normalize(values) == {"a": D("100.00"), "b": D("0.00"), "c": D("40.00"), "d": D("0")}
    assert scoring.normalize(values, direction="low") == {"a": D("0.00"), "b": D("100.00"), "c": D("60.00"),
                                                          "d": D("0")}


def test_min_max_when_everyone_is_equal():
    assert scoring.normalize({"a": D(3), "b": D(3)}) == {"a": D(100), "b": D(100)}
    assert scoring.normalize({"a": D(0), "b": D(0)}) == {"a": D(0), "b": D(0)}  # nobody did anything
    assert scoring.normalize({"a": D(2), "b": D(2)}, direction="low") == {"a": D(100), "b": D(100)}


def test_against_a_target():
    values = {"a": D(45), "b": D(90), "c": D(120)}
    assert scoring.normalize(values, method="target", target=D(90)) == {"a": D("50.00"), "b": D("100.00"),
                                                                        "c": D("100")}
    # low is good: at or under the target is full marks, above it target/value
    assert scoring.normalize({"a": D(1), "b": D(4)}, "low", "target", D(2)) == {"a": D(100), "b": D("50.00")}


def test_weighted_total_and_rounding():
    # (20·100 + 10·33.33 + 0·50) / 30 = 77.777… → 77.78
    assert scoring.weighted_total({1: D(100), 2: D("33.33"), 3: D(50)}, {1: D(20), 2: D(10), 3: D(0)}) == D("77.78")
    assert scoring.weighted_total({1: D(100)}, {1: D(0)}) == D(0)
    assert scoring.weighted_total({}, {1: D(10)}) == D("0.00")  # a missing score counts 0


def test_competition_ranks_share_ties():
    assert scoring.ranks({"a": D(90), "b": D(80), "c": D(90), "d": D(70)}) == {"a": 1, "c": 1, "b": 3, "d": 4}


def test_bands():
    assert scoring.band(D(80), D(80), D(60)) == "high"
    assert scoring.band(D("79.99"), D(80), D(60)) == "middle"
    assert scoring.band(D(60), D(80), D(60)) == "middle"
    assert scoring.band(D("59.99"), D(80), D(60)) == "low"


def test_compute_ranks_within_peer_groups_and_other_weights():
    subjects = [SubjectSpec(1, "cities", "甲"), SubjectSpec(2, "cities", "乙"), SubjectSpec(3, "depts", "丙")]
    indicators = [IndicatorSpec(10, D(30)), IndicatorSpec(11, D(10), direction="low"),
                  IndicatorSpec(12, D(10), scored=True)]
    raw = {(1, 10): 5, (2, 10): 3, (1, 11): 4, (2, 11): 2, (1, 12): D(50), (2, 12): D(80), (3, 10): 7}
    result = scoring.compute(subjects, indicators, raw)
    # 甲: 30·100 + 10·0 + 10·50 = 3500 / 50 = 70; 乙: 0 + 10·100 + 10·80 = 1800 / 50 = 36
    assert result.totals == {1: D("70.00"), 2: D("36.00"), 3: D("60.00")}  # 丙 alone: 100, low-is-good 100, 0
    assert result.ranks == {1: 1, 2: 1 + 1, 3: 1}
    assert result.bands == {1: "middle", 2: "low", 3: "middle"}
    assert result.cells[(3, 11)].raw is None and result.cells[(3, 11)].score == D(0)
    # The simulator's weights: the scored indicator alone decides → 乙 moves up.
    other = scoring.compute(subjects, indicators, raw, weights={10: 0, 11: 0, 12: 10})
    assert other.ranks[2] == 1 and other.ranks[1] == 2
    assert scoring.movement(result.ranks, other.ranks) == {1: -1, 2: 1, 3: 0}
