"""Quiz endpoints of the JSON API (tag ``quiz``, registered in QuizConfig.ready, mounted on
/api/v1/): the campaign's quizzes and their rules (public), then, with a public person's bearer
token (phone sign-in, ``auth/token``): my status in a quiz, registering, starting an attempt,
the current question, answering, finishing, the result, the leaderboards and the certificate.

The same services as the pages: the attempt is dealt, timed and scored on the server. A
question comes without its key; the key and the explanation come back in the answer's result.
Options are named by their number in the attempt's shuffled order, never by database id (ids
follow the order an author wrote the options in, which would give the key away).
Every refusal of the service (``services.QuizError``) is the API's one error shape with the
service's status and code and its localized message. Personal responses are ``private,
no-store``."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from sciweek.accounts.audit import client_ip
from sciweek.api.auth import OPTIONAL_AUTH, BearerToken, credentials
from sciweek.api.errors import ApiError, Error
from sciweek.api.pagination import Page, PageParams, paginate
from sciweek.api.schemas import MAX_ID, NO_CONTROL_CHARACTERS
from sciweek.campaigns.api import YEAR, campaign_or_404
from sciweek.organizations.models import Division
from sciweek.participants.services import public_person

from . import bank, certificates, leaderboard, services
from .models import Attempt, AttemptQuestion, Question, Quiz, Registration, Standing
from .public_views import attempts_left, quiz_state
from .services import option_numbers

router = Router(tags=["quiz"])
TAGS = [{"name": "quiz", "description": "科普知识网络答题：答题活动、答题、成绩、排行榜和证书 / "
                                        "The online science quiz: quizzes, attempts, results, boards, certificates"}]

QUIZ_ID = Path(..., ge=1, le=MAX_ID, description="答题活动 id / quiz id")
ATTEMPT_ID = Path(..., ge=1, le=MAX_ID, description="答题记录 id（本人的）/ the caller's attempt id")
PRIVATE = "private, no-store"
AUTH_ERRORS = {401: Error, 403: Error, 429: Error}
State = Literal["open", "coming", "ended"]
Scope = Literal["all", "province", "city", "school"]


# --- schemas (names start with Quiz: component names are global) -----------------------------

class QuizRuleOut(Schema):
    kind: str = Field(description="题型 / true_false, single, multiple")
    kind_label: str
    difficulty: int | None = Field(description="难度 1–3，null 为不限 / 1–3, null: any")
    count: int
    points: int = Field(description="每题分值 / points per question")


class QuizSummaryOut(Schema):
    id: int
    slug: str
    title: str
    organization: str
    audience: str = Field(description="primary 小学生, secondary 中学生, public 社会公众")
    state: State = Field(description="open 进行中, coming 未开始, ended 已结束")
    opens_at: datetime
    closes_at: datetime
    url: str = Field(description="答题页面（相对地址）/ the quiz's page (relative)")


class QuizPage(Page[QuizSummaryOut]):
    pass


class QuizDetailOut(QuizSummaryOut):
    description: str
    question_count: int = Field(description="每次答题的题数 / questions per attempt")
    max_score: int
    rules: list[QuizRuleOut] = Field(description="抽题规则 / the mix dealt per attempt")
    seconds_per_question: int | None
    seconds_per_attempt: int | None
    scored_attempts_per_day: int | None = Field(description="null 为不限 / null: no limit")
    scored_attempts_total: int | None = Field(description="null 为不限 / null: no limit")
    score_rule: Literal["best", "last"] = Field(description="计入排名的成绩：best 最高, last 最后一次")
    practice_enabled: bool
    pass_percent: int
    pass_score: int
    asks_region: bool
    asks_school: bool
    prize_basis: Literal["count", "share"] = Field(description="奖项按名额（count）或按比例（share，%）")
    first_prizes: int
    second_prizes: int
    third_prizes: int


class QuizRegistrationIn(Schema):
    display_name: str = Field(min_length=1, max_length=32, pattern=r"^[^\x00-\x20\x7f\s][^\x00-\x1f\x7f]*$",
                              description="姓名或昵称（证书上显示；排行榜上部分隐去）/ name, masked on boards")
    division_code: str | None = Field(None, pattern=r"^\d{6}$",
                                      description="所在地区的行政区划代码（省、市或区县）/ division code")
    school_name: str = Field("", max_length=64, pattern=NO_CONTROL_CHARACTERS)


class QuizRegistrationOut(Schema):
    display_name: str
    division_code: str | None
    division_name: str
    province_code: str
    city_code: str
    school_name: str


class QuizRankOut(Schema):
    scope: Scope
    key: str = Field(description="榜单的键（省、市代码或学校键）/ the board's key")
    rank: int
    total: int


class QuizStandingOut(Schema):
    attempt_id: int
    score: int
    time_used_ms: int
    finished_at: datetime
    disqualified: bool


class QuizMeOut(Schema):
    registration: QuizRegistrationOut | None
    registration_required: bool = Field(description="开始前须先登记 / must register before starting")
    attempts_left: int | None = Field(description="还可以计分答题的次数，null 为不限 / scored attempts left")
    current_attempt_id: int | None = Field(description="未完成的答题 / the attempt in progress")
    standing: QuizStandingOut | None = Field(description="计入排名的成绩 / the counted result")
    ranks: list[QuizRankOut]


class QuizStartIn(Schema):
    practice: bool = Field(False, description="练习模式，不计分、不限次数 / practice: not scored, no limit")


class QuizOptionOut(Schema):
    number: int = Field(description="选项在本次答题中的编号（1、2、3…，按本次的随机顺序）；作答时提交它 / "
                                    "the option's number in this attempt's (shuffled) order: answer with it")
    text: str


class QuizQuestionOut(Schema):
    position: int = Field(description="在本次答题中的序号 / number in this attempt")
    kind: str
    stem: str
    multiple: bool = Field(description="可选多个答案 / several options may be chosen")
    options: list[QuizOptionOut] = Field(description="本次答题的选项和顺序，不含答案 / in this attempt's order, no key")
    served_at: datetime | None
    deadline_at: datetime = Field(description="本题（或本次答题）的截止时间，以服务器为准 / the server's deadline")


class QuizAttemptOut(Schema):
    id: int
    quiz_id: int
    is_practice: bool
    status: Literal["in_progress", "finished", "expired"]
    started_at: datetime
    deadline_at: datetime
    finished_at: datetime | None
    question_count: int
    answered_count: int
    max_score: int
    current: QuizQuestionOut | None = Field(
        description="现在要回答的题；null：已全部作答（可以交卷）或已交卷 / the question to answer now")


class QuizAnswerIn(Schema):
    position: int = Field(ge=1, le=1000, description="题目序号 / the question's position")
    options: list[Annotated[int, Field(ge=1, le=8)]] = Field(
        min_length=1, max_length=8, description="所选选项的编号（QuizOptionOut.number）/ the chosen options' numbers")
    next: bool = Field(False, description="true：回复里同时给出下一题（它的计时从此刻开始），省去一次请求；"
                                          "先看解析再答下一题的客户端不要用 / true: the reply carries the next "
                                          "question too (its clock starts now), saving a request; a client that shows "
                                          "the explanation first should not ask for it")


class QuizAnswerOut(Schema):
    position: int
    is_correct: bool
    in_time: bool = Field(description="false：超过本题时限，不得分 / false: too late, not counted")
    chosen: list[int] = Field(description="所选选项的编号 / the numbers chosen")
    correct_options: list[int] = Field(description="正确选项的编号 / the right options' numbers")
    explanation: str
    points: int = Field(description="本题分值 / the question's points")
    remaining: int = Field(description="还没有作答的题数 / questions left")
    next: QuizQuestionOut | None = Field(None, description="请求了 `next` 时的下一题（已开始计时）；"
                                                           "没有下一题或答题已结束时为 null / the next question when "
                                                           "`next` was asked for (its clock running); null when none is left")


class QuizResultItemOut(Schema):
    position: int
    kind: str
    stem: str
    options: list[QuizOptionOut]
    chosen: list[int] | None = Field(description="所选选项的编号，null 为未作答 / numbers chosen, null: not answered")
    correct_options: list[int] = Field(description="正确选项的编号 / the right options' numbers")
    is_correct: bool | None
    in_time: bool | None
    explanation: str
    points: int


class QuizResultOut(Schema):
    attempt_id: int
    quiz_id: int
    is_practice: bool
    status: Literal["finished", "expired"]
    score: int
    max_score: int
    correct_count: int
    question_count: int
    time_used_ms: int
    started_at: datetime
    finished_at: datetime
    passed: bool
    review: Literal["", "flagged", "cleared", "disqualified"] = Field(
        description="核查：flagged 待核查, cleared 核查通过, disqualified 取消成绩")
    counted: bool = Field(description="本次成绩计入排名 / this attempt is the counted result")
    ranks: list[QuizRankOut]
    certificate_url: str | None = Field(description="证书（PDF，本接口）/ the certificate endpoint")
    verification_url: str | None = Field(description="证书验证页（公开）/ the public verification page")
    items: list[QuizResultItemOut]


class QuizBoardRowOut(Schema):
    rank: int
    display_name: str = Field(description="部分隐去的名字 / masked name")
    score: int
    time_used_ms: int
    finished_at: datetime


class QuizLeaderboardOut(Schema):
    scope: Scope
    key: str
    rows: list[QuizBoardRowOut]
    me: QuizRankOut | None = Field(description="带令牌时，本人在这个榜单上的名次 / the caller's rank (with a token)")


class QuizListParams(Schema):
    state: State | None = Field(None, description="只列出进行中、未开始或已结束的 / filter by state")


class QuizBoardParams(Schema):
    scope: Scope = Field("all", description="all 全部, province 省, city 市, school 学校")
    key: str = Field("", max_length=80, pattern=NO_CONTROL_CHARACTERS,
                     description="省、市为 6 位代码；学校为 “市代码|学校名”。留空：带令牌时为本人所在 / "
                                 "a division code, or 'citycode|school'; empty: the caller's own")
    top: int = Field(10, ge=1, le=leaderboard.MAX_TOP, description="前多少名 / how many rows")


# --- helpers ----------------------------------------------------------------------------------

def _refusal(error: services.QuizError) -> ApiError:
    return ApiError(error.status, error.code, str(error))


def _person(request):
    person = public_person(request.auth.user)
    if person is None:
        raise ApiError(403, "forbidden", _("请使用手机号登录的公众账号参加答题。"))
    return person


def _private(response: HttpResponse) -> None:
    response["Cache-Control"] = PRIVATE


def _quiz(quiz_id: int) -> Quiz:
    quiz = Quiz.objects.select_related("campaign", "organization").filter(
        pk=quiz_id, status=Quiz.Status.PUBLISHED, campaign__is_published=True).first()
    if quiz is None:
        raise ApiError(404, "not_found", _("没有找到这个答题活动。"))
    return quiz


def _attempt(person, attempt_id: int) -> Attempt:
    try:
        attempt = services.attempt_of(person, attempt_id)
    except services.NotFound as error:
        raise _refusal(error) from None
    attempt.person = person
    return attempt


def _summary(quiz: Quiz, now=None) -> dict:
    return {"id": quiz.pk, "slug": quiz.slug, "title": quiz.title, "organization": quiz.organization.display_name,
            "audience": quiz.audience, "state": quiz_state(quiz, now), "opens_at": quiz.opens_at,
            "closes_at": quiz.closes_at, "url": f"/{quiz.campaign.year}/quiz/{quiz.slug}/"}


def _detail(quiz: Quiz) -> dict:
    rules = bank.rules(quiz)
    kinds = dict(Question.Kind.choices)
    max_score = sum(rule["count"] * rule["points"] for rule in rules)
    return {
        **_summary(quiz), "description": quiz.description, "question_count": sum(r["count"] for r in rules),
        "max_score": max_score,
        "rules": [{"kind": r["kind"], "kind_label": str(kinds.get(r["kind"], r["kind"])), "difficulty": r["difficulty"],
                   "count": r["count"], "points": r["points"]} for r in rules],
        "seconds_per_question": quiz.seconds_per_question, "seconds_per_attempt": quiz.seconds_per_attempt,
        "scored_attempts_per_day": quiz.scored_attempts_per_day, "scored_attempts_total": quiz.scored_attempts_total,
        "score_rule": quiz.score_rule, "practice_enabled": quiz.practice_enabled, "pass_percent": quiz.pass_percent,
        "pass_score": -(-max_score * quiz.pass_percent // 100), "asks_region": quiz.asks_region,
        "asks_school": quiz.asks_school, "prize_basis": quiz.prize_basis, "first_prizes": quiz.first_prizes,
        "second_prizes": quiz.second_prizes, "third_prizes": quiz.third_prizes,
    }


def _registration(registration: Registration | None) -> dict | None:
    if registration is None:
        return None
    division = registration.division
    return {"display_name": registration.display_name, "division_code": registration.division_id,
            "division_name": division.full_name() if division else "", "province_code": registration.province_code,
            "city_code": registration.city_code, "school_name": registration.school_name}


def _ranks(quiz: Quiz, person, registration: Registration | None) -> list[dict]:
    keys = leaderboard.scopes_of(registration) if registration is not None else {"all": ""}
    return [{"scope": scope, "key": keys.get(scope, ""), "rank": rank, "total": total}
            for scope, (rank, total) in (leaderboard.rank_of(quiz, person) or {}).items()]


def _question(attempt: Attempt, item: AttemptQuestion) -> dict:
    quiz = attempt.quiz
    info = bank.question_info(quiz, item.question_id)
    texts = {option["id"]: option["text"] for option in info["options"]}
    deadline = attempt.deadline_at
    if quiz.seconds_per_question and item.served_at:
        deadline = min(deadline, item.served_at + timedelta(seconds=quiz.seconds_per_question))
    return {"position": item.position, "kind": info["kind"], "stem": info["stem"],
            "multiple": info["kind"] == Question.Kind.MULTIPLE,
            "options": [{"number": n, "text": texts.get(pk, "")} for n, pk in enumerate(item.option_order, start=1)],
            "served_at": item.served_at, "deadline_at": deadline}


def _attempt_out(attempt: Attempt, item: AttemptQuestion | None, answered: int | None = None) -> dict:
    if answered is None:
        answered = attempt.sheet.filter(answered_at__isnull=False).count()
    return {"id": attempt.pk, "quiz_id": attempt.quiz_id, "is_practice": attempt.is_practice,
            "status": attempt.status, "started_at": attempt.started_at, "deadline_at": attempt.deadline_at,
            "finished_at": attempt.finished_at, "question_count": attempt.question_count,
            "answered_count": answered, "max_score": attempt.max_score,
            "current": _question(attempt, item) if item is not None else None}


def _served(attempt: Attempt) -> dict:
    """The attempt with the question to answer now (serving it starts its clock)."""
    item = services.serve(attempt)
    if item is None:
        attempt.refresh_from_db()
    return _attempt_out(attempt, item)


def _result(attempt: Attempt, request) -> dict:
    quiz = attempt.quiz
    items = []
    for item in attempt.sheet.all():
        info = bank.question_info(quiz, item.question_id)
        texts = {option["id"]: option["text"] for option in info["options"]}
        items.append({"position": item.position, "kind": info["kind"], "stem": info["stem"],
                      "options": [{"number": n, "text": texts.get(pk, "")}
                                  for n, pk in enumerate(item.option_order, start=1)],
                      "chosen": None if item.chosen is None else option_numbers(item, item.chosen),
                      "correct_options": option_numbers(item, item.correct_options),
                      "is_correct": item.is_correct, "in_time": item.in_time, "explanation": info["explanation"],
                      "points": item.points})
    standing = None if attempt.is_practice else Standing.objects.filter(quiz=quiz, person=attempt.person).first()
    ranks = _ranks(quiz, attempt.person, attempt.registration) if standing and not standing.disqualified else []
    has_certificate = attempt.passed and not attempt.is_practice and certificates.available(attempt)
    return {
        "attempt_id": attempt.pk, "quiz_id": quiz.pk, "is_practice": attempt.is_practice, "status": attempt.status,
        "score": attempt.score, "max_score": attempt.max_score, "correct_count": attempt.correct_count or 0,
        "question_count": attempt.question_count, "time_used_ms": attempt.time_used_ms,
        "started_at": attempt.started_at, "finished_at": attempt.finished_at, "passed": attempt.passed,
        "review": attempt.review, "counted": bool(standing and standing.attempt_id == attempt.pk
                                                  and not standing.disqualified),
        "ranks": ranks,
        "certificate_url": f"/api/v1/me/quiz-attempts/{attempt.pk}/certificate" if has_certificate else None,
        "verification_url": certificates.verification_url(attempt, request) if has_certificate else None,
        "items": items,
    }


def _final(attempt: Attempt) -> Attempt:
    attempt = services.expire_if_overdue(attempt)
    if not attempt.is_final:
        raise ApiError(409, "refused", _("本次答题还没有交卷。"))
    return attempt


# --- public reads -----------------------------------------------------------------------------

@router.get("/campaigns/{year}/quizzes", response={200: QuizPage, 404: Error, 422: Error, 429: Error, 401: Error},
            operation_id="listQuizzes", summary="答题活动列表 / Quizzes of a campaign", openapi_extra=OPTIONAL_AUTH)
def list_quizzes(request, paging: Query[PageParams], filters: Query[QuizListParams], year: int = YEAR):
    """一届活动周已发布的答题活动，按开始时间排列（`state` 可筛选进行中、未开始、已结束）。
    / A campaign's published quizzes by opening time (filter with `state`)."""
    campaign = campaign_or_404(year)
    now = timezone.now()
    quizzes = Quiz.objects.filter(campaign=campaign, status=Quiz.Status.PUBLISHED).select_related(
        "organization", "campaign").order_by("opens_at", "id")
    if filters.state == "open":
        quizzes = quizzes.filter(opens_at__lte=now, closes_at__gt=now)
    elif filters.state == "coming":
        quizzes = quizzes.filter(opens_at__gt=now)
    elif filters.state == "ended":
        quizzes = quizzes.filter(closes_at__lte=now)
    return paginate(request, quizzes, paging, lambda quiz: _summary(quiz, now))


