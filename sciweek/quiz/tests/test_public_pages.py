"""The quiz's public pages (issue 12): the list, a quiz's page, registration, an attempt one
question at a time with the key kept back until the answer, the feedback, finishing, the
result with ranks, the certificate and its verification, the leaderboards; every bad input
of the issue answered by a message on the page (never a 500), another person's attempt a
404; bounded queries on the attempt page and the answer POST.

`make_quiz`, `taker` and `sign_in_taker` are shared with the API and browser tests."""
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sciweek.accounts.models import User
from sciweek.core.device import DEVICE_COOKIE
from sciweek.organizations.models import Division, Organization
from sciweek.participants.models import Profile
from sciweek.quiz import bank, certificates, services
from sciweek.quiz.models import Attempt, AttemptQuestion, Quiz, Registration, Standing

pytestmark = pytest.mark.django_db

COUNTY = "130102"  # 河北省 石家庄市 长安区
MIX = [{"kind": "true_false", "count": 2, "points": 10}, {"kind": "single", "count": 3, "points": 20},
       {"kind": "multiple", "count": 1, "points": 20}]  # 6 questions, 100 points
EVEN = [{"kind": "true_false", "count": 2, "points": 10}, {"kind": "single", "count": 3, "points": 10},
        {"kind": "multiple", "count": 1, "points": 10}]  # every question 10 points: scores follow right answers


def _bank(admin, reviewer, organization, tag: str):
    """Enough approved questions of each kind for MIX, with explanations."""
    written = []
    for i in range(4):
        written.append(services.save_question(
            actor=admin, organization=organization, kind="true_false", stem=f"{tag}判断题{i}：水在标准大气压下 100 ℃ 沸腾。",
            options=services.true_false_options(i % 2 == 0), explanation=f"{tag}判断解析{i}", submit=True))
    for i in range(5):
        written.append(services.save_question(
            actor=admin, organization=organization, kind="single", stem=f"{tag}单选题{i}：下列哪一项正确？",
            options=[services.OptionIn(f"{tag}甲{i}", False), services.OptionIn(f"{tag}乙{i}", True),
                     services.OptionIn(f"{tag}丙{i}", False), services.OptionIn(f"{tag}丁{i}", False)],
            explanation=f"{tag}单选解析{i}", submit=True))
    for i in range(2):
        written.append(services.save_question(
            actor=admin, organization=organization, kind="multiple", stem=f"{tag}多选题{i}：哪些做法有助于防疫？",
            options=[services.OptionIn(f"{tag}勤洗手{i}", True), services.OptionIn(f"{tag}戴口罩{i}", True),
                     services.OptionIn(f"{tag}聚集{i}", False)],
            explanation=f"{tag}多选解析{i}", submit=True))
    services.review_questions(written, actor=reviewer, approve=True)
    return written


def make_quiz(campaign, *, slug="science", title="科普知识测试", opens=None, closes=None, rules=None,
              publish=True, **fields) -> Quiz:
    """A published quiz of Hebei in `campaign`, open now (unless told otherwise)."""
    admin = User.objects.get(username="hebei-admin")
    reviewer = User.objects.get(username="hebei-reviewer")
    hebei = Organization.objects.get(name="河北省")
    now = timezone.now()
    questions = _bank(admin, reviewer, hebei, slug)
    fields.setdefault("seconds_per_question", 60)
    quiz = services.save_quiz(Quiz(campaign=campaign, organization=hebei, slug=slug, title=title,
                                   opens_at=opens or now - timedelta(hours=1),
                                   closes_at=closes or now + timedelta(days=3), **fields),
                              actor=admin, rules=rules or MIX)
    services.set_pool(quiz, questions, actor=admin)
    if publish:
        services.publish_quiz(quiz, actor=admin)
    quiz.refresh_from_db()
    return quiz


def taker(n: int, *, name="测试者") -> User:
    """A member of the public (a phone sign-in's account)."""
    user = User.objects.create(username=f"quiz_taker_{n}")
    Profile.objects.create(user=user, phone=f"139{n:08d}", consent_at=timezone.now(), name=name)
    return user


def sign_in_taker(client, person):
    client.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
    return client


