"""Issue 5's walk on a phone: sign in with a code, book (waiting list first), get promoted
when someone cancels, show the ticket, staff scan it once, a second scan is refused."""
import pytest

from sciweek.browser import PHONE, screenshot
from sciweek.core.sms import LocmemSmsBackend
from sciweek.demo.demo_data import DEMO_PASSWORD
from sciweek.reservations import services
from sciweek.reservations.models import Reservation

from .helpers import open_session, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_book_promote_and_check_in_on_a_phone(live_server, demo, page_factory, settings):
    settings.SMS_BACKEND = "sciweek.core.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox.clear()
    base = live_server.url
    session = open_session(capacity=1)
    first = services.reserve(session, person(901))  # someone else takes the only place

    page = page_factory(PHONE)
    page.goto(f"{base}/2020/activities/{session.activity_id}/")
    page.get_by_role("link", name="候补").first.click()
    page.get_by_label("手机号").fill("13712345678")
    page.get_by_role("button", name="获取验证码").click()
    code = LocmemSmsBackend.outbox[-1][1].split("验证码是 ")[1][:6]
    page.get_by_label("短信验证码").fill(code)
    page.get_by_label("我已阅读并同意隐私政策", exact=False).check()
    page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name="登记候补").click()
    assert "候补名单第 1 位" in page.inner_text("main")
    screenshot(page, "ticket-waiting-phone")

    services.cancel(first)  # a cancellation promotes the first waiting person
    page.reload()
    assert "核验码" in page.inner_text("main") and page.locator(".qr svg").is_visible()
    screenshot(page, "ticket-phone")
    mine = Reservation.objects.get(person__public_profile__phone="13712345678")
    assert mine.status == "confirmed"
    assert any(phone == "13712345678" and "已有空位" in text for phone, text in LocmemSmsBackend.outbox)

    staff = page_factory(PHONE)
    staff.goto(f"{base}/accounts/login/")
    staff.get_by_label("用户名").fill("hebei-liaison")
    staff.get_by_label("密码").fill(DEMO_PASSWORD)
    staff.get_by_role("button", name="登录").click()
    staff.goto(f"{base}/console/sessions/{session.pk}/checkin/")
    token = services.ticket_token(mine)  # what the camera would read from the QR
    staff.get_by_label("或输入核验码").fill(token)
    staff.get_by_role("button", name="核验", exact=True).click()
    staff.get_by_text("不在场次当天").wait_for()  # the session is a week away: only with an explicit exception
    staff.get_by_label("我确认非场次当天为核验码", exact=False).check()
    staff.get_by_role("button", name="仍然核验").click()
    staff.get_by_text("核验通过").wait_for()
    screenshot(staff, "checkin-ok-phone")
    staff.get_by_label("或输入核验码").fill(mine.code)
    staff.get_by_role("button", name="核验", exact=True).click()
    staff.get_by_text("已经入场过").wait_for()
    assert "演示河北省联络员" in staff.inner_text("#checkin-result")
    screenshot(staff, "checkin-again-phone")
