"""The quiz core's rules, one by one, and every bad input of issue 12 ("Bad input"): each is
refused with the right QuizError (code, status, a Chinese message) and nothing already
answered is lost. Time is frozen (freezegun) wherever it matters."""
import io
import json
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time

from sciweek.accounts.models import User
from sciweek.organizations.models import Division, Organization
from sciweek.quiz import bank, services
from sciweek.quiz.models import Attempt, AttemptQuestion, Question, Quiz, Registration, Standing

from .core_kit import key_of, make_questions, make_quiz, play, taker, wrong_of

pytestmark = pytest.mark.django_db
T0 = "2099-05-02 10:00:00+08:00"
TEN_EACH = [{"kind": "true_false", "count": 3, "points": 10}, {"kind": "single", "count": 3, "points": 10},
            {"kind": "multiple", "count": 2, "points": 10}]  # a score is ten times the right answers


@pytest.fixture(autouse=True)
def _fresh_bank():
    bank.forget()  # the process's copies of cached bank reads (keyed by pk: reused across rolled-back tests)
    yield
    bank.forget()


@pytest.fixture
def sent():
    """What the services signalled (on commit: run with django_capture_on_commit_callbacks)."""
    log = {"finished": [], "standing": []}

    def on_finished(sender, *, attempt, standing, **kwargs):
        log["finished"].append((attempt.pk, standing.pk if standing else None))

    def on_standing(sender, *, quiz, standing, removed, **kwargs):
        log["standing"].append((standing.person_id, standing.score, removed))

    services.attempt_finished.connect(on_finished, dispatch_uid="test.finished")
    services.standing_changed.connect(on_standing, dispatch_uid="test.standing")
    yield log
    services.attempt_finished.disconnect(dispatch_uid="test.finished")
    services.standing_changed.disconnect(dispatch_uid="test.standing")


@contextmanager
def refused(error_class, code, status, message):
    """pytest.raises for a QuizError, checking its API code, HTTP status and Chinese text."""
    with pytest.raises(error_class) as info:
        yield info
    assert (info.value.code, info.value.status, str(info.value)) == (code, status, message)


def first(attempt, now=None):
    return services.serve(attempt, now=now)


def snapshot(attempt):
    return list(AttemptQuestion.objects.filter(attempt=attempt).order_by("position").values_list(
        "position", "answered_at", "chosen", "is_correct", "in_time"))


# --- the bank -------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, stem, options, message", [
    ("single", " ", [("甲", True), ("乙", False)], "请填写题干。"),
    ("single", "题" * 501, [("甲", True), ("乙", False)], "题干不能超过 500 字。"),
    ("single", "题？", [("甲", True), ("", False)], "选项不能为空。"),
    ("single", "题？", [("甲", True), ("甲", False)], "选项不能重复。"),
    ("single", "题？", [("甲", True), ("乙", True)], "单选题只能有一个正确答案。"),
    ("single", "题？", [("甲", True)], "单选题需要 2 到 6 个选项。"),
    ("multiple", "题？", [("甲", True), ("乙", False), ("丙", False)], "多选题至少要有两个正确答案。"),
    ("multiple", "题？", [("甲", True), ("乙", True), ("丙", True)], "多选题不能所有选项都正确。"),
    ("true_false", "题？", [("正确", True), ("错误", True)], "判断题有“正确”“错误”两个选项，其中一个是答案。"),
    ("essay", "题？", [("甲", True), ("乙", False)], "题型不正确。"),
])
def test_question_problems(kind, stem, options, message):
    assert message in services.question_problems(kind, stem, [services.OptionIn(t, c) for t, c in options])


def test_an_edited_approved_question_goes_back_to_review_and_is_dealt_no_more(demo):
    admin, reviewer = User.objects.get(username="hebei-admin"), User.objects.get(username="hebei-reviewer")
    hebei = Organization.objects.get(name="河北省")
    with freeze_time(T0):  # a frozen clock: the cache key must still move (bank_version)
        questions = [services.save_question(actor=admin, organization=hebei, kind="single", stem=f"旧题{i}？",
                                            submit=True, options=[services.OptionIn("甲", True),
                                                                  services.OptionIn("乙", False)])
                     for i in range(3)]
        services.review_questions(questions, actor=reviewer, approve=True)
        quiz = make_quiz(demo, hebei, rules=[{"kind": "single", "count": 3}], questions=questions)
        someone = taker()
        attempt = services.start_attempt(quiz, someone)
        dealt = {row.question_id: row.option_order for row in attempt.sheet.all()}
        assert set(dealt) == {q.pk for q in questions}
        ids_before = list(questions[0].options.values_list("pk", flat=True))

        edited = services.save_question(actor=admin, organization=hebei, question=questions[0], kind="single",
                                        stem="新题干？", options=[services.OptionIn("甲改", False),
                                                                 services.OptionIn("乙改", True)])
        assert edited.status == Question.Status.SUBMITTED
        # Options are edited in place: the dealt attempt's ids still name them.
        assert list(edited.options.values_list("pk", flat=True)) == ids_before
        quiz.refresh_from_db()
        assert bank.pool(quiz) == {("single", 2): sorted(q.pk for q in questions[1:])}
        assert bank.question_info(quiz, questions[0].pk)["stem"] == "新题干？"
        # The dealt attempt keeps its key (a snapshot); a new start is refused: two approved left.
        row = attempt.sheet.get(question=questions[0])
        assert row.correct_options == [ids_before[0]]
        services.finish(attempt, someone)
        with refused(services.Misconfigured, "quiz_misconfigured", 409,
                     "题库中的题目不足，答题暂不可用，请联系主办单位。"):
            services.start_attempt(quiz, taker())
        assert "单选题需要 3 道已审核通过的题，题库中只有 2 道。" in services.rule_problems(quiz)
        services.review_questions([edited], actor=reviewer, approve=True)
        quiz.refresh_from_db()
        assert services.start_attempt(quiz, taker()).question_count == 3


