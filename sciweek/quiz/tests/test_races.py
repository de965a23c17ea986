"""The quiz's guarantees under concurrency, with threads released together by a barrier
(SQLite file DB and PostgreSQL): a finish fired ten times scores once and sends
attempt_finished once; concurrent answers to one question keep one; answers racing the
finish are in the score or refused, never recorded after it; ten concurrent starts give one
attempt; starts racing for the day's last scored slot never pass the limit; two results of one
person counted at once leave the better one.

Each has an unsafe twin that takes its guard away (a service step patched to the naive version
in the test, or the constraint dropped for the test) and asserts the race is then caught: a
race test that cannot fail proves nothing. Production code has no test switches."""
import copy
import threading
import time
from collections import Counter
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.utils import timezone

from sciweek.core import testing
from sciweek.quiz import bank, services
from sciweek.quiz.models import Attempt, AttemptQuestion, Quiz, Standing

from .core_kit import key_of, make_quiz, taker, wrong_of

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 10
TEN_EACH = [{"kind": "true_false", "count": 3, "points": 10}, {"kind": "single", "count": 3, "points": 10},
            {"kind": "multiple", "count": 2, "points": 10}]


@pytest.fixture(autouse=True)
def _fresh_bank():
    bank.forget()
    yield
    bank.forget()


def rush(work, n=THREADS):
    """Run work(i) in n threads released at once; returns each outcome: the value returned, a
    refusal's code, or "error: …" for a database error that escaped a service."""
    return testing.rush(work, n, refusals=(services.QuizError,), refusal_outcome=lambda refusal: refusal.code)


@contextmanager
def signals():
    """attempt_finished as sent (on commit, from any thread)."""
    sent, lock = Counter(), threading.Lock()

    def on_finished(sender, *, attempt, standing, **kwargs):
        with lock:
            sent[attempt.pk] += 1

    services.attempt_finished.connect(on_finished, dispatch_uid="race.finished")
    try:
        yield sent
    finally:
        services.attempt_finished.disconnect(dispatch_uid="race.finished")


@contextmanager
def without_constraints(*names):
    """The twin's database: these constraints of Attempt dropped for the test, restored after
    (once the rows that break them are gone)."""
    constraints = [c for c in Attempt._meta.constraints if c.name in names]
    assert len(constraints) == len(names)
    with connection.schema_editor() as editor:
        for constraint in constraints:
            editor.remove_constraint(Attempt, constraint)
    try:
        yield
    finally:
        Standing.objects.all().delete()
        Attempt.objects.all().delete()
        with connection.schema_editor() as editor:
            for constraint in constraints:
                editor.add_constraint(Attempt, constraint)


def started(quiz, someone, answered=3):
    """An attempt in progress with its first `answered` questions answered right."""
    attempt = services.start_attempt(quiz, someone)
    for _i in range(answered):
        item = services.serve(attempt)
        services.answer(attempt, someone, position=item.position, option_ids=key_of(quiz, item))
    return attempt


# --- a finish fired ten times ---------------------------------------------------------------

def finish_ten_times(quiz):
    someone = taker()
    attempt = started(quiz, someone, answered=3)
    copies = [Attempt.objects.select_related("quiz").get(pk=attempt.pk) for _i in range(THREADS)]
    with signals() as sent:
        outcomes = rush(lambda i: services.finish(copies[i], someone))
    return attempt, someone, outcomes, sent


@pytest.mark.parametrize("repetition", range(3))
def test_a_finish_fired_ten_times_scores_once(repetition):
    quiz = make_quiz(rules=TEN_EACH)
    attempt, someone, outcomes, sent = finish_ten_times(quiz)
    assert all(isinstance(o, Attempt) for o in outcomes), outcomes
    assert {(o.status, o.score) for o in outcomes} == {(Attempt.Status.FINISHED, 30)}
    assert sent == {attempt.pk: 1}
    standing = Standing.objects.get(quiz=quiz, person=someone)
    assert (standing.attempt_id, standing.score) == (attempt.pk, 30)


def naive_claim(attempt_id, values):
    """The bug the conditional UPDATE prevents: trust the status read before (the caller's
    object said in progress) and write the result unconditionally."""
    return bool(Attempt.objects.filter(pk=attempt_id).update(**values))


def test_without_the_conditional_claim_a_finish_scores_more_than_once(monkeypatch):
    monkeypatch.setattr(services, "_claim", naive_claim)
    quiz = make_quiz(rules=TEN_EACH)
    attempt, _someone, outcomes, sent = finish_ten_times(quiz)
    assert sent[attempt.pk] > 1, "the race test cannot fail, so it proves nothing"


# --- concurrent answers to one question ------------------------------------------------------

def answer_at_once(quiz):
    """Ten answers to the first question at once, with four different choices."""
    someone = taker()
    attempt = services.start_attempt(quiz, someone)
    item = services.serve(attempt)
    choices = [[pk] for pk in item.option_order]
    copies = [Attempt.objects.select_related("quiz").get(pk=attempt.pk) for _i in range(THREADS)]
    outcomes = rush(lambda i: services.answer(copies[i], someone, position=item.position,
                                              option_ids=choices[i % len(choices)]))
    return attempt, item, outcomes