@router.get("/quizzes/{quiz_id}", response={200: QuizDetailOut, 401: Error, 404: Error, 422: Error, 429: Error},
            operation_id="getQuiz", summary="答题活动详情和规则 / A quiz and its rules", openapi_extra=OPTIONAL_AUTH)
def get_quiz(request, quiz_id: int = QUIZ_ID):
    """题数和题型、时间限制、计分次数、计分方式、及格线、奖项、开始和结束时间。
    / The mix, time limits, attempts, scoring, pass mark, prizes and times."""
    return _detail(_quiz(quiz_id))


@router.get("/quizzes/{quiz_id}/leaderboard",
            response={200: QuizLeaderboardOut, 401: Error, 404: Error, 422: Error, 429: Error},
            operation_id="getQuizLeaderboard", summary="排行榜 / Leaderboard", openapi_extra=OPTIONAL_AUTH)
def get_leaderboard(request, response: HttpResponse, params: Query[QuizBoardParams], quiz_id: int = QUIZ_ID):
    """全部、省、市或学校的前 N 名（得分高者在前，同分用时少者在前，再同则先交卷者在前；名字部分隐去）。
    带令牌时 `key` 可留空（本人所在的榜单），并给出本人的名次 `me`。
    / The top N of a board; with a token, `key` defaults to the caller's own and `me` is their rank."""
    quiz = _quiz(quiz_id)
    token = credentials(request).token
    person = public_person(token.user) if token is not None else None
    key = params.key.strip()
    mine = None
    if person is not None:
        _private(response)
        registration = Registration.objects.filter(quiz=quiz, person=person).first()
        own = leaderboard.scopes_of(registration) if registration is not None else {"all": ""}
        key = key or own.get(params.scope, "")
        found = (leaderboard.rank_of(quiz, person) or {}).get(params.scope)
        if found and own.get(params.scope) == key and (params.scope == "all" or key):
            mine = {"scope": params.scope, "key": key, "rank": found[0], "total": found[1]}
    if params.scope == "all":
        key = ""
    rows = leaderboard.top(quiz, params.scope, key, params.top)
    return {"scope": params.scope, "key": key, "me": mine,
            "rows": [{"rank": r.rank, "display_name": r.display_name, "score": r.score,
                      "time_used_ms": r.time_used_ms, "finished_at": r.finished_at} for r in rows]}


