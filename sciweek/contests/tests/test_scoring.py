"""The judging arithmetic by hand-worked examples (no database)."""
from decimal import Decimal as D

from sciweek.contests import scoring
from sciweek.contests.scoring import CriterionRule, Standing, TierRule

RUBRIC = [CriterionRule(1, D(50), D(0), D(10)), CriterionRule(2, D(40), D(0), D(10)), CriterionRule(3, D(10), D(0), D(10))]


def test_weighted_total_on_the_50_40_10_rubric():
    assert scoring.weighted_total({1: D(10), 2: D(10), 3: D(10)}, RUBRIC) == D("100.00")
    assert scoring.weighted_total({1: D(10), 2: D(0), 3: D(0)}, RUBRIC) == D("50.00")
    # 8.5 × 5 + 7 × 4 + 9 × 1 = 42.5 + 28 + 9 = 79.5
    assert scoring.weighted_total({1: D("8.5"), 2: D(7), 3: D(9)}, RUBRIC) == D("79.50")
    # A range that does not start at 0: 60–100 marked 80 is half the weight.
    assert scoring.weighted_total({7: D(80)}, [CriterionRule(7, D(100), D(60), D(100))]) == D("50.00")


def test_trimmed_mean_drops_one_highest_and_one_lowest():
    # Seven judges: 92, 88, 90, 95, 70, 89, 91 → drop 95 and 70 → (92+88+90+89+91)/5 = 450/5 = 90.0
    marks = [D(92), D(88), D(90), D(95), D(70), D(89), D(91)]
    assert scoring.one_decimal(scoring.aggregate(marks, "trimmed_mean")) == D("90.0")
    # Ties at the ends: only one of each is dropped. 80, 80, 85, 90, 90 → 80+85+90 = 255/3 = 85.0
    assert scoring.aggregate([D(80), D(80), D(85), D(90), D(90)], "trimmed_mean") == D(85)
    # 86.4, 87.1, 88.0, 85.2 → drop 88.0 and 85.2 → (86.4+87.1)/2 = 86.75 → 86.8 (half up)
    assert scoring.one_decimal(scoring.aggregate([D("86.4"), D("87.1"), D("88.0"), D("85.2")], "trimmed_mean")) == \
        D("86.8")
    # Two marks: nothing can be dropped.
    assert scoring.aggregate([D(80), D(90)], "trimmed_mean") == D(85)
    assert scoring.aggregate([], "trimmed_mean") is None


def test_mean_and_median():
    assert scoring.one_decimal(scoring.aggregate([D(90), D(80), D(71)], "mean")) == D("80.3")
    assert scoring.aggregate([D(90), D(80), D(71)], "median") == D(80)
    assert scoring.aggregate([D(90), D(80), D(71), D(60)], "median") == D("75.5")


def test_one_decimal_rounds_half_up_not_to_even():
    assert scoring.one_decimal(D("84.25")) == D("84.3")
    assert scoring.one_decimal(D("84.35")) == D("84.4")
    assert scoring.one_decimal(D("84.249")) == D("84.2")


def test_normalisation_puts_a_strict_and_a_lenient_judge_on_one_scale():
    # Judge 1 marks 60/70/80, judge 2 marks 80/90/100: the same order, a 20-point offset.
    scores = [(1, 10, D(60)), (1, 11, D(70)), (1, 12, D(80)), (2, 10, D(80)), (2, 11, D(90)), (2, 12, D(100))]
    normalized = scoring.normalize(scores)
    for entry in (10, 11, 12):
        assert normalized[(1, entry)] == normalized[(2, entry)]
    assert normalized[(1, 11)] == D("80.00")  # the middle entry lands on the round's mean


def standing(entry_id, score, *keys):
    return Standing(entry_id, None if score is None else D(score),
                    [(label, D(v)) for label, v in zip(["讲解内容", "表达能力", "全部评委平均分"], keys, strict=False)],
                    number=entry_id)


def test_ties_are_broken_by_the_rubric_in_order_then_shared():
    ranked = scoring.rank([
        standing(1, "88.0", 44, 35, "88.2"),
        standing(2, "90.5", 45, 36, "90.0"),
        standing(3, "88.0", 45, 34, "87.9"),   # same score as 1, better content: above 1
        standing(4, "88.0", 44, 35, "88.2"),   # equal to 1 on everything: shares its rank
        standing(5, None),                     # no score yet: unranked, last
    ])
    assert [(s.entry_id, s.rank, s.tied, s.tie_break) for s in ranked] == [
        (2, 1, False, ""), (3, 2, False, ""), (1, 3, True, "讲解内容"), (4, 3, True, ""), (5, None, False, "")]


def test_tie_broken_by_a_later_key_names_it():
    ranked = scoring.rank([standing(1, "80.0", 40, 30, "80.1"), standing(2, "80.0", 40, 30, "80.4")])
    assert [(s.entry_id, s.rank, s.tie_break) for s in ranked] == [(2, 1, ""), (1, 2, "全部评委平均分")]


def test_tier_sizes_by_count_share_and_rest():
    tiers = [TierRule(1, 1, None), TierRule(2, 2, None), TierRule(3, 3, None), TierRule(4, None, None)]
    assert scoring.tier_sizes(tiers, 10) == [1, 2, 3, 4]
    assert scoring.tier_sizes(tiers, 2) == [1, 1, 0, 0]
    # Shares of 29 teams, 20 % / 20 % / 30 %: 5.8 → 6, 6, 8.7 → 9; the rest gets nothing (no fourth tier).
    shares = [TierRule(1, None, 20), TierRule(2, None, 20), TierRule(3, None, 30)]
    assert scoring.tier_sizes(shares, 29) == [6, 6, 9]
    assert scoring.tier_sizes(shares, 1) == [1, 0, 0]


def test_an_entry_tied_with_the_last_of_a_tier_shares_the_tier():
    ranked = scoring.rank([standing(1, 95), standing(2, 90), standing(3, 90), standing(4, 80), standing(5, 70)])
    assert [s.rank for s in ranked] == [1, 2, 2, 4, 5]
    scoring.assign_tiers(ranked, [TierRule(10, 1, None), TierRule(20, 1, None), TierRule(30, 1, None)])
    # 二等奖 has one place but entries 2 and 3 are tied: both get it, 三等奖 goes to entry 4.
    assert {s.entry_id: s.tier_id for s in ranked} == {1: 10, 2: 20, 3: 20, 4: 30, 5: None}


def test_advancing_keeps_ties_at_the_line():
    ranked = scoring.rank([standing(1, 95), standing(2, 90), standing(3, 90), standing(4, 80)])
    assert scoring.advancing(ranked, 2) == {1, 2, 3}
    assert scoring.advancing(ranked, 0) == set()