def test_a_dealt_question_keeps_its_kind_and_options(demo):
    admin = User.objects.get(username="hebei-admin")
    hebei = Organization.objects.get(name="河北省")
    quiz = make_quiz(demo, hebei, rules=[{"kind": "single", "count": 2}], bank_counts={"single": 2})
    question = quiz.pool.first().question
    services.start_attempt(quiz, taker())
    with pytest.raises(ValidationError) as error:
        services.save_question(actor=admin, organization=hebei, question=question, kind="single", stem="改？",
                               options=[services.OptionIn("甲", True), services.OptionIn("乙", False)])
    assert error.value.messages == ["这道题已被抽入答卷，不能修改题型或减少选项；如需修改，请停用后另建新题。"]
    # More options, same kind: fine (the old ids stay, one is added).
    before = set(question.options.values_list("pk", flat=True))
    services.save_question(actor=admin, organization=hebei, question=question, kind="single", stem="改？",
                           options=[services.OptionIn(t, t == "甲") for t in "甲乙丙丁戊"])
    assert before < set(question.options.values_list("pk", flat=True))


def test_a_pool_deals_approved_questions_only(demo):
    admin, reviewer = User.objects.get(username="hebei-admin"), User.objects.get(username="hebei-reviewer")
    hebei = Organization.objects.get(name="河北省")
    approved = make_questions(hebei, {"single": 3})
    others = [make_questions(hebei, {"single": 1}, status=s)[0] for s in
              (Question.Status.DRAFT, Question.Status.SUBMITTED, Question.Status.RETURNED, Question.Status.RETIRED)]
    quiz = make_quiz(demo, hebei, rules=[{"kind": "single", "count": 3}], questions=[])
    assert services.set_pool(quiz, approved + others, actor=admin) == 3
    assert set(quiz.pool.values_list("question_id", flat=True)) == {q.pk for q in approved}
    services.retire_question(approved[0], actor=admin)
    quiz.refresh_from_db()
    assert sorted(bank.pool(quiz)[("single", 2)]) == sorted(q.pk for q in approved[1:])
    with pytest.raises(services.Misconfigured):
        services.start_attempt(quiz, taker())
    # A question from a bank the quiz's organization may not use (a sibling province) is not taken.
    guangdong = Organization.objects.filter(name="广东省").first()
    if guangdong is not None:
        foreign = make_questions(guangdong, {"single": 1})
        assert services.set_pool(quiz, foreign, actor=admin) == 0
    with pytest.raises(ValidationError) as error:
        services.review_questions([others[1]], actor=reviewer, approve=False)
    assert error.value.messages == ["退回时请写明原因。"]
    assert services.review_questions(others, actor=reviewer, approve=True) == 1  # only the submitted one


def test_writing_and_reviewing_questions_ask_the_policy(demo):
    hebei = Organization.objects.get(name="河北省")
    options = [services.OptionIn("甲", True), services.OptionIn("乙", False)]
    with pytest.raises(Http404):
        services.save_question(actor=User.objects.get(username="sjz-filer"), organization=hebei, kind="single",
                               stem="题？", options=options)
    question = services.save_question(actor=User.objects.get(username="hebei-filer"), organization=hebei,
                                      kind="single", stem="题？", options=options, submit=True)
    with pytest.raises(Exception) as error:  # a filer is no reviewer (403 inside the tree)
        services.review_questions([question], actor=User.objects.get(username="hebei-filer"), approve=True)
    assert type(error.value).__name__ == "PermissionDenied"


# --- opening, registration, limits ----------------------------------------------------------

@pytest.mark.parametrize("change, message", [
    ({"opens_at": +1}, "答题将于 2099-05-02 11:00 开始。"),
    ({"closes_at": -1}, "答题已于 2099-05-02 09:00 结束。"),
    ({"status": Quiz.Status.WITHDRAWN}, "这个答题活动已撤下。"),
    ({"status": Quiz.Status.DRAFT}, "这个答题活动未发布。"),
])
def test_a_quiz_not_open_is_refused(change, message):
    with freeze_time(T0):
        now = timezone.now()
        fields = {"status": change.get("status", Quiz.Status.PUBLISHED)}
        if "opens_at" in change:
            fields.update(opens_at=now + timedelta(hours=1), closes_at=now + timedelta(days=1))
        if "closes_at" in change:
            fields.update(opens_at=now - timedelta(days=1), closes_at=now - timedelta(hours=1))
        quiz = make_quiz(**fields)
        with refused(services.NotOpen, "quiz_not_open", 409, message):
            services.start_attempt(quiz, taker())
        assert not Attempt.objects.filter(quiz=quiz).exists()