# --- the caller's part ------------------------------------------------------------------------

@router.get("/me/quizzes/{quiz_id}", auth=BearerToken(),
            response={200: QuizMeOut, 404: Error, 422: Error, **AUTH_ERRORS},
            operation_id="getMyQuizStatus", summary="我在这个答题活动中 / My status in a quiz")
def my_status(request, response: HttpResponse, quiz_id: int = QUIZ_ID):
    """本人的登记信息、还能计分答题的次数、未完成的答题、计入排名的成绩和名次。
    / The caller's registration, scored attempts left, attempt in progress, counted result and ranks."""
    _private(response)
    person = _person(request)
    quiz = _quiz(quiz_id)
    now = timezone.now()
    registration = Registration.objects.filter(quiz=quiz, person=person).select_related("division").first()
    current = Attempt.objects.filter(quiz=quiz, person=person, status=Attempt.Status.IN_PROGRESS,
                                     deadline_at__gt=now).values_list("pk", flat=True).first()
    standing = Standing.objects.filter(quiz=quiz, person=person).first()
    return {
        "registration": _registration(registration),
        "registration_required": registration is None or services.registration_missing(quiz, registration),
        "attempts_left": attempts_left(quiz, person, now), "current_attempt_id": current,
        "standing": None if standing is None else {
            "attempt_id": standing.attempt_id, "score": standing.score, "time_used_ms": standing.time_used_ms,
            "finished_at": standing.finished_at, "disqualified": standing.disqualified},
        "ranks": _ranks(quiz, person, registration) if standing and not standing.disqualified else [],
    }


