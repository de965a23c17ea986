from datetime import timedelta

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from freezegun import freeze_time

from sciweek.accounts.models import User
from sciweek.activities.models import Session
from sciweek.core.signals import person_checked_in
from sciweek.core.sms import LocmemSmsBackend
from sciweek.participants import services as participants
from sciweek.participants.models import Profile
from sciweek.reservations import services
from sciweek.reservations.integrity import violations
from sciweek.reservations.models import Reservation

from .helpers import open_session, person

pytestmark = pytest.mark.django_db
R = Reservation.Status


@pytest.fixture(autouse=True)
def _invariants(demo):
    yield
    assert violations() == []


def test_reserve_until_full_then_waiting_list(demo):
    session = open_session(capacity=2)
    a, b, c = person(1), person(2), person(3)
    assert services.reserve(session, a).status == R.CONFIRMED
    assert services.reserve(session, b).status == R.CONFIRMED
    waiting = services.reserve(session, c)
    assert waiting.status == R.WAITING
    session.refresh_from_db()
    assert session.seats_taken == 2
    with pytest.raises(services.AlreadyReserved):
        services.reserve(session, a)


def test_cancellation_promotes_the_first_waiting_person_and_tells_them(demo, django_capture_on_commit_callbacks):
    LocmemSmsBackend.outbox.clear()
    session = open_session(capacity=1)
    first, second, third = person(11), person(12), person(13)
    holder = services.reserve(session, first)
    w1 = services.reserve(session, second)
    w2 = services.reserve(session, third)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.cancel(holder)
    assert Reservation.objects.get(pk=w1.pk).status == R.CONFIRMED
    assert Reservation.objects.get(pk=w2.pk).status == R.WAITING
    assert any("已有空位" in text and phone == "13900000012" for phone, text in LocmemSmsBackend.outbox)
    assert not services.cancel(holder)  # a second cancel changes nothing


def test_group_reservations_take_their_head_count(demo):
    session = open_session(capacity=40, max_group_size=45)
    teacher = person(21)
    with pytest.raises(services.ReservationError):
        services.reserve(session, teacher, seats=35)  # a group needs a name
    group = services.reserve(session, teacher, seats=35, group_name="长安区实验小学五年级二班")
    assert group.status == R.CONFIRMED
    assert services.reserve(session, person(22), seats=6, group_name="家庭组").status == R.WAITING
    assert services.reserve(session, person(23), seats=5, group_name="家庭组").status == R.CONFIRMED
    with pytest.raises(services.ReservationError):
        services.reserve(session, person(24), seats=46, group_name="x")


def test_attestation_and_bookability(demo):
    session = open_session(capacity=5)
    session.activity.attestation_text = "本人近14天无中高风险地区旅居史"
    session.activity.save()
    visitor = person(31)
    with pytest.raises(services.ReservationError):
        services.reserve(session, visitor)
    assert services.reserve(session, visitor, attested=True).attested_at is not None
    session.is_closed = True
    session.save()
    with pytest.raises(services.NotBookable):
        services.reserve(session, person(32), attested=True)


def test_cancellation_deadline(demo):
    session = open_session(capacity=5, cancel_hours_before=2)
    reservation = services.reserve(session, person(41))
    with freeze_time(session.starts_at - timedelta(hours=1)):
        with pytest.raises(services.ReservationError):
            services.cancel(reservation)
    assert services.cancel(reservation, staff=User.objects.get(username="hebei-admin"))  # organizers may still cancel


def test_idempotency_key_makes_retries_safe(demo):
    session = open_session(capacity=5)
    someone = person(51)
    first = services.reserve(session, someone, idempotency_key="abc-1")
    again = services.reserve(session, someone, idempotency_key="abc-1")
    assert first.pk == again.pk
    session.refresh_from_db()
    assert session.seats_taken == 1


def test_lowering_capacity_needs_a_choice_and_tells_people(demo, django_capture_on_commit_callbacks):
    LocmemSmsBackend.outbox.clear()
    session = open_session(capacity=3)
    booked = [services.reserve(session, person(60 + i)) for i in range(3)]
    staff = User.objects.get(username="hebei-admin")
    with pytest.raises(services.ReservationError) as error:
        services.change_capacity(session, 1, actor=staff)
    assert "至少 2 人" in str(error.value)
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.change_capacity(session, 1, actor=staff, move_to_waiting=[booked[1].pk, booked[2].pk])
    assert sorted(moved) == sorted([booked[1].pk, booked[2].pk])
    session.refresh_from_db()
    assert (session.capacity, session.seats_taken) == (1, 1)
    assert Reservation.objects.filter(pk__in=moved, status=R.WAITING).count() == 2
    assert any("转为候补" in text for _, text in LocmemSmsBackend.outbox)
    services.change_capacity(session, 2, actor=staff)  # raising it promotes the head of the queue
    assert Reservation.objects.get(pk=booked[1].pk).status == R.CONFIRMED


