"""Issue 12's "done means" for takers, on a 390×844 phone: a taker opens the live demo's open
quiz, signs in with a text-message code, registers (the region pickers), starts, answers
every question (the countdown running), hands in, sees the result and the ranks, downloads
the certificate (a PDF) and opens its verification page. axe-core (WCAG 2.0/2.1 A and AA)
finds nothing on any page of the walk, at 390×844 and 1280×800; none scrolls sideways or cuts
text off at 320 or 180 CSS px, nor with the largest text on a 360-px phone. Screenshots of the attempt and result pages go to /tmp/quiz-shots/ (or
SCIWEEK_QUIZ_SHOTS)."""
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone

from sciweek.a11y import Findings
from sciweek.core.sms import LocmemSmsBackend
from sciweek.quiz.models import Attempt, AttemptQuestion, Quiz

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE_VIEW = {"width": 390, "height": 844}
DESKTOP_VIEW = {"width": 1280, "height": 800}
NARROW = {"width": 320, "height": 640}
ZOOM_200 = {"width": 180, "height": 370}
PHONE_360 = {"width": 360, "height": 740}
SHOTS = Path(os.environ.get("SCIWEEK_QUIZ_SHOTS", "/tmp/quiz-shots"))
PHONE = "13712349901"


def sms_code(phone: str) -> str:
    return next(text for to, text in reversed(LocmemSmsBackend.outbox) if to == phone).split("验证码是 ")[1][:6]