@router.put("/me/quizzes/{quiz_id}/registration", auth=BearerToken(),
            response={200: QuizRegistrationOut, 404: Error, 409: Error, 422: Error, **AUTH_ERRORS},
            operation_id="registerForQuiz", summary="答题登记 / Register for a quiz")
def register(request, response: HttpResponse, payload: QuizRegistrationIn, quiz_id: int = QUIZ_ID):
    """登记（或修改）姓名或昵称、所在地区（行政区划代码）和学校，按答题活动的要求。
    答题活动要求而没有填写时返回 409 `registration_required`；地区代码不存在返回 404。
    / Registers (or updates) the name, region and school the quiz asks for. A missing required part is
    a 409 `registration_required`; an unknown division code a 404."""
    _private(response)
    person = _person(request)
    quiz = _quiz(quiz_id)
    division = None
    if payload.division_code:
        division = Division.objects.filter(code=payload.division_code).first()
        if division is None:
            raise ApiError(404, "not_found", _("没有这个行政区划代码。"))
    missing = []
    if quiz.asks_region and division is None:
        missing.append(_("请选择所在地区。"))
    if quiz.asks_school and not payload.school_name.strip():
        missing.append(_("请填写学校名称。"))
    if not payload.display_name.strip():
        missing.append(_("请填写姓名或昵称。"))
    if missing:
        raise ApiError(409, "registration_required", "".join(missing))
    try:
        registration = services.register(quiz, person, display_name=payload.display_name, division=division,
                                         school_name=payload.school_name)
    except ValidationError as error:
        raise ApiError(409, "registration_required", "".join(error.messages)) from None
    registration.division = division
    return _registration(registration)


