"""The quiz's demo data (sciweek.quiz.demo.loader): Hebei's reviewed bank, the finished 2020 quiz
with its takers, standings, review list and prizes, and the live campaign's quizzes (one open
now, one coming), as `load_demo` builds them through the quiz services."""
from collections import Counter
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from freezegun import freeze_time

from sciweek.accounts.models import User
from sciweek.demo.live import live_campaign, purge_campaign
from sciweek.demo.loader import load_demo
from sciweek.organizations.models import Division, Organization
from sciweek.participants.models import Profile
from sciweek.quiz import leaderboard, selectors, services
from sciweek.quiz.demo import loader as Q
from sciweek.quiz.models import Attempt, Question, Quiz, Registration, Standing

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def ranking(standing):
    return (-standing.score, standing.time_used_ms, standing.finished_at, standing.person_id)


@pytest.fixture
def quiz2020(demo):
    return Quiz.objects.select_related("organization").get(campaign=demo, slug=Q.QUIZ_2020["slug"])


@pytest.fixture
def live(demo):
    campaign = live_campaign()
    assert campaign is not None
    return campaign


def open_quiz(campaign):
    return Quiz.objects.get(campaign=campaign, slug=Q.LIVE_OPEN["slug"])


# --- the bank -------------------------------------------------------------------------------

def test_the_bank_is_hebeis_every_question_of_the_file(demo, org):
    hebei = org("河北省")
    rows = {row["key"]: row for row in Q.bank_rows()}
    bank = list(Question.objects.filter(organization=hebei, is_demo=True).prefetch_related("options"))
    assert len(rows) == 245 and sorted(q.source_key for q in bank) == sorted(rows)
    for question in bank:
        row = rows[question.source_key]
        assert (question.kind, question.difficulty, question.topic, question.audiences, question.stem,
                question.explanation) == (row["kind"], row["difficulty"], row["area"], row["audience"], row["stem"],
                                          row["explanation"])
        assert [(o.text, o.is_correct) for o in question.options.all()] == [
            (o["text"], o["correct"]) for o in row["options"]]
        assert question.created_by.username == "hebei-admin"


def test_the_bank_was_reviewed_with_work_left_in_the_queue(demo, org):
    bank = Question.objects.filter(organization=org("河北省"), is_demo=True)
    assert Counter(bank.values_list("status", flat=True)) == {"approved": 238, "submitted": 5, "returned": 2}
    assert set(bank.filter(status="submitted").values_list("source_key", flat=True)) == set(Q.PENDING_KEYS)
    assert dict(bank.filter(status="returned").values_list("source_key", "review_note")) == Q.RETURNED_KEYS
    reviewed = bank.exclude(status="submitted")
    assert set(reviewed.values_list("reviewed_by__username", flat=True)) == {"hebei-reviewer"}
    assert {timezone.localtime(q.reviewed_at, SHANGHAI).date() for q in reviewed} == {Q.BANK_REVIEWED.date()}


# --- the finished 2020 quiz -----------------------------------------------------------------

def test_the_2020_quiz_is_finished(quiz2020, demo):
    quiz = quiz2020
    assert (quiz.title, quiz.organization.name, quiz.audience, quiz.status, quiz.is_demo) == (
        "2020年河北省中小学科普知识网络答题", "河北省", "secondary", "published", True)
    assert (timezone.localtime(quiz.opens_at, SHANGHAI), timezone.localtime(quiz.closes_at, SHANGHAI)) == (
        datetime(2020, 8, 23, 9, 0, tzinfo=SHANGHAI), datetime(2020, 8, 29, 18, 0, tzinfo=SHANGHAI))
    assert demo.starts_on == quiz.opens_at.astimezone(SHANGHAI).date()
    assert demo.ends_on == quiz.closes_at.astimezone(SHANGHAI).date()
    assert services.open_refusal(quiz) == "答题已于 2020-08-29 18:00 结束。"
    assert list(quiz.draw_rules.values_list("kind", "count", "points")) == [
        ("true_false", 7, 5), ("single", 7, 5), ("multiple", 6, 5)]
    assert (quiz.seconds_per_question, quiz.scored_attempts_per_day, quiz.score_rule, quiz.practice_enabled,
            quiz.pass_percent, quiz.asks_region, quiz.asks_school) == (30, 1, "best", True, 60, True, True)
    assert (quiz.prize_basis, quiz.first_prizes, quiz.second_prizes, quiz.third_prizes) == ("count", 3, 6, 10)
    approved = set(Question.objects.filter(organization=quiz.organization, is_demo=True, status="approved")
                   .values_list("pk", flat=True))
    pool = set(quiz.pool.values_list("question_id", flat=True))
    assert pool == approved and len(pool) >= 200
    assert services.rule_problems(quiz) == []


