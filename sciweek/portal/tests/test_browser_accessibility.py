"""Issue 10's "done means" for the public site: axe-core (WCAG 2.0/2.1 A and AA) finds no
violation on any public page, in the sign-in and booking flow (with its error states), nor on
the English pages, at 1280×800 and on a 390×844 phone; on every page showing a form error, the
error is announced once and tied to its field (aria-invalid, aria-describedby naming an
element that exists). One browser context per viewport walks every page; the test reports
every violation of every page at once."""
import pytest

from sciweek.a11y import Findings, bookable_session, public_pages
from sciweek.core.sms import LocmemSmsBackend
from sciweek.reservations.models import Reservation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
PHONES = {"desktop": "13712340001", "phone": "13712340002"}  # one person per viewport


def sms_code(phone: str) -> str:
    return next(text for to, text in reversed(LocmemSmsBackend.outbox) if to == phone).split("验证码是 ")[1][:6]


@pytest.mark.parametrize("name", VIEWPORTS)
def test_public_pages_have_no_axe_violations(live_server, demo, page_factory, settings, name):
    settings.SMS_BACKEND = "sciweek.core.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox.clear()
    base, phone, found = live_server.url, PHONES[name], Findings()
    page = page_factory(VIEWPORTS[name])

    for label, path in public_pages():
        page.goto(base + path)
        found.axe(page, label)

    # The staff login with a wrong password (one failed attempt: far from the lockout).
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill("unit-filer")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    found.axe(page, "staff login, wrong password")
    found.error_links(page, "staff login, wrong password", field_errors=False)

    # A citizen books: sent to sign in first (with the message saying why), a bad phone
    # number, the code step, a wrong code, then the right one.
    session = bookable_session()
    page.goto(f"{base}/book/{session.pk}/")
    page.wait_for_url("**/signin/**")
    found.axe(page, "sign-in, sent from a booking")
    page.get_by_label("手机号").fill("12345")
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_load_state()
    assert "11 位手机号码" in page.inner_text("main")
    found.axe(page, "sign-in, bad phone number")
    found.error_links(page, "sign-in, bad phone number")
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_label("短信验证码").wait_for()
    found.axe(page, "sign-in, code step")
    page.get_by_label("短信验证码").fill("000000" if sms_code(phone) != "000000" else "111111")
    page.get_by_label("我已阅读并同意隐私政策", exact=False).check()
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert "验证码不正确" in page.inner_text("main")
    found.axe(page, "sign-in, wrong code")
    found.error_links(page, "sign-in, wrong code")
    page.get_by_label("短信验证码").fill(sms_code(phone))
    page.get_by_label("我已阅读并同意隐私政策", exact=False).check()
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**/book/{session.pk}/")
    found.axe(page, "booking")
    page.get_by_role("button", name="确认预约").click()
    page.wait_for_url("**/my/reservations/*/")
    reservation = Reservation.objects.get(person__public_profile__phone=phone, session=session)
    found.axe(page, "ticket")
    page.goto(f"{base}/book/{session.pk}/")
    found.axe(page, "booking page, already booked")
    for label, path in (("my reservations", "/my/reservations/"), ("my data", "/my/data/"),
                        ("cancel confirmation", f"/my/reservations/{reservation.code}/cancel/")):
        page.goto(base + path)
        found.axe(page, label)

    # The same main pages in English (the language cookie the switch sets).
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": base}])
    for label, path in public_pages(english=True) + [("ticket", f"/my/reservations/{reservation.code}/")]:
        page.goto(base + path)
        assert page.evaluate("document.documentElement.lang") == "en", f"{path} is not in English"
        found.axe(page, f"English: {label}")

    assert not found, found.report()
