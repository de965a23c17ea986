"""The statistics page in a browser: the ECharts charts are drawn from the JSON island under the
site's CSP (no console error), drawn again after the htmx refresh, the page has no axe
(WCAG 2.0/2.1 A, AA) violation and does not scroll sideways on a phone; a review without a
reason shows its error tied to the field; the results export downloads."""
import pytest
from django.urls import reverse

from sciweek.a11y import Findings

from .test_stats_data import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
CHARTS = ["bands", "days", "questions", "map"]


def drawn(page) -> dict:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('[data-quiz-chart]')].map(
        e => [e.dataset.quizChart, !!(window.echarts && echarts.getInstanceByDom(e) && e.querySelector('canvas'))]))""")


@pytest.mark.parametrize("name", VIEWPORTS)
def test_statistics_page_in_a_browser(live_server, demo, staff_page, name):
    data = build(demo)
    path = reverse("quiz:stats", args=[data.quiz.pk])
    page = staff_page("hebei-statistician", VIEWPORTS[name])
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error"
            and "favicon" not in (message.location or {}).get("url", "") else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    response = page.goto(live_server.url + path)
    assert response.status == 200
    page.wait_for_function("() => document.querySelectorAll('[data-quiz-chart] canvas').length >= 4")
    assert drawn(page) == {chart: True for chart in CHARTS}
    found = Findings()
    found.axe(page, f"statistics ({name})")
    if name == "phone":
        found.overflow(page, "statistics (phone)")
    # The 30-second refresh, now: the figures are replaced and the charts drawn again.
    page.evaluate("() => htmx.ajax('GET', document.querySelector('#quiz-figures').getAttribute('hx-get'), "
                  "{target: '#quiz-figures', swap: 'outerHTML'})")
    page.wait_for_function("() => document.querySelectorAll('#quiz-figures [data-quiz-chart] canvas').length >= 3 "
                           "&& !document.querySelector('#quiz-figures.htmx-settling')")
    page.wait_for_timeout(300)
    assert drawn(page) == {chart: True for chart in CHARTS}
    assert not errors, errors

    if name == "desktop":
        # A review without a reason: the error summary, tied to the field.
        page = staff_page("hebei-reviewer", VIEWPORTS[name], page=page)
        page.goto(live_server.url + path + "?review=flagged")  # a new document (its CSRF cookie)
        page.locator("#flagged").get_by_role("button", name="核查通过").first.click()
        page.wait_for_load_state()
        assert page.get_by_role("alert").count() == 1
        found.axe(page, "statistics, review without a reason")
        found.error_links(page, "statistics, review without a reason")
        with page.expect_download() as download:
            page.get_by_role("link", name="导出全部成绩（Excel）").click()
        assert download.value.suggested_filename.endswith(".xlsx")
    assert not found, found.report()
