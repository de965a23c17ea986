"""The quiz console in a browser: the bank, the question editor (with its error state), the
review queue, the quiz editor and the import page have no axe-core (WCAG 2.0/2.1 A/AA)
violation and do not scroll sideways, at 1280×800 and on a 390×844 phone; a reviewer approves a
page of questions with select-all. Screenshots go to test-artifacts/ (SCIWEEK_TEST_ARTIFACTS)."""
import pytest

from sciweek.a11y import Findings
from sciweek.browser import ARTIFACTS, screenshot
from sciweek.quiz import services
from sciweek.quiz.models import Question

from .test_console_helpers import bulk_questions, make_quiz, user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
S = Question.Status


@pytest.fixture
def quiz_data(demo, org):
    hebei, sjz = org("河北省"), org("石家庄市")
    bulk_questions(hebei, 6, kind="single", topic="展示科技创新成就", prefix="北斗导航系统的题", by=user("hebei-filer"))
    bulk_questions(hebei, 3, kind="true_false", status=S.RETURNED, prefix="退回的判断题")
    Question.objects.filter(stem__startswith="退回的判断题").update(review_note="表述不够准确，请修改。")
    bulk_questions(sjz, 12, kind="multiple", status=S.SUBMITTED, topic="展示科技战疫成效", prefix="预防呼吸道传染病的做法",
                   by=user("sjz-filer"))
    quiz = make_quiz(hebei, actor=user("hebei-admin"), slug="browser-quiz", title="河北省科普知识网络答题（测试）",
                     rules=[{"kind": "true_false", "count": 7, "points": 5}, {"kind": "single", "count": 7, "points": 5},
                            {"kind": "multiple", "count": 6, "points": 5}])
    pool = bulk_questions(hebei, 8, kind="single", status=S.APPROVED, topic="测试领域")
    pool += bulk_questions(hebei, 4, kind="true_false", status=S.APPROVED, topic="测试领域", difficulty=1)
    services.set_pool(quiz, pool, actor=user("hebei-admin"))
    return {"quiz": quiz}


@pytest.mark.parametrize("name", VIEWPORTS)
def test_quiz_console_pages_are_accessible(name, live_server, quiz_data, staff_page):
    base, found = live_server.url, Findings()
    viewport = VIEWPORTS[name]
    quiz = quiz_data["quiz"]
    pages = [
        ("hebei-filer", "bank", "/console/quiz/questions/"),
        ("hebei-filer", "bank-returned", "/console/quiz/questions/?status=returned&all=1"),
        ("hebei-filer", "question-new", "/console/quiz/questions/new/"),
        ("hebei-filer", "import", "/console/quiz/questions/import/"),
        ("sjz-reviewer", "review-queue", "/console/quiz/review/"),
        ("hebei-publicity", "quiz-list", "/console/quiz/"),
        ("hebei-publicity", "quiz-editor", f"/console/quiz/{quiz.pk}/"),
        ("hebei-publicity", "quiz-new", "/console/quiz/new/"),
    ]
    page, account = None, None
    for username, label, path in pages:
        if username != account:
            page, account = staff_page(username, viewport, page=page), username
        response = page.goto(base + path)
        assert response.status == 200, (label, response.status)
        found.axe(page, f"{username}: {label}")
        found.overflow(page, f"{username}: {label}")
        screenshot(page, f"quiz-{label}-{name}")
        page.screenshot(path=str(ARTIFACTS / f"quiz-{label}-{name}-view.png"))  # what the first screen shows
        if label == "quiz-editor":
            for part in ("id_rules-0-kind", "h-pool"):
                page.locator(f"#{part}").scroll_into_view_if_needed()
                page.screenshot(path=str(ARTIFACTS / f"quiz-{label}-{name}-{part}.png"))

    # The question editor refuses a single choice with two answers: the error state.
    page = staff_page("hebei-filer", viewport, page=page)
    page.goto(base + "/console/quiz/questions/new/")
    page.locator("#id_stem").fill("哪一项是我国自主建设的卫星导航系统？")
    page.locator("#id_options-0-text").fill("北斗")
    page.locator("#id_options-1-text").fill("GPS")
    page.locator("#id_options-0-correct").check()
    page.locator("#id_options-1-correct").check()
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state()
    assert "单选题只能有一个正确答案。" in page.locator(".error-summary").inner_text()
    found.axe(page, "hebei-filer: question with errors")
    found.error_links(page, "hebei-filer: question with errors", field_errors=False)
    screenshot(page, f"quiz-question-errors-{name}")

    # The reviewer selects the whole page and approves it.
    page = staff_page("sjz-reviewer", viewport, page=page)
    page.goto(base + "/console/quiz/review/")
    page.get_by_role("link", name="全选本页 12 道题").click()
    page.wait_for_load_state()
    assert page.locator('input[name="question"]:checked').count() == 12
    page.get_by_role("button", name="通过所选题目").click()
    page.wait_for_load_state()
    assert "已通过 12 道题。" in page.content()
    assert not Question.objects.filter(stem__startswith="预防呼吸道传染病的做法", status=S.SUBMITTED).exists()
    assert not found, found.report()
