"""Every write of the quiz: the question bank and its review, quizzes and their rules, and an
attempt's life (start, serve, answer, finish, expire), the standing it leaves, integrity flags.

What must hold under any interleaving is held by the database (see models): a double-clicked
start meets ``one_attempt_in_progress``; two starts racing for the day's last scored attempt
meet ``scored_attempt_day_slot``; a question is answered by a conditional UPDATE on
``answered_at IS NULL``; an attempt is scored by a conditional UPDATE on
``status = 'in_progress'`` (``attempt_scored_once_when_final`` forbids a final attempt without
its score), so a finish fired ten times scores once and ``attempt_finished`` is sent once.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from sciweek.accounts import policy
from sciweek.accounts.audit import record

from . import bank
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
)

A = Attempt.Status
ANSWER_GRACE = timedelta(seconds=2)  # network time between the server's clock and the tap
SERVE_GRACE = timedelta(seconds=3)  # per question, in the attempt's overall deadline

# An attempt was scored (exactly once, on commit). kwargs: attempt, standing (None for practice
# or when this attempt does not count)
attempt_finished = Signal()
# A standing changed or left the ranking (leaderboards follow). kwargs: quiz, standing, removed
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
    status = 422
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


def _touch_quizzes_using(question_ids) -> None:
    """A quiz's cached pool and question texts are keyed by its updated_at: move it."""
    Quiz.objects.filter(pool__question_id__in=list(question_ids)).update(updated_at=timezone.now())


@transaction.atomic
def save_question(*, actor, organization, kind: str, stem: str, options: list[OptionIn], explanation: str = "",
                  difficulty: int = 2, topic: str = "", audiences=(), question: Question | None = None,
                  submit: bool = False, source_key: str = "", is_demo: bool = False) -> Question:
    """Write a question (new or edited). An edit of an approved question goes back to review:
    a quiz never deals words no reviewer has read."""
    policy.require(actor, "quiz.question.write", organization)
    problems = question_problems(kind, stem, options)
    if problems:
        raise ValidationError(problems)
    if question is None:
        question = Question(organization=organization, created_by=actor if actor.is_authenticated else None,
                            source_key=source_key, is_demo=is_demo)
    else:
        policy.require(actor, "quiz.question.write", question)
        if question.status == Question.Status.RETIRED:
            raise ValidationError(_("已停用的题目不能修改。"))
    question.kind, question.stem, question.explanation = kind, stem.strip(), explanation.strip()
    question.difficulty, question.topic, question.audiences = int(difficulty), topic.strip(), list(audiences)
    if question.pk and question.status == Question.Status.APPROVED:
        question.status = Question.Status.SUBMITTED
    if submit and question.status in (Question.Status.DRAFT, Question.Status.RETURNED):
        question.status = Question.Status.SUBMITTED
    question.save()
    question.options.all().delete()
    Option.objects.bulk_create(Option(question=question, text=o.text.strip(), is_correct=o.correct, position=i)
                               for i, o in enumerate(options))
    _touch_quizzes_using([question.pk])
    return question


def review_questions(questions, *, actor, approve: bool, note: str = "") -> int:
    """Approve or return submitted questions (a reviewer above or at the bank's organization).
    Returns how many moved; questions in another state are left as they are."""
    ids = []
    for question in questions:
        policy.require(actor, "quiz.question.review", question)
        ids.append(question.pk)
    if not approve and not note.strip():
        raise ValidationError(_("退回时请写明原因。"))
    moved = Question.objects.filter(pk__in=ids, status=Question.Status.SUBMITTED).update(
        status=Question.Status.APPROVED if approve else Question.Status.RETURNED, review_note=note.strip()[:255],
        reviewed_by=actor, reviewed_at=timezone.now(), updated_at=timezone.now())
    _touch_quizzes_using(ids)
    record("quiz.questions_approved" if approve else "quiz.questions_returned", actor=actor,
           summary=_("%(n)s 道题") % {"n": moved}, detail={"ids": ids[:500]})
    return moved


def retire_question(question: Question, *, actor) -> None:
    policy.require(actor, "quiz.question.write", question)
    Question.objects.filter(pk=question.pk).update(status=Question.Status.RETIRED, updated_at=timezone.now())
    _touch_quizzes_using([question.pk])


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
    existing = set(quiz.pool.values_list("question_id", flat=True))
    new = [QuizQuestion(quiz=quiz, question_id=pk) for pk in usable.values_list("pk", flat=True) if pk not in existing]
    QuizQuestion.objects.bulk_create(new, ignore_conflicts=True)
    Quiz.objects.filter(pk=quiz.pk).update(updated_at=timezone.now())
    return len(new)


