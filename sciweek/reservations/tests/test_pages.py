"""Public booking pages and the door: one person cannot see, cancel or check in another's
reservation; staff of one unit cannot check in at another unit's activity."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from sciweek.conftest import sign_in
from sciweek.reservations import services
from sciweek.reservations.models import Reservation

from .helpers import open_session, person

pytestmark = pytest.mark.django_db


def as_person(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_book_see_ticket_and_cancel(client, demo):
    session = open_session(capacity=2)
    someone = person(301)
    as_person(client, someone)
    assert client.get(reverse("reservations:book", args=[session.pk])).status_code == 200
    response = client.post(reverse("reservations:book", args=[session.pk]), {"seats": "1", "idempotency_key": "k1"})
    reservation = Reservation.objects.get(person=someone)
    assert response["Location"] == reverse("reservations:ticket", args=[reservation.code])
    ticket = client.get(response["Location"]).content.decode()
    assert reservation.code in ticket and "<svg" in ticket
    again = client.post(reverse("reservations:book", args=[session.pk]), {"seats": "1", "idempotency_key": "k1"})
    assert again.status_code == 302 and Reservation.objects.filter(person=someone).count() == 1
    ics = client.get(reverse("reservations:ticket_ics", args=[reservation.code]))
    assert ics["Content-Type"].startswith("text/calendar")
    # Cancelling asks first: the question changes nothing, its button does.
    question = client.get(reverse("reservations:cancel", args=[reservation.code])).content.decode()
    assert "确定要取消" in question and 'name="confirmed" value="1"' in question
    client.post(reverse("reservations:cancel", args=[reservation.code]))
    assert Reservation.objects.get(pk=reservation.pk).status == "confirmed"
    client.post(reverse("reservations:cancel", args=[reservation.code]), {"confirmed": "1"})
    assert Reservation.objects.get(pk=reservation.pk).status == "cancelled"


def test_one_person_cannot_see_or_cancel_anothers_reservation(client, demo):
    session = open_session(capacity=2)
    owner, other = person(311), person(312)
    reservation = services.reserve(session, owner)
    as_person(client, other)
    for name in ("reservations:ticket", "reservations:ticket_ics"):
        assert client.get(reverse(name, args=[reservation.code])).status_code == 404
    assert client.post(reverse("reservations:cancel", args=[reservation.code]), {"confirmed": "1"}).status_code == 404
    assert Reservation.objects.get(pk=reservation.pk).status == "confirmed"
    client.logout()
    assert client.get(reverse("reservations:ticket", args=[reservation.code])).status_code == 404


def test_staff_accounts_are_not_public_bookers(client, demo):
    session = open_session(capacity=2)
    sign_in(client, "unit-filer")
    response = client.get(reverse("reservations:book", args=[session.pk]))
    assert response.status_code == 302 and "/signin/" in response["Location"]


def test_check_in_page_and_unit_isolation(client, demo, org):
    session = open_session(capacity=5)  # belongs to a Hebei institute, not to 石家庄市科技信息研究所
    reservation = services.reserve(session, person(321))
    sign_in(client, "unit-admin")
    assert client.get(reverse("reservations:check_in", args=[session.pk])).status_code == 404
    assert client.post(reverse("reservations:check_in", args=[session.pk]), {"code": reservation.code}).status_code == 404
    assert Reservation.objects.get(pk=reservation.pk).checked_in_at is None
    with freeze_time(session.starts_at):  # at the door, on the session's day
        sign_in(client, "hebei-admin")
        page = client.post(reverse("reservations:check_in", args=[session.pk]), {"code": reservation.code},
                           HTTP_HX_REQUEST="true").content.decode()
        assert "核验通过" in page
        page = client.post(reverse("reservations:check_in", args=[session.pk]), {"code": reservation.code},
                           HTTP_HX_REQUEST="true").content.decode()
        assert "已经入场过" in page


def test_check_in_page_outside_the_session_day_needs_a_confirmation(client, demo):
    """A week before the session the door refuses, says why, and offers the explicit exception."""
    from sciweek.accounts.models import AuditEvent

    session = open_session(capacity=5)
    reservation = services.reserve(session, person(322))
    sign_in(client, "hebei-liaison")
    url = reverse("reservations:check_in", args=[session.pk])
    page = client.get(url).content.decode()
    assert "今天不是本场次的日期" in page and 'name="override"' in page
    refused = client.post(url, {"code": reservation.code}, HTTP_HX_REQUEST="true").content.decode()
    day = timezone.localtime(session.starts_at).date().isoformat()
    assert "不在场次当天" in refused and f"该场次在 {day} 举行，今天不能核验入场" in refused
    assert f'name="code" value="{reservation.code}"' in refused and 'name="override" value="1" required' in refused
    assert Reservation.objects.get(pk=reservation.pk).checked_in_at is None
    assert not AuditEvent.objects.filter(action="reservation.checkin_override").exists()
    done = client.post(url, {"code": reservation.code, "override": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert "核验通过" in done and "已入场 1 / 已预约 1" in done
    event = AuditEvent.objects.get(action="reservation.checkin_override")
    assert event.actor.username == "hebei-liaison" and event.organization_id == session.activity.organization_id
    assert event.detail["session_day"] == day
    with freeze_time(session.starts_at):
        sign_in(client, "hebei-liaison")
        assert "今天不是本场次的日期" not in client.get(url).content.decode()


def test_session_page_masks_phones_and_exports(client, demo):
    from io import BytesIO

    from openpyxl import load_workbook

    session = open_session(capacity=5)
    services.reserve(session, person(331))
    sign_in(client, "hebei-admin")
    page = client.get(reverse("reservations:session_detail", args=[session.pk])).content.decode()
    assert "139****0331" in page and "13900000331" not in page
    export = client.get(reverse("reservations:session_export", args=[session.pk]))
    sheet = load_workbook(BytesIO(export.content)).active
    assert sheet.cell(2, 2).value == "139****0331"


def test_booking_page_reads_bookability_from_booking_state(client, demo):
    """The page asks activities.selectors.booking_state like the service and the API do."""
    from sciweek.activities.models import Activity

    session = open_session(capacity=1, waitlist_enabled=True)
    services.reserve(session, person(351))
    as_person(client, person(352))
    page = client.get(reverse("reservations:book", args=[session.pk])).content.decode()
    assert "登记候补" in page and "可以登记候补" in page  # full, with a waiting list
    session.is_closed = True
    session.save()
    page = client.get(reverse("reservations:book", args=[session.pk])).content.decode()
    assert "该场次已停止预约。" in page and "登记候补" not in page
    posted = client.post(reverse("reservations:book", args=[session.pk]), {"seats": "1", "idempotency_key": "k9"})
    assert posted.status_code == 200 and "该场次已停止预约。" in posted.content.decode()
    Activity.objects.filter(pk=session.activity_id).update(status=Activity.Status.CANCELLED)
    page = client.get(reverse("reservations:book", args=[session.pk])).content.decode()
    assert "该活动当前不接受预约。" in page  # public but cancelled: a reason, not a 404
    Activity.objects.filter(pk=session.activity_id).update(status=Activity.Status.DRAFT)
    assert client.get(reverse("reservations:book", args=[session.pk])).status_code == 404
    assert Reservation.objects.filter(session=session).count() == 1


def test_a_booked_session_shows_the_booking_not_the_form(client, demo):
    """Issue 9: once booked, the booking page says so and links to the ticket, no 确认预约."""
    session = open_session(capacity=1, waitlist_enabled=True)
    someone, queued = person(361), person(362)
    booked = services.reserve(session, someone)
    as_person(client, someone)
    page = client.get(reverse("reservations:book", args=[session.pk])).content.decode()
    assert "您已预约" in page and reverse("reservations:ticket", args=[booked.code]) in page
    assert "确认预约" not in page and "登记候补" not in page and 'name="seats"' not in page
    again = client.post(reverse("reservations:book", args=[session.pk]), {"seats": "1", "idempotency_key": "other"})
    assert again["Location"] == reverse("reservations:ticket", args=[booked.code])
    assert Reservation.objects.filter(person=someone).count() == 1
    waiting = services.reserve(session, queued)
    as_person(client, queued)
    page = client.get(reverse("reservations:book", args=[session.pk])).content.decode()
    assert "您已登记候补" in page and reverse("reservations:ticket", args=[waiting.code]) in page
    services.cancel(waiting)
    assert "登记候补" in client.get(reverse("reservations:book", args=[session.pk])).content.decode()  # may book again


def test_the_state_comes_before_the_sign_in(client, demo):
    """A session that has ended (or stopped taking bookings) says so to anyone, without first
    sending them to sign in; a bookable one asks them to sign in."""
    session = open_session(capacity=5)
    assert "/signin/" in client.get(reverse("reservations:book", args=[session.pk]))["Location"]
    with freeze_time(session.ends_at + timedelta(minutes=1)):
        page = client.get(reverse("reservations:book", args=[session.pk]))
        assert page.status_code == 200 and "该场次已结束。" in page.content.decode()
        assert "确认预约" not in page.content.decode()
    session.is_closed = True
    session.save()
    assert "该场次已停止预约。" in client.get(reverse("reservations:book", args=[session.pk])).content.decode()


def test_my_data_shows_times_in_the_persons_zone(client, demo):
    """Issue 9: "my data" (page and download) reads in Asia/Shanghai, not UTC."""
    import json
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from sciweek.participants.models import Profile

    someone = person(371)
    consent = datetime(2026, 3, 1, 23, 30, tzinfo=ZoneInfo("UTC"))  # 07:30 the next day in Shanghai
    Profile.objects.filter(user=someone).update(consent_at=consent)
    session = open_session(capacity=5)
    services.reserve(session, someone)
    as_person(client, someone)
    page = client.get(reverse("participants:my_data")).content.decode()
    assert "2026-03-02 07:30" in page and "北京时间" in page and "2026-03-01 23:30" not in page
    data = json.loads(client.get(reverse("participants:my_data") + "?format=json").content)
    assert data["time_zone"] == "Asia/Shanghai" and data["consent_at"] == "2026-03-02T07:30:00+08:00"
    assert data["reservations"][0]["session_starts_at"] == timezone.localtime(
        session.starts_at, ZoneInfo("Asia/Shanghai")).isoformat()


def test_an_ended_session_shows_no_seats_left(client, demo):
    session = open_session(capacity=5)
    with freeze_time(session.ends_at + timedelta(minutes=1)):
        page = client.get(reverse("reservations:book", args=[session.pk])).content.decode()
    assert "该场次已结束。" in page and "个名额" not in page


def test_cancelling_a_session_asks_first(staff_client, demo):
    session = open_session(capacity=5)
    services.reserve(session, person(321))
    client = staff_client("hebei-admin")
    url = reverse("reservations:session_close", args=[session.pk])
    question = client.post(url, {"cancel": "1", "reason": "场馆维修"}).content.decode()
    assert "确定要取消" in question and "1 份预约" in question and 'value="场馆维修"' in question
    session.refresh_from_db()
    assert session.cancelled_at is None
    client.post(url, {"cancel": "1", "reason": "场馆维修", "confirmed": "1"})
    session.refresh_from_db()
    assert session.cancelled_at is not None
