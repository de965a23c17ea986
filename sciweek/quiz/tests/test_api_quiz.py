"""The quiz through the API (tag quiz): list, detail, register, start, the current question
without its key, answer (key and explanation back), finish (idempotent), result, leaderboard,
certificate; every bad input of the issue in the API's one error shape, nothing lost; another
person's attempt a 404; personal answers never publicly cached."""
from datetime import timedelta

import pytest
from django.utils import timezone

from sciweek.accounts.models import User
from sciweek.api.models import ApiToken
from sciweek.api.tests.conftest import assert_error
from sciweek.quiz import bank, certificates, services
from sciweek.quiz.models import Attempt, AttemptQuestion, Quiz, Registration, Standing

from .test_public_pages import COUNTY, EVEN, make_quiz, registered, taker

pytestmark = pytest.mark.django_db


def bearer(user) -> dict:
    _token, key = ApiToken.issue(user, name="quiz test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def numbers(item, ids) -> list[int]:
    """Options as the API names them: their numbers in the attempt's order (1, 2, …)."""
    return sorted(item.option_order.index(pk) + 1 for pk in ids)


def post(client, path, body, auth):
    return client.post(f"/api/v1{path}", body, content_type="application/json", **auth)


def put(client, path, body, auth):
    return client.put(f"/api/v1{path}", body, content_type="application/json", **auth)


def get(client, path, auth=None):
    return client.get(f"/api/v1{path}", **(auth or {}))


def _start(client, quiz, auth, **body):
    response = post(client, f"/me/quizzes/{quiz.pk}/attempts", body, auth)
    assert response.status_code in (200, 201), response.content[:500]
    return response.json()


# --- public reads -----------------------------------------------------------------------------

def test_list_and_detail(client, demo):
    now = timezone.now()
    quiz = make_quiz(demo, first_prizes=5)
    later = make_quiz(demo, slug="later", opens=now + timedelta(days=1), closes=now + timedelta(days=2))
    make_quiz(demo, slug="draft", publish=False)
    listing = get(client, "/campaigns/2020/quizzes")
    assert listing.status_code == 200 and listing["Cache-Control"] == "public, max-age=60"
    body = listing.json()
    demo_quizzes = Quiz.objects.filter(campaign=demo, status="published").exclude(
        slug__in=[quiz.slug, later.slug]).count()  # the 2020 demo's own, ended
    mine = [item for item in body["items"] if item["slug"] in (quiz.slug, later.slug)]
    assert [item["slug"] for item in mine] == [quiz.slug, later.slug] and body["count"] == 2 + demo_quizzes
    assert mine[0]["state"] == "open" and mine[1]["state"] == "coming"
    assert mine[0]["url"] == f"/2020/quiz/{quiz.slug}/"
    assert [i["slug"] for i in get(client, "/campaigns/2020/quizzes?state=coming").json()["items"]] == ["later"]
    assert [i["slug"] for i in get(client, "/campaigns/2020/quizzes?state=open").json()["items"]] == [quiz.slug]
    assert_error(get(client, "/campaigns/2020/quizzes?state=soon"), 422, "invalid")
    assert_error(get(client, "/campaigns/1999/quizzes"), 404, "not_found")
    detail = get(client, f"/quizzes/{quiz.pk}").json()
    assert detail["question_count"] == 6 and detail["max_score"] == 100 and detail["pass_score"] == 60
    assert [(r["kind"], r["count"], r["points"]) for r in detail["rules"]] == [
        ("true_false", 2, 10), ("single", 3, 20), ("multiple", 1, 20)]
    assert detail["first_prizes"] == 5 and detail["seconds_per_question"] == 60
    draft = make_quiz(demo, slug="hidden", publish=False)
    assert_error(get(client, f"/quizzes/{draft.pk}"), 404, "not_found")
    assert_error(get(client, "/quizzes/0"), 422, "invalid")


# --- a whole attempt ----------------------------------------------------------------------------

def test_register_start_answer_finish_result_certificate(client, demo):
    quiz = make_quiz(demo, asks_school=True)
    person = taker(101)
    auth = bearer(person)
    me = get(client, f"/me/quizzes/{quiz.pk}", auth)
    assert me.status_code == 200 and me["Cache-Control"] == "private, no-store" and "ETag" not in me
    assert me.json()["registration_required"] and me.json()["attempts_left"] == 1

    # Not registered yet: told so, nothing dealt.
    error = assert_error(post(client, f"/me/quizzes/{quiz.pk}/attempts", {}, auth), 409, "registration_required")
    assert "登记" in error["message"] and not Attempt.objects.filter(person=person).exists()
    error = assert_error(put(client, f"/me/quizzes/{quiz.pk}/registration", {"display_name": "小明",
                                                                          "division_code": COUNTY}, auth),
                         409, "registration_required")
    assert "学校" in error["message"]
    assert_error(put(client, f"/me/quizzes/{quiz.pk}/registration", {"display_name": "小明", "division_code": "999999",
                                                                  "school_name": "一中"}, auth), 404, "not_found")
    assert_error(put(client, f"/me/quizzes/{quiz.pk}/registration", {"display_name": " ", "division_code": COUNTY,
                                                                  "school_name": "一中"}, auth), 422, "invalid")
    saved = put(client, f"/me/quizzes/{quiz.pk}/registration", {"display_name": "小明", "division_code": COUNTY,
                                                             "school_name": "一中"}, auth)
    assert saved.status_code == 200, saved.content
    assert saved.json() == {"display_name": "小明", "division_code": COUNTY, "division_name": "河北省 石家庄市 长安区",
                            "province_code": "130000", "city_code": "130100", "school_name": "一中"}

    started = post(client, f"/me/quizzes/{quiz.pk}/attempts", {}, {**auth, "HTTP_X_DEVICE_ID": "phone-1\x00<x>"})
    assert started.status_code == 201 and started["Cache-Control"] == "private, no-store"
    attempt = started.json()
    assert attempt["status"] == "in_progress" and attempt["question_count"] == 6 and attempt["answered_count"] == 0
    stored = Attempt.objects.get(pk=attempt["id"])
    assert stored.device_id == "phone-1x" and stored.ip_address == "127.0.0.1"
    again = post(client, f"/me/quizzes/{quiz.pk}/attempts", {}, auth)  # a retry: the same attempt
    assert again.status_code == 200 and again.json()["id"] == attempt["id"]

    for n in range(6):
        current = get(client, f"/me/quiz-attempts/{attempt['id']}", auth).json()["current"]
        item = AttemptQuestion.objects.get(attempt_id=attempt["id"], position=current["position"])
        texts = {o["id"]: o["text"] for o in bank.question_info(quiz, item.question_id)["options"]}
        # Numbered in this attempt's order, never by database id (which would hint at the key).
        assert current["options"] == [{"number": n, "text": texts[pk]} for n, pk in enumerate(item.option_order, 1)]
        assert set(current) == {"position", "kind", "stem", "multiple", "options", "served_at", "deadline_at"}
        answered = post(client, f"/me/quiz-attempts/{attempt['id']}/answers",
                        {"position": current["position"], "options": numbers(item, item.correct_options)}, auth)
        assert answered.status_code == 200, answered.content
        body = answered.json()
        assert body["is_correct"] and body["in_time"] and body["correct_options"] == numbers(item, item.correct_options)
        assert body["chosen"] == body["correct_options"]
        assert body["explanation"] and body["remaining"] == 5 - n
    done = get(client, f"/me/quiz-attempts/{attempt['id']}", auth).json()
    assert done["current"] is None and done["answered_count"] == 6 and done["status"] == "in_progress"

    finished = [post(client, f"/me/quiz-attempts/{attempt['id']}/finish", {}, auth) for _i in range(3)]
    assert {r.status_code for r in finished} == {200}
    result = finished[0].json()
    assert all(r.json()["finished_at"] == result["finished_at"] for r in finished)  # scored once
    assert result["score"] == 100 and result["passed"] and result["counted"] and result["correct_count"] == 6
    assert {(r["scope"], r["rank"], r["total"]) for r in result["ranks"]} == {
        ("all", 1, 1), ("province", 1, 1), ("city", 1, 1), ("school", 1, 1)}
    assert all(i["explanation"] and i["is_correct"] for i in result["items"])
    assert result["verification_url"].endswith(certificates.verification_path(stored))
    assert Standing.objects.filter(quiz=quiz, person=person).count() == 1
    assert get(client, f"/me/quiz-attempts/{attempt['id']}/result", auth).json()["score"] == 100

    pdf = get(client, result["certificate_url"].removeprefix("/api/v1"), auth)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert pdf["Cache-Control"] == "private, no-store"

    status = get(client, f"/me/quizzes/{quiz.pk}", auth).json()
    assert status["attempts_left"] == 0 and status["standing"]["score"] == 100 and status["current_attempt_id"] is None
    assert_error(post(client, f"/me/quizzes/{quiz.pk}/attempts", {}, auth), 409, "attempt_limit")
    practice = post(client, f"/me/quizzes/{quiz.pk}/attempts", {"practice": True}, auth)
    assert practice.status_code == 201 and practice.json()["is_practice"]



def test_an_answer_can_bring_the_next_question(client, demo):
    """`next: true`: the reply carries the next question, served (its clock running) and as a
    GET of the attempt would show it, without its key; the last answer's `next` is null."""
    quiz = make_quiz(demo)
    person = taker(131)
    auth = bearer(person)
    registered(quiz, person, name="小红")
    attempt = _start(client, quiz, auth)
    current = attempt["current"]
    for n in range(6):
        item = AttemptQuestion.objects.get(attempt_id=attempt["id"], position=current["position"])
        reply = post(client, f"/me/quiz-attempts/{attempt['id']}/answers",
                     {"position": current["position"], "options": numbers(item, item.correct_options), "next": True},
                     auth).json()
        assert reply["is_correct"] and reply["remaining"] == 5 - n
        following = reply["next"]
        if n == 5:
            assert following is None
            break
        served = AttemptQuestion.objects.get(attempt_id=attempt["id"], position=following["position"])
        assert served.served_at is not None and served.answered_at is None
        assert following == get(client, f"/me/quiz-attempts/{attempt['id']}", auth).json()["current"]
        assert "correct" not in str(following) and "key" not in following
        current = following
    plain = post(client, f"/me/quiz-attempts/{attempt['id']}/answers",
                 {"position": current["position"], "options": numbers(item, item.correct_options)}, auth).json()
    assert plain["next"] is None  # a retry without `next`: the same result, nothing served

def test_leaderboard_with_and_without_a_token(client, demo):
    quiz = make_quiz(demo, rules=EVEN)
    people = []
    for n, right in enumerate((4, 6, 5)):
        person = taker(120 + n)
        registered(quiz, person, name=f"选手{n}号", county=COUNTY if n != 2 else "130203")
        attempt = services.start_attempt(quiz, person)
        done = 0
        while (item := services.serve(attempt)) is not None:
            key = item.correct_options if done < right else [pk for pk in item.option_order
                                                              if pk not in item.correct_options][:1]
            services.answer(attempt, person, position=item.position, option_ids=key)
            done += 1
        services.finish(attempt, person)
        people.append(person)
    board = get(client, f"/quizzes/{quiz.pk}/leaderboard?top=2")
    assert board.status_code == 200 and board["Cache-Control"] == "public, max-age=60"
    rows = board.json()["rows"]
    assert [(r["rank"], r["display_name"], r["score"]) for r in rows] == [(1, "选**号", 60), (2, "选**号", 50)]
    assert board.json()["me"] is None
    auth = bearer(people[0])
    mine = get(client, f"/quizzes/{quiz.pk}/leaderboard", auth)
    assert mine["Cache-Control"] == "private, no-store"
    assert mine.json()["me"] == {"scope": "all", "key": "", "rank": 3, "total": 3}
    city = get(client, f"/quizzes/{quiz.pk}/leaderboard?scope=city", auth).json()
    assert city["key"] == "130100" and city["me"] == {"scope": "city", "key": "130100", "rank": 2, "total": 2}
    other = get(client, f"/quizzes/{quiz.pk}/leaderboard?scope=city&key=130200", auth).json()
    assert len(other["rows"]) == 1 and other["me"] is None
    assert get(client, f"/quizzes/{quiz.pk}/leaderboard?scope=school").json()["rows"] == []
    for bad in ("scope=galaxy", "top=0", "top=100000", "key=%00"):
        assert_error(get(client, f"/quizzes/{quiz.pk}/leaderboard?{bad}"), 422, "invalid")


# --- bad input ----------------------------------------------------------------------------------

@pytest.fixture
def underway(client, demo):
    """A quiz, a registered taker with a token and an attempt whose first question is served."""
    quiz = make_quiz(demo)
    person = taker(130)
    registered(quiz, person)
    auth = bearer(person)
    attempt = _start(client, quiz, auth)
    item = AttemptQuestion.objects.get(attempt_id=attempt["id"], position=attempt["current"]["position"])
    return quiz, person, auth, attempt["id"], item


def _answer(client, attempt_id, auth, position, options):
    return post(client, f"/me/quiz-attempts/{attempt_id}/answers", {"position": position, "options": options}, auth)


def test_bad_answers_in_the_error_shape_and_nothing_lost(client, underway):
    quiz, person, auth, attempt_id, item = underway
    wrong = numbers(item, [pk for pk in item.option_order if pk not in item.correct_options][:1])
    right = numbers(item, item.correct_options)
    # Not in this attempt, an option that does not exist, none at all, malformed.
    assert "不在本次答题中" in assert_error(_answer(client, attempt_id, auth, 99, wrong), 422, "invalid")["message"]
    assert "选项不存在" in assert_error(_answer(client, attempt_id, auth, item.position, [len(item.option_order) + 1]),
                                     422, "invalid")["message"]
    for bad in ([], [0], [9], [item.option_order[0]], ["x"]):  # a database id is no number of the attempt's
        assert_error(_answer(client, attempt_id, auth, item.position, bad), 422, "invalid")
    assert_error(post(client, f"/me/quiz-attempts/{attempt_id}/answers", {"position": "x"}, auth), 422, "invalid")
    assert_error(client.post(f"/api/v1/me/quiz-attempts/{attempt_id}/answers", "{not json",
                             content_type="application/json", **auth), 400, "bad_request")
    # A question not shown yet.
    later = AttemptQuestion.objects.filter(attempt_id=attempt_id, served_at__isnull=True).order_by("position").last()
    assert "请按顺序作答" in assert_error(_answer(client, attempt_id, auth, later.position, [1]), 422,
                                       "invalid")["message"]
    # Answered, then the same again (a retry: the same result), then otherwise (refused, kept).
    first = _answer(client, attempt_id, auth, item.position, wrong)
    assert first.status_code == 200 and not first.json()["is_correct"]
    assert _answer(client, attempt_id, auth, item.position, wrong).json() == first.json()
    error = assert_error(_answer(client, attempt_id, auth, item.position, right), 409, "already_answered")
    assert "不能修改" in error["message"]
    item.refresh_from_db()
    assert numbers(item, item.chosen) == wrong and item.is_correct is False


def test_after_the_deadline_and_after_finishing(client, underway):
    quiz, person, auth, attempt_id, item = underway
    _answer(client, attempt_id, auth, item.position, numbers(item, item.correct_options))
    current = get(client, f"/me/quiz-attempts/{attempt_id}", auth).json()["current"]
    Attempt.objects.filter(pk=attempt_id).update(deadline_at=timezone.now() - timedelta(seconds=1))
    error = assert_error(_answer(client, attempt_id, auth, current["position"], [current["options"][0]["number"]]),
                         409, "too_late")
    assert "自动交卷" in error["message"]
    result = get(client, f"/me/quiz-attempts/{attempt_id}/result", auth).json()
    assert result["status"] == "expired" and result["score"] == item.points  # the answer before is kept
    assert_error(_answer(client, attempt_id, auth, current["position"], [current["options"][0]["number"]]), 409,
                 "too_late")


def test_closed_attempt_and_results_not_ready(client, underway):
    quiz, person, auth, attempt_id, item = underway
    assert_error(get(client, f"/me/quiz-attempts/{attempt_id}/result", auth), 409, "refused")
    assert_error(get(client, f"/me/quiz-attempts/{attempt_id}/certificate", auth), 409, "refused")
    post(client, f"/me/quiz-attempts/{attempt_id}/finish", {}, auth)
    assert_error(_answer(client, attempt_id, auth, item.position, numbers(item, item.correct_options)), 409,
                 "attempt_closed")
    error = assert_error(get(client, f"/me/quiz-attempts/{attempt_id}/certificate", auth), 409, "refused")
    assert "及格" in error["message"]


def test_another_persons_attempt_is_not_found(client, underway):
    quiz, person, auth, attempt_id, item = underway
    stranger = bearer(taker(131))
    for response in (get(client, f"/me/quiz-attempts/{attempt_id}", stranger),
                     _answer(client, attempt_id, stranger, item.position, [1]),
                     post(client, f"/me/quiz-attempts/{attempt_id}/finish", {}, stranger),
                     get(client, f"/me/quiz-attempts/{attempt_id}/result", stranger),
                     get(client, f"/me/quiz-attempts/{attempt_id}/certificate", stranger),
                     get(client, "/me/quiz-attempts/987654321", stranger)):
        assert_error(response, 404, "not_found")
    item.refresh_from_db()
    assert item.answered_at is None and Attempt.objects.get(pk=attempt_id).status == "in_progress"


def test_quiz_not_open_and_auth(client, demo):
    now = timezone.now()
    later = make_quiz(demo, slug="later", opens=now + timedelta(hours=1), closes=now + timedelta(days=1))
    over = make_quiz(demo, slug="over", opens=now - timedelta(days=1), closes=now - timedelta(minutes=1))
    person = taker(140)
    auth = bearer(person)
    for quiz, words in ((later, "答题将于"), (over, "答题已于")):
        registered(quiz, person)
        error = assert_error(post(client, f"/me/quizzes/{quiz.pk}/attempts", {}, auth), 409, "quiz_not_open")
        assert words in error["message"]
    assert not Attempt.objects.filter(person=person).exists()
    assert_error(post(client, f"/me/quizzes/{later.pk}/attempts", {}, {}), 401, "unauthorized")
    assert_error(post(client, f"/me/quizzes/{later.pk}/attempts", {}, {"HTTP_AUTHORIZATION": "Bearer sw_nope"}), 401,
                 "unauthorized")
    staff = bearer(User.objects.get(username="hebei-admin"))
    assert_error(post(client, f"/me/quizzes/{later.pk}/attempts", {}, staff), 403, "forbidden")
    assert_error(post(client, "/me/quizzes/987654321/attempts", {}, auth), 404, "not_found")


def test_english_messages_follow_accept_language(client, underway):
    quiz, person, auth, attempt_id, item = underway
    response = _answer(client, attempt_id, {**auth, "HTTP_ACCEPT_LANGUAGE": "en"}, 99, [1])
    error = assert_error(response, 422, "invalid")
    assert error["message"]  # English once the shared catalogue has this part's strings (see /tmp/h/po)
    assert Registration.objects.filter(quiz=quiz, person=person).exists()