def test_registration_is_needed_where_the_quiz_asks(demo):
    division = Division.objects.get(code="130102")
    quiz = make_quiz(asks_region=True)
    someone = taker()
    with refused(services.NeedsRegistration, "registration_required", 409, "开始答题前，请先登记所在地区。"):
        services.start_attempt(quiz, someone)
    school_quiz = make_quiz(asks_region=True, asks_school=True)
    with refused(services.NeedsRegistration, "registration_required", 409, "开始答题前，请先登记所在地区和学校。"):
        services.start_attempt(school_quiz, someone)
    with pytest.raises(ValidationError) as error:
        services.register(school_quiz, someone, display_name=" ", division=None, school_name="学" * 65)
    assert error.value.messages == ["请填写姓名或昵称。", "请选择所在地区。", "学校名称不能超过 64 个字。"]
    with pytest.raises(ValidationError) as error:
        services.register(school_quiz, someone, display_name="名" * 33, division=division)
    assert error.value.messages == ["姓名或昵称不能超过 32 个字。", "请填写学校名称。"]
    registration = services.register(school_quiz, someone, display_name=" 小明 ", division=division,
                                     school_name=" 长安实验小学 ")
    assert (registration.display_name, registration.province_code, registration.city_code,
            registration.school_name) == ("小明", "130000", "130100", "长安实验小学")
    attempt = services.start_attempt(school_quiz, someone)
    assert attempt.registration == registration


def test_one_scored_attempt_a_day_then_the_next_day(sent, django_capture_on_commit_callbacks):
    with freeze_time(T0) as clock:
        quiz = make_quiz(closes_at=timezone.now() + timedelta(days=5))
        someone = taker()
        first_attempt = services.start_attempt(quiz, someone)
        assert (first_attempt.day_slot, first_attempt.number) == (1, 1)
        services.finish(first_attempt, someone)
        with refused(services.LimitReached, "attempt_limit", 409,
                     "今天的计分答题次数已用完，请明天再来。可以继续练习（不计分）。"):
            services.start_attempt(quiz, someone)
        practice = services.start_attempt(quiz, someone, practice=True)  # practice has no limit
        services.finish(practice, someone)
        services.finish(services.start_attempt(quiz, someone, practice=True), someone)
        clock.move_to("2099-05-02 23:59:59+08:00")
        with pytest.raises(services.LimitReached):
            services.start_attempt(quiz, someone)
        clock.move_to("2099-05-03 00:00:01+08:00")  # the local day (Asia/Shanghai)
        second = services.start_attempt(quiz, someone)
        assert (second.day_slot, second.number, second.day.isoformat()) == (1, 2, "2099-05-03")


def test_scored_attempts_in_all():
    with freeze_time(T0) as clock:
        quiz = make_quiz(closes_at=timezone.now() + timedelta(days=5), scored_attempts_per_day=None,
                         scored_attempts_total=2, practice_enabled=False)
        someone = taker()
        for _i in range(2):
            services.finish(services.start_attempt(quiz, someone), someone)
            clock.tick(60)
        with refused(services.LimitReached, "attempt_limit", 409, "您的 2 次计分答题机会已用完。"):
            services.start_attempt(quiz, someone)
        clock.move_to("2099-05-04 10:00:00+08:00")
        with pytest.raises(services.LimitReached):
            services.start_attempt(quiz, someone)
        with refused(services.NotOpen, "quiz_not_open", 409, "这个答题活动没有练习模式。"):
            services.start_attempt(quiz, someone, practice=True)


def test_practice_never_counts(sent, django_capture_on_commit_callbacks):
    quiz = make_quiz()
    someone = taker()
    with django_capture_on_commit_callbacks(execute=True):
        practice = services.start_attempt(quiz, someone, practice=True)
        assert (practice.day_slot, practice.number, practice.is_practice) == (None, None, True)
        play(practice, someone, right=8)
        done = services.finish(practice, someone)
    assert done.score == done.max_score == 65
    assert not Standing.objects.filter(quiz=quiz).exists()
    assert sent["finished"] == [(practice.pk, None)] and sent["standing"] == []
    # ... and takes none of the scored attempts.
    assert services.start_attempt(quiz, someone).number == 1


def test_a_start_returns_the_attempt_in_progress_and_closes_an_overdue_one():
    with freeze_time(T0) as clock:
        quiz = make_quiz(scored_attempts_per_day=3)
        someone = taker()
        attempt = services.start_attempt(quiz, someone)
        assert services.start_attempt(quiz, someone).pk == attempt.pk
        # A scored attempt in progress is not given up for a practice...
        with refused(services.AttemptInProgress, "refused", 409,
                     "您有一次计分答题正在进行，请先完成并交卷，再开始练习。"):
            services.start_attempt(quiz, someone, practice=True)
        # ... but once its time is over it is closed (scored as it stood) and a new one dealt.
        clock.tick(attempt.deadline_at - timezone.now() + timedelta(seconds=1))
        second = services.start_attempt(quiz, someone)
        attempt.refresh_from_db()
        assert attempt.status == Attempt.Status.EXPIRED and attempt.finished_at == attempt.deadline_at
        assert second.pk != attempt.pk and second.day_slot == 2
        services.finish(second, someone)
        # An open practice gives way to a scored start.
        practice = services.start_attempt(quiz, someone, practice=True)
        third = services.start_attempt(quiz, someone)
        practice.refresh_from_db()
        assert practice.status == Attempt.Status.FINISHED and not third.is_practice