@router.post("/me/quizzes/{quiz_id}/attempts", auth=BearerToken(),
             response={200: QuizAttemptOut, 201: QuizAttemptOut, 404: Error, 409: Error, 422: Error, **AUTH_ERRORS},
             operation_id="startQuizAttempt", summary="开始答题 / Start an attempt")
def start(request, response: HttpResponse, payload: QuizStartIn, quiz_id: int = QUIZ_ID):
    """发一份新的答题（201），或返回未完成的那一份（200：重试、连点都不会多发）。返回的当前题不含答案。
    没有登记时返回 409 `registration_required`（先调用登记接口）；未开始或已结束 409 `quiz_not_open`；
    计分次数用完 409 `attempt_limit`；题库不足 409 `quiz_misconfigured`。
    / Deals a new attempt (201) or returns the one in progress (200: a retry never deals twice), with its
    current question (no key). Not registered: 409 `registration_required`."""
    _private(response)
    person = _person(request)
    quiz = _quiz(quiz_id)
    registration = Registration.objects.filter(quiz=quiz, person=person).first()
    if registration is None or services.registration_missing(quiz, registration):
        raise ApiError(409, "registration_required", _("开始答题前，请先填写登记信息。"))
    device = "".join(ch for ch in request.headers.get("X-Device-Id", "")[:64] if ch.isascii() and (
        ch.isalnum() or ch in "-_"))
    began = timezone.now()
    try:
        attempt = services.start_attempt(quiz, person, practice=payload.practice, ip=client_ip(request),
                                         device_id=device or f"api-token-{request.auth.pk}")
    except services.QuizError as error:
        raise _refusal(error) from None
    attempt.person = person
    body = _served(attempt)
    return Status(201 if attempt.started_at >= began else 200, body)