def registered(quiz, person, *, name="小明", school="", county=COUNTY):
    return services.register(quiz, person, display_name=name, division=Division.objects.get(code=county),
                             school_name=school)


def url(quiz, name="detail", attempt=None):
    args = [quiz.campaign.year, quiz.slug] + ([attempt.pk] if attempt is not None else [])
    return reverse(f"quiz:{name}", args=args)


def pick(item, ids) -> list[str]:
    """What the form sends for these options: their numbers in the attempt's order (1, 2, …)."""
    return [str(item.option_order.index(pk) + 1) for pk in ids]


def answer_all(client, quiz, attempt, *, right=True):
    """Answer every question through the pages; returns the feedback pages' HTML."""
    pages = []
    for _i in range(attempt.question_count):
        page = client.get(url(quiz, "attempt", attempt))
        assert page.status_code == 200
        item = AttemptQuestion.objects.filter(attempt=attempt, answered_at__isnull=True).order_by("position").first()
        key = item.correct_options if right else [pk for pk in item.option_order if pk not in item.correct_options][:1]
        response = client.post(url(quiz, "answer", attempt), {"position": item.position, "option": pick(item, key)})
        assert response.status_code == 200
        pages.append(response.content.decode())
    return pages


def text(response) -> str:
    """The page's words (its <main>), tags removed."""
    html = response.content.decode()
    if "<main" in html:
        html = html[html.index("<main"):html.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- the list and a quiz's page ------------------------------------------------------------

def test_list_groups_quizzes_open_coming_and_ended(client, demo):
    now = timezone.now()
    make_quiz(demo, slug="open-now", title="正在答")
    make_quiz(demo, slug="later", title="以后答", opens=now + timedelta(days=1), closes=now + timedelta(days=2))
    make_quiz(demo, slug="over", title="答完了", opens=now - timedelta(days=2), closes=now - timedelta(days=1))
    make_quiz(demo, slug="draft", title="草稿不显示", publish=False)
    page = client.get(reverse("quiz:list", args=[2020]))
    assert page.status_code == 200
    body = text(page)
    assert body.index("正在进行") < body.index("正在答") < body.index("即将开始") < body.index("以后答") \
        < body.index("已经结束") < body.index("答完了")
    assert "草稿不显示" not in body
    assert client.get(reverse("quiz:list", args=[1999])).status_code == 404


def test_quiz_page_states_its_rules_in_words(client, demo):
    quiz = make_quiz(demo, scored_attempts_per_day=1, scored_attempts_total=3, pass_percent=60, first_prizes=10,
                     second_prizes=20, third_prizes=30)
    page = client.get(url(quiz))
    assert page.status_code == 200
    body = text(page)
    for words in ("每次随机抽取 6 道题，满分 100 分", "判断题 2 道，每题 10 分", "单选题 3 道，每题 20 分",
                  "多选题 1 道，每题 20 分", "每题限时 1 分钟", "每天可计分答题 1 次", "共可计分答题 3 次",
                  "取最高成绩计入排名", "得分率达到 60%（60 分）为及格", "一等奖 10 名", "三等奖 30 名",
                  "另有练习模式", "登录参加答题"):
        assert words in body, words
    assert 'action="/2020/quiz/science/start/"' not in page.content.decode()  # anonymous: no start button
    assert f'href="/2020/quiz/{quiz.slug}/join/"' in page.content.decode()
    joined = client.get(url(quiz, "join"), follow=True)
    assert joined.redirect_chain[-1][0] == f"/signin/?next=%2F2020%2Fquiz%2F{quiz.slug}%2F"
    assert "请先用手机号登录再参加答题" in text(joined)
    assert page.cookies[DEVICE_COOKIE]["httponly"] and page.cookies[DEVICE_COOKIE]["samesite"] == "Lax"
    draft = make_quiz(demo, slug="hidden", publish=False)
    assert client.get(url(draft)).status_code == 404


def test_start_sends_a_visitor_to_sign_in_and_back_to_the_quiz(client, demo):
    quiz = make_quiz(demo)
    response = client.post(url(quiz, "start"))
    assert response.status_code == 302
    assert response["Location"] == f"/signin/?next=%2F2020%2Fquiz%2F{quiz.slug}%2F"


# --- registration ----------------------------------------------------------------------------

def test_registration_picks_a_region_step_by_step_without_javascript(client, demo):
    quiz = make_quiz(demo, asks_school=True)
    person = taker(1)
    sign_in_taker(client, person)
    assert client.post(url(quiz, "start")).headers["Location"] == url(quiz, "register")
    form = client.get(url(quiz, "register"))
    assert form.status_code == 200 and 'value="130000" selected' in form.content.decode()  # Hebei's quiz
    shown = client.post(url(quiz, "register"), {"display_name": "小明", "p": "130000", "refresh": "p"})
    html = shown.content.decode()
    assert "石家庄市" in html and "error-summary" not in html
    assert "autofocus" in re.search(r'<select[^>]*id="id_c"[^>]*>', html).group(0)  # on to the city
    shown = client.post(url(quiz, "register"), {"display_name": "小明", "p": "130000", "c": "130100",
                                                "refresh": "c"})
    assert "长安区" in shown.content.decode()
    missing = client.post(url(quiz, "register"), {"display_name": "", "p": "130000", "c": "", "save": "1"})
    body = text(missing)
    assert missing.status_code == 200 and "请改正以下问题" in body and "这个字段是必填项" in body
    assert "请选择城市" in body or "学校" in body
    saved = client.post(url(quiz, "register"), {"display_name": "小明", "p": "130000", "c": "130100",
                                                "d": "130102", "school_name": "石家庄市第二中学", "save": "1"})
    assert saved.status_code == 302 and saved["Location"] == url(quiz)
    registration = Registration.objects.get(quiz=quiz, person=person)
    assert (registration.division_id, registration.province_code, registration.city_code,
            registration.school_name) == ("130102", "130000", "130100", "石家庄市第二中学")
    again = client.get(url(quiz, "register")).content.decode()
    assert 'value="130102" selected' in again and "石家庄市第二中学" in again


def test_registration_refuses_a_city_of_another_province(client, demo):
    quiz = make_quiz(demo)
    sign_in_taker(client, taker(2))
    response = client.post(url(quiz, "register"), {"display_name": "小红", "p": "110000", "c": "130100",
                                                   "save": "1"})
    assert response.status_code == 200 and "请改正以下问题" in text(response)
    assert not Registration.objects.filter(quiz=quiz).exists()


# --- an attempt ------------------------------------------------------------------------------

def _started(client, quiz, person, **kwargs):
    registered(quiz, person, **kwargs)
    response = client.post(url(quiz, "start"))
    assert response.status_code == 302, response.content[:300]
    attempt = Attempt.objects.get(quiz=quiz, person=person, status="in_progress")
    assert response["Location"] == url(quiz, "attempt", attempt)
    return attempt


def test_the_attempt_page_never_carries_the_key(client, demo):
    quiz = make_quiz(demo)
    person = taker(3)
    sign_in_taker(client, person)
    attempt = _started(client, quiz, person)
    for _i in range(attempt.question_count):
        page = client.get(url(quiz, "attempt", attempt))
        html = page.content.decode()
        item = AttemptQuestion.objects.filter(attempt=attempt, answered_at__isnull=True).order_by("position").first()
        info = bank.question_info(quiz, item.question_id)
        texts = {option["id"]: option["text"] for option in info["options"]}
        shown = re.findall(r'name="option" value="([^"]*)"[^>]*>\s*(?:<span[^>]*>)?([^<]+)', html)
        # Every option, in this attempt's order, numbered 1, 2, … (never its database id, which
        # follows the order the author wrote the options in: a hint to the key).
        assert [(value, label.strip()) for value, label in shown] == [
            (str(n), texts[pk]) for n, pk in enumerate(item.option_order, start=1)]
        assert not any(f'value="{pk}"' in html for pk in item.option_order if pk > len(item.option_order))
        assert info["stem"] in html
        assert info["explanation"] not in html
        main = html[html.index("<main"):html.index("</main>")]
        for marker in ("correct", "（正确答案）", "您的选择", "data-key", "is_correct", "answer-key", "checked", "wrong"):
            assert marker not in main.lower(), marker
        assert "quiz.js" in html and "<script>" not in html  # no inline script: nothing but the countdown
        assert f'name="position" value="{item.position}"' in html
        response = client.post(url(quiz, "answer", attempt), {"position": item.position,
                                                              "option": pick(item, item.correct_options)})
        feedback = response.content.decode()
        assert "回答正确" in feedback and info["explanation"] in feedback
        assert feedback.count("（您的选择，正确）") == len(item.correct_options)


def test_a_whole_attempt_through_the_pages(client, demo):
    quiz = make_quiz(demo)
    person = taker(4)
    sign_in_taker(client, person)
    attempt = _started(client, quiz, person, school="石家庄市第二中学")
    assert attempt.device_id and attempt.device_id == client.cookies[DEVICE_COOKIE].value
    assert attempt.ip_address == "127.0.0.1"
    pages = answer_all(client, quiz, attempt)
    assert "交卷查看成绩" in pages[-1] and "下一题" in pages[0]
    all_answered = client.get(url(quiz, "attempt", attempt))
    assert "全部题目已作答" in text(all_answered)
    finished = client.post(url(quiz, "finish", attempt))
    assert finished.status_code == 302 and finished["Location"] == url(quiz, "result", attempt)
    again = client.post(url(quiz, "finish", attempt))  # a double click: the same result, scored once
    assert again["Location"] == url(quiz, "result", attempt)
    attempt.refresh_from_db()
    assert attempt.status == "finished" and attempt.score == 100
    assert Standing.objects.filter(quiz=quiz, person=person).count() == 1
    result = client.get(url(quiz, "result", attempt))
    body = text(result)
    assert "100 / 100 分" in body and "6 / 6 题" in body and "及格" in body
    assert "本次成绩计入排名" in body and "全部答题者中第 1 名（共 1 人）" in body
    assert "本省第 1 名" in body and "本市第 1 名" in body and "本校第 1 名" in body
    for item in attempt.sheet.all():
        assert bank.question_info(quiz, item.question_id)["explanation"] in body
    pdf = client.get(url(quiz, "certificate", attempt))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    verify = certificates.verification_path(attempt)
    assert verify in result.content.decode()
    check = Client().get(verify)
    assert check.status_code == 200
    body = text(check)
    assert "证书有效" in body and quiz.title in body and "小*" in body and "100 / 100 分" in body
    assert "小明" not in body and "139" not in body
    # The quiz page now shows my standing and my attempts, and no scored attempt left today.
    quiz_page = text(client.get(url(quiz)))
    assert "我的成绩" in quiz_page and "您的计分答题次数已用完" in quiz_page and "练习（不计分）" in quiz_page
    mine = text(client.get(reverse("quiz:mine")))
    assert quiz.title in mine and "100 / 100 分" in mine


def test_a_wrong_answer_shows_the_key_and_a_failed_attempt_has_no_certificate(client, demo):
    quiz = make_quiz(demo)
    person = taker(5)
    sign_in_taker(client, person)
    attempt = _started(client, quiz, person)
    pages = answer_all(client, quiz, attempt, right=False)
    assert all("回答错误" in page and "（正确答案）" in page for page in pages)
    client.post(url(quiz, "finish", attempt))
    result = text(client.get(url(quiz, "result", attempt)))
    assert "0 / 100 分" in result and "未及格" in result and "下载电子证书（PDF）" not in result
    assert client.get(url(quiz, "certificate", attempt)).status_code == 404


def test_finishing_early_asks_first_and_is_idempotent(client, demo):
    quiz = make_quiz(demo)
    person = taker(6)
    sign_in_taker(client, person)
    attempt = _started(client, quiz, person)
    ask = client.post(url(quiz, "finish", attempt))
    assert ask.status_code == 200 and "还有 6 道题没有作答" in text(ask)
    attempt.refresh_from_db()
    assert attempt.status == "in_progress"
    for _i in range(3):
        done = client.post(url(quiz, "finish", attempt), {"confirmed": "1"})
        assert done.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == "finished" and attempt.score == 0
    assert client.get(url(quiz, "attempt", attempt))["Location"] == url(quiz, "result", attempt)


def test_practice_is_not_ranked(client, demo):
    quiz = make_quiz(demo)
    person = taker(7)
    sign_in_taker(client, person)
    registered(quiz, person)
    response = client.post(url(quiz, "start"), {"practice": "1"})
    attempt = Attempt.objects.get(quiz=quiz, person=person)
    assert attempt.is_practice and response["Location"] == url(quiz, "attempt", attempt)
    assert "练习，不计分" in text(client.get(url(quiz, "attempt", attempt)))
    answer_all(client, quiz, attempt)
    client.post(url(quiz, "finish", attempt))
    result = text(client.get(url(quiz, "result", attempt)))
    assert "练习，不计分" in result and "下载电子证书（PDF）" not in result and "排名" not in result.split("答题详情")[0]
    assert not Standing.objects.filter(quiz=quiz, person=person).exists()


# --- bad input -------------------------------------------------------------------------------

def _current(attempt):
    return AttemptQuestion.objects.filter(attempt=attempt, answered_at__isnull=True).order_by("position").first()


def test_bad_answers_get_a_message_and_lose_nothing(client, demo):
    quiz = make_quiz(demo)
    person = taker(8)
    sign_in_taker(client, person)
    attempt = _started(client, quiz, person)
    client.get(url(quiz, "attempt", attempt))
    item = _current(attempt)
    other = [pk for pk in item.option_order if pk not in item.correct_options][0]
    other_number = pick(item, [other])[0]

    # Nothing chosen: the question again, with the message tied to it.
    response = client.post(url(quiz, "answer", attempt), {"position": item.position})
    html = response.content.decode()
    assert response.status_code == 200 and "请选择答案" in html and 'aria-invalid="true"' in html
    assert 'id="id_option_error"' in html and 'aria-describedby="id_option_error"' in html

    # An option that does not exist (another question's, or made up).
    for bogus in ("999999999", "abc", "-1", "0", "99999999999999999999999", str(len(item.option_order) + 1),
                  str(other)):  # str(other): a database id, not a number of this attempt's options
        response = client.post(url(quiz, "answer", attempt), {"position": item.position, "option": bogus})
        assert response.status_code == 200 and "选项不存在" in text(response), bogus

    # A question that is not in this attempt, or no question at all.
    for position in ("99", "", "x", "-1", "99999999999999999999999"):
        response = client.post(url(quiz, "answer", attempt), {"position": position, "option": other_number})
        assert response.status_code == 200 and "这道题不在本次答题中" in text(response), position
        assert f'name="position" value="{item.position}"' in response.content.decode()  # still this question

    # Two answers to a single-choice question (to a multiple choice, they would be its answer).
    if bank.question_info(quiz, item.question_id)["kind"] != "multiple":
        response = client.post(url(quiz, "answer", attempt), {"position": item.position, "option": ["1", "2"]})
        assert "这道题只能选一个答案" in text(response)

    # Answered, then answered again otherwise: refused, the first answer kept.
    client.post(url(quiz, "answer", attempt), {"position": item.position, "option": other_number})
    again = client.post(url(quiz, "answer", attempt), {"position": item.position,
                                                       "option": pick(item, item.correct_options)})
    assert again.status_code == 200 and "这道题已经作答，不能修改" in text(again)
    assert "回答错误" in text(again)
    item.refresh_from_db()
    assert item.chosen == [other] and item.is_correct is False
    # The same answer sent again (a retry) is the same feedback, no refusal.
    retry = client.post(url(quiz, "answer", attempt), {"position": item.position, "option": other_number})
    assert "回答错误" in text(retry) and "不能修改" not in text(retry)

    # A later question before it was shown.
    later = AttemptQuestion.objects.filter(attempt=attempt, served_at__isnull=True).order_by("position").last()
    response = client.post(url(quiz, "answer", attempt), {"position": later.position, "option": "1"})
    assert "请按顺序作答" in text(response)
    later.refresh_from_db()
    assert later.answered_at is None


def test_an_answer_after_the_deadline_is_refused_and_the_attempt_closed(client, demo):
    quiz = make_quiz(demo)
    person = taker(9)
    sign_in_taker(client, person)
    attempt = _started(client, quiz, person)
    client.get(url(quiz, "attempt", attempt))
    first = _current(attempt)
    client.post(url(quiz, "answer", attempt), {"position": first.position,
                                               "option": pick(first, first.correct_options)})
    client.get(url(quiz, "attempt", attempt))
    item = _current(attempt)
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(seconds=1))
    response = client.post(url(quiz, "answer", attempt), {"position": item.position, "option": pick(item, item.correct_options)},
                           follow=True)
    assert response.redirect_chain[-1][0] == url(quiz, "result", attempt)
    assert "答题时间已到，本次答题已自动交卷" in text(response)
    attempt.refresh_from_db()
    assert attempt.status == "expired" and attempt.score == first.points  # the earlier answer kept
    response = client.post(url(quiz, "answer", attempt), {"position": item.position, "option": pick(item, item.correct_options)},
                           follow=True)
    assert "本次答题已" in text(response)