def test_the_deal_follows_the_rules_and_keeps_the_key_on_the_server():
    quiz = make_quiz()
    orders = set()
    for _i in range(6):
        attempt = services.start_attempt(quiz, taker())
        sheet = list(attempt.sheet.all())
        kinds = [bank.question_info(quiz, row.question_id)["kind"] for row in sheet]
        assert sorted(kinds) == ["multiple"] * 2 + ["single"] * 3 + ["true_false"] * 3
        assert [row.position for row in sheet] == list(range(1, 9))
        assert attempt.max_score == 65 and attempt.question_count == 8
        for row, kind in zip(sheet, kinds, strict=True):
            info = bank.question_info(quiz, row.question_id)
            assert sorted(row.option_order) == sorted(o["id"] for o in info["options"])
            assert row.correct_options == info["key"]
            if kind == "true_false":
                assert row.option_order == [o["id"] for o in info["options"]]  # 正确 before 错误
            else:
                orders.add(tuple(row.option_order))
        item = services.serve(attempt)
        shown = services.shown(attempt, item)
        assert set(shown) == {"position", "count", "kind", "stem", "points", "options", "answer_by", "seconds_left"}
        assert all(set(option) == {"id", "text"} for option in shown["options"])
        assert [o["id"] for o in shown["options"]] == item.option_order and shown["seconds_left"] in (29, 30)
    assert len(orders) > 3  # options shuffled per attempt


# --- answering: every bad input, nothing lost -------------------------------------------------

@pytest.fixture
def answering():
    """An attempt with its first question answered right (the answer that must never be lost)."""
    with freeze_time(T0) as clock:
        quiz = make_quiz(seconds_per_question=30)
        someone = taker()
        attempt = services.attempt_of(someone, services.start_attempt(quiz, someone).pk)
        item = services.serve(attempt)
        result = services.answer(attempt, someone, position=item.position, option_ids=key_of(quiz, item))
        assert result.is_correct and result.in_time and result.remaining == 7
        clock.tick(1)
        yield quiz, someone, attempt, item, clock


def still_counted(attempt, someone, item):
    row = AttemptQuestion.objects.get(attempt=attempt, position=item.position)
    assert row.is_correct and row.in_time and row.chosen == sorted(key_of(attempt.quiz, item))


@pytest.mark.parametrize("position, options, message", [
    (99, None, "这道题不在本次答题中。"),
    ("二", None, "这道题不在本次答题中。"),
    (None, None, "这道题不在本次答题中。"),
    (2, [], "请选择答案。"),
    (2, [987654321], "选项不存在。"),
    (2, ["x"], "选项不存在。"),
    (2, [1.5], "选项不存在。"),
    (2, [True], "选项不存在。"),
    (2, [{"id": 1}], "选项不存在。"),
    (3, "key", "请按顺序作答：这道题还没有显示。"),
])
def test_bad_answers_are_refused_and_lose_nothing(answering, position, options, message):
    quiz, someone, attempt, item, _clock = answering
    second = services.serve(attempt)
    assert second.position == 2
    if options == "key":
        third = attempt.sheet.get(position=3)
        options = key_of(quiz, third)
    elif options is None:
        options = key_of(quiz, second)
    before = snapshot(attempt)
    with refused(services.BadAnswer, "invalid", 422, message):
        services.answer(attempt, someone, position=position, option_ids=options)
    assert snapshot(attempt) == before
    still_counted(attempt, someone, item)


def test_an_option_of_another_question_does_not_exist(answering):
    quiz, someone, attempt, item, _clock = answering
    second = services.serve(attempt)
    with refused(services.BadAnswer, "invalid", 422, "选项不存在。"):
        services.answer(attempt, someone, position=second.position, option_ids=item.option_order[:1])
    single = next(row for row in attempt.sheet.all()
                  if bank.question_info(quiz, row.question_id)["kind"] != "multiple" and row.answered_at is None)
    AttemptQuestion.objects.filter(pk=single.pk).update(served_at=timezone.now())
    with refused(services.BadAnswer, "invalid", 422, "这道题只能选一个答案。"):
        services.answer(attempt, someone, position=single.position, option_ids=single.option_order[:2])


def test_answering_twice(answering):
    quiz, someone, attempt, item, _clock = answering
    again = services.answer(attempt, someone, position=item.position, option_ids=key_of(quiz, item))
    assert again.is_correct and again.remaining == 7  # a retry gets the same result
    with refused(services.AlreadyAnswered, "already_answered", 409, "这道题已经作答，不能修改。"):
        services.answer(attempt, someone, position=item.position, option_ids=wrong_of(quiz, item))
    still_counted(attempt, someone, item)