@router.get("/me/quiz-attempts/{attempt_id}", auth=BearerToken(),
            response={200: QuizAttemptOut, 404: Error, 422: Error, **AUTH_ERRORS},
            operation_id="getMyQuizAttempt", summary="当前题目 / The attempt and its current question")
def get_attempt(request, response: HttpResponse, attempt_id: int = ATTEMPT_ID):
    """本人的一次答题和现在要回答的题（第一次取到时开始计时，以服务器为准；不含答案）。时间用完时自动交卷，
    `current` 为 null。别人的答题返回 404。
    / The caller's attempt and the question to answer now (its clock starts when first served; no key).
    Another person's attempt is a 404."""
    _private(response)
    attempt = _attempt(_person(request), attempt_id)
    return _served(attempt)


@router.post("/me/quiz-attempts/{attempt_id}/answers", auth=BearerToken(),
             response={200: QuizAnswerOut, 404: Error, 409: Error, 422: Error, **AUTH_ERRORS},
             operation_id="answerQuizQuestion", summary="作答 / Answer a question")
def answer(request, response: HttpResponse, payload: QuizAnswerIn, attempt_id: int = ATTEMPT_ID):
    """回答一道题（`options`：所选选项的编号，见 `QuizOptionOut.number`），返回对错、正确答案和解析。
    同样的答案重发（重试）得到同样的结果；
    已作答的题换答案 409 `already_answered`；超时已交卷 409 `too_late`；已交卷 409 `attempt_closed`；
    不在本次答题中的题、不存在的选项、单选题选了多个 422 `invalid`。已作答的不会丢失。
    / Answers one question (`options`: the chosen options' numbers); returns right or wrong, the key and the
    explanation. The same answer again gets the same result; another answer to an answered question is a
    409 `already_answered`."""
    _private(response)
    attempt = _attempt(_person(request), attempt_id)
    try:
        result = services.answer(attempt, attempt.person, position=payload.position, numbers=payload.options)
    except services.QuizError as error:
        raise _refusal(error) from None
    item = result.item
    following = services.serve(attempt) if payload.next and result.remaining else None
    return {"position": item.position, "is_correct": result.is_correct, "in_time": result.in_time,
            "chosen": option_numbers(item, item.chosen), "correct_options": option_numbers(item, result.correct_options),
            "explanation": result.explanation, "points": item.points, "remaining": result.remaining,
            "next": None if following is None else _question(attempt, following)}