def test_cancel_session_tells_everyone(demo, django_capture_on_commit_callbacks):
    LocmemSmsBackend.outbox.clear()
    session = open_session(capacity=3)
    for i in range(3):
        services.reserve(session, person(70 + i))
    services.reserve(session, person(73))
    with django_capture_on_commit_callbacks(execute=True):
        n = services.close_session(session, actor=User.objects.get(username="hebei-admin"), cancel_all=True,
                                   reason="暴雨")
    assert n == 4 and not Reservation.objects.filter(session=session, status__in=Reservation.Status.ACTIVE).exists()
    assert sum("已取消" in text for _, text in LocmemSmsBackend.outbox) == 4


def test_check_in_once_with_signed_token_or_short_code(demo, django_capture_on_commit_callbacks):
    session = open_session(capacity=5)
    attended_before = session.activity.actual_participants or 0  # the demo's 2020 visits, if any
    reservation = services.reserve(session, person(81))
    staff = User.objects.get(username="hebei-liaison")
    other = open_session(capacity=5)
    with freeze_time(session.starts_at - timedelta(minutes=20)):  # at the door, as people arrive
        with django_capture_on_commit_callbacks(execute=True):
            result = services.check_in(services.ticket_token(reservation), session, staff=staff)
        assert result.outcome == "ok"
        with django_capture_on_commit_callbacks(execute=True):
            again = services.check_in(reservation.code.lower(), session, staff=staff)
        assert again.outcome == "already" and again.reservation.checked_in_by_name == staff.display_name
        forged = signing.dumps({"r": reservation.pk, "c": reservation.code}, salt="other")
        assert services.check_in(forged, session, staff=staff).outcome == "unknown"
        assert services.check_in(reservation.code, other, staff=staff).outcome == "wrong_session"
    session.activity.refresh_from_db()
    assert session.activity.actual_participants == attended_before + 1


def test_check_in_announces_once_and_activities_counts_the_seats(demo, django_capture_on_commit_callbacks):
    session = open_session(capacity=40, max_group_size=45)
    activity = session.activity
    activity.actual_participants = None
    activity.save()
    group = services.reserve(session, person(85), seats=3, group_name="实验小学三年级")
    staff = User.objects.get(username="hebei-liaison")
    heard = []

    def listener(sender, **kwargs):
        heard.append(kwargs)

    person_checked_in.connect(listener)
    try:
        with freeze_time(session.starts_at), django_capture_on_commit_callbacks(execute=True) as callbacks:
            assert services.check_in(group.code, session, staff=staff).outcome == "ok"
        assert len(callbacks) == 1  # sent after commit, not inside the transaction
        activity.refresh_from_db()
        assert activity.actual_participants == 3  # NULL → the group's seats
        for value in (group.code, services.ticket_token(group)):  # the same ticket scanned again (any day)
            with django_capture_on_commit_callbacks(execute=True):
                assert services.check_in(value, session, staff=staff).outcome == "already"
    finally:
        person_checked_in.disconnect(listener)
    activity.refresh_from_db()
    assert activity.actual_participants == 3
    assert len(heard) == 1 and heard[0]["seats"] == 3 and heard[0]["staff"] == staff
    assert heard[0]["reservation"].pk == group.pk and heard[0]["session"].pk == session.pk


@pytest.mark.parametrize(("username", "refusal"), [("unit-admin", Http404),  # another unit: does not exist
                                                   ("hebei-statistician", PermissionDenied)])  # in scope, no role
def test_organizer_services_ask_the_policy_themselves(demo, username, refusal):
    session = open_session(capacity=5)
    reservation = services.reserve(session, person(86))
    outsider = User.objects.get(username=username)
    with pytest.raises(refusal):
        services.change_capacity(session, 1, actor=outsider)
    with pytest.raises(refusal):
        services.close_session(session, actor=outsider, cancel_all=True, reason="x")
    with pytest.raises(refusal):
        services.check_in(reservation.code, session, staff=outsider)
    with pytest.raises(refusal):
        services.cancel(reservation, staff=outsider)
    with pytest.raises(Http404):
        services.cancel(reservation, staff=True)  # no more "I am staff" flag: a staff user or nobody
    session.refresh_from_db()
    reservation.refresh_from_db()
    assert (session.capacity, session.is_closed, session.seats_taken) == (5, False, 1)
    assert reservation.status == R.CONFIRMED and reservation.checked_in_at is None


