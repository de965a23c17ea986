"""The quiz's console statistics (selectors): figures on a dataset with known results, prize
tiers by count and by share with ties, flagged and disqualified takers, the cache."""
import pytest
from django.db.models import Count, Q

from sciweek.quiz import selectors, services
from sciweek.quiz.models import Attempt, AttemptQuestion, Quiz, Standing

from .test_stats_data import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(demo):
    return build(demo)


def ranked_names(quiz):
    return [s.display_name for s in selectors.ranked_standings(quiz)]


def test_overview_figures(data):
    stats = selectors.quiz_statistics(data.quiz)
    assert stats.takers == 9 == Attempt.objects.filter(quiz=data.quiz, is_practice=False, status__in=["finished", "expired"]
                                                       ).values("person").distinct().count()
    assert (stats.ranked, stats.disqualified) == (8, 1)
    assert (stats.scored_attempts, stats.practice_attempts, stats.in_progress) == (9, 1, 1)
    assert stats.attempts == 10
    assert stats.flagged == 1  # p7, too fast (p8 was disqualified)
    assert stats.average == 67.5  # (100 + 100 + 80 × 3 + 60 + 40 + 0) / 8
    assert stats.median == 80
    assert stats.max_score == 100
    assert (stats.passed, stats.pass_rate) == (6, 75.0)
    assert [(b.label, b.count) for b in stats.bands] == [
        ("0–59%", 2), ("60–69%", 1), ("70–79%", 0), ("80–89%", 3), ("90–99%", 0), ("100%", 2)]
    assert sum(d["scored"] for d in stats.per_day) == 9 and sum(d["practice"] for d in stats.per_day) == 1


def test_ranking_order_and_flag(data):
    assert ranked_names(data.quiz) == ["学生p2", "学生p1", "学生p7", "学生p3", "学生p9", "学生p4", "学生p5", "学生p6"]
    p7 = Attempt.objects.get(quiz=data.quiz, person=data.people["p7"])
    assert p7.review == "flagged" and p7.flags == ["too_fast"]
    assert selectors.flag_reasons(p7) == ["答题速度快于合理速度"]
    flagged = list(selectors.flagged_attempts(data.quiz))
    assert [a.pk for a in flagged] == [p7.pk]
    assert [a.person_id for a in selectors.flagged_attempts(data.quiz, "disqualified")] == [data.people["p8"].pk]


def test_median_of_an_odd_count(data):
    p6 = Attempt.objects.get(quiz=data.quiz, person=data.people["p6"])
    services.review_attempt(p6, actor=data.reviewer, disqualify=True, note="代答")
    selectors.forget(data.quiz)
    stats = selectors.quiz_statistics(data.quiz)
    assert (stats.ranked, stats.median, stats.average) == (7, 80, round(540 / 7, 1))


def test_question_statistics_match_the_sheets(data):
    figures = selectors.question_statistics(data.quiz)
    sheets = AttemptQuestion.objects.filter(attempt__quiz=data.quiz, attempt__is_practice=False)
    assert sum(f.dealt for f in figures) == sheets.count() == 50  # 9 handed in + 1 answering, 5 each
    assert sum(f.answered for f in figures) == 45
    assert sum(f.correct for f in figures) == 5 + 5 + 4 + 4 + 3 + 2 + 0 + 4 + 5
    expected = {row["question_id"]: row for row in sheets.values("question_id").annotate(
        n=Count("pk"), right=Count("pk", filter=Q(is_correct=True)))}
    for figure in figures:
        assert figure.dealt == expected[figure.question_id]["n"]
        assert figure.correct == expected[figure.question_id]["right"]
        assert figure.stem and figure.kind in ("true_false", "single", "multiple")
        if figure.answered:
            assert figure.average_seconds is not None and figure.average_seconds >= 0
    rates = [f.correct_rate for f in figures if f.correct_rate is not None]
    assert rates == sorted(rates)  # the hardest first


def test_question_statistics_of_a_big_quiz_come_from_the_latest_attempts(data, monkeypatch):
    monkeypatch.setattr(selectors, "QUESTION_SAMPLE", 3)
    table = selectors.question_statistics(data.quiz)
    latest = list(Attempt.objects.filter(quiz=data.quiz, is_practice=False).order_by("-pk")[:3])
    assert table.sample == 3
    assert sum(f.dealt for f in table) == 15
    assert sum(f.correct for f in table) == sum(a.correct_count or 0 for a in latest)
    assert selectors.question_statistics(data.quiz).sample == 3  # kept in the cache with its note
    monkeypatch.setattr(selectors, "QUESTION_SAMPLE", 1000)
    selectors.forget(data.quiz)
    assert selectors.question_statistics(data.quiz).sample is None


def test_participation_by_region_and_school(data):
    provinces = {row.code: row for row in selectors.participation_by_region(data.quiz)}
    assert set(provinces) == {"130000", "110000"}
    hebei, beijing = provinces["130000"], provinces["110000"]
    assert (hebei.name, hebei.takers, hebei.ranked, hebei.passed) == ("河北省", 8, 7, 5)
    assert hebei.average == round((100 + 100 + 80 + 80 + 80 + 40 + 0) / 7, 1)
    assert (beijing.name, beijing.takers, beijing.average, beijing.pass_rate) == ("北京市", 1, 60, 100.0)
    cities = {row.code: row for row in selectors.participation_by_region(data.quiz, "130000")}
    assert {row.name for row in cities.values()} == {"石家庄市", "保定市"}
    assert cities["130100"].takers == 5 and cities["130600"].takers == 3
    beijing_cities = selectors.participation_by_region(data.quiz, "110000")
    assert [(r.code, r.name) for r in beijing_cities] == [("110100", "北京市")]  # 市辖区 named after its city
    total, schools = selectors.participation_by_school(data.quiz)
    assert total == 4
    assert [(s.school, s.takers) for s in schools][:2] == [("石家庄市第一中学", 3), ("保定市第一中学", 3)]  # ties: by city code
    first = next(s for s in schools if s.school == "石家庄市第一中学")
    assert (first.ranked, first.passed, first.average, first.name) == (2, 2, 100, "石家庄市")
    total, only_beijing = selectors.participation_by_school(data.quiz, "110000")
    assert total == 1 and only_beijing[0].school == "北京市第八中学"
    assert len(selectors.participation_by_school(data.quiz, limit=2)[1]) == 2