def test_a_question_answered_after_its_own_time_does_not_count(client, demo):
    quiz = make_quiz(demo, seconds_per_question=20)
    person = taker(10)
    sign_in_taker(client, person)
    attempt = _started(client, quiz, person)
    client.get(url(quiz, "attempt", attempt))
    item = _current(attempt)
    AttemptQuestion.objects.filter(pk=item.pk).update(served_at=timezone.now() - timedelta(seconds=23))
    response = client.post(url(quiz, "answer", attempt), {"position": item.position, "option": pick(item, item.correct_options)})
    assert "超过本题时限，不得分" in text(response)
    item.refresh_from_db()
    assert item.is_correct is False and item.in_time is False


def test_the_attempt_page_shows_the_deadline_without_javascript(client, demo):
    quiz = make_quiz(demo, seconds_per_question=30)
    person = taker(11)
    sign_in_taker(client, person)
    attempt = _started(client, quiz, person)
    page = client.get(url(quiz, "attempt", attempt))
    item = _current(attempt)
    deadline = timezone.localtime(item.served_at + timedelta(seconds=30))
    body = text(page)
    assert f"本题限时 30 秒，请在 {deadline:%H:%M:%S} 前作答" in body
    html = page.content.decode()
    assert f'data-deadline="{int(deadline.timestamp())}"' in html and "js/quiz.js" in html
    assert "<script>" not in html  # no inline script (the CSP allows none)


