"""Issue 10's "done means" for the organizer console: axe-core (WCAG 2.0/2.1 A and AA) finds
no violation on the main console pages, each seen by the demo account whose work it is (the
unit's filer, the city's reviewer, the unit's liaison, the province's admin), with the error
states and "are you sure?" pages they meet, at 1280×800 and on a 390×844 phone; a form error is
tied to its field. Accounts are signed in without the login form (`staff_page`), one browser
context per viewport."""
import pytest

from sciweek.a11y import Findings, console_pages, session_under_way
from sciweek.activities.models import Activity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("name", VIEWPORTS)
def test_console_pages_have_no_axe_violations(live_server, demo, staff_page, name):
    base, found = live_server.url, Findings()
    page, account = None, None
    for username, label, path in console_pages():
        if username != account:
            page, account = staff_page(username, VIEWPORTS[name], page=page), username
        response = page.goto(base + path)
        assert response.status == 200, f"{label}: {path} answered {response.status} to {username}"
        found.axe(page, f"{username}: {label}")

    # The filer starts a filing, then submits it with mistakes: the form's error states.
    page = staff_page("unit-filer", page=page)
    page.goto(f"{base}/console/filings/")
    page.get_by_role("button", name="新建重点项目/活动").click()
    page.wait_for_url("**/edit/")
    found.axe(page, "unit-filer: new filing")
    page.locator("#id_contact_phone").fill("12")
    page.locator("#id_sessions-0-starts_at").fill("2030-01-01T10:00")
    page.locator("#id_sessions-0-ends_at").fill("2030-01-01T09:00")
    page.get_by_role("button", name="提交审核").click()
    page.wait_for_load_state()
    assert page.locator(".errorlist, .error").count() > 0, "the refused form shows no error"
    found.axe(page, "unit-filer: filing edit, submitted with errors")
    found.error_links(page, "unit-filer: filing edit, submitted with errors")
    draft = Activity.objects.get(pk=int(page.url.rstrip("/").split("/")[-2]))
    page.goto(f"{base}/console/filings/{draft.pk}/")
    found.axe(page, "unit-filer: filing detail (draft)")

    # The liaison at the door: a code that is no ticket; then the session's "cancel?" question.
    today = session_under_way()
    page = staff_page("unit-liaison", page=page)
    page.goto(f"{base}/console/sessions/{today.pk}/checkin/")
    page.get_by_label("或输入核验码").fill("NOSUCH")
    page.get_by_role("button", name="核验", exact=True).click()
    page.get_by_text("无效的二维码或核验码").wait_for()
    found.axe(page, "unit-liaison: check-in, unknown code")
    page.goto(f"{base}/console/sessions/{today.pk}/")
    page.locator("#reason").fill("场馆临时检修")
    page.get_by_role("button", name="取消场次", exact=True).click()
    page.get_by_role("button", name="确定取消场次").wait_for()
    found.axe(page, "unit-liaison: confirmation (cancel a session)")

    # An admin who has not given the authenticator's code yet: the two-factor page, then a wrong code.
    page = staff_page("hebei-admin", page=page, verified=False)
    page.goto(f"{base}/console/")
    page.wait_for_url("**/accounts/two-factor/**")
    found.axe(page, "hebei-admin: two-factor")
    page.get_by_label("6 位验证码").fill("000000")
    page.get_by_role("button", name="验证").click()
    page.wait_for_load_state()
    found.axe(page, "hebei-admin: two-factor, wrong code")
    found.error_links(page, "hebei-admin: two-factor, wrong code")

    assert not found, found.report()
