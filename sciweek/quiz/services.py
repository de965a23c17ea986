"""Every write of the quiz: the question bank and its review, quizzes and their rules, and an
attempt's life (start, serve, answer, finish, expire), the standing it leaves, integrity flags.

What must hold under any interleaving is held by the database (see models), on PostgreSQL and
on SQLite alike (there ``select_for_update`` is a no-op, but every transaction is ``BEGIN
IMMEDIATE``, so writers queue for the one write lock):

- a double-clicked start meets ``one_attempt_in_progress`` (the loser returns the winner's
  attempt);
- two starts racing for the day's last scored attempt meet ``scored_attempt_day_slot`` (and the
  total limit ``scored_attempt_number``): a scored attempt takes the slot after the highest one
  taken and never a slot above the limit, so distinct slots in ``1..limit`` are at most
  ``limit`` attempts whatever the interleaving;
- a question is answered by a conditional UPDATE on ``answered_at IS NULL`` (``_record_answer``):
  one answer per question, the first one;
- finishing first closes every unanswered question of the attempt as missed (the same kind of
  conditional UPDATE, so an answer arriving at the same moment is either in the score or
  refused, never recorded after it), then scores the attempt by a conditional UPDATE on
  ``status = 'in_progress'`` (``_claim``; ``attempt_scored_once_when_final`` forbids a final
  attempt without its score): a finish fired ten times scores once and ``attempt_finished``
  is sent once;
- the standing (one per person and quiz) is read locked before it is compared and written
  (``_locked_standing``), so the best result wins whatever order attempts are counted in.
"""
from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, OuterRef, Subquery
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from sciweek.accounts import policy
from sciweek.accounts.audit import record
from sciweek.core.query_templates import RawTemplate

from . import bank, selectors
from .models import (
    Attempt,
    AttemptQuestion,
    DrawRule,
    Option,
    Question,
    Quiz,
    QuizQuestion,
    Registration,
    Standing,
    new_certificate_code,
)

logger = logging.getLogger(__name__)

A = Attempt.Status
ANSWER_GRACE = timedelta(seconds=2)  # network time between the server's clock and the tap
SERVE_GRACE = timedelta(seconds=3)  # per question, in the attempt's overall deadline
ERASED_NAME = "已注销"  # a registration's name once its person erased their data (data, not UI)

# An attempt was scored (exactly once, on commit). kwargs: attempt, standing (None for practice
# or when this attempt does not count)
attempt_finished = Signal()
# A standing changed or left the ranking (leaderboards follow). kwargs: quiz, standing, removed
# (True when the person is out of every ranking: disqualified or erased)
standing_changed = Signal()


class QuizError(Exception):
    """A refusal the taker or organizer should read (localized); ``code`` for the API."""

    status = 409
    code = "refused"


class NotOpen(QuizError):
    code = "quiz_not_open"


class LimitReached(QuizError):
    code = "attempt_limit"


class NeedsRegistration(QuizError):
    """The person must register (region, school) first: a state to resolve, not bad input
    (409, as the API has always answered it)."""

    code = "registration_required"


class AttemptClosed(QuizError):
    code = "attempt_closed"


class TooLate(QuizError):
    code = "too_late"


class AlreadyAnswered(QuizError):
    code = "already_answered"


class BadAnswer(QuizError):
    status = 422
    code = "invalid"


class NotFound(QuizError):
    status = 404
    code = "not_found"


class Misconfigured(QuizError):
    code = "quiz_misconfigured"


class AttemptInProgress(QuizError):
    """A practice asked for while a scored attempt is still open (finish that one first)."""

    code = "refused"


# --- the question bank --------------------------------------------------------------------

@dataclass(frozen=True)
class OptionIn:
    text: str
    correct: bool


def question_problems(kind: str, stem: str, options: list[OptionIn]) -> list[str]:
    """The rules a question must meet, as localized messages (form, Excel import and API)."""
    problems = []
    if not stem.strip():
        problems.append(_("请填写题干。"))
    elif len(stem) > 500:
        problems.append(_("题干不能超过 500 字。"))
    texts = [o.text.strip() for o in options]
    if any(not t for t in texts):
        problems.append(_("选项不能为空。"))
    if any(len(t) > 200 for t in texts):
        problems.append(_("每个选项不能超过 200 字。"))
    if len({t for t in texts if t}) != len([t for t in texts if t]):
        problems.append(_("选项不能重复。"))
    right = sum(1 for o in options if o.correct)
    if kind == Question.Kind.TRUE_FALSE:
        if len(options) != 2 or right != 1:
            problems.append(_("判断题有“正确”“错误”两个选项，其中一个是答案。"))
    elif kind == Question.Kind.SINGLE:
        if not 2 <= len(options) <= 6:
            problems.append(_("单选题需要 2 到 6 个选项。"))
        if right != 1:
            problems.append(_("单选题只能有一个正确答案。"))
    elif kind == Question.Kind.MULTIPLE:
        if not 3 <= len(options) <= 8:
            problems.append(_("多选题需要 3 到 8 个选项。"))
        if right < 2:
            problems.append(_("多选题至少要有两个正确答案。"))
        elif right == len(options):
            problems.append(_("多选题不能所有选项都正确。"))
    else:
        problems.append(_("题型不正确。"))
    return problems


def true_false_options(answer_is_true: bool) -> list[OptionIn]:
    return [OptionIn(_("正确"), answer_is_true), OptionIn(_("错误"), not answer_is_true)]


def _touch(quizzes) -> None:
    """The cached bank reads of these quizzes (bank.py) are keyed by bank_version and
    updated_at: move both (a counter, so a frozen or stepped-back clock cannot bring an old key
    back)."""
    Quiz.objects.filter(pk__in=quizzes).update(bank_version=F("bank_version") + 1, updated_at=timezone.now())


def _touch_quizzes_using(question_ids) -> None:
    _touch(QuizQuestion.objects.filter(question_id__in=list(question_ids)).values("quiz_id"))


def _was_dealt(question: Question) -> bool:
    return AttemptQuestion.objects.filter(question_id=question.pk).exists()