def test_another_persons_attempt_is_not_found(client, demo):
    quiz = make_quiz(demo)
    owner = taker(12)
    registered(quiz, owner)
    attempt = services.start_attempt(quiz, owner)
    services.serve(attempt)
    item = _current(attempt)
    sign_in_taker(client, taker(13))
    assert client.get(url(quiz, "attempt", attempt)).status_code == 404
    assert client.post(url(quiz, "answer", attempt), {"position": item.position,
                                                      "option": pick(item, item.correct_options)}).status_code == 404
    assert client.post(url(quiz, "finish", attempt), {"confirmed": "1"}).status_code == 404
    assert client.get(url(quiz, "result", attempt)).status_code == 404
    assert client.get(url(quiz, "certificate", attempt)).status_code == 404
    item.refresh_from_db()
    attempt.refresh_from_db()
    assert item.answered_at is None and attempt.status == "in_progress"
    # The right attempt id under another quiz's address is not found either.
    other = make_quiz(demo, slug="other")
    sign_in_taker(client, owner)
    assert client.get(reverse("quiz:attempt", args=[2020, other.slug, attempt.pk])).status_code == 404
    assert client.get(url(quiz, "attempt", attempt)).status_code == 200


def test_a_quiz_not_open_refuses_to_start_with_a_message(client, demo):
    now = timezone.now()
    later = make_quiz(demo, slug="later", opens=now + timedelta(hours=2), closes=now + timedelta(days=1))
    over = make_quiz(demo, slug="over", opens=now - timedelta(days=2), closes=now - timedelta(hours=1))
    person = taker(14)
    sign_in_taker(client, person)
    for quiz, words in ((later, "答题将于"), (over, "答题已于")):
        registered(quiz, person)
        assert words in text(client.get(url(quiz)))
        response = client.post(url(quiz, "start"), follow=True)
        assert response.redirect_chain[-1][0] == url(quiz) and words in text(response)
        assert not Attempt.objects.filter(quiz=quiz).exists()


