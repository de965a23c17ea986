"""One answer to "can this session be booked?": the service, the API, the activity page and
the catalog's filter agree for every state (these pin which answer won where they differed)."""
from datetime import timedelta

import pytest
from django.utils import timezone

from sciweek.activities.catalog import CatalogQuery, search_catalog
from sciweek.activities.models import Activity, Session
from sciweek.activities.selectors import BOOKABLE_STATES, BookingState, bookable_sessions, booking_state
from sciweek.reservations import services
from sciweek.reservations.tests.helpers import open_session, person

pytestmark = pytest.mark.django_db


def _states(session):
    session = Session.objects.select_related("activity").get(pk=session.pk)
    one = booking_state(session)
    in_list = Session.objects.filter(bookable_sessions(), pk=session.pk).exists()
    in_catalog = search_catalog(session.activity.campaign, CatalogQuery(bookable=True)).filter(
        pk=session.activity_id).exists()
    return one, in_list, in_catalog


@pytest.mark.parametrize("change, expected", [
    ({}, BookingState.OPEN),
    ({"seats_taken": 30}, BookingState.WAITLIST),
    ({"seats_taken": 30, "waitlist_enabled": False}, BookingState.FULL),
    ({"is_closed": True}, BookingState.CLOSED),
    ({"cancelled_at": "now"}, BookingState.CANCELLED),
    ({"capacity": None}, BookingState.NO_BOOKING),
    ({"starts_at": "past", "ends_at": "future"}, BookingState.STARTED),
    ({"starts_at": "past", "ends_at": "past"}, BookingState.ENDED),
    ({"activity_status": Activity.Status.CANCELLED}, BookingState.NOT_OPEN),
])
def test_every_caller_agrees(demo, change, expected):
    session = open_session()
    now = timezone.now()
    values = {"now": now, "past": now - timedelta(hours=2), "future": now + timedelta(hours=2)}
    fields = {k: values.get(v, v) for k, v in change.items() if k != "activity_status"}
    if fields.get("starts_at") and fields.get("ends_at") == values["past"]:
        fields["starts_at"] = now - timedelta(hours=3)
    Session.objects.filter(pk=session.pk).update(**fields)
    if "activity_status" in change:
        Activity.objects.filter(pk=session.activity_id).update(status=change["activity_status"])
    one, in_list, in_catalog = _states(session)
    assert one == expected
    bookable = expected in BOOKABLE_STATES
    assert in_list is bookable and in_catalog is bookable
    # The service takes the booking exactly when the selector says so.
    session.refresh_from_db()
    if bookable:
        reservation = services.reserve(session, person(1))
        assert reservation.status == ("confirmed" if expected == BookingState.OPEN else "waiting")
    else:
        with pytest.raises(services.ReservationError):
            services.reserve(session, person(1))


def test_activity_page_offers_the_button_only_when_bookable(client, demo):
    session = open_session()
    activity = session.activity
    url = f"/{activity.campaign.year}/activities/{activity.pk}/"
    assert f"/book/{session.pk}/" in client.get(url).content.decode()
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() - timedelta(hours=3),
                                                 ends_at=timezone.now() - timedelta(hours=1))
    activity.save()  # a write to the filing refreshes the cached page parts
    page = client.get(url).content.decode()
    assert "已结束" in page and f"/book/{session.pk}/" not in page