def open_quiz() -> Quiz:
    """The live demo campaign's quiz open now."""
    from sciweek.demo.live import live_campaign

    now = timezone.now()
    return Quiz.objects.filter(campaign=live_campaign(), status="published", opens_at__lte=now,
                               closes_at__gt=now).order_by("opens_at", "id").first()


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_a_taker_on_a_phone_from_sign_in_to_the_certificate(live_server, demo, page_factory, settings):
    settings.SMS_BACKEND = "sciweek.core.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox.clear()
    quiz = open_quiz()
    assert quiz is not None, "the live demo has a quiz open now"
    base, found = live_server.url, Findings()
    page = page_factory(PHONE_VIEW)
    pages = []  # (label, path) of every page of the walk, for the other viewports

    def seen(label):
        found.axe(page, label)
        pages.append((label, page.url.removeprefix(base)))

    page.goto(f"{base}/{quiz.campaign.year}/quiz/")
    seen("quiz list")
    page.get_by_role("link", name=quiz.title).click()
    seen("quiz page, anonymous")
    assert "答题规则" in page.inner_text("main")
    page.get_by_role("link", name="登录参加答题").click()

    # Sign in with a code (as a first-time visitor: consent).
    page.wait_for_url("**/signin/**")
    assert "请先用手机号登录再参加答题" in page.inner_text("main")
    page.get_by_label("手机号").fill(PHONE)
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_label("短信验证码").fill(sms_code(PHONE))
    page.get_by_label("我已阅读并同意隐私政策", exact=False).check()
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**/quiz/{quiz.slug}/")
    seen("quiz page, signed in, not registered")

    # Register: the region pickers show the next level as soon as one is chosen (quiz.js).
    page.get_by_role("link", name="填写登记信息").click()
    page.wait_for_url("**/register/")
    seen("registration")
    shot(page, "registration-390x844")
    page.get_by_role("button", name="保存").click()  # nothing filled in: the errors, tied to their fields
    page.wait_for_load_state()
    assert "请改正以下问题" in page.inner_text("main")
    found.axe(page, "registration, errors")
    found.error_links(page, "registration, errors")
    page.get_by_label("姓名或昵称").fill("测试小明")
    page.get_by_label("省份", exact=True).select_option("130000")
    page.wait_for_load_state()
    page.get_by_label("城市", exact=True).select_option("130100")
    page.wait_for_load_state()
    page.get_by_label("区县（可不选）").select_option("130102")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"**/quiz/{quiz.slug}/")
    assert "登记信息已保存" in page.inner_text("main") and "长安区" in page.inner_text("main")
    seen("quiz page, registered")
    shot(page, "quiz-page-390x844")

    # Start and answer every question; the countdown runs from the server's deadline.
    page.get_by_role("button", name="开始答题").click()
    page.wait_for_url("**/attempt/*/")
    attempt = Attempt.objects.get(person__public_profile__phone=PHONE, quiz=quiz)
    assert attempt.device_id and attempt.ip_address
    for n in range(1, attempt.question_count + 1):
        assert f"第 {n} 题 / 共 {attempt.question_count} 题" in page.inner_text("main")
        page.locator(".quiz-clock").filter(has_text=re.compile(r"剩余时间 \d+:\d\d")).wait_for()
        item = AttemptQuestion.objects.get(attempt=attempt, position=n)
        html = page.content()
        assert "correct" not in html[html.index("<main"):].lower()
        if n == 1:
            seen("attempt, question 1")
            shot(page, "attempt-390x844")
        for pk in item.correct_options:  # the options are numbered in this attempt's order
            page.locator(f'input[name="option"][value="{item.option_order.index(pk) + 1}"]').check()
        page.get_by_role("button", name="提交答案").click()
        page.wait_for_url("**/answer/")
        assert "回答正确" in page.inner_text("main")
        if n == 1:
            seen("feedback")
            shot(page, "feedback-390x844")
        if n < attempt.question_count:
            page.get_by_role("link", name="下一题").click()
            page.wait_for_url("**/attempt/*/")
    page.get_by_role("button", name="交卷查看成绩").click()
    page.wait_for_url("**/result/")
    attempt.refresh_from_db()
    assert attempt.status == "finished" and attempt.score == attempt.max_score
    main = page.inner_text("main")
    assert f"{attempt.max_score} / {attempt.max_score} 分" in main and "及格" in main
    assert re.search(r"全部答题者中第 \d+ 名（共 \d+ 人）", main) and re.search(r"本市第 \d+ 名", main)
    seen("result")
    shot(page, "result-390x844")

    # The certificate, and the page its QR code opens.
    with page.expect_download() as download:
        page.get_by_role("link", name="下载电子证书（PDF）").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    page.get_by_role("link", name="证书验证页").click()
    page.wait_for_url("**/quiz/certificate/**")
    assert "证书有效" in page.inner_text("main") and quiz.title in page.inner_text("main")
    assert "测试小明" not in page.inner_text("main") and PHONE not in page.content()
    seen("certificate check")
    shot(page, "certificate-check-390x844")

    page.goto(f"{base}/{quiz.campaign.year}/quiz/{quiz.slug}/leaderboard/?scope=city")
    assert "我的排名" in page.inner_text("main")
    seen("leaderboard, my city")
    shot(page, "leaderboard-390x844")
    page.goto(f"{base}/{quiz.campaign.year}/quiz/{quiz.slug}/")
    seen("quiz page, after the attempt")
    page.goto(f"{base}/my/quiz/")
    seen("my quizzes")
    # A second attempt, left in progress while the other sizes are looked at.
    page.goto(f"{base}/{quiz.campaign.year}/quiz/{quiz.slug}/")
    page.get_by_role("button", name="开始答题").click()
    page.wait_for_url("**/attempt/*/")
    second = page.url.removeprefix(base)
    pages.append(("attempt in progress", second))

    # The same pages on a desktop, at 320 CSS px, at 180 CSS px (200 % zoom on a 360-px phone),
    # and with the largest text (32-px default font and the site's 特大字) on a 360-px phone,
    # in the same signed-in browser context.
    pages = [(name, path) for name, path in pages if "/answer/" not in path]  # a POST's page
    page.set_viewport_size(DESKTOP_VIEW)
    for name, path in pages:
        page.goto(base + path)
        found.axe(page, f"1280×800: {name}")
    for viewport, label in ((NARROW, "320 px"), (ZOOM_200, "180 px"), (PHONE_360, "largest text")):
        page.set_viewport_size(viewport)
        if viewport is PHONE_360:
            page.context.add_cookies([{"name": "sciweek_text", "value": "largest", "url": base}])
            page.context.new_cdp_session(page).send("Page.setFontSizes",
                                                    {"fontSizes": {"standard": 32, "fixed": 26}})
        for name, path in pages:
            page.goto(base + path)
            found.overflow(page, f"{label}: {name}")
            found.clipped(page, f"{label}: {name}")

    # Handing the second attempt in early asks first (unless its questions' time ran out meanwhile).
    page.set_viewport_size(PHONE_VIEW)
    page.goto(base + second)
    page.get_by_role("button", name="交卷", exact=True).click()
    page.wait_for_load_state()
    if "确定要交卷吗" in page.inner_text("main"):
        found.axe(page, "finish early, the question")
        page.get_by_role("button", name="确定交卷").click()
    page.wait_for_url("**/result/")
    assert Attempt.objects.get(pk=int(second.rstrip("/").rsplit("/", 1)[1])).status == "finished"
    assert not found, found.report()