def kept_one(attempt, item, outcomes) -> bool:
    stored = AttemptQuestion.objects.get(pk=item.pk)
    accepted = [o for o in outcomes if isinstance(o, services.AnswerResult)]
    return bool(accepted) and all(o.item.chosen == stored.chosen for o in accepted)


@pytest.mark.parametrize("repetition", range(3))
def test_concurrent_answers_to_one_question_keep_one(repetition):
    quiz = make_quiz(rules=[{"kind": "single", "count": 3, "points": 10}])
    attempt, item, outcomes = answer_at_once(quiz)
    assert set(o if isinstance(o, str) else "ok" for o in outcomes) <= {"ok", "already_answered"}, outcomes
    assert kept_one(attempt, item, outcomes)
    stored = AttemptQuestion.objects.get(pk=item.pk)
    finished = services.finish(Attempt.objects.select_related("quiz").get(pk=attempt.pk), attempt.person)
    assert finished.score == (10 if stored.chosen == item.correct_options else 0)


def naive_record_answer(item, values):
    """The bug: trust the unanswered state read with the sheet and write the answer anyway
    (after a pause, as a loaded server's worker may be descheduled between the two)."""
    time.sleep(0.005)
    return bool(AttemptQuestion.objects.filter(pk=item.pk).update(**values))


def test_without_the_conditional_update_an_answer_is_overwritten(monkeypatch):
    monkeypatch.setattr(services, "_record_answer", naive_record_answer)
    quiz = make_quiz(rules=[{"kind": "single", "count": 3, "points": 10}])
    for _try in range(5):
        if not kept_one(*answer_at_once(quiz)):
            return
    pytest.fail("the race test cannot fail, so it proves nothing")


# --- answers racing the finish ---------------------------------------------------------------