def test_the_day_limit_is_a_message(client, demo):
    quiz = make_quiz(demo, scored_attempts_per_day=1)
    person = taker(15)
    sign_in_taker(client, person)
    attempt = _started(client, quiz, person)
    client.post(url(quiz, "finish", attempt), {"confirmed": "1"})
    response = client.post(url(quiz, "start"), follow=True)
    assert "今天的计分答题次数已用完" in text(response)
    assert Attempt.objects.filter(quiz=quiz, person=person).count() == 1


def test_a_second_start_continues_the_attempt_in_progress(client, demo):
    quiz = make_quiz(demo)
    person = taker(16)
    sign_in_taker(client, person)
    attempt = _started(client, quiz, person)
    Attempt.objects.filter(pk=attempt.pk).update(started_at=attempt.started_at - timedelta(seconds=30))
    response = client.post(url(quiz, "start"), follow=True)
    assert response.redirect_chain[0][0] == url(quiz, "attempt", attempt)
    assert "您有一次答题还没有完成" in text(response)
    assert Attempt.objects.filter(quiz=quiz, person=person).count() == 1


def test_a_staff_account_is_asked_for_a_public_one(client, demo):
    quiz = make_quiz(demo)
    client.force_login(User.objects.get(username="hebei-admin"), backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(url(quiz, "start"))
    assert response.status_code == 302 and response["Location"].startswith("/signin/?next=")


# --- certificates and boards -----------------------------------------------------------------

def test_a_made_up_or_changed_certificate_token_is_invalid(client, demo):
    quiz = make_quiz(demo)
    person = taker(17)
    registered(quiz, person, name="王小明")
    attempt = services.start_attempt(quiz, person)
    while (item := services.serve(attempt)) is not None:
        services.answer(attempt, person, position=item.position, option_ids=item.correct_options)
    attempt = services.finish(attempt, person)
    good = certificates.verification_path(attempt)
    assert "王*明" in text(client.get(good))
    token = good.rstrip("/").rsplit("/", 1)[1]
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), "nonsense", "x" * 300, attempt.certificate_code):
        response = client.get(reverse("quiz:certificate_verify", args=[bad]))
        assert response.status_code == 404 and "证书无效" in text(response), bad
    services.review_attempt(attempt, actor=User.objects.get(username="hebei-admin"), disqualify=True, note="代答")
    assert client.get(good).status_code == 404


