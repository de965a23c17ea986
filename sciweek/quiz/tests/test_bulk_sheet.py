"""services.record_sheet (a sitting's answers recorded at once, as the demo plays its takers)
against the real flow: the same dealt sheet answered at the same times one by one through
serve() and answer() ends in the same rows, score, correct count, time used, standing, flags,
signals and rank. Two quizzes on one bank, the second attempt's sheet a copy of the first's, so
both deal the same questions in the same option order."""
from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sciweek.quiz import bank, leaderboard, services
from sciweek.quiz.models import Attempt, AttemptQuestion, Standing

from .core_kit import make_questions, make_quiz, taker

pytestmark = pytest.mark.django_db
LIMIT = 30  # seconds per question (core_kit's quizzes)
ROW_FIELDS = ("position", "question_id", "served_at", "answered_at", "chosen", "is_correct", "in_time")


@pytest.fixture(autouse=True)
def _fresh_bank():
    bank.forget()
    yield
    bank.forget()


@pytest.fixture
def sent():
    log = {"finished": [], "standing": []}

    def on_finished(sender, *, attempt, standing, **kwargs):
        log["finished"].append((attempt.quiz_id, attempt.pk, standing.pk if standing else None))

    def on_standing(sender, *, quiz, standing, removed, **kwargs):
        log["standing"].append((quiz.pk, standing.person_id, standing.score, removed))

    services.attempt_finished.connect(on_finished, dispatch_uid="test.bulk.finished")
    services.standing_changed.connect(on_standing, dispatch_uid="test.bulk.standing")
    yield log
    services.attempt_finished.disconnect(dispatch_uid="test.bulk.finished")
    services.standing_changed.disconnect(dispatch_uid="test.bulk.standing")


def sheet_of(attempt) -> list[AttemptQuestion]:
    return list(AttemptQuestion.objects.filter(attempt=attempt).order_by("position"))


def twin_quizzes(**fields):
    """Two quizzes with the same rules on the same bank."""
    questions = make_questions(make_quiz().organization)
    return make_quiz(questions=questions, **fields), make_quiz(questions=questions, **fields)


def same_deal(model: Attempt, copy: Attempt) -> None:
    """Give `copy` the sheet dealt to `model` (questions, option order, key, points)."""
    AttemptQuestion.objects.filter(attempt=copy).delete()  # (attempt, question) is unique: no swapping in place
    AttemptQuestion.objects.bulk_create(
        AttemptQuestion(attempt=copy, question_id=dealt.question_id, position=dealt.position,
                        option_order=dealt.option_order, correct_options=dealt.correct_options, points=dealt.points)
        for dealt in sheet_of(model))


def choice(item, how: str) -> list[int]:
    key = sorted(item.correct_options)
    if how in ("right", "late"):
        return key
    if len(key) > 1:
        return key[:1]  # multiple choice: one of the keys only
    return [next(pk for pk in item.option_order if pk not in key)]


def timeline(sheet, plan, start):
    """[(position, served_at, answered_at or None, options)] of a plan [(how, seconds to think)],
    how being right, wrong, late (after its time and grace: kept, not counted) or timeout."""
    now, steps = start + timedelta(seconds=1), []
    for item, (how, think) in zip(sheet, plan, strict=False):
        if how == "timeout":
            steps.append((item.position, now, None, []))
            now += timedelta(seconds=LIMIT + 3)  # the next serve finds its time over
            continue
        if how == "late":
            think = LIMIT + services.ANSWER_GRACE.total_seconds() + 1
        steps.append((item.position, now, now + timedelta(seconds=think), choice(item, how)))
        now += timedelta(seconds=think + 1.5)
    return steps, now


def one_by_one(attempt, person, steps, end, finished_at):
    """The reference: what a taker's requests do, serve then answer, at those times."""
    for position, served_at, answered_at, options in steps:
        item = services.serve(attempt, now=served_at)
        assert (item.position, item.served_at) == (position, served_at)
        if answered_at is not None:
            services.answer(attempt, person, position=position, option_ids=options, now=answered_at)
    if len(steps) == attempt.question_count:
        assert services.serve(attempt, now=end) is None  # the last one missed (if it ran out), nothing left
    return services.finish(attempt, person, now=finished_at)


