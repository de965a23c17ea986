from datetime import timedelta

import pytest
from django.core import signing
from freezegun import freeze_time

from sciweek.accounts.models import User
from sciweek.core.sms import LocmemSmsBackend
from sciweek.reservations import services
from sciweek.reservations.integrity import violations
from sciweek.reservations.models import OneTimeCode, Profile, Reservation

from .helpers import open_session, person

pytestmark = pytest.mark.django_db
R = Reservation.Status


@pytest.fixture(autouse=True)
def _invariants(demo):
    yield
    assert violations() == []


def last_code():
    return LocmemSmsBackend.outbox[-1][1].split("验证码是 ")[1][:6]


def test_sign_in_by_phone_code_creates_a_minimal_profile(db):
    LocmemSmsBackend.outbox.clear()
    services.request_code("138 0013 8000", ip="10.0.0.1")
    assert LocmemSmsBackend.outbox[-1][0] == "13800138000"
    with pytest.raises(services.ReservationError):
        services.verify_code("13800138000", last_code(), consent=False)  # first time needs consent
    OneTimeCode.objects.update(created_at=OneTimeCode.objects.first().created_at - timedelta(minutes=2))
    services.request_code("13800138000")
    user = services.verify_code("13800138000", last_code(), consent=True, name="小明家长")
    profile = Profile.objects.get(user=user)
    assert profile.phone == "13800138000" and profile.masked_phone == "138****8000"
    assert not user.has_usable_password() and not user.memberships.exists()


def test_code_rules_rate_limit_attempts_and_expiry(db):
    LocmemSmsBackend.outbox.clear()
    services.request_code("13800138001")
    with pytest.raises(services.RateLimited):
        services.request_code("13800138001")
    code = last_code()
    for _ in range(5):
        with pytest.raises(services.ReservationError):
            services.verify_code("13800138001", "000000" if code != "000000" else "111111", consent=True)
    with pytest.raises(services.ReservationError):  # locked after 5 wrong tries, even with the right code
        services.verify_code("13800138001", code, consent=True)
    with freeze_time(OneTimeCode.objects.latest("id").created_at + timedelta(minutes=6)):
        services.request_code("13800138001")
        fresh = last_code()
    with freeze_time(OneTimeCode.objects.latest("id").created_at + timedelta(minutes=6)):
        with pytest.raises(services.ReservationError):
            services.verify_code("13800138001", fresh, consent=True)
    with pytest.raises(services.ReservationError):
        services.request_code("12345")


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
    assert services.cancel(reservation, staff=True)  # organizers may still cancel


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
    staff = User.objects.get(username="unit-admin")
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
        n = services.close_session(session, actor=User.objects.get(username="unit-admin"), cancel_all=True,
                                   reason="暴雨")
    assert n == 4 and not Reservation.objects.filter(session=session, status__in=Reservation.Status.ACTIVE).exists()
    assert sum("已取消" in text for _, text in LocmemSmsBackend.outbox) == 4


def test_check_in_once_with_signed_token_or_short_code(demo):
    session = open_session(capacity=5)
    reservation = services.reserve(session, person(81))
    staff = User.objects.get(username="unit-admin")
    result = services.check_in(services.ticket_token(reservation), session, staff=staff)
    assert result.outcome == "ok"
    again = services.check_in(reservation.code.lower(), session, staff=staff)
    assert again.outcome == "already" and again.reservation.checked_in_by_name == staff.display_name
    forged = signing.dumps({"r": reservation.pk, "c": reservation.code}, salt="other")
    assert services.check_in(forged, session, staff=staff).outcome == "unknown"
    other = open_session(capacity=5)
    assert services.check_in(reservation.code, other, staff=staff).outcome == "wrong_session"
    session.activity.refresh_from_db()
    assert session.activity.actual_participants == 1


def test_personal_data_export_and_delete(demo):
    someone = person(91)
    session = open_session(capacity=5)
    services.reserve(session, someone)
    data = services.export_personal_data(someone)
    assert data["phone"] == "13900000091" and len(data["reservations"]) == 1
    services.delete_personal_data(someone)
    someone.refresh_from_db()
    assert not someone.is_active and not Profile.objects.filter(user=someone).exists()
    assert not Reservation.objects.filter(person=someone, status__in=Reservation.Status.ACTIVE).exists()


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
