"""Browser walk-through of the foundation in headless Chromium (desktop and a 360-px phone)."""
import pytest
from django_otp.oath import totp

from sciweek.browser import PHONE, screenshot
from sciweek.demo.demo_data import DEMO_PASSWORD
from sciweek.demo.loader import demo_totp_key

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("reference_year")]  # 2020 as the current campaign


def sign_in(page, base, username, code=None):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    if code is not None:
        page.get_by_label("6 位验证码").fill(code)
        page.get_by_role("button", name="验证").click()


def test_home_shows_the_current_campaign_on_desktop_and_phone(live_server, demo, page_factory):
    from sciweek.campaigns.selectors import current_campaign

    campaign = current_campaign()  # the live demo campaign of this year (2020 before 2021)
    for name, viewport in (("home-desktop", None), ("home-phone", PHONE)):
        page = page_factory(viewport)
        page.goto(live_server.url + "/")
        assert page.get_by_role("heading", name=campaign.name).is_visible()
        assert page.get_by_text(campaign.theme).first.is_visible()
        # nothing overflows a 360-px screen
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        screenshot(page, name)


def test_admin_signs_in_with_totp_and_sees_hebei_counts(live_server, reference_year, page_factory):
    page = page_factory()
    sign_in(page, live_server.url, "hebei-admin", f"{totp(demo_totp_key('hebei-admin')):06d}")
    page.wait_for_url(f"{live_server.url}/console/")
    assert page.get_by_role("heading", name="河北省 管理员").is_visible()
    body = page.inner_text("main")
    assert "629" in body and "474" in body and "活动总结报送" in body
    screenshot(page, "console-hebei-admin")
    page.get_by_role("link", name="组织网络").click()
    page.get_by_label("名称").fill("定州")
    page.get_by_role("button", name="查找").click()
    assert page.get_by_role("link", name="定州市", exact=True).is_visible()


def test_filer_signs_in_on_a_phone(live_server, reference_year, page_factory):
    page = page_factory(PHONE)
    sign_in(page, live_server.url, "unit-filer")
    page.wait_for_url(f"{live_server.url}/console/")
    assert "石家庄市科技信息研究所" in page.inner_text("main")
    assert "2020年9月10日" in page.inner_text("main")  # a deadline carries its year
    screenshot(page, "console-unit-filer-phone")


def test_hebei_region_page_shows_629(live_server, demo, page_factory, org):
    page = page_factory(PHONE)
    page.goto(f"{live_server.url}/2020/regions/{org('河北省').pk}/")
    assert page.get_by_role("heading", name="共开展 629 项活动").is_visible()
    screenshot(page, "region-hebei-phone")