@transaction.atomic
def save_question(*, actor, organization, kind: str, stem: str, options: list[OptionIn], explanation: str = "",
                  difficulty: int = 2, topic: str = "", audiences=(), question: Question | None = None,
                  submit: bool = False, source_key: str = "", is_demo: bool = False) -> Question:
    """Write a question (new or edited). An edit of an approved question goes back to review:
    a quiz never deals words no reviewer has read (its pools stop dealing it at once).

    Options are edited in place (their ids stay), because attempts already dealt name them in
    their option order and key; so a question already dealt keeps its kind and does not lose
    options (retire it and write a new one instead)."""
    policy.require(actor, "quiz.question.write", organization)
    problems = question_problems(kind, stem, options)
    if problems:
        raise ValidationError(problems)
    existing = []
    if question is None:
        question = Question(organization=organization, created_by=actor if actor.is_authenticated else None,
                            source_key=source_key, is_demo=is_demo)
    else:
        policy.require(actor, "quiz.question.write", question)
        if question.status == Question.Status.RETIRED:
            raise ValidationError(_("已停用的题目不能修改。"))
        existing = list(question.options.order_by("position", "id"))
        if (kind != question.kind or len(options) < len(existing)) and _was_dealt(question):
            raise ValidationError(_("这道题已被抽入答卷，不能修改题型或减少选项；如需修改，请停用后另建新题。"))
    question.kind, question.stem, question.explanation = kind, stem.strip(), explanation.strip()
    question.difficulty, question.topic, question.audiences = int(difficulty), topic.strip(), list(audiences)
    if question.pk and question.status == Question.Status.APPROVED:
        question.status = Question.Status.SUBMITTED
    if submit and question.status in (Question.Status.DRAFT, Question.Status.RETURNED):
        question.status = Question.Status.SUBMITTED
    question.save()
    changed = []
    for i, (option, given) in enumerate(zip(existing, options, strict=False)):
        if (option.text, option.is_correct, option.position) != (given.text.strip(), given.correct, i):
            option.text, option.is_correct, option.position = given.text.strip(), given.correct, i
            changed.append(option)
    if changed:
        Option.objects.bulk_update(changed, ["text", "is_correct", "position"])
    if len(existing) > len(options):
        Option.objects.filter(pk__in=[o.pk for o in existing[len(options):]]).delete()
    Option.objects.bulk_create(Option(question=question, text=o.text.strip(), is_correct=o.correct, position=i)
                               for i, o in enumerate(options) if i >= len(existing))
    _touch_quizzes_using([question.pk])
    return question


def submit_questions(questions, *, actor) -> tuple[int, int]:
    """Submit drafts and returned questions for review, many at once (the bank's bulk
    submission): each must be the actor's to write (policy, per question) and meet the question
    rules; one that does not meet them is left as it is. Returns (submitted, failed); a question
    in another state by now is neither.

    Pass the questions with their organization and options loaded (select_related,
    prefetch_related): the checks then read nothing, and the write is one conditional UPDATE
    whatever the count (save_question per question cost five statements each)."""
    ready, failed = [], 0
    for question in questions:
        policy.require(actor, "quiz.question.write", question)
        options = [OptionIn(o.text, o.is_correct) for o in question.options.all()]
        if question_problems(question.kind, question.stem, options):
            failed += 1
        else:
            ready.append(question.pk)
    if not ready:
        return 0, failed
    with transaction.atomic():
        submitted = Question.objects.filter(
            pk__in=ready, status__in=[Question.Status.DRAFT, Question.Status.RETURNED]).update(
            status=Question.Status.SUBMITTED, updated_at=timezone.now())
        _touch_quizzes_using(ready)
    return submitted, failed


def review_questions(questions, *, actor, approve: bool, note: str = "") -> int:
    """Approve or return submitted questions (a reviewer above or at the bank's organization).
    Returns how many moved; questions in another state are left as they are."""
    ids, organization = [], None
    for question in questions:
        policy.require(actor, "quiz.question.review", question)
        ids.append(question.pk)
        organization = organization or question.organization  # the bank's, for the audit log
    if not approve and not note.strip():
        raise ValidationError(_("退回时请写明原因。"))
    with transaction.atomic():
        moved = Question.objects.filter(pk__in=ids, status=Question.Status.SUBMITTED).update(
            status=Question.Status.APPROVED if approve else Question.Status.RETURNED, review_note=note.strip()[:255],
            reviewed_by=actor, reviewed_at=timezone.now(), updated_at=timezone.now())
        _touch_quizzes_using(ids)
        facts = {"actor": actor, "organization": organization,
                 "summary": _("%(n)s 道题") % {"n": moved}, "detail": {"ids": ids[:500]}}
        if approve:  # literal actions: the audit-label check reads them
            record("quiz.questions_approved", **facts)
        else:
            record("quiz.questions_returned", **facts)
    return moved


def retire_question(question: Question, *, actor) -> None:
    policy.require(actor, "quiz.question.write", question)
    with transaction.atomic():
        Question.objects.filter(pk=question.pk).update(status=Question.Status.RETIRED, updated_at=timezone.now())
        _touch_quizzes_using([question.pk])
    question.status = Question.Status.RETIRED


# --- quizzes ------------------------------------------------------------------------------

def rule_problems(quiz: Quiz) -> list[str]:
    """What stops a quiz from being dealt: each draw rule needs enough approved questions."""
    problems = []
    rules = list(quiz.draw_rules.all())
    if not rules:
        problems.append(_("请至少设置一条抽题规则。"))
    available = bank.pool_counts(quiz)
    for rule in rules:
        have = sum(n for (kind, difficulty), n in available.items()
                   if kind == rule.kind and (rule.difficulty is None or difficulty == rule.difficulty))
        if have < rule.count:
            problems.append(_("%(rule)s需要 %(need)s 道已审核通过的题，题库中只有 %(have)s 道。") % {
                "rule": rule_label(rule), "need": rule.count, "have": have})
    if quiz.seconds_per_question is None and quiz.seconds_per_attempt is None:
        problems.append(_("请设置每题限时或每次答题限时。"))
    return problems


def rule_label(rule: DrawRule) -> str:
    if rule.difficulty:
        return _("%(kind)s（%(difficulty)s）") % {"kind": rule.get_kind_display(),
                                                 "difficulty": rule.get_difficulty_display()}
    return str(rule.get_kind_display())


@transaction.atomic
def save_quiz(quiz: Quiz, *, actor, rules: list[dict] | None = None) -> Quiz:
    """Create or edit a quiz and (when given) replace its draw rules: [{kind, difficulty, count, points}]."""
    policy.require(actor, "quiz.manage", quiz.organization)
    if quiz.pk:
        policy.require(actor, "quiz.manage", Quiz.objects.select_related("organization").get(pk=quiz.pk))
    if quiz.closes_at <= quiz.opens_at:
        raise ValidationError(_("结束时间必须晚于开始时间。"))
    if quiz.created_by_id is None and actor.is_authenticated:
        quiz.created_by = actor
    quiz.save()
    if rules is not None:
        quiz.draw_rules.all().delete()
        DrawRule.objects.bulk_create(DrawRule(quiz=quiz, position=i, kind=r["kind"], difficulty=r.get("difficulty"),
                                              count=r["count"], points=r.get("points", 5))
                                     for i, r in enumerate(rules))
    _touch([quiz.pk])
    quiz.refresh_from_db(fields=["bank_version", "updated_at"])
    if quiz.status == Quiz.Status.PUBLISHED:
        problems = rule_problems(quiz)
        if problems:
            raise ValidationError(problems)
    return quiz


def set_pool(quiz: Quiz, questions, *, actor) -> int:
    """Put approved questions into a quiz's pool (those the quiz's organization may use: its own
    bank's and its ancestors' banks). Returns how many were added."""
    policy.require(actor, "quiz.manage", quiz)
    usable = Question.objects.filter(pk__in=[q.pk for q in questions], status=Question.Status.APPROVED).filter(
        bank.usable_by(quiz.organization))
    with transaction.atomic():
        existing = set(quiz.pool.values_list("question_id", flat=True))
        new = [QuizQuestion(quiz=quiz, question_id=pk) for pk in usable.values_list("pk", flat=True)
               if pk not in existing]
        QuizQuestion.objects.bulk_create(new, ignore_conflicts=True)
        _touch([quiz.pk])
    return len(new)


