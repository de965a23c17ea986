"""Issue 9: turning a region (or the whole week) online-only tells the organizers of its
approved on-site sessions, and stops new bookings there. "Can this session be booked?" stays
one answer (booking_state / bookable_sessions): the activity page, the catalog's filter, the
API and the reservation service all say 线下活动暂停（仅线上）."""
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from sciweek.activities.catalog import CatalogQuery, search_catalog
from sciweek.activities.models import Activity, Notification, Session
from sciweek.activities.selectors import BOOKABLE_STATES, BookingState, bookable_sessions, booking_state
from sciweek.campaigns.models import Campaign, RegionalPlan
from sciweek.reservations import services as reservations
from sciweek.reservations.tests.helpers import person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _before_the_2020_week():
    with freeze_time("2020-07-20 10:00:00", tick=True):  # the console's current campaign is 2020
        yield


@pytest.fixture
def session(demo, org):
    """A session a week from now of an approved on-site open day in 石家庄市's subtree (2020 demo)."""
    activity = Activity.objects.filter(campaign=demo, kind="open_day", status="approved", format="onsite",
                                       organization__path__startswith=org("石家庄市").path).order_by("id").first()
    if activity is None:  # the demo's open days are provincial institutes: file one under the city
        from sciweek.activities.tests.factories import complete_filing

        activity = complete_filing(demo)
        Activity.objects.filter(pk=activity.pk).update(status=Activity.Status.APPROVED)
    start = timezone.now() + timedelta(days=7)
    return Session.objects.create(activity_id=activity.pk, starts_at=start, ends_at=start + timedelta(hours=2),
                                  capacity=30)


def answers(session):
    session = Session.objects.select_related("activity__campaign", "activity__organization").get(pk=session.pk)
    in_list = Session.objects.filter(bookable_sessions(), pk=session.pk).exists()
    in_catalog = search_catalog(session.activity.campaign, CatalogQuery(bookable=True)).filter(
        pk=session.activity_id).exists()
    return booking_state(session), in_list, in_catalog


def switch_region(client, org, name, on=True):
    data = {"title": f"{name}方案", "theme": "科普惠民"}
    if on:
        data["online_only"] = "on"
    return client.post(reverse("campaigns:regional_plan_edit", args=[org(name).pk]), data)


def test_a_region_going_online_only_stops_bookings_everywhere(demo, org, session, staff_client, client):
    assert answers(session) == (BookingState.OPEN, True, True)
    assert switch_region(staff_client("sjz-admin"), org, "石家庄市").status_code == 302
    state, in_list, in_catalog = answers(session)
    assert state == BookingState.ONLINE_ONLY and state not in BOOKABLE_STATES
    assert (in_list, in_catalog) == (False, False)
    assert str(state.label) == "线下活动暂停（仅线上）"
    with pytest.raises(reservations.NotBookable) as refused:
        reservations.reserve(Session.objects.get(pk=session.pk), person(901))
    assert "线下场次暂停预约" in str(refused.value)

    client.logout()
    page = client.get(reverse("activities:activity", args=[demo.year, session.activity_id])).content.decode()
    assert "线下活动暂停（仅线上）" in page and reverse("reservations:book", args=[session.pk]) not in page
    api = client.get(f"/api/v1/activities/{session.activity_id}").json()
    ours = next(s for s in api["sessions"] if s["id"] == session.pk)
    assert (ours["bookable"], ours["booking"]) == (False, "online_only")


def test_only_that_region_and_only_on_site_sessions(demo, org, session, staff_client):
    switch_region(staff_client("national-admin"), org, "保定市")
    assert answers(session)[0] == BookingState.OPEN  # another city
    RegionalPlan.objects.filter(campaign=demo, organization=org("河北省")).update(online_only=True)
    assert answers(session) == (BookingState.ONLINE_ONLY, False, False)  # the province above it
    RegionalPlan.objects.filter(campaign=demo, organization=org("河北省")).update(online_only=False)
    Activity.objects.filter(pk=session.activity_id).update(format=Activity.Format.ONLINE)
    RegionalPlan.objects.update_or_create(campaign=demo, organization=org("石家庄市"), defaults={"online_only": True})
    assert answers(session) == (BookingState.OPEN, True, True)  # an online activity's sessions are not on site


def test_the_whole_week_online_only_pauses_on_site_sessions_too(demo, session):
    Campaign.objects.filter(pk=demo.pk).update(online_only=True)
    assert answers(session) == (BookingState.ONLINE_ONLY, False, False)
    # Past sessions still say they are over (never "paused").
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() - timedelta(hours=3),
                                                 ends_at=timezone.now() - timedelta(hours=1))
    assert answers(session)[0] == BookingState.ENDED


def test_the_organizers_are_told_once_when_the_switch_turns_on(demo, org, session, staff_client,
                                                               django_capture_on_commit_callbacks):
    activity = Activity.objects.select_related("organization").get(pk=session.activity_id)
    mail.outbox.clear()
    admin = staff_client("sjz-admin")
    with django_capture_on_commit_callbacks(execute=False) as pending:
        switch_region(admin, org, "石家庄市")
    assert not Notification.objects.filter(activity=activity, message__contains="已改为线上举办").exists()
    for callback in pending:  # in the background, once the switch is committed
        callback()
    notes = Notification.objects.filter(activity=activity, message__contains="已改为线上举办")
    assert notes.exists()
    assert {n.user_id for n in notes} >= set(
        activity.organization.memberships.filter(role="filer").values_list("user_id", flat=True))
    assert "暂停接受新的预约" in notes.first().message and activity.title in notes.first().message
    assert any("已改为线上举办" in m.body for m in mail.outbox)
    count = notes.count()
    with django_capture_on_commit_callbacks(execute=True):
        switch_region(admin, org, "石家庄市")  # saved again, still on: nobody is told twice
    assert Notification.objects.filter(activity=activity, message__contains="已改为线上举办").count() == count
    # activities elsewhere, online ones and finished ones are left alone
    assert not Notification.objects.filter(message__contains="已改为线上举办").exclude(
        activity__organization__path__startswith=org("石家庄市").path).exists()


def test_the_national_switch_tells_every_region(demo, session, staff_client, django_capture_on_commit_callbacks):
    client = staff_client("national-admin")
    data = {"name": demo.name, "theme": demo.theme, "starts_on": "2020-08-23", "ends_on": "2020-08-29",
            "online_only": "on", "allow_late_filing": "on", "news_within_days": "3",
            "summary_video_max_seconds": "180", "summary_min_images": "3", "summary_grace_days": "10", "is_published": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("campaigns:campaign_edit"), data).status_code == 302
    assert Notification.objects.filter(activity_id=session.activity_id, message__contains=demo.name).exists()


def test_the_activity_page_asks_once_per_activity(demo, org, session, django_assert_max_num_queries):
    from sciweek.activities import selectors

    activity = Activity.objects.select_related("campaign", "organization").get(pk=session.activity_id)
    more = [Session.objects.create(activity=activity, starts_at=session.starts_at + timedelta(days=i),
                                   ends_at=session.ends_at + timedelta(days=i), capacity=30) for i in range(1, 4)]
    with django_assert_max_num_queries(1):  # is_online_only, once for all four sessions
        states = [selectors.booking_state(s, activity=activity) for s in [session, *more]]
    assert set(states) == {BookingState.OPEN}
    assert selectors.booking_state(session, activity=activity, online_only=True) == BookingState.ONLINE_ONLY