def remove_from_pool(quiz: Quiz, question_ids, *, actor) -> int:
    policy.require(actor, "quiz.manage", quiz)
    removed, _detail = QuizQuestion.objects.filter(quiz=quiz, question_id__in=list(question_ids)).delete()
    Quiz.objects.filter(pk=quiz.pk).update(updated_at=timezone.now())
    return removed


def publish_quiz(quiz: Quiz, *, actor) -> None:
    policy.require(actor, "quiz.manage", quiz)
    problems = rule_problems(quiz)
    if problems:
        raise ValidationError(problems)
    Quiz.objects.filter(pk=quiz.pk).update(status=Quiz.Status.PUBLISHED, updated_at=timezone.now())
    quiz.status = Quiz.Status.PUBLISHED
    record("quiz.published", actor=actor, organization=quiz.organization, summary=quiz.title)


def withdraw_quiz(quiz: Quiz, *, actor) -> None:
    policy.require(actor, "quiz.manage", quiz)
    Quiz.objects.filter(pk=quiz.pk).update(status=Quiz.Status.WITHDRAWN, updated_at=timezone.now())
    quiz.status = Quiz.Status.WITHDRAWN
    record("quiz.withdrawn", actor=actor, organization=quiz.organization, summary=quiz.title)


# --- taking a quiz ------------------------------------------------------------------------

def open_refusal(quiz: Quiz, now=None) -> str | None:
    """Why a quiz cannot be taken now (None when it can)."""
    now = now or timezone.now()
    if quiz.status != Quiz.Status.PUBLISHED:
        return _("这个答题活动未发布。")
    if now < quiz.opens_at:
        return _("答题将于 %(when)s 开始。") % {"when": timezone.localtime(quiz.opens_at).strftime("%Y-%m-%d %H:%M")}
    if now >= quiz.closes_at:
        return _("答题已于 %(when)s 结束。") % {"when": timezone.localtime(quiz.closes_at).strftime("%Y-%m-%d %H:%M")}
    return None


def register(quiz: Quiz, person, *, display_name: str, division=None, school_name: str = "") -> Registration:
    """Register (or update) where a taker is and their school, as the quiz asks."""
    problems = []
    display_name = display_name.strip()
    if not display_name:
        problems.append(_("请填写姓名或昵称。"))
    elif len(display_name) > 32:
        problems.append(_("姓名或昵称不能超过 32 个字。"))
    if quiz.asks_region and division is None:
        problems.append(_("请选择所在地区。"))
    if quiz.asks_school and not school_name.strip():
        problems.append(_("请填写学校名称。"))
    if len(school_name.strip()) > 64:
        problems.append(_("学校名称不能超过 64 个字。"))
    if problems:
        raise ValidationError(problems)
    province_code = city_code = ""
    if division is not None:
        code = division.code
        province_code = code[:2] + "0000"
        city_code = code[:4] + "00" if code[2:4] != "00" else ""
    registration, _created = Registration.objects.update_or_create(
        quiz=quiz, person=person, defaults={"display_name": display_name, "division": division,
                                            "province_code": province_code, "city_code": city_code,
                                            "school_name": school_name.strip()})
    # A registration changes where the standing ranks (the region or school board).
    Standing.objects.filter(quiz=quiz, person=person).update(
        display_name=display_name, province_code=province_code, city_code=city_code,
        school_name=registration.school_name)
    standing = Standing.objects.filter(quiz=quiz, person=person).first()
    if standing is not None:
        transaction.on_commit(lambda: standing_changed.send(Standing, quiz=quiz, standing=standing, removed=False))
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
    """Draw the questions for one attempt: [(question_id, points, option order, key)]."""
    pool = bank.pool(quiz)
    questions = bank.question_data(quiz)
    dealt, taken = [], set()
    for rule in bank.rules(quiz):
        candidates = [pk for (kind, difficulty), ids in pool.items()
                      if kind == rule["kind"] and (rule["difficulty"] is None or difficulty == rule["difficulty"])
                      for pk in ids if pk not in taken]
        if len(candidates) < rule["count"]:
            raise Misconfigured(_("题库中的题目不足，答题暂不可用，请联系主办单位。"))
        for pk in rng.sample(candidates, rule["count"]):
            taken.add(pk)
            options = [o["id"] for o in questions[pk]["options"]]
            if questions[pk]["kind"] != Question.Kind.TRUE_FALSE:  # 正确 stays before 错误
                rng.shuffle(options)
            dealt.append((pk, rule["points"], options, questions[pk]["key"]))
    rng.shuffle(dealt)
    return dealt


