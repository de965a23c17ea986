"""A judge scores an entry on a phone (390×844) and submits it through the confirm step, the
live total adding up as they type; the chief judge then reopens the score with a reason. The
score page has no axe-core (WCAG 2.0/2.1 A/AA) violation and does not scroll sideways.
Screenshots: test-artifacts/contests-judge-score-phone.png (and /tmp/h/shots/judge-score.png
when that folder exists)."""
from pathlib import Path

import pytest

from sciweek.a11y import Findings
from sciweek.accounts.models import AuditEvent, User
from sciweek.browser import screenshot
from sciweek.contests import services
from sciweek.contests.models import Assignment, Score

from .conftest import enter, unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/h/shots")


def test_judge_scores_on_a_phone_and_the_chief_reopens(kit, live_server, staff_page):
    for i in range(3):
        enter(kit, f"神奇的磁悬浮{i}", unit("保定市"), author=f"作者{i}")
    admin = User.objects.get(username="hebei-admin")
    services.assign(kit.final, actor=admin)
    services.open_round(kit.final, actor=admin)
    judge, chief = kit.judges[3], kit.judges[2]
    assignment = Assignment.objects.filter(round=kit.final, judge=judge).select_related("entry").order_by(
        "entry__number").first()
    found = Findings()

    page = staff_page(judge.username, PHONE)
    page.goto(f"{live_server.url}/console/contests/judging/")
    page.get_by_role("link", name=f"{kit.contest.title} · {kit.final.name}").click()
    page.get_by_role("link", name=f"{assignment.entry.code} {assignment.entry.title}").click()
    page.wait_for_load_state()
    page.get_by_label("讲解内容").fill("9")
    page.get_by_label("表达能力").fill("8.5")
    page.get_by_label("现场效果").fill("7")
    # 50 × 0.9 + 40 × 0.85 + 10 × 0.7 = 86, added up in the page as typed.
    assert page.locator("#score-total").inner_text() == "86.00"
    found.axe(page, "judge: score page")
    found.overflow(page, "judge: score page")
    path = screenshot(page, "contests-judge-score-phone")
    if SHOTS.is_dir():
        (SHOTS / "judge-score.png").write_bytes(path.read_bytes())

    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_load_state()
    assert "提交后评分锁定" in page.content()  # the confirm step
    page.get_by_role("button", name="确定提交").click()
    page.wait_for_load_state()
    assert "评分已提交（总分 86.00）" in page.content()
    score = Score.objects.get(assignment=assignment)
    assert score.status == Score.Status.SUBMITTED and str(score.total) == "86.00"

    page = staff_page(chief.username, PHONE, page=page)
    page.goto(f"{live_server.url}/console/contests/judging/rounds/{kit.final.pk}/chief/")
    found.axe(page, "chief: scores")
    found.overflow(page, "chief: scores")
    page.get_by_label(f"退回理由（{assignment.entry.code}）").fill("表达能力一项误填")
    page.get_by_role("button", name="退回评分").first.click()
    page.wait_for_load_state()
    page.get_by_role("button", name="确定退回").click()
    page.wait_for_load_state()
    assert "已退回评分" in page.content()
    screenshot(page, "contests-chief-reopened-phone")
    assert Score.objects.get(pk=score.pk).status == Score.Status.DRAFT
    assert AuditEvent.objects.get(action="contests.score_reopened").detail["reason"] == "表达能力一项误填"
    assert not found, found.report()