def remove_from_pool(quiz: Quiz, question_ids, *, actor) -> int:
    policy.require(actor, "quiz.manage", quiz)
    with transaction.atomic():
        removed, _detail = QuizQuestion.objects.filter(quiz=quiz, question_id__in=list(question_ids)).delete()
        _touch([quiz.pk])
    return removed


def publish_quiz(quiz: Quiz, *, actor) -> None:
    policy.require(actor, "quiz.manage", quiz)
    problems = rule_problems(quiz)
    if problems:
        raise ValidationError(problems)
    Quiz.objects.filter(pk=quiz.pk).update(status=Quiz.Status.PUBLISHED, updated_at=timezone.now())
    quiz.status = Quiz.Status.PUBLISHED
    transaction.on_commit(lambda: selectors.forget_public_quizzes(quiz.campaign_id))  # the portal's 答题 link
    record("quiz.published", actor=actor, organization=quiz.organization, summary=quiz.title)


def withdraw_quiz(quiz: Quiz, *, actor) -> None:
    policy.require(actor, "quiz.manage", quiz)
    Quiz.objects.filter(pk=quiz.pk).update(status=Quiz.Status.WITHDRAWN, updated_at=timezone.now())
    quiz.status = Quiz.Status.WITHDRAWN
    transaction.on_commit(lambda: selectors.forget_public_quizzes(quiz.campaign_id))
    record("quiz.withdrawn", actor=actor, organization=quiz.organization, summary=quiz.title)


# --- taking a quiz ------------------------------------------------------------------------

def open_refusal(quiz: Quiz, now=None) -> str | None:
    """Why a quiz cannot be taken now (None when it can)."""
    now = now or timezone.now()
    if quiz.status == Quiz.Status.WITHDRAWN:
        return _("这个答题活动已撤下。")
    if quiz.status != Quiz.Status.PUBLISHED:
        return _("这个答题活动未发布。")
    if now < quiz.opens_at:
        return _("答题将于 %(when)s 开始。") % {"when": timezone.localtime(quiz.opens_at).strftime("%Y-%m-%d %H:%M")}
    if now >= quiz.closes_at:
        return _("答题已于 %(when)s 结束。") % {"when": timezone.localtime(quiz.closes_at).strftime("%Y-%m-%d %H:%M")}
    return None


def _codes(division) -> tuple[str, str]:
    if division is None:
        return "", ""
    code = division.code
    return code[:2] + "0000", (code[:4] + "00" if code[2:4] != "00" else "")


def register(quiz: Quiz, person, *, display_name: str, division=None, school_name: str = "") -> Registration:
    """Register (or update) where a taker is and their school, as the quiz asks."""
    problems = []
    display_name = display_name.strip()
    school_name = school_name.strip()
    if not display_name:
        problems.append(_("请填写姓名或昵称。"))
    elif len(display_name) > 32:
        problems.append(_("姓名或昵称不能超过 32 个字。"))
    if quiz.asks_region and division is None:
        problems.append(_("请选择所在地区。"))
    if quiz.asks_school and not school_name:
        problems.append(_("请填写学校名称。"))
    if len(school_name) > 64:
        problems.append(_("学校名称不能超过 64 个字。"))
    if problems:
        raise ValidationError(problems)
    province_code, city_code = _codes(division)
    with transaction.atomic():
        registration, _created = Registration.objects.update_or_create(
            quiz=quiz, person=person, defaults={"display_name": display_name, "division": division,
                                                "province_code": province_code, "city_code": city_code,
                                                "school_name": school_name})
        # A registration changes where the standing ranks (the region or school board).
        standing = _locked_standing(quiz.pk, person.pk)
        if standing is not None:
            standing.display_name, standing.province_code = display_name, province_code
            standing.city_code, standing.school_name = city_code, school_name
            standing.save(update_fields=["display_name", "province_code", "city_code", "school_name"])
            _announce(quiz, standing)
    return registration


def registration_missing(quiz: Quiz, registration: Registration | None) -> bool:
    if registration is None:
        return quiz.asks_region or quiz.asks_school
    return (quiz.asks_region and registration.division_id is None) or (quiz.asks_school and not registration.school_name)


def _deadline(quiz: Quiz, count: int, now):
    limits = []
    if quiz.seconds_per_attempt:
        limits.append(now + timedelta(seconds=quiz.seconds_per_attempt))
    if quiz.seconds_per_question:
        limits.append(now + count * (timedelta(seconds=quiz.seconds_per_question) + SERVE_GRACE))
    deadline = min(limits) if limits else quiz.closes_at
    return min(deadline, quiz.closes_at + ANSWER_GRACE)


def _deal(quiz: Quiz, rng: random.Random) -> list[tuple[int, int, list[int], list[int]]]:
    """Draw the questions for one attempt: [(question_id, points, option order, key)], from the
    cached pool (approved questions only) without a query once the bank is warm."""
    pool = bank.pool(quiz)
    questions = bank.question_data(quiz)
    dealt, taken = [], set()
    for rule in bank.rules(quiz):
        candidates = [pk for (kind, difficulty), ids in pool.items()
                      if kind == rule["kind"] and (rule["difficulty"] is None or difficulty == rule["difficulty"])
                      for pk in ids if pk not in taken and pk in questions]
        if len(candidates) < rule["count"]:
            raise Misconfigured(_("题库中的题目不足，答题暂不可用，请联系主办单位。"))
        for pk in rng.sample(candidates, rule["count"]):
            taken.add(pk)
            options = [o["id"] for o in questions[pk]["options"]]
            if questions[pk]["kind"] != Question.Kind.TRUE_FALSE:  # 正确 stays before 错误
                rng.shuffle(options)
            dealt.append((pk, rule["points"], options, list(questions[pk]["key"])))
    if not dealt:
        raise Misconfigured(_("题库中的题目不足，答题暂不可用，请联系主办单位。"))
    rng.shuffle(dealt)
    return dealt


def _practice_hint(quiz: Quiz) -> str:
    return _("可以继续练习（不计分）。") if quiz.practice_enabled else ""


def _resume(current: Attempt, practice: bool, now) -> Attempt | None:
    """The attempt in progress when a start comes in: the same kind is returned (a double click
    or a retry), an overdue one is closed, an open practice gives way to a scored attempt; a
    scored attempt in progress is never closed by a practice start (None: deal a new one)."""
    if now >= current.deadline_at:
        _close(current, now, expired=True)
        return None
    if current.is_practice == practice:
        return current
    if current.is_practice:
        _close(current, now)
        return None
    raise AttemptInProgress(_("您有一次计分答题正在进行，请先完成并交卷，再开始练习。"))