def start_attempt(quiz: Quiz, person, *, practice: bool = False, ip: str | None = None, device_id: str = "",
                  now=None) -> Attempt:
    """Deal a new attempt, or return the one already in progress (a double-clicked or retried
    start gets the same attempt)."""
    now = now or timezone.now()
    refusal = open_refusal(quiz, now)
    if refusal:
        raise NotOpen(refusal)
    if practice and not quiz.practice_enabled:
        raise NotOpen(_("这个答题活动没有练习模式。"))
    current = Attempt.objects.filter(quiz=quiz, person=person, status=A.IN_PROGRESS).first()
    if current is not None:
        if current.deadline_at > now:
            return current
        finish(current, person, now=now, expired=True)
    registration = Registration.objects.filter(quiz=quiz, person=person).first()
    if registration_missing(quiz, registration):
        raise NeedsRegistration(_("开始答题前，请先登记所在地区和学校。") if quiz.asks_school
                                else _("开始答题前，请先登记所在地区。"))
    attempt = Attempt(quiz=quiz, person=person, registration=registration, is_practice=practice, started_at=now,
                      ip_address=ip, device_id=device_id[:64])
    if not practice:
        day = timezone.localdate(now)
        used = Attempt.objects.filter(quiz=quiz, person=person, is_practice=False).aggregate(
            total=Count("pk"), today=Count("pk", filter=Q(day=day)), last=Max("number"))
        if quiz.scored_attempts_total is not None and used["total"] >= quiz.scored_attempts_total:
            raise LimitReached(_("您的 %(n)s 次计分答题机会已用完。") % {"n": quiz.scored_attempts_total}
                               + (_("可以继续练习（不计分）。") if quiz.practice_enabled else ""))
        if quiz.scored_attempts_per_day is not None and used["today"] >= quiz.scored_attempts_per_day:
            raise LimitReached(_("今天的计分答题次数已用完，请明天再来。")
                               + (_("可以继续练习（不计分）。") if quiz.practice_enabled else ""))
        attempt.day, attempt.day_slot, attempt.number = day, used["today"] + 1, (used["last"] or 0) + 1
    dealt = _deal(quiz, random.SystemRandom())
    attempt.deadline_at = _deadline(quiz, len(dealt), now)
    attempt.question_count = len(dealt)
    attempt.max_score = sum(points for _pk, points, _order, _key in dealt)
    try:
        with transaction.atomic():
            attempt.save(force_insert=True)
            AttemptQuestion.objects.bulk_create(
                AttemptQuestion(attempt=attempt, question_id=pk, position=i + 1, option_order=order,
                                correct_options=key, points=points)
                for i, (pk, points, order, key) in enumerate(dealt))
    except IntegrityError:
        # Another request of this person got there first: a double click (the attempt in
        # progress) or the day's last slot taken by a parallel start.
        current = Attempt.objects.filter(quiz=quiz, person=person, status=A.IN_PROGRESS).first()
        if current is not None:
            return current
        raise LimitReached(_("今天的计分答题次数已用完，请明天再来。")) from None
    return attempt


def attempt_of(person, attempt_id: int) -> Attempt:
    """The person's own attempt (another person's id does not exist for them)."""
    attempt = Attempt.objects.select_related("quiz__campaign", "quiz__organization").filter(
        pk=attempt_id, person=person).first()
    if attempt is None:
        raise NotFound(_("没有找到这次答题。"))
    return attempt


def expire_if_overdue(attempt: Attempt, now=None) -> Attempt:
    now = now or timezone.now()
    if attempt.status == A.IN_PROGRESS and now >= attempt.deadline_at:
        return finish(attempt, attempt.person, now=now, expired=True)
    return attempt


def serve(attempt: Attempt, now=None) -> AttemptQuestion | None:
    """The question to show now: the first one not answered. Showing it starts its clock (once);
    a question whose time ran out unanswered counts as missed and the next one is served.
    None when every question is answered (the taker may finish)."""
    now = now or timezone.now()
    attempt = expire_if_overdue(attempt, now)
    if attempt.is_final:
        return None
    limit = timedelta(seconds=attempt.quiz.seconds_per_question) if attempt.quiz.seconds_per_question else None
    for item in attempt.sheet.filter(answered_at__isnull=True).order_by("position"):
        if item.served_at is None:
            AttemptQuestion.objects.filter(pk=item.pk, served_at__isnull=True).update(served_at=now)
            item.refresh_from_db(fields=["served_at", "answered_at", "chosen", "is_correct", "in_time"])
            if item.answered_at is not None:
                continue
        if limit is not None and now > item.served_at + limit + ANSWER_GRACE:
            AttemptQuestion.objects.filter(pk=item.pk, answered_at__isnull=True).update(
                answered_at=item.served_at + limit, chosen=[], is_correct=False, in_time=False)
            continue
        return item
    return None


