"""The error pages in a real browser, in both languages (issue 9): a missing page is the
site's own 404 in the browser's language, with a way back that works; a phone and a desktop
screenshot of each are kept under test-artifacts/."""
import pytest

from sciweek.browser import DESKTOP, PHONE, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_404_in_chinese_with_a_way_home(live_server, demo, page_factory):
    base = live_server.url
    page = page_factory(PHONE)
    response = page.goto(f"{base}/no-such-page/")
    assert response.status == 404
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("heading", name="页面不存在").is_visible()
    assert "Not Found" not in page.content()
    screenshot(page, "error-404-zh-phone")
    page.get_by_role("link", name="返回首页").click()
    page.wait_for_url(f"{base}/")
    assert page.get_by_role("link", name="工作人员登录").is_visible()


@pytest.mark.parametrize("how", ["accept-language", "cookie"])
def test_404_in_english_with_a_way_home(live_server, demo, browser, how):
    base = live_server.url
    context = browser.new_context(viewport=DESKTOP, locale="en-US" if how == "accept-language" else "zh-CN")
    try:
        if how == "cookie":
            context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
        page = context.new_page()
        response = page.goto(f"{base}/2020/no-such-page/")
        assert response.status == 404
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("heading", name="Page not found").is_visible()
        assert "页面不存在" not in page.content()
        screenshot(page, f"error-404-en-{how}")
        page.get_by_role("link", name="Back to home page").click()
        page.wait_for_url(f"{base}/")
        assert page.get_by_role("link", name="Staff sign-in").is_visible()
    finally:
        context.close()


def test_staff_404_and_405_offer_the_console(live_server, demo, page_factory):
    from sciweek.demo.demo_data import DEMO_PASSWORD

    base = live_server.url
    page = page_factory(DESKTOP)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill("sjz-filer")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/console/")
    response = page.goto(f"{base}/console/filings/99999999/")
    assert response.status == 404 and page.get_by_role("heading", name="页面不存在").is_visible()
    page.get_by_role("link", name="返回工作台").click()
    page.wait_for_url(f"{base}/console/")
    response = page.goto(f"{base}/accounts/logout/")  # sign-out is a POST-only address
    assert response.status == 405
    assert page.get_by_role("heading", name="无法这样打开此页面").is_visible()
    screenshot(page, "error-405-zh-staff")