def in_bulk(attempt, steps, finished_at):
    return services.record_sheet(attempt, [
        services.SheetAnswer(position, served_at=served_at, answered_at=answered_at, option_ids=options)
        for position, served_at, answered_at, options in steps], finished_at=finished_at)


def outcome(attempt: Attempt):
    attempt = Attempt.objects.get(pk=attempt.pk)
    standing = Standing.objects.filter(quiz_id=attempt.quiz_id, person_id=attempt.person_id).values(
        "attempt_id", "score", "time_used_ms", "finished_at", "disqualified").first()
    if standing is not None:
        standing["this_attempt"] = standing.pop("attempt_id") == attempt.pk
    return {
        "attempt": (attempt.status, attempt.score, attempt.max_score, attempt.correct_count, attempt.time_used_ms,
                    attempt.finished_at, sorted(attempt.flags or []), attempt.review),
        "rows": [tuple(getattr(row, f) for f in ROW_FIELDS) for row in sheet_of(attempt)],
        "standing": standing,
        "rank": leaderboard.rank_of(attempt.quiz_id, attempt.person_id),
    }


PLANS = {
    # every kind of answer, a timeout in the middle, handed in after the last
    "mixed": dict(plan=[("right", 6), ("wrong", 4.5), ("late", 0), ("timeout", 0), ("right", 12.25),
                        ("wrong", 3), ("right", 7), ("right", 9)], quiz={}),
    # the last question runs out: missed, then handed in
    "last_runs_out": dict(plan=[("right", 5)] * 7 + [("timeout", 0)], quiz={}),
    # under a second an answer on a shared phone: too fast, shared device
    "fast_shared_phone": dict(plan=[("right", 0.4)] * 8, quiz={"min_seconds_per_answer": 3,
                                                                 "accounts_per_device": 1}, helper=True),
    # three answers, then walked away: closed (expired) at its deadline as it stood
    "walked_away": dict(plan=[("right", 5), ("wrong", 5), ("right", 5)], quiz={}, walk_away=True),
}


@pytest.mark.parametrize("name", list(PLANS))
def test_a_sheet_recorded_at_once_is_scored_as_answered_one_by_one(name, sent, django_capture_on_commit_callbacks):
    spec = PLANS[name]
    one_quiz, bulk_quiz = twin_quizzes(**spec["quiz"])
    person = taker()
    start = timezone.now().replace(microsecond=0) - timedelta(minutes=30)
    if spec.get("helper"):  # someone else already took both quizzes on that phone
        helper = taker()
        for quiz in (one_quiz, bulk_quiz):
            with django_capture_on_commit_callbacks(execute=True):
                services.finish(services.start_attempt(quiz, helper, device_id="phone-7", now=start), helper,
                                now=start + timedelta(seconds=5))
    sent["finished"].clear()
    sent["standing"].clear()
    first = services.start_attempt(one_quiz, person, device_id="phone-7", now=start)
    second = services.start_attempt(bulk_quiz, person, device_id="phone-7", now=start)
    same_deal(first, second)
    steps, end = timeline(sheet_of(first), spec["plan"], start)
    finished_at = first.deadline_at + timedelta(minutes=3) if spec.get("walk_away") else end + timedelta(seconds=1)

    with django_capture_on_commit_callbacks(execute=True):
        one_by_one(first, person, steps, end, finished_at)
    with django_capture_on_commit_callbacks(execute=True):
        in_bulk(second, steps, finished_at)

    expected, got = outcome(first), outcome(second)
    assert got == expected
    # The plans say what the two agree on.
    status, score, _max, correct, used, *_rest = got["attempt"]
    if name == "mixed":
        assert (correct, score) == (4, sum(r.points for r in sheet_of(second) if r.is_correct))
        late, missed = got["rows"][2], got["rows"][3]
        assert late[4:] == (late[4], False, False) and late[4] == sorted(sheet_of(second)[2].correct_options)
        assert missed[3] == missed[2] + timedelta(seconds=LIMIT) and missed[4:] == ([], False, False)
    if name == "last_runs_out":
        assert correct == 7 and got["rows"][7][3] == got["rows"][7][2] + timedelta(seconds=LIMIT)
    if name == "fast_shared_phone":
        assert got["attempt"][6] == ["shared_device", "too_fast"] and got["attempt"][7] == "flagged"
        helper_attempts = Attempt.objects.filter(person=helper).values_list("quiz_id", "flags")
        assert sorted(helper_attempts) == sorted([(one_quiz.pk, ["shared_device"]), (bulk_quiz.pk, ["shared_device"])])
    if name == "walked_away":
        assert status == Attempt.Status.EXPIRED and got["attempt"][5] == second.deadline_at
        assert used == int((second.deadline_at - start).total_seconds() * 1000)
        assert [r[3] for r in got["rows"][3:]] == [second.deadline_at] * 5  # closed unanswered at the deadline
    assert got["standing"] is not None and got["standing"]["this_attempt"]
    assert got["rank"]["all"] == (1, 2 if spec.get("helper") else 1)
    # Each scored once, each standing announced once, in the same words.
    assert [(q == one_quiz.pk, s is not None) for q, _a, s in sent["finished"]] == [(True, True), (False, True)]
    assert [row[0] for row in sent["standing"]] == [one_quiz.pk, bulk_quiz.pk]
    assert sent["standing"][0][1:] == sent["standing"][1][1:] == (person.pk, got["attempt"][1], False)


