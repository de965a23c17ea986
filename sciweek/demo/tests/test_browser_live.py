"""Issue 9's "done means", on a 390-px phone and on the live demo as `load_demo` builds it
today: a citizen finds a session of the live campaign in the catalog, signs in with a code,
books, gets the ticket with its QR code, and is checked in at the door by the unit's liaison
(typing the code); the 2020 year is still complete."""
import re

import pytest
from django.utils import timezone

from sciweek.browser import screenshot
from sciweek.core.sms import LocmemSmsBackend
from sciweek.demo.demo_data import DEMO_PASSWORD
from sciweek.demo.live import live_campaign
from sciweek.organizations.models import Organization
from sciweek.reservations.models import Reservation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE_390 = {"width": 390, "height": 844}


def count_line(page) -> tuple[int, int]:
    text = page.inner_text("#checkin-result")
    checked, booked = re.search(r"已入场 (\d+) / 已预约 (\d+)", text).groups()
    return int(checked), int(booked)


def test_citizen_books_the_live_demo_and_is_let_in_at_the_door(live_server, demo, page_factory, settings):
    settings.SMS_BACKEND = "sciweek.core.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox.clear()
    base = live_server.url
    live = live_campaign()
    open_day = live.activities.get(title="石家庄市科技信息研究所科普开放日")
    yesterday, today, tomorrow = list(open_day.sessions.order_by("starts_at"))[:3]

    # The citizen, on a phone: the catalog's "bookable" filter, the activity, tomorrow's session.
    page = page_factory(PHONE_390)
    page.goto(f"{base}/{live.year}/activities/?bookable=1")
    page.get_by_role("link", name=open_day.title).first.click()
    page.wait_for_url(f"**/{live.year}/activities/{open_day.pk}/")
    main = page.inner_text("main")
    assert "已结束" in main and "已开始" in main  # yesterday's and today's sessions offer no button
    assert page.locator(f'a[href="/book/{yesterday.pk}/"]').count() == 0
    assert page.locator(f'a[href="/book/{today.pk}/"]').count() == 0
    page.locator(f'a[href="/book/{tomorrow.pk}/"]').click()
    page.get_by_label("手机号").fill("13712345679")
    page.get_by_role("button", name="获取验证码").click()
    code = LocmemSmsBackend.outbox[-1][1].split("验证码是 ")[1][:6]
    page.get_by_label("短信验证码").fill(code)
    page.get_by_label("我已阅读并同意隐私政策", exact=False).check()
    page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name="确认预约").click()
    page.wait_for_url("**/my/reservations/*/")
    assert "核验码" in page.inner_text("main") and page.locator(".qr svg").is_visible()
    mine = Reservation.objects.get(person__public_profile__phone="13712345679")
    assert (mine.session_id, mine.status) == (tomorrow.pk, "confirmed") and mine.code in page.inner_text("main")
    screenshot(page, "live-ticket-phone")
    page.goto(f"{base}/book/{tomorrow.pk}/")  # booked: the page says so, with no second 确认预约
    assert "您已预约" in page.inner_text("main") and page.get_by_role("button", name="确认预约").count() == 0

    # The unit's liaison at the door, on a phone, typing the code.
    staff = page_factory(PHONE_390)
    staff.goto(f"{base}/accounts/login/")
    staff.get_by_label("用户名").fill("unit-liaison")
    staff.get_by_label("密码").fill(DEMO_PASSWORD)
    staff.get_by_role("button", name="登录").click()
    staff.wait_for_url(f"{base}/console/")
    staff.goto(f"{base}/console/sessions/{tomorrow.pk}/checkin/")
    before = count_line(staff)
    staff.get_by_label("或输入核验码").fill(mine.code)
    staff.get_by_role("button", name="核验", exact=True).click()
    staff.get_by_text("不在场次当天").wait_for()  # tomorrow's session: refused today, and told why
    assert timezone.localtime(tomorrow.starts_at).date().isoformat() in staff.inner_text("#checkin-result")
    assert count_line(staff) == before
    screenshot(staff, "live-checkin-refused-phone")
    staff.get_by_label("我确认非场次当天为核验码", exact=False).check()
    staff.get_by_role("button", name="仍然核验").click()
    staff.get_by_text("核验通过").wait_for()
    assert count_line(staff) == (before[0] + 1, before[1])
    mine.refresh_from_db()
    assert mine.checked_in_at is not None and mine.checked_in_by.username == "unit-liaison"
    screenshot(staff, "live-checkin-result-phone")

    # Today's session: the door lets people in without any exception.
    someone = Reservation.objects.filter(session=today, checked_in_at__isnull=True).first()
    staff.goto(f"{base}/console/sessions/{today.pk}/checkin/")
    assert "今天不是本场次的日期" not in staff.inner_text("main")
    checked, booked = count_line(staff)
    staff.get_by_label("或输入核验码").fill(someone.code)
    staff.get_by_role("button", name="核验", exact=True).click()
    staff.get_by_text("核验通过").wait_for()
    assert count_line(staff) == (checked + 1, booked)
    screenshot(staff, "live-checkin-today-phone")

    # The reference year is still complete.
    hebei = Organization.objects.get(name="河北省")
    page.goto(f"{base}/2020/regions/{hebei.pk}/")
    assert "共开展 629 项活动" in page.inner_text("main")
