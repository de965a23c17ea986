"""Changing and revoking a role in a real browser with JavaScript off (issue 9): the
organization page's buttons open a question, the question's button acts, cancelling changes
nothing."""
import re

import pytest
from django_otp.oath import totp

from sciweek.accounts.models import Membership
from sciweek.browser import DESKTOP, screenshot
from sciweek.demo.demo_data import DEMO_PASSWORD
from sciweek.demo.loader import demo_totp_key

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_changes_and_revokes_roles_after_a_question(live_server, demo, browser):
    base = live_server.url
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{base}/accounts/login/?next=/console/organizations/")
        page.get_by_label("用户名").fill("sjz-admin")
        page.get_by_label("密码").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url("**/accounts/two-factor/**")
        page.get_by_label("6 位验证码").fill(f"{totp(demo_totp_key('sjz-admin')):06d}")
        page.get_by_role("button", name="验证").click()
        page.wait_for_url(f"{base}/console/organizations/")  # back where sign-in was asked for

        filer = Membership.objects.select_related("organization").get(user__username="sjz-filer")
        detail = f"{base}/console/organizations/{filer.organization_id}/"
        page.goto(detail)
        row = page.locator("tr", has_text="sjz-filer")
        row.get_by_label("新角色").select_option("reviewer")
        screenshot(page, "roles-organization-page")
        row.get_by_role("button", name="变更角色").click()
        page.wait_for_url("**/role/?role=reviewer")
        assert page.get_by_text("确定要将").is_visible()
        screenshot(page, "roles-change-question")
        assert Membership.objects.get(pk=filer.pk).role == "filer"
        page.get_by_role("button", name="确定变更").click()
        page.wait_for_url(detail)
        assert page.get_by_text("已将").is_visible()
        assert Membership.objects.get(pk=filer.pk).role == "reviewer"

        row = page.locator("tr", has_text="sjz-filer")
        row.get_by_role("button", name="撤销角色").click()
        page.wait_for_url(re.compile(r"/revoke/\??$"))
        assert page.get_by_text("确定要撤销").is_visible()
        page.get_by_role("link", name="取消，返回").click()
        page.wait_for_url(detail)
        assert Membership.objects.filter(pk=filer.pk).exists()
        page.locator("tr", has_text="sjz-filer").get_by_role("button", name="撤销角色").click()
        page.get_by_role("button", name="确定撤销").click()
        page.wait_for_url(detail)
        assert not Membership.objects.filter(pk=filer.pk).exists()
    finally:
        context.close()