def test_the_recorded_sheet_keeps_to_the_rules_of_answer():
    quiz = make_quiz()
    person = taker()
    start = timezone.now().replace(microsecond=0) - timedelta(minutes=30)
    attempt = services.start_attempt(quiz, person, now=start)
    sheet = sheet_of(attempt)
    steps, end = timeline(sheet, [("right", 5)] * len(sheet), start)
    answers = [services.SheetAnswer(p, served_at=s, answered_at=a, option_ids=o) for p, s, a, o in steps]

    def refused(error, changed_answers, finished_at=end):
        with pytest.raises(error):
            services.record_sheet(attempt, changed_answers, finished_at=finished_at)
        assert all(row.answered_at is None and row.served_at is None for row in sheet_of(attempt))  # nothing kept

    def but(i, **changed):
        return [*answers[:i], replace(answers[i], **changed), *answers[i + 1:]]

    refused(services.BadAnswer, but(0, option_ids=[-1]))  # an option the question does not have
    refused(services.BadAnswer, but(0, option_ids=[]))  # nothing chosen
    single = next(i for i, row in enumerate(sheet) if len(row.correct_options) == 1)
    refused(services.BadAnswer, but(single, option_ids=list(sheet[single].option_order[:2])))  # two on a single choice
    refused(ValueError, answers[1:])  # not from the first unanswered question on
    refused(ValueError, but(0, answered_at=answers[0].served_at - timedelta(seconds=1)))  # answered before shown
    refused(ValueError, but(1, served_at=answers[0].served_at))  # shown before the one before was answered
    refused(services.TooLate, but(len(answers) - 1, answered_at=attempt.deadline_at))  # answer() refuses it too
    done = services.record_sheet(attempt, answers, finished_at=end)
    assert (done.status, done.correct_count, done.score) == (Attempt.Status.FINISHED, len(sheet), done.max_score)
    with pytest.raises(services.AttemptClosed):
        services.record_sheet(done, answers, finished_at=end)


def test_recording_a_sheet_costs_the_same_statements_whatever_its_length():
    counts = {}
    for kinds in ({"true_false": 1, "single": 1}, {"true_false": 7, "single": 7, "multiple": 6}):
        rules = [{"kind": kind, "count": n, "points": 5} for kind, n in kinds.items()]
        quiz = make_quiz(rules=rules, bank_counts={"true_false": 8, "single": 8, "multiple": 7})
        person = taker()
        start = timezone.now().replace(microsecond=0) - timedelta(minutes=30)
        attempt = services.start_attempt(quiz, person, now=start)
        sheet = sheet_of(attempt)
        steps, end = timeline(sheet, [("right", 5)] * len(sheet), start)
        bank.question_data(quiz)  # warm, as in the demo (one read per quiz and process)
        with CaptureQueriesContext(connection) as queries:
            done = in_bulk(attempt, steps, end)
        assert done.correct_count == len(sheet) == sum(kinds.values())
        counts[len(sheet)] = len(queries)
    # The locked sheet and its one UPDATE, then the finish: close the unanswered, read the rows,
    # claim, the standing (read locked, the registration, INSERT); 6 of them are savepoints.
    assert counts[2] == counts[20] <= 14, counts