def _start_facts(quiz: Quiz, person, day) -> dict:
    """What a start needs to know, in one query (scalar subqueries on the quiz's row): the
    person's attempt in progress, their highest scored attempt number, today's highest slot and
    their registration (id, division, school)."""
    mine = Attempt.objects.filter(quiz_id=OuterRef("pk"), person_id=person.pk)
    registration = Registration.objects.filter(quiz_id=OuterRef("pk"), person_id=person.pk)
    return Quiz.objects.filter(pk=quiz.pk).values(
        open=Subquery(mine.filter(status=A.IN_PROGRESS).order_by("-pk").values("pk")[:1]),
        last=Subquery(mine.filter(is_practice=False).order_by("-number").values("number")[:1]),
        today=Subquery(mine.filter(is_practice=False, day=day).order_by("-day_slot").values("day_slot")[:1]),
        reg=Subquery(registration.values("pk")[:1]),
        reg_division=Subquery(registration.values("division_id")[:1]),
        reg_school=Subquery(registration.values("school_name")[:1]),
    ).get()


def _open_attempt(quiz: Quiz, person) -> Attempt | None:
    return Attempt.objects.filter(quiz=quiz, person=person, status=A.IN_PROGRESS).first()


def _insert(attempt: Attempt, dealt) -> None:
    """The attempt and its sheet in one transaction; the constraints decide between racers."""
    with transaction.atomic():
        attempt.save(force_insert=True)
        AttemptQuestion.objects.bulk_create(
            AttemptQuestion(attempt=attempt, question_id=pk, position=i + 1, option_order=order,
                            correct_options=key, points=points)
            for i, (pk, points, order, key) in enumerate(dealt))


def start_attempt(quiz: Quiz, person, *, practice: bool = False, ip: str | None = None, device_id: str = "",
                  now=None) -> Attempt:
    """Deal a new attempt, or return the one already in progress (a double-clicked or retried
    start gets the same attempt).

    Queries (bank warm): one read (``_start_facts``), the INSERTs of the attempt and its sheet."""
    now = now or timezone.now()
    refusal = open_refusal(quiz, now)
    if refusal:
        raise NotOpen(refusal)
    if practice and not quiz.practice_enabled:
        raise NotOpen(_("这个答题活动没有练习模式。"))
    day = timezone.localdate(now)
    dealt = None
    registration = None
    for _round in range(3):
        facts = _start_facts(quiz, person, day)
        if facts["open"] is not None:
            current = Attempt.objects.filter(pk=facts["open"]).first()
            if current is not None and current.status == A.IN_PROGRESS:
                kept = _resume(current, practice, now)
                if kept is not None:
                    return kept
        if dealt is None:
            registration = None if facts["reg"] is None else Registration(
                pk=facts["reg"], division_id=facts["reg_division"], school_name=facts["reg_school"])
            if registration_missing(quiz, registration):
                raise NeedsRegistration(_("开始答题前，请先登记所在地区和学校。") if quiz.asks_school
                                        else _("开始答题前，请先登记所在地区。"))
        attempt = Attempt(quiz=quiz, person=person, registration_id=registration.pk if registration else None,
                          is_practice=practice, started_at=now, ip_address=ip or None,
                          device_id=(device_id or "")[:64])
        if not practice:
            number, slot = (facts["last"] or 0) + 1, (facts["today"] or 0) + 1
            if quiz.scored_attempts_total is not None and number > quiz.scored_attempts_total:
                raise LimitReached(_("您的 %(n)s 次计分答题机会已用完。") % {"n": quiz.scored_attempts_total}
                                   + _practice_hint(quiz))
            if quiz.scored_attempts_per_day is not None and slot > quiz.scored_attempts_per_day:
                raise LimitReached(_("今天的计分答题次数已用完，请明天再来。") + _practice_hint(quiz))
            attempt.day, attempt.day_slot, attempt.number = day, slot, number
        if dealt is None:
            dealt = _deal(quiz, random.SystemRandom())
        attempt.deadline_at = _deadline(quiz, len(dealt), now)
        attempt.question_count = len(dealt)
        attempt.max_score = sum(points for _pk, points, _order, _key in dealt)
        try:
            _insert(attempt, dealt)
        except IntegrityError:
            # Another request of this person got there first: a double click (the attempt in
            # progress: returned) or a slot taken by a start that has finished since (read
            # again: the limits answer now).
            current = _open_attempt(quiz, person)
            if current is not None:
                kept = _resume(current, practice, now)
                if kept is not None:
                    return kept
            continue
        return attempt
    raise LimitReached(_("答题的人太多了，请稍后再试。"))


def attempt_of(person, attempt_id) -> Attempt:
    """The person's own attempt (another person's id does not exist for them)."""
    try:
        attempt_id = int(attempt_id)
    except (TypeError, ValueError):
        raise NotFound(_("没有找到这次答题。")) from None
    person_id = getattr(person, "pk", None)
    if person_id is None or not 0 < attempt_id <= MAX_ID:
        raise NotFound(_("没有找到这次答题。"))
    attempt = next(iter(_ATTEMPT.rows(attempt_id, person_id)), None)
    if attempt is None:
        raise NotFound(_("没有找到这次答题。"))
    stamp = (attempt.quiz_stamp_updated, attempt.quiz_stamp_bank, attempt.quiz_stamp_board, attempt.quiz_stamp_status)
    attempt.quiz = bank.current_quiz(attempt.quiz_id, stamp, lambda: Quiz.objects.select_related(
        "campaign", "organization").get(pk=attempt.quiz_id))
    return attempt


MAX_ID = 2**63 - 1


def _attempt_sql(quote) -> str:
    attempt, quiz = Attempt._meta, Quiz._meta
    columns = ", ".join(f"a.{quote(f.column)}" for f in attempt.concrete_fields)
    stamp = ", ".join(f"z.{quote(quiz.get_field(name).column)} AS {alias}" for name, alias in (
        ("updated_at", "quiz_stamp_updated"), ("bank_version", "quiz_stamp_bank"),
        ("leaderboard_version", "quiz_stamp_board"), ("status", "quiz_stamp_status")))
    return (f"SELECT {columns}, {stamp} FROM {quote(attempt.db_table)} a "  # noqa: S608 - names from the models
            f"JOIN {quote(quiz.db_table)} z ON z.{quote(quiz.pk.column)} = a.{quote(attempt.get_field('quiz').column)} "
            f"WHERE a.{quote(attempt.pk.column)} = %s AND a.{quote(attempt.get_field('person').column)} = %s")


# attempt_of's read: the attempt with its quiz's stamp (what says whether the process's copy of
# the quiz is current). Every call of a taker runs it; as a queryset with the quiz, campaign
# and organization joined, building and compiling it cost more Python than the rest of an answer.
_ATTEMPT = RawTemplate(Attempt, _attempt_sql)


def expire_if_overdue(attempt: Attempt, now=None) -> Attempt:
    now = now or timezone.now()
    if attempt.status == A.IN_PROGRESS and now >= attempt.deadline_at:
        return _close(attempt, now, expired=True)
    return attempt


def _sheet_sql(unanswered: bool):
    def write(quote) -> str:
        meta = AttemptQuestion._meta
        columns = ", ".join(quote(f.column) for f in meta.concrete_fields)
        where = f"{quote(meta.get_field('attempt').column)} = %s"
        if unanswered:
            where += f" AND {quote(meta.get_field('answered_at').column)} IS NULL"
        return (f"SELECT {columns} FROM {quote(meta.db_table)} "  # noqa: S608 - names from the model
                f"WHERE {where} ORDER BY {quote(meta.get_field('position').column)}")
    return write