@dataclass
class AnswerResult:
    item: AttemptQuestion
    is_correct: bool
    in_time: bool
    correct_options: list[int]
    explanation: str
    remaining: int  # questions not answered yet


def answer(attempt: Attempt, person, *, position: int, option_ids: list[int], now=None) -> AnswerResult:
    """Record the answer to one question of the person's attempt, once. The same answer sent
    again (a retry) gets the same result; a different one is refused; an answer after the
    question's or the attempt's time is kept but does not count."""
    now = now or timezone.now()
    if attempt.person_id != person.pk:
        raise NotFound(_("没有找到这次答题。"))
    attempt = expire_if_overdue(attempt, now)
    if attempt.is_final:
        raise (TooLate(_("答题时间已到，本次答题已自动交卷。")) if attempt.status == A.EXPIRED
               else AttemptClosed(_("本次答题已交卷，不能再作答。")))
    item = attempt.sheet.filter(position=position).first()
    if item is None:
        raise BadAnswer(_("这道题不在本次答题中。"))
    try:
        chosen = sorted({int(pk) for pk in option_ids})
    except (TypeError, ValueError):
        raise BadAnswer(_("选项不存在。")) from None
    if not chosen:
        raise BadAnswer(_("请选择答案。"))
    if not set(chosen) <= set(item.option_order):
        raise BadAnswer(_("选项不存在。"))
    info = bank.question_info(attempt.quiz, item.question_id)
    if info["kind"] != Question.Kind.MULTIPLE and len(chosen) != 1:
        raise BadAnswer(_("这道题只能选一个答案。"))
    if item.answered_at is None and item.served_at is None:
        raise BadAnswer(_("请按顺序作答：这道题还没有显示。"))
    limit = attempt.quiz.seconds_per_question
    in_time = limit is None or item.served_at is None or now <= item.served_at + timedelta(seconds=limit) + ANSWER_GRACE
    is_correct = in_time and chosen == sorted(item.correct_options)
    if item.answered_at is None:
        moved = AttemptQuestion.objects.filter(pk=item.pk, answered_at__isnull=True).update(
            answered_at=now, chosen=chosen, is_correct=is_correct, in_time=in_time)
        if moved:
            item.answered_at, item.chosen, item.is_correct, item.in_time = now, chosen, is_correct, in_time
        else:
            item.refresh_from_db()
    if item.chosen != chosen:
        raise AlreadyAnswered(_("这道题已经作答，不能修改。"))
    remaining = attempt.sheet.filter(answered_at__isnull=True).count()
    return AnswerResult(item=item, is_correct=bool(item.is_correct), in_time=bool(item.in_time),
                        correct_options=list(item.correct_options), explanation=info["explanation"],
                        remaining=remaining)


def _flags(attempt: Attempt, answered: int, time_used_ms: int) -> list[str]:
    """Why an attempt looks wrong (it is flagged for review, never silently dropped or kept)."""
    flags = []
    quiz = attempt.quiz
    if answered and time_used_ms < float(quiz.min_seconds_per_answer) * 1000 * answered:
        flags.append("too_fast")
    limit = quiz.accounts_per_device
    if limit and attempt.device_id:
        people = Attempt.objects.filter(quiz=quiz, device_id=attempt.device_id).values("person").distinct().count()
        if people > limit:
            flags.append("shared_device")
    if limit and attempt.ip_address:
        people = Attempt.objects.filter(quiz=quiz, ip_address=attempt.ip_address).values(
            "person").distinct().count()
        if people > limit * 10:  # a school's network shares one address: a looser bound
            flags.append("shared_address")
    return flags


def _better(a: tuple, b: tuple) -> bool:
    """Is result a ahead of result b? (score, time used, finished at): higher score, then less
    time, then whoever finished first."""
    return (-a[0], a[1], a[2]) < (-b[0], b[1], b[2])