def test_personal_data_export_and_delete(demo):
    """Reservations is one of participants' personal-data providers: its part is exported,
    and erasing the person cancels what is still ahead (even inside the cancel window)."""
    someone = person(91)
    session = open_session(capacity=1, cancel_hours_before=200)
    services.reserve(session, someone)
    waiting = services.reserve(session, person(92))
    data = participants.export_personal_data(someone)
    assert data["phone"] == "13900000091" and len(data["reservations"]) == 1
    assert data["reservations"][0]["status"] == "confirmed"
    participants.delete_personal_data(someone)
    someone.refresh_from_db()
    assert not someone.is_active and not Profile.objects.filter(user=someone).exists()
    assert not Reservation.objects.filter(person=someone, status__in=Reservation.Status.ACTIVE).exists()
    assert Reservation.objects.get(pk=waiting.pk).status == R.CONFIRMED  # the place went to the queue


def test_reminders_once(demo):
    from sciweek.reservations.tasks import send_reminders

    LocmemSmsBackend.outbox.clear()
    session = open_session(capacity=5)
    services.reserve(session, person(95))
    with freeze_time(session.starts_at - timedelta(hours=20)):
        assert send_reminders.call() == 1
        assert send_reminders.call() == 0


def test_bots_are_slowed_down(demo, settings):
    settings.RESERVATIONS_PER_PERSON_PER_10_MIN = 3
    bot = person(99)
    for _ in range(3):
        services.reserve(open_session(capacity=5), bot)
    with pytest.raises(services.RateLimited) as error:
        services.reserve(open_session(capacity=5), bot)
    assert error.value.status == 429 and "频繁" in str(error.value)


def test_check_in_only_on_the_session_day_in_its_local_date(demo, django_capture_on_commit_callbacks):
    """The door opens on the session's day, as Asia/Shanghai reads it (not the server's UTC date);
    on another day only with the organizer's explicit override, which the audit log keeps."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from sciweek.accounts.models import AuditEvent

    shanghai = ZoneInfo("Asia/Shanghai")
    day = (timezone.localtime(timezone.now(), shanghai) + timedelta(days=7)).date()
    session = open_session(capacity=5)
    Session.objects.filter(pk=session.pk).update(starts_at=datetime.combine(day, time(7, 0), shanghai),
                                                 ends_at=datetime.combine(day, time(9, 0), shanghai))
    session.refresh_from_db()
    early, late = services.reserve(session, person(87)), services.reserve(session, person(88))
    staff = User.objects.get(username="hebei-liaison")
    # 06:30 in Shanghai is still the day before in UTC: the local date decides.
    with freeze_time(datetime.combine(day, time(6, 30), shanghai)):
        assert timezone.now().astimezone(ZoneInfo("UTC")).date() < day
        assert services.check_in(early.code, session, staff=staff).outcome == "ok"
    with freeze_time(datetime.combine(day + timedelta(days=1), time(0, 30), shanghai)):
        refused = services.check_in(late.code, session, staff=staff)
        assert refused.outcome == "wrong_day" and day.isoformat() in refused.message
        assert Reservation.objects.get(pk=late.pk).checked_in_at is None
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            assert services.check_in(late.code, session, staff=staff, override=True).outcome == "ok"
        assert len(callbacks) == 1  # an override is still one check-in, counted once
    with freeze_time(datetime.combine(day - timedelta(days=1), time(23, 50), shanghai)):
        assert services.check_in(early.code, session, staff=staff).outcome == "already"  # used is used, any day
    event = AuditEvent.objects.get(action="reservation.checkin_override")
    assert (event.actor, event.detail["reservation"], event.detail["session_day"]) == (staff, late.pk, day.isoformat())
    assert event.organization == session.activity.organization  # it reaches the organizer's admins


def test_personal_data_export_gives_local_times(demo):
    """The person's own data reads in their zone (Asia/Shanghai, +08:00), not UTC."""
    someone = person(93)
    session = open_session(capacity=5)
    services.reserve(session, someone)
    row = participants.export_personal_data(someone)["reservations"][0]
    local = timezone.localtime(session.starts_at)
    assert row["session_starts_at"] == local.isoformat() and row["session_starts_at"].endswith("+08:00")
    assert row["booked_at"].endswith("+08:00")