# Every answer and every question served reads the sheet: SQL written once (core.query_templates).
_SHEET = {unanswered: RawTemplate(AttemptQuestion, _sheet_sql(unanswered)) for unanswered in (False, True)}


def _sheet(attempt_id: int, unanswered: bool = False) -> list[AttemptQuestion]:
    """The attempt's dealt rows in position order (only those not answered yet if ``unanswered``)."""
    return _SHEET[unanswered].rows(attempt_id)


def _missed(item_ids, at) -> int:
    """Close unanswered questions as missed (no answer lands on them afterwards)."""
    return AttemptQuestion.objects.filter(pk__in=item_ids, answered_at__isnull=True).update(
        answered_at=at, chosen=[], is_correct=False, in_time=False)


def serve(attempt: Attempt, now=None) -> AttemptQuestion | None:
    """The question to show now: the first one not answered. Showing it starts its clock (once);
    a question whose time ran out unanswered counts as missed and the next one is served.
    None when every question is answered (the taker may finish) or the attempt is closed (its
    time is over, or the quiz was withdrawn: then it is handed in with what was answered).

    Queries: the unanswered rows, and the UPDATE starting the clock of a question shown first."""
    now = now or timezone.now()
    attempt = expire_if_overdue(attempt, now)
    if attempt.status == A.IN_PROGRESS and attempt.quiz.status == Quiz.Status.WITHDRAWN:
        attempt = _close(attempt, now)  # taken offline: handed in with what was answered
    if attempt.is_final:
        return None
    seconds = attempt.quiz.seconds_per_question
    limit = timedelta(seconds=seconds) if seconds else None
    for item in _sheet(attempt.pk, unanswered=True):
        if item.served_at is None:
            if AttemptQuestion.objects.filter(pk=item.pk, served_at__isnull=True).update(served_at=now):
                item.served_at = now
                return item
            item.refresh_from_db(fields=["served_at", "answered_at", "chosen", "is_correct", "in_time"])
            if item.answered_at is not None:
                continue
        if limit is not None and now > item.served_at + limit + ANSWER_GRACE:
            _missed([item.pk], item.served_at + limit)
            continue
        return item
    return None


def shown(attempt: Attempt, item: AttemptQuestion, now=None) -> dict:
    """What a page or the API may show of a served question: its text and options in this
    attempt's order, and its time; never the key (that comes with the answer, AnswerResult)."""
    now = now or timezone.now()
    info = bank.question_info(attempt.quiz, item.question_id)
    texts = {o["id"]: o["text"] for o in info["options"]}
    answer_by = attempt.deadline_at
    if attempt.quiz.seconds_per_question and item.served_at:
        answer_by = min(answer_by, item.served_at + timedelta(seconds=attempt.quiz.seconds_per_question))
    return {"position": item.position, "count": attempt.question_count, "kind": info["kind"],
            "stem": info["stem"], "points": item.points,
            "options": [{"id": pk, "text": texts.get(pk, "")} for pk in item.option_order],
            "answer_by": answer_by, "seconds_left": max(0, int((answer_by - now).total_seconds()))}


@dataclass
class AnswerResult:
    item: AttemptQuestion
    is_correct: bool
    in_time: bool
    correct_options: list[int]
    explanation: str
    remaining: int  # questions not answered yet


