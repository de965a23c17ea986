"""Public booking pages and the door: one person cannot see, cancel or check in another's
reservation; staff of one unit cannot check in at another unit's activity."""
import pytest
from django.urls import reverse

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
    client.post(reverse("reservations:cancel", args=[reservation.code]))
    assert Reservation.objects.get(pk=reservation.pk).status == "cancelled"


def test_one_person_cannot_see_or_cancel_anothers_reservation(client, demo):
    session = open_session(capacity=2)
    owner, other = person(311), person(312)
    reservation = services.reserve(session, owner)
    as_person(client, other)
    for name in ("reservations:ticket", "reservations:ticket_ics"):
        assert client.get(reverse(name, args=[reservation.code])).status_code == 404
    assert client.post(reverse("reservations:cancel", args=[reservation.code])).status_code == 404
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
    sign_in(client, "hebei-admin")
    page = client.post(reverse("reservations:check_in", args=[session.pk]), {"code": reservation.code},
                       HTTP_HX_REQUEST="true").content.decode()
    assert "核验通过" in page
    page = client.post(reverse("reservations:check_in", args=[session.pk]), {"code": reservation.code},
                       HTTP_HX_REQUEST="true").content.decode()
    assert "已经入场过" in page


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