@router.post("/me/quiz-attempts/{attempt_id}/finish", auth=BearerToken(),
             response={200: QuizResultOut, 404: Error, 422: Error, **AUTH_ERRORS},
             operation_id="finishQuizAttempt", summary="交卷 / Finish the attempt")
def finish(request, response: HttpResponse, attempt_id: int = ATTEMPT_ID):
    """交卷并计分，只计一次：重试或连点得到同一个结果。没有作答的题不得分。
    / Hands the attempt in and scores it exactly once: a retry gets the same result."""
    _private(response)
    attempt = _attempt(_person(request), attempt_id)
    person = attempt.person
    attempt = services.finish(attempt, person)
    attempt.person = person
    return _result(attempt, request)


@router.get("/me/quiz-attempts/{attempt_id}/result", auth=BearerToken(),
            response={200: QuizResultOut, 404: Error, 409: Error, 422: Error, **AUTH_ERRORS},
            operation_id="getQuizResult", summary="成绩和解析 / Result with explanations")
def result(request, response: HttpResponse, attempt_id: int = ATTEMPT_ID):
    """得分、答对题数、用时、是否及格、每道题的作答、答案和解析、名次、证书地址。未交卷 409 `refused`。
    / Score, time, pass, every question with the caller's choice, the key and the explanation, ranks and the
    certificate's address. Not finished yet: 409 `refused`."""
    _private(response)
    attempt = _attempt(_person(request), attempt_id)
    person = attempt.person
    attempt = _final(attempt)
    attempt.person = person
    return _result(attempt, request)


@router.get("/me/quiz-attempts/{attempt_id}/certificate", auth=BearerToken(),
            response={200: None, 404: Error, 409: Error, 422: Error, **AUTH_ERRORS},
            operation_id="getQuizCertificate", summary="电子证书（PDF）/ Certificate (PDF)",
            openapi_extra={"responses": {200: {
                "description": "证书 PDF，二维码指向公开的验证页 / The PDF, its QR code opens the public verification page",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}})
def certificate(request, attempt_id: int = ATTEMPT_ID):
    """及格的计分答题的电子证书。没有证书（未交卷、练习、未及格、成绩被取消）返回 409 `refused` 并说明原因。
    / The certificate of a passed, scored attempt; without one, a 409 `refused` saying why."""
    attempt = _attempt(_person(request), attempt_id)
    reason = certificates.refusal(attempt)
    if reason:
        raise ApiError(409, "refused", reason)
    pdf = HttpResponse(certificates.pdf(attempt, request), content_type="application/pdf")
    pdf["Content-Disposition"] = f'attachment; filename="sciweek-quiz-certificate-{attempt.pk}.pdf"'
    pdf["Cache-Control"] = PRIVATE
    return pdf