def _chosen(option_ids) -> list[int]:
    """The option ids sent, as sorted distinct ints (BadAnswer for anything else)."""
    if option_ids is None:
        return []
    if isinstance(option_ids, (str, int)):
        option_ids = [option_ids]
    chosen = set()
    try:
        for value in option_ids:
            if isinstance(value, bool) or not isinstance(value, (int, str)):
                raise ValueError(value)
            chosen.add(int(value.strip()) if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise BadAnswer(_("选项不存在。")) from None
    return sorted(chosen)


def _record_answer(item: AttemptQuestion, values: dict) -> bool:
    """The one guard of "one answer per question": only a question still unanswered takes it."""
    return bool(AttemptQuestion.objects.filter(pk=item.pk, answered_at__isnull=True).update(**values))


def option_numbers(item: AttemptQuestion, ids) -> list[int]:
    """Option ids as the attempt names them to the taker: 1, 2, 3… in its dealt (shuffled)
    order. Pages and the API never show a database id: ids follow the order the author wrote
    the options in, and authors often write the right one first."""
    order = list(item.option_order)
    return sorted(order.index(pk) + 1 for pk in ids or [] if pk in order)


def _ids_of_numbers(item: AttemptQuestion, numbers) -> list:
    """The option ids that a taker's numbers name; a number that names none becomes an id no
    option has, so the answer is refused as "选项不存在"."""
    if isinstance(numbers, (str, int)):
        numbers = [numbers]
    order = list(item.option_order)
    ids = []
    for number in numbers or []:
        try:
            n = int(number) if not isinstance(number, bool) else None
        except (TypeError, ValueError):
            n = None
        ids.append(order[n - 1] if n is not None and 0 < n <= len(order) else -1)
    return ids


def _check_choice(item: AttemptQuestion, chosen: list[int], kind: str) -> None:
    """BadAnswer unless ``chosen`` (``_chosen``'s sorted ids) is a possible answer to the dealt
    question: something chosen, only its options, one option unless it is multiple choice."""
    if not chosen:
        raise BadAnswer(_("请选择答案。"))
    if not set(chosen) <= set(item.option_order):
        raise BadAnswer(_("选项不存在。"))
    if kind != Question.Kind.MULTIPLE and len(chosen) != 1:
        raise BadAnswer(_("这道题只能选一个答案。"))


def _answer_values(quiz: Quiz, item: AttemptQuestion, chosen: list[int], now) -> dict:
    """What an answer given at ``now`` to a served question records: the one rule of in time
    (within the question's seconds of being shown, plus the network grace) and right (in time
    and exactly the key dealt with the sheet). ``answer`` and ``record_sheet`` both use it."""
    limit = quiz.seconds_per_question
    in_time = not limit or now <= item.served_at + timedelta(seconds=limit) + ANSWER_GRACE
    is_correct = in_time and chosen == sorted(item.correct_options)
    return {"answered_at": now, "chosen": chosen, "is_correct": is_correct, "in_time": in_time}


def answer(attempt: Attempt, person, *, position: int, numbers: list[int] | None = None,
           option_ids: list[int] | None = None, now=None) -> AnswerResult:
    """Record the answer to one question of the person's attempt, once. The same answer sent
    again (a retry) gets the same result; a different one is refused; an answer after the
    question's time is kept but does not count; after the attempt's time it is refused (the
    attempt is closed with what was answered before).

    Takers answer with ``numbers`` (1, 2, 3… in the dealt order, see ``option_numbers``);
    ``option_ids`` (database ids) are for the platform's own callers (the demo, tests).

    Queries: the attempt's sheet (one read), the conditional UPDATE."""
    now = now or timezone.now()
    if attempt.person_id != getattr(person, "pk", None):
        raise NotFound(_("没有找到这次答题。"))
    attempt = expire_if_overdue(attempt, now)
    if attempt.is_final:
        raise (TooLate(_("答题时间已到，本次答题已自动交卷。")) if attempt.status == A.EXPIRED
               else AttemptClosed(_("本次答题已交卷，不能再作答。")))
    if attempt.quiz.status == Quiz.Status.WITHDRAWN:
        _close(attempt, now)
        raise AttemptClosed(_("这个答题活动已撤下，本次答题已按已作答的题目交卷。"))
    try:
        position = int(position)
    except (TypeError, ValueError):
        raise BadAnswer(_("这道题不在本次答题中。")) from None
    sheet = _sheet(attempt.pk)
    item = next((row for row in sheet if row.position == position), None)
    if item is None:
        raise BadAnswer(_("这道题不在本次答题中。"))
    chosen = _chosen(_ids_of_numbers(item, numbers) if numbers is not None else option_ids)
    info = bank.question_info(attempt.quiz, item.question_id)
    _check_choice(item, chosen, info["kind"])
    if item.answered_at is None:
        if item.served_at is None:
            raise BadAnswer(_("请按顺序作答：这道题还没有显示。"))
        values = _answer_values(attempt.quiz, item, chosen, now)
        if _record_answer(item, values):
            for field, value in values.items():
                setattr(item, field, value)
        else:
            item.refresh_from_db(fields=["answered_at", "chosen", "is_correct", "in_time"])
    if item.chosen != chosen:
        if item.chosen == []:  # closed unanswered: its time ran out, or the attempt was handed in
            status = Attempt.objects.filter(pk=attempt.pk).values_list("status", flat=True).first()
            if status == A.FINISHED:
                raise AttemptClosed(_("本次答题已交卷，不能再作答。"))
            if status == A.EXPIRED:
                raise TooLate(_("答题时间已到，本次答题已自动交卷。"))
            raise TooLate(_("这道题的作答时间已过，不再计分。"))
        raise AlreadyAnswered(_("这道题已经作答，不能修改。"))
    remaining = sum(1 for row in sheet if row.answered_at is None and row.pk != item.pk)
    return AnswerResult(item=item, is_correct=bool(item.is_correct), in_time=bool(item.in_time),
                        correct_options=list(item.correct_options), explanation=info["explanation"],
                        remaining=remaining)


@dataclass(frozen=True)
class SheetAnswer:
    """One question of a sheet recorded at once (``record_sheet``): when it was shown and, when
    answered, when and with which options (none: left until its time ran out)."""

    position: int
    served_at: datetime
    answered_at: datetime | None = None
    option_ids: tuple[int, ...] | list[int] = ()


def record_sheet(attempt: Attempt, answers: list[SheetAnswer], *, finished_at) -> Attempt:
    """Record a sitting's answers with their times in one go, then hand the attempt in through
    the normal finish (``_close``: the same score, flags, standing, leaderboards and signals as
    answered one by one). For the platform's own callers (the demo, tests), never a taker's
    request: it plays back what ``serve`` and ``answer`` would have recorded, each answer
    checked and valued by their rules (``_check_choice``, ``_answer_values``); a question left
    unanswered is missed at the end of its time, as ``serve`` misses it. ``answers`` follow the
    sheet from its first unanswered question, each shown after the one before was answered (or
    ran out) and before the attempt's deadline; the rest stay unanswered (closed by the finish).

    Queries: the sheet (read locked), one UPDATE of its rows (``_write_answers``), then the
    finish's."""
    quiz = attempt.quiz
    limit = timedelta(seconds=quiz.seconds_per_question) if quiz.seconds_per_question else None
    if attempt.status != A.IN_PROGRESS:
        raise AttemptClosed(_("本次答题已交卷，不能再作答。"))
    if quiz.status == Quiz.Status.WITHDRAWN:
        raise AttemptClosed(_("这个答题活动已撤下。"))
    with transaction.atomic():
        sheet = list(AttemptQuestion.objects.select_for_update().filter(attempt_id=attempt.pk).order_by("position"))
        pending = [row for row in sheet if row.answered_at is None]
        if [a.position for a in answers] != [row.position for row in pending[:len(answers)]]:
            raise ValueError("record_sheet: answers follow the sheet's order from its first unanswered question")
        ready = max([attempt.started_at, *(row.answered_at for row in sheet if row.answered_at)])
        for i, (given, row) in enumerate(zip(answers, pending, strict=False)):
            row.served_at = row.served_at or given.served_at  # a question's clock starts once
            if row.served_at < ready:
                raise ValueError(f"record_sheet: question {row.position} shown before the one before it was done")
            if max(row.served_at, given.answered_at or row.served_at) >= attempt.deadline_at:  # answer() refuses it
                raise TooLate(_("答题时间已到，本次答题已自动交卷。"))
            if given.answered_at is not None:
                if given.answered_at < row.served_at:
                    raise ValueError(f"record_sheet: question {row.position} answered before it was shown")
                chosen = _chosen(given.option_ids)
                _check_choice(row, chosen, bank.question_info(quiz, row.question_id)["kind"])
                values = _answer_values(quiz, row, chosen, given.answered_at)
                ready = given.answered_at
            elif limit is not None:  # ran out: missed at the end of its time (serve's _missed)
                values = {"answered_at": row.served_at + limit, "chosen": [], "is_correct": False, "in_time": False}
                ready = row.served_at + limit + ANSWER_GRACE
            elif i == len(answers) - 1:  # shown, not answered, no time of its own: the finish closes it
                values = {}
            else:
                raise ValueError(f"record_sheet: question {row.position} has no answer and no time of its own")
            for field, value in values.items():
                setattr(row, field, value)
        if finished_at < ready:
            raise ValueError("record_sheet: handed in before the last answer")
        _write_answers(pending[:len(answers)])
        return _close(attempt, finished_at)


ANSWER_FIELDS = ("served_at", "answered_at", "chosen", "is_correct", "in_time")


def _write_answers(rows: list[AttemptQuestion]) -> None:
    """``bulk_update(rows, ANSWER_FIELDS)``'s one statement (UPDATE … SET f = CASE id WHEN …),
    written directly: Django builds an expression per row and field, a hundred for a sheet of
    twenty, which cost 30 ms where the statement costs 3. The fields' own ``get_db_prep_save``
    adapt the values (JSON, aware datetimes), and PostgreSQL gets the casts bulk_update adds."""
    if not rows:
        return
    quote, meta = connection.ops.quote_name, AttemptQuestion._meta
    pk = quote(meta.pk.column)
    sets, params = [], []
    for name in ANSWER_FIELDS:
        field = meta.get_field(name)
        case = f"CASE {pk}{' WHEN %s THEN %s' * len(rows)} END"
        if connection.features.requires_casted_case_in_updates:
            case = f"CAST({case} AS {field.cast_db_type(connection)})"
        sets.append(f"{quote(field.column)} = {case}")
        for row in rows:
            params += [row.pk, field.get_db_prep_save(getattr(row, name), connection)]
    params += [row.pk for row in rows]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {quote(meta.db_table)} SET {', '.join(sets)} "  # noqa: S608 - names from the model
                       f"WHERE {pk} IN ({', '.join(['%s'] * len(rows))})", params)


