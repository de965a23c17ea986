"""What a quiz deals from, read once and kept: its pool by (kind, difficulty), its draw rules
and its questions' texts and keys.

A synchronized start (thousands of takers in seconds) must not read the bank per start. These
reads are keyed by the quiz's ``bank_version`` and ``updated_at``, which every service that
changes the pool, the rules or a question in the pool moves (``services._touch``), so a change
is seen at once by whoever reads the quiz afresh (every request does). They live in this process (a small LRU) and in Django's cache (shared by workers). The
key never leaves the server: only ``services`` and the result pages after an answer read it.
"""
from __future__ import annotations

import copy
import time
from collections import OrderedDict
from threading import Lock

from django.core.cache import cache
from django.db.models import Q

from sciweek.organizations.models import Organization

from .models import DrawRule, Option, Question, QuizQuestion

_LOCAL: OrderedDict = OrderedDict()
_LOCAL_MAX = 64
_LOCK = Lock()


def _stamp(quiz) -> str:
    return f"{quiz.pk}:{quiz.bank_version}:{quiz.updated_at.timestamp() if quiz.updated_at else 0}"


def _kept(name: str, quiz, build):
    key = f"quiz.bank.{name}.{_stamp(quiz)}"
    with _LOCK:
        if key in _LOCAL:
            _LOCAL.move_to_end(key)
            return _LOCAL[key]
    value = cache.get(key)
    if value is None:
        value = build(quiz)
        cache.set(key, value, 3600)
    with _LOCK:
        _LOCAL[key] = value
        while len(_LOCAL) > _LOCAL_MAX:
            _LOCAL.popitem(last=False)
    return value


def forget() -> None:
    """Drop this process's copies (tests)."""
    with _LOCK:
        _LOCAL.clear()
        _QUIZZES.clear()


# The quiz row an answer or a "next question" needs (rules, times, status, its campaign and
# organization): read by every call of a taker, thousands a second at a synchronized start,
# and almost never changed. Kept per process while the stamp the caller read with the attempt
# (updated_at, bank_version, leaderboard_version, status: every service write moves one of
# them) is unchanged, and at most QUIZ_SECONDS (the campaign's and organization's names).
_QUIZZES: OrderedDict = OrderedDict()
QUIZ_SECONDS = 30


def current_quiz(quiz_id: int, stamp: tuple, load):
    """The quiz as this process last loaded it (``load()``: the Quiz with campaign and
    organization) if its stamp is still ``stamp``; a copy, so a caller's changes stay its own."""
    now = time.monotonic()
    with _LOCK:
        kept = _QUIZZES.get(quiz_id)
    if kept is None or kept[0] != stamp or now - kept[1] > QUIZ_SECONDS:
        kept = (stamp, now, load())
        with _LOCK:
            _QUIZZES[quiz_id] = kept
            _QUIZZES.move_to_end(quiz_id)
            while len(_QUIZZES) > _LOCAL_MAX:
                _QUIZZES.popitem(last=False)
    return copy.copy(kept[2])


def usable_by(organization: Organization) -> Q:
    """Questions an organization's quiz may use: its own bank's and its ancestors' (a school
    quiz may deal the province's reviewed questions)."""
    paths = [organization.path[:i] for i in range(Organization.steplen, len(organization.path) + 1,
                                                    Organization.steplen)]
    return Q(organization__path__in=paths)


def _build_pool(quiz) -> dict:
    pool: dict = {}
    for pk, kind, difficulty in QuizQuestion.objects.filter(
            quiz_id=quiz.pk, question__status=Question.Status.APPROVED).values_list(
            "question_id", "question__kind", "question__difficulty").order_by("question_id"):
        pool.setdefault((kind, difficulty), []).append(pk)
    return pool


def pool(quiz) -> dict[tuple[str, int], list[int]]:
    """Approved question ids in the quiz's pool, by (kind, difficulty)."""
    return _kept("pool", quiz, _build_pool)


def pool_counts(quiz) -> dict[tuple[str, int], int]:
    return {key: len(ids) for key, ids in _build_pool(quiz).items()}


def _build_rules(quiz) -> list[dict]:
    return list(DrawRule.objects.filter(quiz_id=quiz.pk).order_by("position", "id").values(
        "kind", "difficulty", "count", "points"))


def rules(quiz) -> list[dict]:
    return _kept("rules", quiz, _build_rules)


def _build_questions(quiz) -> dict:
    data = {}
    ids = QuizQuestion.objects.filter(quiz_id=quiz.pk).values_list("question_id", flat=True)
    for question in Question.objects.filter(pk__in=ids).only("pk", "kind", "stem", "explanation", "difficulty"):
        data[question.pk] = {"kind": question.kind, "stem": question.stem, "explanation": question.explanation,
                             "difficulty": question.difficulty, "options": [], "key": []}
    for option in Option.objects.filter(question_id__in=list(data)).order_by("question_id", "position", "id"):
        entry = data[option.question_id]
        entry["options"].append({"id": option.pk, "text": option.text})
        if option.is_correct:
            entry["key"].append(option.pk)
    return data


def question_data(quiz) -> dict[int, dict]:
    """{question id: {kind, stem, explanation, difficulty, options: [{id, text}], key: [ids]}}."""
    return _kept("questions", quiz, _build_questions)


def question_info(quiz, question_id: int) -> dict:
    """One question's data, also when it has left the pool since it was dealt."""
    data = question_data(quiz).get(question_id)
    if data is not None:
        return data
    question = Question.objects.get(pk=question_id)
    options = list(question.options.order_by("position", "id"))
    return {"kind": question.kind, "stem": question.stem, "explanation": question.explanation,
            "difficulty": question.difficulty, "options": [{"id": o.pk, "text": o.text} for o in options],
            "key": [o.pk for o in options if o.is_correct]}