def test_leaderboard_tabs_and_my_rank(client, demo):
    quiz = make_quiz(demo, rules=EVEN)
    people = []
    for n, (name, county, right) in enumerate((("甲同学", COUNTY, 6), ("乙同学", "130203", 4), ("丙同学", COUNTY, 5))):
        person = taker(30 + n)
        registered(quiz, person, name=name, county=county, school="一中")
        attempt = services.start_attempt(quiz, person)
        done = 0
        while (item := services.serve(attempt)) is not None:
            key = item.correct_options if done < right else [pk for pk in item.option_order
                                                              if pk not in item.correct_options][:1]
            services.answer(attempt, person, position=item.position, option_ids=key)
            done += 1
        services.finish(attempt, person)
        people.append(person)
    board = text(client.get(url(quiz, "leaderboard")))
    assert board.index("甲*学") < board.index("丙*学") < board.index("乙*学")
    assert "甲同学" not in board
    sign_in_taker(client, people[2])
    mine = client.get(url(quiz, "leaderboard"))
    assert "我的排名：第 2 名（共 3 人）" in text(mine) and 'class="me"' in mine.content.decode()
    city = text(client.get(url(quiz, "leaderboard") + "?scope=city"))
    assert "石家庄市" in city and "我的排名：第 2 名（共 2 人）" in city and "乙*学" not in city
    tangshan = text(client.get(url(quiz, "leaderboard") + "?scope=city&key=130200"))
    assert "乙*学" in tangshan and "甲*学" not in tangshan and "我的排名" not in tangshan
    school = text(client.get(url(quiz, "leaderboard") + "?scope=school"))
    assert "一中" in school and "甲*学" in school and "乙*学" not in school  # 唐山's 一中 is another school
    province = text(client.get(url(quiz, "leaderboard") + "?scope=province"))
    assert "我的排名：第 2 名（共 3 人）" in province
    for bad in ("?scope=galaxy", "?scope=city&key=abc", "?scope=school&key=nonsense", "?scope=province&key=%00"):
        assert client.get(url(quiz, "leaderboard") + bad).status_code == 200, bad
    quiz_page = text(client.get(url(quiz)))
    assert "全部答题者中第 2 名（共 3 人）" in quiz_page and "本市第 2 名（共 2 人）" in quiz_page