def _people_on(quiz: Quiz, **where) -> int:
    return Attempt.objects.filter(quiz=quiz, **where).values("person").distinct().count()


def _flag_the_others(attempt: Attempt, flag: str, **where) -> None:
    """When a device or address crosses the line, the other accounts' scored results from it
    are flagged too (the helpers as well as the winner), once each, unless already reviewed.
    Run after the finish commits, one row at a time: inside it, two finishes on one device
    would each hold their own attempt and wait for the other's (a deadlock)."""
    def flag_them():
        try:
            for pk, flags in Attempt.objects.filter(quiz_id=attempt.quiz_id, is_practice=False, status__in=A.DONE,
                                                    review="", **where).exclude(pk=attempt.pk).values_list(
                                                        "pk", "flags")[:1000]:
                Attempt.objects.filter(pk=pk, review="").update(review=Attempt.Review.FLAGGED,
                                                                flags=sorted({*(flags or []), flag}))
        except DatabaseError:
            logger.warning("quiz attempts on %s not all flagged", where, exc_info=True)

    transaction.on_commit(flag_them)


def _flags(attempt: Attempt, answered: int, time_used_ms: int) -> list[str]:
    """Why an attempt looks wrong (it is flagged for review, never silently dropped or kept):
    an average time per answered question below the quiz's floor; more accounts than the quiz
    allows on one device (ten times that on one address: a school's network shares one)."""
    flags = []
    quiz = attempt.quiz
    if answered and time_used_ms < float(quiz.min_seconds_per_answer) * 1000 * answered:
        flags.append("too_fast")
    limit = quiz.accounts_per_device
    if limit and attempt.device_id and _people_on(quiz, device_id=attempt.device_id) > limit:
        flags.append("shared_device")
        _flag_the_others(attempt, "shared_device", device_id=attempt.device_id)
    if limit and attempt.ip_address and _people_on(quiz, ip_address=attempt.ip_address) > limit * 10:
        flags.append("shared_address")
        _flag_the_others(attempt, "shared_address", ip_address=attempt.ip_address)
    return flags


def _better(a: tuple, b: tuple) -> bool:
    """Is result a ahead of result b? (score, time used, finished at): higher score, then less
    time, then whoever finished first."""
    return (-a[0], a[1], a[2]) < (-b[0], b[1], b[2])


def _claim(attempt_id: int, values: dict) -> bool:
    """The one guard of "scored once": only the call that moves the attempt out of progress scores."""
    return bool(Attempt.objects.filter(pk=attempt_id, status=A.IN_PROGRESS).update(**values))


def finish(attempt: Attempt, person, *, now=None, expired: bool = False) -> Attempt:
    """Hand in the attempt and score it, exactly once: the conditional UPDATE decides which call
    scores; every other call (a double click, a retry, the deadline sweep) reads the result.
    Handed in after its deadline, an attempt is scored as it stood at the deadline (expired)."""
    if attempt.person_id != getattr(person, "pk", None):
        raise NotFound(_("没有找到这次答题。"))
    return _close(attempt, now or timezone.now(), expired=expired)


def _close_unanswered(attempt_id: int, end) -> None:
    """The guard of "nothing after the score": from here on no answer lands on the attempt.
    What is unanswered is missed; an answer racing this statement is either committed before
    it (it waits for the answer's row, then skips it) and so in the score read next, or it
    meets an answered row and is refused."""
    AttemptQuestion.objects.filter(attempt_id=attempt_id, answered_at__isnull=True).update(
        answered_at=end, chosen=[], is_correct=False, in_time=False)


def _close(attempt: Attempt, now, *, expired: bool = False, count: bool = True) -> Attempt:
    if attempt.status != A.IN_PROGRESS:
        return attempt
    if now >= attempt.deadline_at:
        expired, end = True, attempt.deadline_at
    else:
        end = now
    with transaction.atomic():
        _close_unanswered(attempt.pk, end)
        rows = list(AttemptQuestion.objects.filter(attempt_id=attempt.pk).values_list("points", "is_correct", "chosen"))
        values = {"status": A.EXPIRED if expired else A.FINISHED, "finished_at": end,
                  "score": sum(points for points, right, _chosen in rows if right),
                  "correct_count": sum(1 for _points, right, _chosen in rows if right),
                  "time_used_ms": max(0, int((end - attempt.started_at).total_seconds() * 1000))}
        if not _claim(attempt.pk, values):
            return Attempt.objects.select_related("quiz__campaign", "quiz__organization", "registration").get(
                pk=attempt.pk)
        for field, value in values.items():
            setattr(attempt, field, value)
        if not attempt.is_practice:
            answered = sum(1 for _points, _right, chosen in rows if chosen)
            flags = _flags(attempt, answered, values["time_used_ms"])
            if flags:
                Attempt.objects.filter(pk=attempt.pk).update(flags=flags, review=Attempt.Review.FLAGGED)
                attempt.flags, attempt.review = flags, Attempt.Review.FLAGGED
        standing = _count(attempt) if count and not attempt.is_practice else None
        transaction.on_commit(lambda: attempt_finished.send(Attempt, attempt=attempt, standing=standing))
    return attempt


def _locked_standing(quiz_id: int, person_id: int) -> Standing | None:
    """The person's standing, locked until the transaction ends (PostgreSQL; SQLite's writers
    hold the one write lock already), so results are compared and written in turn."""
    return Standing.objects.select_for_update().filter(quiz_id=quiz_id, person_id=person_id).first()


def _where(quiz_id: int, person_id: int) -> dict:
    registration = Registration.objects.filter(quiz_id=quiz_id, person_id=person_id).only(
        "display_name", "province_code", "city_code", "school_name").first()
    if registration is None:
        return {"display_name": "", "province_code": "", "city_code": "", "school_name": ""}
    return {"display_name": registration.display_name, "province_code": registration.province_code,
            "city_code": registration.city_code, "school_name": registration.school_name}


def _counts_over(quiz: Quiz, attempt: Attempt, standing: Standing) -> bool:
    if quiz.score_rule == Quiz.ScoreRule.LAST:
        return attempt.pk > standing.attempt_id  # started later (a person's attempts run one at a time)
    return _better((attempt.score, attempt.time_used_ms, attempt.finished_at),
                   (standing.score, standing.time_used_ms, standing.finished_at))


def _count(attempt: Attempt) -> Standing | None:
    """Let a scored attempt count in the person's standing (best or last, as the quiz says).
    The standing row is locked, so two attempts counted at once compare in turn. A disqualified
    person stays out whatever they score later. Returns the standing when this attempt counts."""
    quiz = attempt.quiz
    standing = _locked_standing(quiz.pk, attempt.person_id)
    if standing is None:
        try:
            with transaction.atomic():
                standing = Standing.objects.create(quiz=quiz, person_id=attempt.person_id, attempt=attempt,
                                                   score=attempt.score, time_used_ms=attempt.time_used_ms,
                                                   finished_at=attempt.finished_at,
                                                   **_where(quiz.pk, attempt.person_id))
        except IntegrityError:
            standing = _locked_standing(quiz.pk, attempt.person_id)
        else:
            _announce(quiz, standing)
            return standing
    if standing.disqualified or not _counts_over(quiz, attempt, standing):
        return None
    standing.attempt, standing.score, standing.time_used_ms = attempt, attempt.score, attempt.time_used_ms
    standing.finished_at = attempt.finished_at
    for field, value in _where(quiz.pk, attempt.person_id).items():
        setattr(standing, field, value)
    standing.save()
    _announce(quiz, standing)
    return standing


