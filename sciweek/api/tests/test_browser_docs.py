"""/api/docs in a real browser under its Content-Security-Policy (issue 11): Swagger UI
loads from our own static files, renders the operations and reports no CSP violation."""
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_docs_work_under_the_sites_policy(live_server, demo, page_factory):
    page = page_factory()
    problems = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" or "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    outside = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith(live_server.url) and not request.url.startswith("data:") else None)
    response = page.goto(f"{live_server.url}/api/docs")
    assert response.status == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock-summary", timeout=15000)  # operations rendered from openapi.json
    assert page.locator(".opblock-summary").count() >= 10
    assert page.get_by_text("SciWeek API").first.is_visible()
    page.locator(".opblock-summary").first.click()  # expanding an operation (schemas, examples) works too
    page.wait_for_selector(".opblock-body", timeout=5000)
    page.wait_for_timeout(300)
    assert not problems, problems
    assert not outside, outside  # no CDN, no validator badge