def finish(attempt: Attempt, person, *, now=None, expired: bool = False) -> Attempt:
    """Hand in the attempt and score it, exactly once: the conditional UPDATE decides which call
    scores; every other call (a double click, a retry, the deadline sweep) reads the result."""
    now = now or timezone.now()
    if attempt.person_id != person.pk:
        raise NotFound(_("没有找到这次答题。"))
    if attempt.status != A.IN_PROGRESS:
        return attempt
    if now >= attempt.deadline_at:
        expired, end = True, attempt.deadline_at
    else:
        end = now
    with transaction.atomic():
        sheet = list(attempt.sheet.values("points", "is_correct", "answered_at"))
        score = sum(row["points"] for row in sheet if row["is_correct"])
        correct = sum(1 for row in sheet if row["is_correct"])
        answered = sum(1 for row in sheet if row["answered_at"] is not None)
        time_used_ms = max(0, int((end - attempt.started_at).total_seconds() * 1000))
        flags = _flags(attempt, answered, time_used_ms) if not attempt.is_practice else []
        won = Attempt.objects.filter(pk=attempt.pk, status=A.IN_PROGRESS).update(
            status=A.EXPIRED if expired else A.FINISHED, finished_at=end, score=score, correct_count=correct,
            time_used_ms=time_used_ms, flags=flags, review=Attempt.Review.FLAGGED if flags else "")
        attempt = Attempt.objects.select_related("quiz__campaign", "quiz__organization", "registration").get(
            pk=attempt.pk)
        if not won:
            return attempt
        standing = None if attempt.is_practice else _count(attempt)
    transaction.on_commit(lambda: attempt_finished.send(Attempt, attempt=attempt, standing=standing))
    return attempt


def _count(attempt: Attempt) -> Standing | None:
    """Let a scored attempt count in the person's standing (best or last, as the quiz says).
    The standing row is locked, so two attempts finishing at once compare in turn."""
    quiz, registration = attempt.quiz, attempt.registration
    mine = (attempt.score, attempt.time_used_ms, attempt.finished_at)
    where = {"display_name": registration.display_name if registration else "",
             "province_code": registration.province_code if registration else "",
             "city_code": registration.city_code if registration else "",
             "school_name": registration.school_name if registration else ""}
    standing = Standing.objects.select_for_update().filter(quiz=quiz, person_id=attempt.person_id).first()
    if standing is None:
        try:
            with transaction.atomic():
                standing = Standing.objects.create(quiz=quiz, person_id=attempt.person_id, attempt=attempt,
                                                   score=attempt.score, time_used_ms=attempt.time_used_ms,
                                                   finished_at=attempt.finished_at, **where)
        except IntegrityError:
            standing = Standing.objects.select_for_update().get(quiz=quiz, person_id=attempt.person_id)
        else:
            _announce(quiz, standing)
            return standing
    if standing.disqualified:
        return None
    theirs = (standing.score, standing.time_used_ms, standing.finished_at)
    if quiz.score_rule == Quiz.ScoreRule.LAST or _better(mine, theirs):
        standing.attempt, standing.score, standing.time_used_ms = attempt, attempt.score, attempt.time_used_ms
        standing.finished_at = attempt.finished_at
        for field, value in where.items():
            setattr(standing, field, value)
        standing.save()
        _announce(quiz, standing)
        return standing
    return None


def _announce(quiz, standing, removed=False):
    transaction.on_commit(lambda: standing_changed.send(Standing, quiz=quiz, standing=standing, removed=removed))


def close_overdue(now=None, limit: int = 2000) -> int:
    """Score every attempt left open past its deadline (the sweep a task runs every minute;
    a taker who comes back is closed on their next request anyway)."""
    now = now or timezone.now()
    closed = 0
    for attempt in Attempt.objects.filter(status=A.IN_PROGRESS, deadline_at__lte=now).select_related(
            "person", "quiz")[:limit]:
        before = attempt.status
        attempt = finish(attempt, attempt.person, now=now, expired=True)
        closed += before != attempt.status
    return closed


# --- review of flagged attempts -------------------------------------------------------------

def review_attempt(attempt: Attempt, *, actor, disqualify: bool, note: str = "") -> None:
    """Clear a flagged attempt, or take its result out of every ranking."""
    policy.require(actor, "quiz.results", attempt)
    if disqualify and not note.strip():
        raise ValidationError(_("取消成绩时请写明原因。"))
    with transaction.atomic():
        Attempt.objects.filter(pk=attempt.pk).update(
            review=Attempt.Review.DISQUALIFIED if disqualify else Attempt.Review.CLEARED, reviewed_by=actor)
        standing = Standing.objects.select_for_update().filter(quiz=attempt.quiz, person_id=attempt.person_id).first()
        if disqualify and standing is not None:
            Standing.objects.filter(pk=standing.pk).update(disqualified=True)
            standing.disqualified = True
            _announce(attempt.quiz, standing, removed=True)
    record("quiz.attempt_disqualified" if disqualify else "quiz.attempt_cleared", actor=actor,
           organization=attempt.quiz.organization, summary=note.strip()[:200] or str(attempt.pk),
           detail={"attempt": attempt.pk})