def answers_and_finish(quiz):
    """Every question shown; eight answers (all right) and the finish released together."""
    someone = taker()
    attempt = services.start_attempt(quiz, someone)
    AttemptQuestion.objects.filter(attempt=attempt).update(served_at=timezone.now())
    sheet = list(AttemptQuestion.objects.filter(attempt=attempt).order_by("position"))
    copies = [Attempt.objects.select_related("quiz").get(pk=attempt.pk) for _i in range(len(sheet) + 1)]

    def work(i):
        if i == len(sheet) // 2:  # the finish in the middle of the answers
            return services.finish(copies[i], someone)
        row = sheet[i if i < len(sheet) // 2 else i - 1]
        return services.answer(copies[i], someone, position=row.position, option_ids=key_of(quiz, row))

    outcomes = rush(work, n=len(sheet) + 1)
    return Attempt.objects.get(pk=attempt.pk), outcomes


def nothing_after_the_score(attempt, outcomes) -> bool:
    accepted = sum(1 for o in outcomes if isinstance(o, services.AnswerResult))
    right = AttemptQuestion.objects.filter(attempt=attempt, is_correct=True).count()
    return attempt.score == 10 * right == 10 * accepted


@pytest.mark.parametrize("repetition", range(3))
def test_answers_racing_the_finish_are_scored_or_refused(repetition):
    quiz = make_quiz(rules=TEN_EACH)
    attempt, outcomes = answers_and_finish(quiz)
    assert set(o if isinstance(o, str) else "ok" for o in outcomes) <= {"ok", "attempt_closed"}, outcomes
    assert attempt.status == Attempt.Status.FINISHED
    assert nothing_after_the_score(attempt, outcomes)
    assert not AttemptQuestion.objects.filter(attempt=attempt, answered_at__isnull=True).exists()


def test_without_closing_the_unanswered_first_an_answer_lands_after_the_score(monkeypatch):
    """The twin: the finish no longer closes the unanswered questions before it reads the sheet."""
    monkeypatch.setattr(services, "_close_unanswered", lambda attempt_id, end: None)
    quiz = make_quiz(rules=TEN_EACH)
    for _try in range(8):
        attempt, outcomes = answers_and_finish(quiz)
        if not nothing_after_the_score(attempt, outcomes):
            return
    pytest.fail("the race test cannot fail, so it proves nothing")


# --- concurrent starts ------------------------------------------------------------------------

@pytest.mark.parametrize("practice", [False, True])
def test_ten_concurrent_starts_give_one_attempt(practice):
    quiz = make_quiz()
    someone = taker()
    outcomes = rush(lambda i: services.start_attempt(Quiz.objects.get(pk=quiz.pk), someone, practice=practice))
    assert all(isinstance(o, Attempt) for o in outcomes), outcomes
    assert len({o.pk for o in outcomes}) == 1
    assert Attempt.objects.filter(quiz=quiz, person=someone).count() == 1
    assert AttemptQuestion.objects.filter(attempt=outcomes[0]).count() == 8


def test_without_one_attempt_in_progress_starts_deal_several():
    """The twin: practice starts (no slots, so only this constraint holds them) with the
    constraint dropped."""
    quiz = make_quiz()
    with without_constraints("one_attempt_in_progress"):
        for _try in range(5):
            someone = taker()
            rush(lambda i, someone=someone: services.start_attempt(Quiz.objects.get(pk=quiz.pk), someone,
                                                                   practice=True))
            if Attempt.objects.filter(quiz=quiz, person=someone, status="in_progress").count() > 1:
                return
    pytest.fail("the race test cannot fail, so it proves nothing")


LIMIT = 3


def start_and_finish_until_refused(quiz, someone):
    """Ten tabs of one person, each starting and handing in scored attempts as fast as it can
    until the day's limit refuses it: every start races the others' reads of the slots."""
    def work(i):
        done = 0
        for _round in range(LIMIT * 4):
            try:
                attempt = services.start_attempt(Quiz.objects.get(pk=quiz.pk), someone)
            except services.LimitReached:
                return done
            services.finish(attempt, someone)
            done += 1
        return done

    return rush(work)


@pytest.mark.parametrize("repetition", range(2))
def test_starts_racing_for_the_last_slot_never_pass_the_limit(repetition):
    quiz = make_quiz(scored_attempts_per_day=LIMIT)
    someone = taker()
    outcomes = start_and_finish_until_refused(quiz, someone)
    assert all(isinstance(o, int) for o in outcomes), outcomes
    scored = Attempt.objects.filter(quiz=quiz, person=someone, is_practice=False)
    assert scored.count() == LIMIT
    assert sorted(scored.values_list("day_slot", flat=True)) == list(range(1, LIMIT + 1))


def test_without_the_slot_constraints_the_limit_is_passed():
    """The twin: both slot constraints dropped (each alone holds this race: racers that read the
    same slots pick the same day slot and the same number)."""
    quiz = make_quiz(scored_attempts_per_day=LIMIT)
    with without_constraints("scored_attempt_day_slot", "scored_attempt_number"):
        for _try in range(8):
            someone = taker()
            start_and_finish_until_refused(quiz, someone)
            if Attempt.objects.filter(quiz=quiz, person=someone, is_practice=False).count() > LIMIT:
                return
    pytest.fail("the race test cannot fail, so it proves nothing")


# --- two results of one person counted at once ------------------------------------------------

def closed_uncounted(quiz, someone, right):
    """A scored attempt handed in (score 10 × right) whose counting step has not run yet."""
    attempt = services.start_attempt(quiz, someone)
    for i in range(right + 1):
        item = services.serve(attempt)
        if item is None:
            break
        options = key_of(quiz, item) if i < right else wrong_of(quiz, item)
        services.answer(attempt, someone, position=item.position, option_ids=options)
    return services._close(attempt, timezone.now(), count=False)


def count_at_once(quiz, someone, attempts):
    def work(i):
        with transaction.atomic():
            return services._count(Attempt.objects.select_related("quiz").get(pk=attempts[i].pk))

    return rush(work, n=len(attempts))


@pytest.mark.parametrize("earlier", [False, True])
@pytest.mark.parametrize("repetition", range(2))
def test_two_results_counted_at_once_leave_the_better_one(earlier, repetition):
    """The standing is locked while it is compared and written. Through the services two
    attempts of one person are never open together (one_attempt_in_progress: a new start first
    closes and counts the old one in its own transaction), so this drives the counting step of
    the finish directly, for two handed-in attempts: with no standing yet (both INSERT, one
    meets one_standing_per_person and compares under the lock) and with an earlier, worse one."""
    quiz = make_quiz(rules=TEN_EACH, scored_attempts_per_day=None)
    someone = taker()
    if earlier:
        with transaction.atomic():
            services._count(closed_uncounted(quiz, someone, 1))
    worse, better = closed_uncounted(quiz, someone, 3), closed_uncounted(quiz, someone, 6)
    outcomes = count_at_once(quiz, someone, [worse, better])
    assert not any(isinstance(o, str) for o in outcomes), outcomes
    standing = Standing.objects.get(quiz=quiz, person=someone)
    assert (standing.attempt_id, standing.score) == (better.pk, 60)


def test_without_the_lock_the_worse_result_can_win(monkeypatch):
    """The twin: the standing is compared as read before the counting started (a plain read,
    no lock), so the last writer wins whatever it scored."""
    quiz = make_quiz(rules=TEN_EACH, scored_attempts_per_day=None)
    for _try in range(10):
        someone = taker()
        first = closed_uncounted(quiz, someone, 1)
        with transaction.atomic():
            services._count(first)
        read_before = Standing.objects.get(quiz=quiz, person=someone)
        monkeypatch.setattr(services, "_locked_standing",
                            lambda quiz_id, person_id, read_before=read_before: copy.copy(read_before))
        worse, better = closed_uncounted(quiz, someone, 3), closed_uncounted(quiz, someone, 6)
        count_at_once(quiz, someone, [worse, better])
        monkeypatch.undo()
        if Standing.objects.get(quiz=quiz, person=someone).attempt_id != better.pk:
            return
    pytest.fail("the race test cannot fail, so it proves nothing")