def test_prizes_by_count_with_a_tie_and_a_flag(data):
    summary, rows = selectors.prize_list(data.quiz)  # 1 / 2 / 2
    assert summary.ranked == 8 and summary.counts == {"first": 1, "second": 2, "third": 2}
    assert [(r.rank, r.tier, r.standing.display_name, r.flagged, r.tied) for r in rows] == [
        (1, "first", "学生p2", False, False), (2, "second", "学生p1", False, False),
        (3, "second", "学生p7", True, False),  # still flagged: listed, marked
        (4, "third", "学生p3", False, False), (5, "third", "学生p9", False, True)]
    assert "学生p8" not in [r.standing.display_name for r in rows]  # disqualified
    assert rows[0].tier_label == "一等奖" and rows[1].tier_label == "二等奖" and rows[3].tier_label == "三等奖"


def test_a_tie_at_the_last_prize_is_shown(data):
    Quiz.objects.filter(pk=data.quiz.pk).update(third_prizes=1)
    data.quiz.refresh_from_db()
    summary, rows = selectors.prize_list(data.quiz)
    assert summary.counts == {"first": 1, "second": 2, "third": 1}
    assert [(r.rank, r.tier, r.standing.display_name, r.tied) for r in rows][-2:] == [
        (4, "third", "学生p3", False), (5, "", "学生p9", True)]


def test_prizes_by_share(data):
    Quiz.objects.filter(pk=data.quiz.pk).update(prize_basis="share", first_prizes=10, second_prizes=20,
                                                third_prizes=30)
    data.quiz.refresh_from_db()
    # 8 ranked: boundaries round(0.8) = 1, round(2.4) = 2, round(4.8) = 5
    summary, rows = selectors.prize_list(data.quiz)
    assert summary.counts == {"first": 1, "second": 1, "third": 3}
    assert [r.tier for r in rows] == ["first", "second", "third", "third", "third"]
    assert [r.standing.display_name for r in rows] == ["学生p2", "学生p1", "学生p7", "学生p3", "学生p9"]


@pytest.mark.parametrize(("ranked", "shares", "expected"), [
    (7, (10, 20, 30), (1, 1, 2)),  # 0.7 → 1, 2.1 → 2, 4.2 → 4
    (5, (10, 0, 0), (1, 0, 0)),  # 0.5 rounds up
    (4, (10, 10, 10), (0, 1, 0)),  # 0.4 → 0, 0.8 → 1, 1.2 → 1
    (3, (50, 50, 50), (2, 1, 0)),  # never more winners than ranked takers
    (0, (10, 20, 30), (0, 0, 0)),
    (1000, (5, 10, 15), (50, 100, 150)),
])
def test_share_rounding(ranked, shares, expected):
    quiz = Quiz(prize_basis="share", first_prizes=shares[0], second_prizes=shares[1], third_prizes=shares[2])
    counts = selectors.prize_counts(quiz, ranked)
    assert (counts["first"], counts["second"], counts["third"]) == expected


def test_count_basis_never_exceeds_the_ranked():
    quiz = Quiz(prize_basis="count", first_prizes=3, second_prizes=5, third_prizes=10)
    assert selectors.prize_counts(quiz, 6) == {"first": 3, "second": 3, "third": 0}


def test_figures_are_cached_until_forgotten(data, django_assert_num_queries):
    selectors.quiz_statistics(data.quiz)
    selectors.question_statistics(data.quiz)
    with django_assert_num_queries(0):
        selectors.quiz_statistics(data.quiz)
        selectors.question_statistics(data.quiz)
    p7 = Attempt.objects.get(quiz=data.quiz, person=data.people["p7"])
    assert selectors.quiz_statistics(data.quiz).ranked == 8
    services.review_attempt(p7, actor=data.reviewer, disqualify=True, note="速度异常")  # forgets them
    assert selectors.quiz_statistics(data.quiz).ranked == 7
    assert selectors.quiz_statistics(data.quiz, fresh=True).flagged == 0


def test_a_stale_figure_is_served_while_another_worker_recomputes(data, monkeypatch):
    first = selectors.quiz_statistics(data.quiz)
    monkeypatch.setattr(selectors, "LIVE_SECONDS", -1)  # everything is stale
    from django.core.cache import cache

    key = f"quiz.stats.{data.quiz.pk}.overview"
    assert cache.add(key + ".lock", 1, 60)  # another worker holds the lock
    assert selectors.quiz_statistics(data.quiz) is not first  # (a copy from the cache)
    assert selectors.quiz_statistics(data.quiz).computed_at == first.computed_at
    cache.delete(key + ".lock")
    assert selectors.quiz_statistics(data.quiz).computed_at > first.computed_at


def test_standings_count_is_takers(data):
    assert Standing.objects.filter(quiz=data.quiz).count() == selectors.quiz_statistics(data.quiz).takers
