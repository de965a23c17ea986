"""Hebei's 2020 evaluation in a real browser: the scorecard of the cities at 1280 px and on a
phone, a cell's evidence, and the weight simulator moving ranks without saving; axe-core
finds nothing and nothing scrolls sideways. Screenshots in SCIWEEK_EVALUATION_SHOTS if set."""
import os
from pathlib import Path

import pytest

from sciweek.a11y import Findings
from sciweek.evaluation.models import Evaluation
from sciweek.evaluation.selectors import standings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
SHOTS = os.environ.get("SCIWEEK_EVALUATION_SHOTS")


def shot(page, name, full=True):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"evaluation-{name}.png"), full_page=full)


def test_the_scorecard_the_evidence_and_the_simulator(live_server, staff_page, reference_year):
    base, found = live_server.url, Findings()
    evaluation = Evaluation.objects.get(campaign__year=2020, organization__name="河北省")
    best = standings(evaluation, "cities")[0]
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = staff_page("hebei-admin", viewport)
        page.goto(f"{base}/console/evaluation/{evaluation.pk}/?group=cities")
        assert page.get_by_text(best.organization_name).first.is_visible()
        shot(page, f"scorecard-{label}", full=label == "desktop")
        found.axe(page, f"scorecard {label}")
        found.overflow(page, f"scorecard {label}")
        page.close()

    page = staff_page("hebei-admin", DESKTOP)
    page.goto(f"{base}/console/evaluation/{evaluation.pk}/?group=cities")
    page.locator("table a[href*='/cell/']").first.click()
    page.wait_for_load_state("networkidle")
    assert "/cell/" in page.url
    shot(page, "evidence")
    found.axe(page, "evidence")

    page.goto(f"{base}/console/evaluation/{evaluation.pk}/simulate/?group=cities")
    before = page.locator("table").last.inner_text()
    weights = page.locator("input[type=number]")
    assert weights.count() >= 2
    weights.nth(0).fill("0")
    weights.nth(weights.count() - 1).fill("60")
    page.get_by_role("button", name="模拟排名").first.click()
    page.wait_for_load_state("networkidle")
    shot(page, "simulator")
    found.axe(page, "simulator")
    assert page.locator("table").last.inner_text() != before  # the proposed weights moved something
    evaluation.refresh_from_db()
    assert standings(evaluation, "cities")[0] == best  # nothing saved: the frozen ranking stands
    page.close()
    assert not found, found