def test_an_answer_after_the_questions_time_is_kept_but_does_not_count(answering):
    quiz, someone, attempt, item, clock = answering
    second = services.serve(attempt)
    clock.tick(30 + 2 + 1)  # 30 s per question, 2 s of grace
    late = services.answer(attempt, someone, position=second.position, option_ids=key_of(quiz, second))
    assert (late.is_correct, late.in_time) == (False, False)
    third = services.serve(attempt)
    clock.tick(40)
    fourth = services.serve(attempt)  # the third's time ran out unanswered: missed, the fourth shown
    assert fourth.position == 4
    with refused(services.TooLate, "too_late", 409, "这道题的作答时间已过，不再计分。"):
        services.answer(attempt, someone, position=third.position, option_ids=key_of(quiz, third))
    row = attempt.sheet.get(position=3)
    assert (row.chosen, row.is_correct, row.in_time) == ([], False, False)
    done = services.finish(attempt, someone)
    assert (done.score, done.correct_count) == (attempt.sheet.get(position=1).points, 1)


def test_an_answer_after_the_attempts_deadline(answering, sent, django_capture_on_commit_callbacks):
    quiz, someone, attempt, item, clock = answering
    second = services.serve(attempt)
    clock.move_to(attempt.deadline_at + timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        with refused(services.TooLate, "too_late", 409, "答题时间已到，本次答题已自动交卷。"):
            services.answer(attempt, someone, position=second.position, option_ids=key_of(quiz, second))
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED and attempt.finished_at == attempt.deadline_at
    assert attempt.correct_count == 1 and attempt.score == attempt.sheet.get(position=1).points
    assert sent["finished"] == [(attempt.pk, attempt.standing.pk)]
    still_counted(attempt, someone, item)
    assert not attempt.sheet.filter(answered_at__isnull=True).exists()  # every other question missed
    with refused(services.TooLate, "too_late", 409, "答题时间已到，本次答题已自动交卷。"):
        services.answer(attempt, someone, position=second.position, option_ids=key_of(quiz, second))


def test_an_answer_after_finishing(answering):
    quiz, someone, attempt, item, _clock = answering
    second = services.serve(attempt)
    stale = Attempt.objects.get(pk=attempt.pk)
    services.finish(attempt, someone)
    for copy in (attempt, stale):  # the caller's object or one read before the finish
        with refused(services.AttemptClosed, "attempt_closed", 409, "本次答题已交卷，不能再作答。"):
            services.answer(copy, someone, position=second.position, option_ids=key_of(quiz, second))
    still_counted(attempt, someone, item)
    assert Attempt.objects.get(pk=attempt.pk).score == attempt.sheet.get(position=1).points


def test_another_persons_attempt(answering):
    quiz, someone, attempt, item, _clock = answering
    stranger = taker()
    for attempt_id in (attempt.pk, str(attempt.pk), "abc", None, 10 ** 12):
        with refused(services.NotFound, "not_found", 404, "没有找到这次答题。"):
            services.attempt_of(stranger, attempt_id)
    second = services.serve(attempt)
    with refused(services.NotFound, "not_found", 404, "没有找到这次答题。"):
        services.answer(attempt, stranger, position=second.position, option_ids=key_of(quiz, second))
    with refused(services.NotFound, "not_found", 404, "没有找到这次答题。"):
        services.finish(attempt, stranger)
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.IN_PROGRESS
    still_counted(attempt, someone, item)


def test_a_quiz_withdrawn_while_answering(answering):
    """Taken offline: the attempt is handed in with what was answered (nothing lost)."""
    quiz, someone, attempt, item, _clock = answering
    second = services.serve(attempt)
    Quiz.objects.filter(pk=quiz.pk).update(status=Quiz.Status.WITHDRAWN)
    attempt = services.attempt_of(someone, attempt.pk)
    with refused(services.AttemptClosed, "attempt_closed", 409, "这个答题活动已撤下，本次答题已按已作答的题目交卷。"):
        services.answer(attempt, someone, position=second.position, option_ids=key_of(quiz, second))
    done = Attempt.objects.get(pk=attempt.pk)
    assert (done.status, done.correct_count) == (Attempt.Status.FINISHED, 1)
    still_counted(attempt, someone, item)
    Quiz.objects.filter(pk=quiz.pk).update(status=Quiz.Status.PUBLISHED)
    other = taker()
    open_one = services.start_attempt(Quiz.objects.get(pk=quiz.pk), other)
    Quiz.objects.filter(pk=quiz.pk).update(status=Quiz.Status.WITHDRAWN)
    assert services.serve(services.attempt_of(other, open_one.pk)) is None
    assert Attempt.objects.get(pk=open_one.pk).status == Attempt.Status.FINISHED


def test_attempt_of_reads_one_row_and_sees_every_change_of_its_quiz(answering):
    """The quiz comes from the process's copy while its stamp is unchanged (one statement per
    call); a save, a new bank version, a leaderboard version or a status change is seen at once."""
    quiz, someone, attempt, _item, _clock = answering
    services.attempt_of(someone, attempt.pk)
    with statements(1, exactly=True):
        kept = services.attempt_of(someone, attempt.pk)
    assert kept.quiz.campaign_id == quiz.campaign_id and kept.quiz.organization.pk == quiz.organization_id
    kept.quiz.title = "只改了这个副本"  # a caller's change stays its own
    assert services.attempt_of(someone, attempt.pk).quiz.title == quiz.title
    fresh = Quiz.objects.get(pk=quiz.pk)
    fresh.title = "改过的标题"
    fresh.save()
    assert services.attempt_of(someone, attempt.pk).quiz.title == "改过的标题"
    Quiz.objects.filter(pk=quiz.pk).update(seconds_per_question=7, bank_version=F("bank_version") + 1)
    assert services.attempt_of(someone, attempt.pk).quiz.seconds_per_question == 7
    Quiz.objects.filter(pk=quiz.pk).update(leaderboard_version=F("leaderboard_version") + 5)
    assert services.attempt_of(someone, attempt.pk).quiz.leaderboard_version == fresh.leaderboard_version + 5
    for attempt_id in (0, -1, 2**63, 10**30):
        with refused(services.NotFound, "not_found", 404, "没有找到这次答题。"):
            services.attempt_of(someone, attempt_id)


# --- finishing, the standing ----------------------------------------------------------------

def test_finish_scores_once(sent, django_capture_on_commit_callbacks):
    quiz = make_quiz()
    someone = taker()
    attempt = services.start_attempt(quiz, someone)
    play(attempt, someone, right=5)
    stale = Attempt.objects.get(pk=attempt.pk)
    with django_capture_on_commit_callbacks(execute=True):
        done = services.finish(attempt, someone)
        again = services.finish(stale, someone)  # a retry with what it read before
        services.finish(attempt, someone)
    assert done.status == again.status == Attempt.Status.FINISHED and done.score == again.score
    standing = Standing.objects.get(quiz=quiz, person=someone)
    assert sent["finished"] == [(attempt.pk, standing.pk)]
    assert sent["standing"] == [(someone.pk, done.score, False)]
    assert (standing.score, standing.time_used_ms, standing.attempt_id) == (done.score, done.time_used_ms, done.pk)


def test_finishing_early_closes_the_unanswered_questions():
    with freeze_time(T0) as clock:
        quiz = make_quiz()
        someone = taker()
        attempt = services.start_attempt(quiz, someone)
        item = services.serve(attempt)
        services.answer(attempt, someone, position=item.position, option_ids=key_of(quiz, item))
        clock.tick(12)
        done = services.finish(attempt, someone)
        assert done.time_used_ms == 12000 and done.correct_count == 1
        assert attempt.sheet.filter(chosen=[]).count() == 7 and not attempt.sheet.filter(answered_at=None).exists()


def _scored(quiz, someone, right, seconds, clock):
    attempt = services.start_attempt(quiz, someone)
    play(attempt, someone, right=right)
    clock.tick(seconds)
    return services.finish(attempt, someone)


def test_the_best_result_counts():
    with freeze_time(T0) as clock:
        quiz = make_quiz(scored_attempts_per_day=None, score_rule=Quiz.ScoreRule.BEST, rules=TEN_EACH)
        someone = taker()
        _scored(quiz, someone, 2, 20, clock)
        high = _scored(quiz, someone, 6, 50, clock)
        _scored(quiz, someone, 1, 10, clock)
        assert Standing.objects.get(quiz=quiz, person=someone).attempt_id == high.pk
        _scored(quiz, someone, 6, 60, clock)  # equal score, more time: behind
        assert Standing.objects.get(quiz=quiz, person=someone).attempt_id == high.pk
        same_faster = _scored(quiz, someone, 6, 40, clock)  # equal score, less time: ahead
        standing = Standing.objects.get(quiz=quiz, person=someone)
        assert (standing.attempt_id, standing.score, standing.time_used_ms) == (same_faster.pk, 60, 40000)


def test_the_last_result_counts():
    with freeze_time(T0) as clock:
        quiz = make_quiz(scored_attempts_per_day=None, score_rule=Quiz.ScoreRule.LAST, rules=TEN_EACH)
        someone = taker()
        _scored(quiz, someone, 6, 20, clock)
        last = _scored(quiz, someone, 1, 20, clock)
        standing = Standing.objects.get(quiz=quiz, person=someone)
        assert (standing.attempt_id, standing.score) == (last.pk, last.score)


# --- integrity: flags, review ---------------------------------------------------------------

def test_impossible_speed_is_flagged():
    with freeze_time(T0) as clock:
        quiz = make_quiz(min_seconds_per_answer=2)
        someone, careful = taker(), taker()
        fast = services.start_attempt(quiz, someone)
        play(fast, someone, right=8)  # 8 answers in no time
        clock.tick(3)
        fast = services.finish(fast, someone)
        assert fast.flags == ["too_fast"] and fast.review == Attempt.Review.FLAGGED
        slow = services.start_attempt(quiz, careful)
        play(slow, careful, right=8)
        clock.tick(17)
        assert services.finish(slow, careful).flags == []
        assert Standing.objects.filter(quiz=quiz).count() == 2  # flagged for review, not dropped


def test_many_accounts_on_one_device_or_address_are_flagged(django_capture_on_commit_callbacks):
    quiz = make_quiz(accounts_per_device=3)
    done = []
    with django_capture_on_commit_callbacks(execute=True):  # the others are flagged after the commit
        for _i in range(4):
            someone = taker()
            attempt = services.start_attempt(quiz, someone, device_id="phone-1", ip="10.0.0.1")
            done.append(services.finish(attempt, someone))
    assert [a.flags for a in done[:3]] == [[], [], []]
    assert done[3].flags == ["shared_device"]
    assert set(Attempt.objects.filter(quiz=quiz, review="flagged").values_list("pk", flat=True)) == {
        a.pk for a in done}
    assert all(a.flags == ["shared_device"] for a in Attempt.objects.filter(quiz=quiz))
    # One address: ten times the device's line (a school's network).
    on_address = []
    with django_capture_on_commit_callbacks(execute=True):
        for _i in range(31):
            someone = taker()
            on_address.append(services.finish(services.start_attempt(quiz, someone, ip="10.9.9.9"), someone))
    assert on_address[29].flags == [] and on_address[30].flags == ["shared_address"]
    assert Attempt.objects.filter(quiz=quiz, ip_address="10.9.9.9", review="flagged").count() == 31
    # A reviewed attempt is not flagged again.
    Attempt.objects.filter(pk=on_address[0].pk).update(review=Attempt.Review.CLEARED)
    with django_capture_on_commit_callbacks(execute=True):
        someone = taker()
        services.finish(services.start_attempt(quiz, someone, ip="10.9.9.9"), someone)
    assert Attempt.objects.get(pk=on_address[0].pk).review == Attempt.Review.CLEARED


def test_disqualification_removes_the_person_for_good_until_lifted(demo, sent, django_capture_on_commit_callbacks):
    hebei = Organization.objects.get(name="河北省")
    reviewer = User.objects.get(username="hebei-reviewer")
    with freeze_time(T0) as clock:
        quiz = make_quiz(demo, hebei, scored_attempts_per_day=None)
        someone = taker()
        first_attempt = _scored(quiz, someone, 3, 30, clock)
        with pytest.raises(ValidationError) as error:
            services.review_attempt(first_attempt, actor=reviewer, disqualify=True)
        assert error.value.messages == ["取消成绩时请写明原因。"]
        with django_capture_on_commit_callbacks(execute=True):
            services.review_attempt(first_attempt, actor=reviewer, disqualify=True, note="代答")
        standing = Standing.objects.get(quiz=quiz, person=someone)
        assert standing.disqualified and sent["standing"][-1] == (someone.pk, first_attempt.score, True)
        # A later, better attempt does not bring the person back.
        with django_capture_on_commit_callbacks(execute=True):
            better = _scored(quiz, someone, 8, 30, clock)
        standing.refresh_from_db()
        assert standing.disqualified and standing.attempt_id == first_attempt.pk
        assert sent["finished"][-1] == (better.pk, None)
        # Registering again (a new school) keeps them off the boards.
        with django_capture_on_commit_callbacks(execute=True):
            services.register(quiz, someone, display_name="换个名字")
        assert sent["standing"][-1][2] is True
        # Lifting it (the reviewer clears the attempt) counts the best attempt again.
        with django_capture_on_commit_callbacks(execute=True):
            services.review_attempt(first_attempt, actor=reviewer, disqualify=False)
        standing.refresh_from_db()
        assert not standing.disqualified and standing.attempt_id == better.pk
        assert sent["standing"][-1] == (someone.pk, better.score, False)
        in_progress = services.start_attempt(quiz, someone)
        with pytest.raises(ValidationError) as error:
            services.review_attempt(in_progress, actor=reviewer, disqualify=True, note="x")
        assert error.value.messages == ["只能核查已交卷的计分答题。"]
    outsider = User.objects.get(username="sjz-reviewer")  # below the quiz's organization
    with pytest.raises(Http404):
        services.review_attempt(first_attempt, actor=outsider, disqualify=True, note="x")


def test_a_new_registration_moves_the_standing(demo, sent, django_capture_on_commit_callbacks):
    quiz = make_quiz(asks_region=True)
    someone = taker()
    services.register(quiz, someone, display_name="小明", division=Division.objects.get(code="130102"))
    services.finish(services.start_attempt(quiz, someone), someone)
    with django_capture_on_commit_callbacks(execute=True):
        services.register(quiz, someone, display_name="小明", division=Division.objects.get(code="130203"),
                          school_name="唐山一中")
    standing = Standing.objects.get(quiz=quiz, person=someone)
    assert (standing.province_code, standing.city_code, standing.school_name) == ("130000", "130200", "唐山一中")
    assert sent["standing"] == [(someone.pk, standing.score, False)]
    assert Registration.objects.filter(quiz=quiz, person=someone).count() == 1


# --- the sweep ------------------------------------------------------------------------------

def test_attempts_left_open_are_closed_at_their_deadline(sent, django_capture_on_commit_callbacks):
    from sciweek.quiz.tasks import close_overdue_attempts

    with freeze_time(T0) as clock:
        quiz = make_quiz(seconds_per_question=None, seconds_per_attempt=600)
        people = [taker() for _i in range(3)]
        left = [services.start_attempt(quiz, p) for p in people]
        item = services.serve(left[0])
        services.answer(left[0], people[0], position=item.position, option_ids=key_of(quiz, item))
        clock.tick(599)
        assert services.close_overdue() == 0
        clock.tick(2)
        with django_capture_on_commit_callbacks(execute=True):
            assert close_overdue_attempts.call() == 3
        assert close_overdue_attempts.call() == 0
        for attempt in left:
            attempt.refresh_from_db()
            assert attempt.status == Attempt.Status.EXPIRED and attempt.time_used_ms == 600000
        assert left[0].correct_count == 1 and len(sent["finished"]) == 3
        services.start_attempt(quiz, taker())
        clock.tick(601)
        out = io.StringIO()
        call_command("close_quiz_attempts", stdout=out)
        assert out.getvalue().strip() == "Quiz attempts closed: 1"


# --- personal data --------------------------------------------------------------------------

def test_export_and_erase(demo, sent, django_capture_on_commit_callbacks):
    quiz = make_quiz(asks_region=True, asks_school=True, scored_attempts_per_day=None, rules=TEN_EACH)
    someone, other = taker(), taker()
    for person, name in ((someone, "小红"), (other, "小刚")):
        services.register(quiz, person, display_name=name, division=Division.objects.get(code="130102"),
                          school_name="长安实验小学")
        done = services.start_attempt(quiz, person, ip="10.1.1.1", device_id="dev-1")
        play(done, person, right=4)
        services.finish(done, person)
    open_attempt = services.start_attempt(quiz, someone, ip="10.1.1.1", device_id="dev-1")
    exported = services.export_for(someone)
    assert len(exported) == 1
    entry = exported[0]
    assert entry["quiz"] == quiz.title and entry["year"] == 2099
    assert entry["registration"]["display_name"] == "小红" and entry["registration"]["school"] == "长安实验小学"
    assert "长安区" in entry["registration"]["region"]
    assert [a["status"] for a in entry["attempts"]] == ["finished", "in_progress"]
    assert entry["attempts"][0]["ip_address"] == "10.1.1.1" and entry["result"]["score"] == 40
    assert "+08:00" in entry["attempts"][0]["started_at"]
    json.dumps(exported)  # serializable as is
    codes = set(Attempt.objects.filter(person=someone).values_list("certificate_code", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        services.erase_for(someone)
    assert not Standing.objects.filter(person=someone).exists()
    assert Standing.objects.filter(person=other).count() == 1
    assert (someone.pk, 40, True) in sent["standing"]
    registration = Registration.objects.get(quiz=quiz, person=someone)
    assert (registration.display_name, registration.school_name, registration.province_code) == (
        "已注销", "", "130000")
    attempts = Attempt.objects.filter(person=someone)
    assert attempts.count() == 2 and not attempts.filter(status="in_progress").exists()  # counts stay
    assert set(attempts.values_list("ip_address", "device_id")) == {(None, "")}
    assert codes.isdisjoint(attempts.values_list("certificate_code", flat=True))
    open_attempt.refresh_from_db()
    assert open_attempt.status == Attempt.Status.FINISHED
    assert services.export_for(someone)[0]["registration"]["display_name"] == "已注销"


# --- queries per call ------------------------------------------------------------------------

@contextmanager
def statements(at_most: int, exactly: bool = False):
    """The queries a call sends, not counting transaction control (SAVEPOINT and RELEASE here,
    inside the test's transaction; BEGIN IMMEDIATE and COMMIT in production on SQLite, the
    driver's BEGIN and COMMIT on PostgreSQL)."""
    with CaptureQueriesContext(connection) as context:
        yield
    sql = [q["sql"] for q in context.captured_queries
           if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT"))]
    assert (len(sql) == at_most) if exactly else (len(sql) <= at_most), "\n".join([str(len(sql))] + sql)


def test_queries_per_call():
    """The hot calls of a synchronized start, bounded (bank warm: the first start of a process
    builds it once): start 3, serve 2, answer 2, finish 7 (+1 for a flagged attempt)."""
    quiz = make_quiz(scored_attempts_per_day=None)
    services.start_attempt(quiz, taker())  # warms the bank
    someone = taker()
    with statements(3, exactly=True):  # the facts; INSERT attempt; INSERT its sheet
        attempt = services.start_attempt(quiz, someone)
    with statements(2, exactly=True):  # a double click: the facts, the attempt in progress
        assert services.start_attempt(quiz, someone).pk == attempt.pk
    attempt = services.attempt_of(someone, attempt.pk)
    for _i in range(attempt.question_count):
        with statements(2, exactly=True):  # the unanswered rows; UPDATE served_at
            item = services.serve(attempt)
        with statements(2, exactly=True):  # the sheet; the conditional UPDATE
            services.answer(attempt, someone, position=item.position, option_ids=key_of(quiz, item))
    with statements(1, exactly=True):
        assert services.serve(attempt) is None
    # UPDATE missed; the sheet; the claim; device and address counts (none here); the
    # registration; the standing (locked); INSERT the standing
    with statements(6, exactly=True):
        services.finish(attempt, someone)
    with statements(0, exactly=True):
        services.finish(attempt, someone)
    second = services.start_attempt(quiz, someone, device_id="phone", ip="10.0.0.1")
    play(second, someone, right=8)  # better: it replaces the first in the standing
    with statements(8):  # ... with both counts; the standing (and when better: the registration, its UPDATE)
        services.finish(second, someone)