def test_2020_standings_are_the_takers_best_scored_attempts(quiz2020):
    scored = Attempt.objects.filter(quiz=quiz2020, is_practice=False, status__in=Attempt.Status.DONE)
    assert not Attempt.objects.filter(quiz=quiz2020, status="in_progress").exists()
    standings = {s.person_id: s for s in Standing.objects.filter(quiz=quiz2020)}
    assert set(standings) == set(scored.values_list("person_id", flat=True))
    assert len(standings) == Q.TAKERS
    by_person: dict[int, list[Attempt]] = {}
    for attempt in scored:
        by_person.setdefault(attempt.person_id, []).append(attempt)
    for person_id, attempts in by_person.items():
        best = min(attempts, key=lambda a: (-a.score, a.time_used_ms, a.finished_at, a.pk))
        standing = standings[person_id]
        assert (standing.attempt_id, standing.score, standing.time_used_ms) == (best.pk, best.score,
                                                                                 best.time_used_ms)
        days = [a.day for a in attempts]
        assert len(days) == len(set(days))  # one scored attempt a day
    assert max(len(a) for a in by_person.values()) >= 3  # some came back on other days
    assert sum(1 for a in by_person.values() if len(a) > 1) >= 8
    for attempt in Attempt.objects.filter(quiz=quiz2020):
        assert quiz2020.opens_at <= attempt.started_at < attempt.finished_at <= quiz2020.closes_at
        assert attempt.max_score == 100 and attempt.question_count == 20
    assert Attempt.objects.filter(quiz=quiz2020, status="expired").count() == 2  # two walked away
    assert Attempt.objects.filter(quiz=quiz2020, is_practice=True).count() == len(Q.PRACTICE_TAKERS)
    scores = sorted(s.score for s in standings.values())
    assert 55 <= scores[len(scores) // 2] <= 90 and scores[-1] == 100  # a realistic spread
    passed = sum(1 for s in scores if s >= 60)
    assert 0.6 * len(scores) < passed < len(scores)


def test_2020_results_follow_the_seeded_plan(quiz2020, org):
    """The plan is the same every time it is drawn, and every attempt scored what it planned
    (whatever questions the services dealt it): results are the same on every load."""
    schools = Q.schools_2020(org("河北省"))
    plan = Q.plan_2020(schools)
    assert plan == Q.plan_2020(Q.schools_2020(org("河北省")))
    people = {u.username: u.pk for u in User.objects.filter(username__startswith="demo-quiz-taker-")}
    for taker in plan:
        person = people[Q.TAKER_USERNAME.format(n=taker.n)]
        attempts = list(Attempt.objects.filter(quiz=quiz2020, person_id=person).order_by("started_at"))
        assert [(a.started_at, a.is_practice) for a in attempts] == [(s.start, s.practice) for s in taker.sittings]
        assert [a.correct_count for a in attempts] == [s.expected_correct() for s in taker.sittings]
        registration = Registration.objects.get(quiz=quiz2020, person_id=person)
        assert (registration.display_name, registration.division_id, registration.school_name) == (
            taker.display_name, taker.division_code, taker.school)


def test_2020_leaderboards_follow_the_ranking_rule(quiz2020):
    ranked = sorted(Standing.objects.filter(quiz=quiz2020, disqualified=False), key=ranking)
    assert len(ranked) == Q.TAKERS - 1  # the disqualified one is on no board
    board = leaderboard.top(quiz2020, n=200)
    assert [(r.rank, r.person_id, r.score, r.time_used_ms) for r in board] == [
        (i, s.person_id, s.score, s.time_used_ms) for i, s in enumerate(ranked, 1)]
    assert [s.pk for s in selectors.ranked_standings(quiz2020)] == [s.pk for s in ranked]
    # A school's and a city's boards, and "my rank", agree with the same order.
    first = ranked[0]
    scopes = leaderboard.scopes_of(first)
    school = [s for s in ranked if s.school_name == first.school_name
              and (s.city_code or s.province_code) == (first.city_code or first.province_code)]
    assert [r.person_id for r in leaderboard.top(quiz2020, "school", scopes["school"], n=200)] == [
        s.person_id for s in school]
    city = [s for s in ranked if s.city_code == first.city_code]
    assert [r.person_id for r in leaderboard.top(quiz2020, "city", first.city_code, n=200)] == [
        s.person_id for s in city]
    middle = ranked[len(ranked) // 2]
    assert leaderboard.rank_of(quiz2020, middle.person_id)["all"] == (len(ranked) // 2 + 1, len(ranked))
    assert {s.province_code for s in ranked} == {"130000"}


def test_2020_prizes_by_count(quiz2020):
    summary, rows = selectors.prize_list(quiz2020)
    assert (summary.ranked, summary.counts) == (Q.TAKERS - 1, {"first": 3, "second": 6, "third": 10})
    tiers = [row.tier for row in rows if row.tier]
    assert tiers == ["first"] * 3 + ["second"] * 6 + ["third"] * 10
    ranked = sorted(Standing.objects.filter(quiz=quiz2020, disqualified=False), key=ranking)
    assert [row.standing.pk for row in rows][:19] == [s.pk for s in ranked[:19]]


def test_2020_review_list_two_flagged_one_disqualified(quiz2020):
    people = {u.pk: int(u.username.rsplit("-", 1)[1]) for u in User.objects.filter(
        username__startswith="demo-quiz-taker-")}
    flagged = list(selectors.flagged_attempts(quiz2020))
    assert len(flagged) == 2
    assert all(a.flags == ["too_fast"] and people[a.person_id] in Q.FAST_TAKERS for a in flagged)
    assert all(a.time_used_ms < 40_000 for a in flagged)
    out = Attempt.objects.get(quiz=quiz2020, review="disqualified")
    assert people[out.person_id] == Q.DISQUALIFIED_TAKER and out.reviewed_by.username == "hebei-reviewer"
    assert Standing.objects.get(quiz=quiz2020, person_id=out.person_id).disqualified
    assert out.person_id not in {r.person_id for r in leaderboard.top(quiz2020, n=200)}
    # Nobody else is flagged: a normal pace is more than two seconds a question.
    assert Attempt.objects.filter(quiz=quiz2020).exclude(flags=[]).count() == 3


def test_2020_takers_are_public_people_from_across_hebei(quiz2020, org):
    hebei = org("河北省")
    registrations = list(Registration.objects.filter(quiz=quiz2020).select_related("person__public_profile"))
    assert len(registrations) == Q.TAKERS
    for registration in registrations:
        profile = registration.person.public_profile
        assert profile.phone.startswith("1360001") and profile.name.startswith("演示答题者")
        assert registration.person.is_demo and not registration.person.has_usable_password()
        assert registration.province_code == "130000" and registration.division_id.startswith("13")
        assert registration.created_at < quiz2020.closes_at
    assert len({r.display_name for r in registrations}) >= Q.TAKERS * 0.6  # varied names
    assert len({r.city_code for r in registrations}) >= 8
    schools = Counter(r.school_name for r in registrations)
    organizations = set(Organization.objects.filter(path__startswith=hebei.path, kind="school")
                        .values_list("name", flat=True))
    assert len(schools) >= 10 and len(set(schools) & organizations) >= 8
    assert set(schools) - organizations  # and schools typed by name


# --- the live campaign's quizzes ------------------------------------------------------------

def test_the_live_quiz_is_open_now_with_takers(live):
    quiz = open_quiz(live)
    now = timezone.now()
    zone = timezone.get_current_timezone()
    today = timezone.localdate()
    assert services.open_refusal(quiz) is None
    assert quiz.opens_at == datetime.combine(today - timedelta(days=1), time(9, 0), zone)
    assert quiz.closes_at == datetime.combine(live.ends_on + timedelta(days=1), time(0, 0), zone)
    assert (quiz.audience, quiz.asks_region, quiz.asks_school, quiz.seconds_per_question,
            quiz.scored_attempts_per_day, quiz.practice_enabled) == ("public", True, False, 20, 3, True)
    assert list(quiz.draw_rules.values_list("kind", "count")) == [("true_false", 4), ("single", 4), ("multiple", 2)]
    attempts = list(Attempt.objects.filter(quiz=quiz))
    assert all(a.status == "finished" and quiz.opens_at <= a.started_at and a.finished_at < now for a in attempts)
    assert {timezone.localtime(a.started_at).date() for a in attempts} <= {today, today - timedelta(days=1)}
    standings = Standing.objects.filter(quiz=quiz)
    assert len(Q.LIVE_TAKERS) - 2 <= standings.count() == len({a.person_id for a in attempts})
    board = leaderboard.top(quiz, n=50)
    assert [r.person_id for r in board] == [s.person_id for s in sorted(standings, key=ranking)]
    assert Attempt.objects.filter(quiz=quiz, review="flagged").count() == 1


def test_a_new_person_can_take_the_live_quiz(live):
    quiz = open_quiz(live)
    person = User.objects.create(username="quiz-newcomer")
    Profile.objects.create(user=person, phone="13900000077", consent_at=timezone.now())
    with pytest.raises(services.NeedsRegistration):
        services.start_attempt(quiz, person)
    services.register(quiz, person, display_name="新来的", division=Division.objects.get(code="130100"))
    attempt = services.start_attempt(quiz, person)
    assert (attempt.question_count, attempt.max_score, attempt.is_practice) == (10, 100, False)
    item = services.serve(attempt)
    result = services.answer(attempt, person, position=item.position, option_ids=[item.option_order[0]])
    assert result.remaining == 9


def test_the_coming_quiz_opens_during_the_week(live):
    quiz = Quiz.objects.get(campaign=live, slug=Q.LIVE_COMING["slug"])
    assert quiz.status == "published" and services.open_refusal(quiz).startswith("答题将于")
    assert live.starts_on <= timezone.localtime(quiz.opens_at).date() <= live.ends_on
    assert timezone.localtime(quiz.closes_at).date() == live.ends_on
    assert not Attempt.objects.filter(quiz=quiz).exists() and quiz.pool.count() >= 200


# --- loading again ----------------------------------------------------------------------------

def snapshot():
    return (
        list(Question.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        list(Quiz.objects.order_by("pk").values_list("pk", "updated_at", "bank_version", "leaderboard_version")),
        list(Attempt.objects.order_by("pk").values_list("pk", "status", "score", "review")),
        list(Standing.objects.order_by("pk").values_list("pk", "attempt_id", "score", "disqualified")),
        Registration.objects.count(), User.objects.count(), Profile.objects.count(),
    )


def test_loading_twice_changes_nothing(quiz2020, live):
    before = snapshot()
    load_demo()
    assert snapshot() == before


def test_the_live_quizzes_are_rebuilt_with_the_live_campaign(quiz2020, live):
    old = list(Quiz.objects.filter(campaign=live).values_list("pk", flat=True))
    reference = list(Attempt.objects.filter(quiz=quiz2020).order_by("pk").values_list("pk", "score"))
    takers = Standing.objects.filter(quiz=open_quiz(live)).count()
    people = User.objects.count()
    later = timezone.localtime() + timedelta(days=3)
    with freeze_time(later):
        load_demo()
        rebuilt = live_campaign()
        assert not Quiz.objects.filter(pk__in=old).exists()
        assert not Attempt.objects.filter(quiz_id__in=old).exists()
        quiz = open_quiz(rebuilt)
        assert services.open_refusal(quiz) is None
        assert Standing.objects.filter(quiz=quiz).count() == takers  # the same people every day
    assert list(Attempt.objects.filter(quiz=quiz2020).order_by("pk").values_list("pk", "score")) == reference
    assert User.objects.count() == people


def test_purging_the_live_campaign_deletes_its_quizzes_first(live, org):
    quizzes = list(Quiz.objects.filter(campaign=live).values_list("pk", flat=True))
    assert len(quizzes) == 2 and Attempt.objects.filter(quiz_id__in=quizzes).exists()
    purge_campaign(live)
    assert not Quiz.objects.filter(pk__in=quizzes).exists()
    assert not Registration.objects.filter(quiz_id__in=quizzes).exists()
    assert Question.objects.filter(organization=org("河北省"), is_demo=True).count() == 245  # the bank stays
    assert User.objects.filter(username=Q.TAKER_USERNAME.format(n=1)).exists()
