"""The quiz pages' styles come from the site's stylesheet (css/sciweek.css), not from a
<style> block in the page (a CSP without 'unsafe-inline' for styles would drop it): on the
quiz page, an attempt and a result, at 360 px and on a desktop, the quiz rules apply (option
cards, the card's width, the score, right and wrong answers marked) and nothing scrolls
sideways. Screenshots go to test-artifacts/ (SCIWEEK_TEST_ARTIFACTS): quiz-ui-<page>-<size>.png."""
import pytest
from django.utils import timezone

from sciweek.a11y import Findings
from sciweek.browser import screenshot
from sciweek.organizations.models import Division
from sciweek.participants.models import Profile
from sciweek.quiz import services
from sciweek.quiz.models import Attempt, AttemptQuestion, Quiz

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VIEWPORTS = {"360": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 900}}

STYLE_OF = """selector => {
  const el = document.querySelector(selector);
  if (!el) return null;
  const s = getComputedStyle(el);
  return {display: s.display, maxWidth: s.maxWidth, borderTopWidth: s.borderTopWidth, fontSize: s.fontSize,
          fontWeight: s.fontWeight, listStyleType: s.listStyleType, rootFont: getComputedStyle(document.documentElement).fontSize};
}"""


def style(page, selector: str) -> dict:
    found = page.evaluate(STYLE_OF, selector)
    assert found is not None, f"{selector} is not on {page.url}"
    return found


def no_style_block(page) -> None:
    # htmx adds its own one rule (.htmx-indicator); nothing else may.
    blocks = page.evaluate("Array.from(document.querySelectorAll('style'), el => el.textContent)")
    assert [text for text in blocks if "htmx-indicator" not in text] == [], page.url
    assert page.evaluate("document.querySelectorAll('link[rel=stylesheet][href*=\"sciweek\"]').length") == 1


@pytest.mark.parametrize("size", VIEWPORTS)
def test_the_quiz_pages_are_styled_by_the_stylesheet(size, live_server, demo, citizen_page):
    from sciweek.demo.live import live_campaign

    now = timezone.now()
    quiz = Quiz.objects.filter(campaign=live_campaign(), status="published", opens_at__lte=now,
                               closes_at__gt=now).order_by("opens_at", "id").first()
    phone = "13712349961" if size == "360" else "13712349962"
    page = citizen_page(phone, VIEWPORTS[size])
    person = Profile.objects.get(phone=phone).user
    services.register(quiz, person, display_name="样式测试", division=Division.objects.get(code="130102"))
    base, found = live_server.url, Findings()
    quiz_path = f"/{quiz.campaign.year}/quiz/{quiz.slug}/"

    page.goto(base + quiz_path)
    no_style_block(page)
    found.overflow(page, f"{size}: quiz page")
    screenshot(page, f"quiz-ui-quiz-page-{size}")

    page.get_by_role("button", name="开始答题").click()
    page.wait_for_url("**/attempt/*/")
    no_style_block(page)
    assert style(page, ".quiz-card")["maxWidth"] == "640px"  # 40rem
    choice = style(page, ".quiz-question label.choice")
    assert choice["display"] == "flex" and choice["borderTopWidth"] == "1px"
    assert style(page, ".quiz-question legend.label")["fontSize"] == "18px"  # 1.125rem
    assert style(page, ".quiz-progress")["display"] == "flex"
    found.overflow(page, f"{size}: attempt")
    screenshot(page, f"quiz-ui-attempt-{size}")
    page.locator(".quiz-question label.choice").first.click()  # a chosen option is marked
    assert style(page, ".quiz-question label.choice:has(input:checked)")["borderTopWidth"] == "2px"
    screenshot(page, f"quiz-ui-attempt-chosen-{size}")

    attempt = Attempt.objects.get(person=person, quiz=quiz)
    for n in range(1, attempt.question_count + 1):
        if n > 1:
            page.get_by_role("link", name="下一题").click()
            page.wait_for_url("**/attempt/*/")
        item = AttemptQuestion.objects.get(attempt=attempt, position=n)
        page.locator('input[name="option"]').evaluate_all("els => els.forEach(el => { el.checked = false; })")
        # The first answer is wrong (the result marks it), the others right.
        options = ([next(i for i, pk in enumerate(item.option_order) if pk not in item.correct_options)] if n == 1
                   else [item.option_order.index(pk) for pk in item.correct_options])
        for index in options:
            page.locator(f'input[name="option"][value="{index + 1}"]').check()
        page.get_by_role("button", name="提交答案").click()
        page.wait_for_url("**/answer/")
        if n == 1:
            no_style_block(page)
            assert style(page, ".quiz-verdict")["fontSize"] == "20px"  # 1.25rem
            found.overflow(page, f"{size}: feedback")
            screenshot(page, f"quiz-ui-feedback-{size}")
    page.get_by_role("button", name="交卷查看成绩").click()
    page.wait_for_url("**/result/")
    no_style_block(page)
    assert style(page, ".quiz-score")["fontSize"] == "36px"  # 2.25rem
    assert style(page, "ol.quiz-options")["listStyleType"] == "none"
    assert style(page, "ol.quiz-options li.wrong")["borderTopWidth"] == "2px"
    assert style(page, "ol.quiz-options li.correct")["borderTopWidth"] == "2px"
    found.overflow(page, f"{size}: result")
    screenshot(page, f"quiz-ui-result-{size}")
    assert not found, found.report()


@pytest.mark.parametrize("size", VIEWPORTS)
def test_a_prize_winners_verification_page(size, live_server, demo, page_factory):
    """The 2020 demo quiz has closed with its prizes: a winner's certificate is a 获奖证书."""
    from sciweek.quiz import certificates, selectors

    ended = Quiz.objects.get(campaign__year=2020, campaign__is_demo=True, slug="hebei-school-2020")
    _summary, rows = selectors.prize_list(ended)
    row = next(row for row in rows if row.tier and not row.flagged)  # a flagged winner waits for the review
    best = Attempt.objects.select_related("quiz").get(pk=row.standing.attempt_id)
    assert selectors.prize_of(best).tier == row.tier
    label = {"first": "一等奖", "second": "二等奖", "third": "三等奖"}[row.tier]
    page = page_factory(VIEWPORTS[size])
    page.goto(live_server.url + certificates.verification_path(best))
    main = page.inner_text("main")
    assert "证书有效" in main and f"获奖证书：{label}" in main
    found = Findings()
    found.overflow(page, f"{size}: certificate check")
    found.axe(page, f"{size}: certificate check")
    screenshot(page, f"quiz-ui-certificate-check-{size}")
    assert not found, found.report()