def _announce(quiz, standing, removed=False):
    removed = removed or standing.disqualified
    transaction.on_commit(lambda: standing_changed.send(Standing, quiz=quiz, standing=standing, removed=removed))


def close_overdue(now=None, limit: int = 2000) -> int:
    """Score every attempt left open past its deadline, the oldest first, at most ``limit``
    (the sweep a task runs every minute; a taker who comes back is closed on their next
    request anyway). Returns how many this call closed; one that fails (a lock wait that ran
    out) is left for the next sweep."""
    now = now or timezone.now()
    closed = 0
    for attempt in Attempt.objects.filter(status=A.IN_PROGRESS, deadline_at__lte=now).select_related(
            "quiz").order_by("deadline_at")[:limit]:
        try:
            closed += _close(attempt, now, expired=True) is attempt  # this call scored it (not a racer)
        except DatabaseError:
            logger.warning("quiz attempt %s not closed (retried by the next sweep)", attempt.pk, exc_info=True)
    return closed


# --- review of flagged attempts -------------------------------------------------------------

def _recount(quiz: Quiz, person_id: int, standing: Standing) -> None:
    """Rebuild a standing from the person's scored attempts (after a disqualification is lifted)."""
    attempts = Attempt.objects.filter(quiz=quiz, person_id=person_id, is_practice=False, status__in=A.DONE)
    if quiz.score_rule == Quiz.ScoreRule.LAST:
        best = attempts.order_by("-pk").first()
    else:
        best = attempts.order_by("-score", "time_used_ms", "finished_at", "pk").first()
    standing.attempt, standing.score, standing.time_used_ms = best, best.score, best.time_used_ms
    standing.finished_at, standing.disqualified = best.finished_at, False
    for field, value in _where(quiz.pk, person_id).items():
        setattr(standing, field, value)
    standing.save()
    _announce(quiz, standing)


def review_attempt(attempt: Attempt, *, actor, disqualify: bool, note: str = "") -> None:
    """Clear a flagged attempt, or take the person's result out of every ranking (a later
    attempt does not bring them back). Clearing an attempt that had been disqualified lifts
    the disqualification when no other attempt of the person is disqualified."""
    policy.require(actor, "quiz.results", attempt)
    if disqualify and not note.strip():
        raise ValidationError(_("取消成绩时请写明原因。"))
    quiz = attempt.quiz
    with transaction.atomic():
        moved = Attempt.objects.filter(pk=attempt.pk, is_practice=False, status__in=A.DONE).update(
            review=Attempt.Review.DISQUALIFIED if disqualify else Attempt.Review.CLEARED, reviewed_by=actor)
        if not moved:
            raise ValidationError(_("只能核查已交卷的计分答题。"))
        attempt.refresh_from_db()
        standing = _locked_standing(quiz.pk, attempt.person_id)
        if disqualify:
            if standing is None:
                standing = Standing.objects.create(
                    quiz=quiz, person_id=attempt.person_id, attempt=attempt, score=attempt.score,
                    time_used_ms=attempt.time_used_ms, finished_at=attempt.finished_at, disqualified=True,
                    **_where(quiz.pk, attempt.person_id))
            elif not standing.disqualified:
                Standing.objects.filter(pk=standing.pk).update(disqualified=True)
                standing.disqualified = True
            _announce(quiz, standing, removed=True)
        elif standing is not None and standing.disqualified and not Attempt.objects.filter(
                quiz=quiz, person_id=attempt.person_id, review=Attempt.Review.DISQUALIFIED).exists():
            _recount(quiz, attempt.person_id, standing)
        facts = {"actor": actor, "organization": quiz.organization, "summary": note.strip()[:200] or str(attempt.pk),
                 "detail": {"attempt": attempt.pk}}
        if disqualify:
            record("quiz.attempt_disqualified", **facts)
        else:
            record("quiz.attempt_cleared", **facts)
    # After its transaction: the statistics (kept up to 30 s while the quiz runs) show the review at once.
    selectors.forget(attempt.quiz)


# --- personal data (participants.registry) ----------------------------------------------------

def export_for(person) -> list[dict]:
    """What the quiz keeps about the person, one entry per quiz: the registration, every
    attempt (times in the current time zone, with its offset) and the counted result."""
    def local(moment):
        return timezone.localtime(moment).isoformat() if moment else None

    entries: dict[int, dict] = {}

    def entry(quiz):
        return entries.setdefault(quiz.pk, {
            "quiz": quiz.title, "year": quiz.campaign.year, "registration": None, "attempts": [], "result": None})

    for registration in Registration.objects.filter(person=person).select_related("quiz__campaign", "division"):
        entry(registration.quiz)["registration"] = {
            "display_name": registration.display_name,
            "region": registration.division.full_name() if registration.division else "",
            "school": registration.school_name, "registered_at": local(registration.created_at)}
    for attempt in Attempt.objects.filter(person=person).select_related("quiz__campaign").order_by("started_at", "pk"):
        entry(attempt.quiz)["attempts"].append({
            "practice": attempt.is_practice, "status": attempt.status, "started_at": local(attempt.started_at),
            "finished_at": local(attempt.finished_at), "score": attempt.score, "max_score": attempt.max_score,
            "correct": attempt.correct_count, "questions": attempt.question_count,
            "time_used_ms": attempt.time_used_ms, "ip_address": attempt.ip_address, "device_id": attempt.device_id,
            "review": attempt.review, "flags": list(attempt.flags or [])})
    for standing in Standing.objects.filter(person=person).select_related("quiz__campaign"):
        entry(standing.quiz)["result"] = {"score": standing.score, "time_used_ms": standing.time_used_ms,
                                          "finished_at": local(standing.finished_at),
                                          "disqualified": standing.disqualified}
    return list(entries.values())


def erase_for(person) -> None:
    """The person leaves: an attempt in progress is closed (it counts nowhere), the person
    leaves every ranking (their standings go, standing_changed removed=True), registrations
    keep their region for the counts but lose name and school, attempts stay for the
    statistics without address, device or a certificate code that still verifies."""
    now = timezone.now()
    with transaction.atomic():
        for attempt in Attempt.objects.filter(person=person, status=A.IN_PROGRESS).select_related("quiz"):
            _close(attempt, now, count=False)
        standings = list(Standing.objects.filter(person=person).select_related("quiz"))
        Standing.objects.filter(pk__in=[s.pk for s in standings]).delete()
        for standing in standings:
            _announce(standing.quiz, standing, removed=True)
        Registration.objects.filter(person=person).update(display_name=ERASED_NAME, school_name="")
        for pk in Attempt.objects.filter(person=person).values_list("pk", flat=True):
            Attempt.objects.filter(pk=pk).update(ip_address=None, device_id="", certificate_code=new_certificate_code())