# --- queries ---------------------------------------------------------------------------------

def test_the_attempt_page_and_the_answer_take_few_queries(client, demo, django_assert_max_num_queries):
    quiz = make_quiz(demo)
    person = taker(40)
    sign_in_taker(client, person)
    attempt = _started(client, quiz, person)
    client.get(url(quiz, "attempt", attempt))  # the bank's cache is warm, as in a running quiz
    for _i in range(attempt.question_count):
        with django_assert_max_num_queries(9):
            page = client.get(url(quiz, "attempt", attempt))
        assert page.status_code == 200
        item = _current(attempt)
        with django_assert_max_num_queries(9):
            response = client.post(url(quiz, "answer", attempt), {"position": item.position,
                                                                  "option": pick(item, item.correct_options)})
        assert response.status_code == 200
    with django_assert_max_num_queries(20):  # scoring: the sheet, the integrity flags, the standing
        client.post(url(quiz, "finish", attempt))
    with django_assert_max_num_queries(14):
        assert client.get(url(quiz, "result", attempt)).status_code == 200


class _UnmarkedChinese(HTMLParser):
    """Chinese text in <main> that is not inside an element marked lang="zh-CN"."""

    VOID = {"input", "br", "img", "hr", "meta", "link", "source", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack, self.in_main, self.found = [], 0, []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        attrs = dict(attrs)
        self.in_main += tag == "main" or bool(self.in_main)
        self.stack.append((tag, attrs.get("lang", "").startswith("zh")))

    def handle_endtag(self, tag):
        while self.stack:
            name, _zh = self.stack.pop()
            if self.in_main:
                self.in_main -= 1
            if name == tag:
                break

    def handle_data(self, data):
        if self.in_main and not any(zh for _tag, zh in self.stack) and re.search(r"[\u4e00-\u9fff]", data):
            self.found.append(data.strip())


def unmarked_chinese(html: str) -> list[str]:
    parser = _UnmarkedChinese()
    parser.feed(html)
    return parser.found


def test_english_pages_are_english_and_mark_the_chinese_data(client, demo):
    """On English pages the interface is English (the merged catalogue) and every Chinese text
    left is data, marked lang="zh-CN" for screen readers."""
    quiz = make_quiz(demo, asks_school=True, first_prizes=3)
    person = taker(50)
    sign_in_taker(client, person)
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    registration = client.get(url(quiz, "register"), **english).content.decode()
    assert "Name or nickname" in registration and unmarked_chinese(registration) == []
    attempt = _started(client, quiz, person, school="石家庄市第二中学")
    page = client.get(url(quiz, "attempt", attempt), **english)
    item = _current(attempt)
    info = bank.question_info(quiz, item.question_id)
    html = page.content.decode()
    assert page.status_code == 200 and '<html lang="en"' in html
    assert f'<span lang="zh-CN">{info["stem"]}</span>' in html and "Submit answer" in html
    assert "Question 1 of 6" in html and unmarked_chinese(html) == []
    feedback = client.post(url(quiz, "answer", attempt), {"position": item.position,
                                                          "option": pick(item, item.correct_options)},
                           **english).content.decode()
    assert f'<span lang="zh-CN">{info["explanation"]}</span>' in feedback and "Right" in feedback
    assert unmarked_chinese(feedback) == []
    client.post(url(quiz, "finish", attempt), {"confirmed": "1"}, **english)
    for path in (url(quiz), url(quiz, "result", attempt), url(quiz, "leaderboard"),
                 url(quiz, "leaderboard") + "?scope=city", url(quiz, "leaderboard") + "?scope=school",
                 reverse("quiz:list", args=[2020]), reverse("quiz:mine"), certificates.verification_path(attempt),
                 reverse("quiz:certificate_verify", args=["nonsense"])):
        response = client.get(path, **english)
        assert response.status_code in (200, 404), path
        assert unmarked_chinese(response.content.decode()) == [], path
