"""Reservations: every seat booked once, never twice, whatever the load.

- reserve: one transaction; a conditional UPDATE takes the seats only while
  seats_taken + n <= capacity; the reservation row (partial unique constraint on
  session+person for active rows) is inserted in the same transaction.
- cancel: a conditional status change, then the seats are given back only if a row
  changed, then the waiting list is promoted in order.
- check-in: UPDATE … WHERE checked_in_at IS NULL: exactly one scan wins.
A lock wait longer than LOCK_TIMEOUT (PostgreSQL) or the SQLite busy timeout becomes Busy,
shown as a localized "busy, retry" (HTTP 503), never a stack trace.
"""
import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sciweek.accounts.audit import record
from sciweek.activities.models import Activity, Session
from sciweek.activities.selectors import BOOKABLE_STATES, BOOKING_REFUSALS, BookingState, booking_state
from sciweek.core.sms import send_sms

from .models import OneTimeCode, Profile, Reservation

User = get_user_model()
R = Reservation.Status
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud at a door
TICKET_SALT = "sciweek.reservations.ticket"
OTP_TTL = timedelta(minutes=5)
OTP_MAX_ATTEMPTS = 5


class ReservationError(Exception):
    """A refusal the person should read (localized)."""

    status = 409
    code = "refused"


class Full(ReservationError):
    code = "full"


class AlreadyReserved(ReservationError):
    code = "already_reserved"


class NotBookable(ReservationError):
    code = "not_bookable"


class Busy(ReservationError):
    status = 503
    code = "busy"


class RateLimited(ReservationError):
    status = 429
    code = "rate_limited"


# --- phone sign-in ------------------------------------------------------------------

def normalize_phone(raw: str) -> str:
    digits = "".join(c for c in (raw or "") if c.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) != 11 or not digits.startswith("1"):
        raise ReservationError(_("请输入 11 位手机号码。"))
    return digits


def _hash_code(phone: str, code: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{phone}:{code}".encode()).hexdigest()


def request_code(phone: str, *, ip: str | None = None) -> None:
    """Send a 6-digit code. At most one per phone per minute, 10 per phone and 30 per IP a day
    (counted in the database, so the limits hold even when the cache is down)."""
    phone = normalize_phone(phone)
    now = timezone.now()
    recent = OneTimeCode.objects.filter(phone=phone, created_at__gte=now - timedelta(seconds=60)).exists()
    if recent:
        raise RateLimited(_("验证码已发送，请 60 秒后再试。"))
    day_ago = now - timedelta(days=1)
    if OneTimeCode.objects.filter(phone=phone, created_at__gte=day_ago).count() >= 10 or (
        ip and OneTimeCode.objects.filter(ip_address=ip, created_at__gte=day_ago).count() >= 30
    ):
        raise RateLimited(_("今天获取验证码的次数太多了，请明天再试。"))
    code = f"{secrets.randbelow(1_000_000):06d}"
    OneTimeCode.objects.create(phone=phone, code_hash=_hash_code(phone, code), ip_address=ip,
                               expires_at=now + OTP_TTL)
    send_sms(phone, _("【科技活动周】您的验证码是 %(code)s，5 分钟内有效。请勿告诉他人。") % {"code": code})


def verify_code(phone: str, code: str, *, consent: bool, name: str = ""):
    """The user for this phone if the code is right (creating the account on first sign-in,
    which needs consent to the privacy notice)."""
    phone = normalize_phone(phone)
    now = timezone.now()
    wrong = _("验证码不正确或已过期，请重新获取。")
    if not consent and not Profile.objects.filter(phone=phone).exists():
        # Ask for consent before using up the code, so the person can tick the box and resend it.
        raise ReservationError(_("首次登录请先阅读并同意隐私政策。"))
    with transaction.atomic():
        otp = (OneTimeCode.objects.select_for_update()
               .filter(phone=phone, used_at__isnull=True, expires_at__gt=now).order_by("-created_at").first())
        valid = (otp is not None and otp.attempts < OTP_MAX_ATTEMPTS
                 and secrets.compare_digest(otp.code_hash, _hash_code(phone, (code or "").strip())))
        if otp is not None:
            # A wrong try is counted (and committed) before the refusal is raised.
            OneTimeCode.objects.filter(pk=otp.pk).update(**({"used_at": now} if valid else {"attempts": F("attempts") + 1}))
    if not valid:
        raise ReservationError(wrong)
    profile = Profile.objects.filter(phone=phone).select_related("user").first()
    if profile is not None:
        if not profile.user.is_active:
            raise ReservationError(_("该账号已注销。"))
        return profile.user
    with transaction.atomic():
        user = User(username=f"p_{secrets.token_hex(8)}", full_name=name[:32])
        user.set_unusable_password()
        user.save()
        Profile.objects.create(user=user, phone=phone, name=name[:32], consent_at=now)
    return user


def profile_of(user) -> Profile | None:
    return Profile.objects.filter(user=user).first() if getattr(user, "is_authenticated", False) else None


# --- reserving ----------------------------------------------------------------------

def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def ticket_token(reservation: Reservation) -> str:
    """What the QR code carries: signed, so it cannot be guessed or forged."""
    return signing.dumps({"r": reservation.pk, "c": reservation.code}, salt=TICKET_SALT, compress=True)


def _lock_timeout():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = %s", [getattr(settings, "RESERVATION_LOCK_TIMEOUT", "3s")])


def bookable(session: Session) -> str | None:
    """Why the session cannot be booked now (see activities.selectors.booking_state), or None."""
    state = booking_state(session)
    return None if state in BOOKABLE_STATES else str(BOOKING_REFUSALS[state])


def reserve(session: Session, person, *, seats: int = 1, group_name: str = "", attested: bool = False,
            idempotency_key: str = "") -> Reservation:
    """Book `seats` places for `person` (confirmed, or on the waiting list when full)."""
    if idempotency_key:
        earlier = Reservation.objects.filter(person=person, idempotency_key=idempotency_key[:64]).first()
        if earlier is not None:
            return earlier
    session = Session.objects.select_related("activity").get(pk=session.pk)
    recent = Reservation.objects.filter(person=person, created_at__gte=timezone.now() - timedelta(minutes=10)).count()
    if recent >= getattr(settings, "RESERVATIONS_PER_PERSON_PER_10_MIN", 20):
        # Counted in the database, so the limit holds when the cache is down (fails closed).
        raise RateLimited(_("操作太频繁，请稍后再试。"))
    state = booking_state(session)
    if state == BookingState.FULL:
        raise Full(BOOKING_REFUSALS[state])
    if state not in BOOKABLE_STATES:
        raise NotBookable(BOOKING_REFUSALS[state])
    if not 1 <= seats <= session.max_group_size:
        raise ReservationError(_("每次最多预约 %(n)s 人。") % {"n": session.max_group_size})
    if seats > 1 and not group_name.strip():
        raise ReservationError(_("团体预约请填写团体名称（如：某某小学五年级二班）。"))
    if session.activity.attestation_text and not attested:
        raise ReservationError(_("请先确认防疫承诺。"))
    now = timezone.now()
    locking = getattr(settings, "RESERVATION_LOCKING", True)  # test-only mutation switch
    # Without locking (tests only): the naive read-then-write, reading outside the transaction.
    stale = None if locking else Session.objects.get(pk=session.pk)
    try:
        with transaction.atomic():
            _lock_timeout()
            if Reservation.objects.filter(session=session, person=person, status__in=Reservation.Status.ACTIVE).exists():
                raise AlreadyReserved(_("您已预约过这个场次。"))
            if locking:
                taken = Session.objects.filter(pk=session.pk).filter(
                    Q(capacity__isnull=True) | Q(seats_taken__lte=F("capacity") - seats)
                ).update(seats_taken=F("seats_taken") + seats)
            else:
                taken = 1 if stale.capacity is None or stale.seats_taken + seats <= stale.capacity else 0
                if taken:
                    Session.objects.filter(pk=session.pk).update(seats_taken=stale.seats_taken + seats)
            if not taken and not session.waitlist_enabled:
                raise Full(_("名额已满。"))
            reservation = Reservation.objects.create(
                session=session, person=person, seats=seats, group_name=group_name.strip()[:64],
                status=R.CONFIRMED if taken else R.WAITING, code=_new_code(),
                attested_at=now if attested else None, idempotency_key=idempotency_key[:64],
                confirmed_at=now if taken else None, waiting_since=None if taken else now,
            )
    except IntegrityError:
        # The partial unique constraint caught a second active reservation (a double submit).
        if idempotency_key:
            earlier = Reservation.objects.filter(person=person, idempotency_key=idempotency_key[:64]).first()
            if earlier is not None:
                return earlier
        raise AlreadyReserved(_("您已预约过这个场次。")) from None
    except OperationalError as error:
        raise Busy(_("预约的人太多了，请稍后重试。")) from error
    return reservation


def cancel(reservation: Reservation, *, reason: str = "", staff: bool = False) -> bool:
    """Cancel; give the seats back and promote the waiting list. Returns False if nothing changed."""
    reservation = Reservation.objects.select_related("session").get(pk=reservation.pk)
    session = reservation.session
    if not staff and reservation.status == R.CONFIRMED:
        deadline = session.starts_at - timedelta(hours=session.cancel_hours_before)
        if timezone.now() > deadline:
            raise ReservationError(_("开始前 %(h)s 小时内不能取消，如不能参加请联系主办方。") % {
                "h": session.cancel_hours_before})
    try:
        with transaction.atomic():
            _lock_timeout()
            was = reservation.status
            changed = Reservation.objects.filter(pk=reservation.pk, status__in=Reservation.Status.ACTIVE,
                                                 checked_in_at__isnull=True).update(
                status=R.CANCELLED, cancelled_at=timezone.now(), cancel_reason=reason[:128])
            if not changed:
                return False
            if was == R.CONFIRMED:
                Session.objects.filter(pk=session.pk, seats_taken__gte=reservation.seats).update(
                    seats_taken=F("seats_taken") - reservation.seats)
                promote_waiting(session)
    except OperationalError as error:
        raise Busy(_("系统繁忙，请稍后重试。")) from error
    return True


def promote_waiting(session: Session) -> list[Reservation]:
    """Give freed places to the waiting list in order (caller holds a transaction)."""
    promoted = []
    for waiting in Reservation.objects.filter(session=session, status=R.WAITING).order_by("waiting_since", "id"):
        taken = Session.objects.filter(pk=session.pk).filter(
            Q(capacity__isnull=True) | Q(seats_taken__lte=F("capacity") - waiting.seats)
        ).update(seats_taken=F("seats_taken") + waiting.seats)
        if not taken:
            break  # strict order: a big group at the head waits, nobody jumps it
        Reservation.objects.filter(pk=waiting.pk, status=R.WAITING).update(status=R.CONFIRMED,
                                                                           confirmed_at=timezone.now())
        promoted.append(waiting)
    if promoted:
        from .tasks import notify_people

        transaction.on_commit(lambda: notify_people.enqueue(
            [r.pk for r in promoted], "promoted"))
    return promoted


# --- organizers ---------------------------------------------------------------------

def change_capacity(session: Session, new_capacity: int | None, *, actor, move_to_waiting=()) -> list[int]:
    """Set a session's capacity. Lowering it below what is booked never drops anyone
    silently: the organizer names the reservations to move to the waiting list."""
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        movers = list(Reservation.objects.filter(session=session, status=R.CONFIRMED, checked_in_at__isnull=True,
                                                 pk__in=list(move_to_waiting)))
        freed = sum(r.seats for r in movers)
        if new_capacity is not None and session.seats_taken - freed > new_capacity:
            short = session.seats_taken - freed - new_capacity
            raise ReservationError(_("已预约 %(booked)s 人，新名额 %(cap)s。请再选择至少 %(n)s 人转为候补。") % {
                "booked": session.seats_taken, "cap": new_capacity, "n": short})
        for mover in movers:
            # Moved people go to the head of the waiting list, in their booking order.
            Reservation.objects.filter(pk=mover.pk).update(status=R.WAITING, confirmed_at=None,
                                                           waiting_since=mover.created_at - timedelta(days=3650))
        Session.objects.filter(pk=session.pk).update(seats_taken=F("seats_taken") - freed, capacity=new_capacity)
        session.refresh_from_db()
        promote_waiting(session)
        record("reservation.capacity_changed", actor=actor, organization=session.activity.organization,
               summary=f"{session} → {new_capacity}", detail={"moved": [m.pk for m in movers]})
        if movers:
            from .tasks import notify_people

            transaction.on_commit(lambda: notify_people.enqueue([m.pk for m in movers], "moved_to_waiting"))
    return [m.pk for m in movers]


def close_session(session: Session, *, actor, cancel_all: bool = False, reason: str = "") -> int:
    """Stop bookings; with cancel_all, cancel the session and tell everyone booked."""
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        fields = {"is_closed": True}
        affected = []
        if cancel_all:
            fields["cancelled_at"] = timezone.now()
            # Whoever is already inside stays checked in; everyone else is cancelled and told.
            pending = Reservation.objects.filter(session=session, status__in=Reservation.Status.ACTIVE,
                                                 checked_in_at__isnull=True)
            freed = pending.filter(status=R.CONFIRMED).aggregate(n=Sum("seats"))["n"] or 0
            affected = list(pending.values_list("pk", flat=True))
            Reservation.objects.filter(pk__in=affected).update(status=R.CANCELLED, cancelled_at=timezone.now(),
                                                               cancel_reason=reason[:128] or _("场次取消"))
            fields["seats_taken"] = F("seats_taken") - freed
        Session.objects.filter(pk=session.pk).update(**fields)
        record("reservation.session_closed", actor=actor, organization=session.activity.organization,
               summary=f"{session} {'cancelled' if cancel_all else 'closed'}", detail={"reason": reason})
        if affected:
            from .tasks import notify_people

            transaction.on_commit(lambda: notify_people.enqueue(affected, "session_cancelled"))
    return len(affected)


def find_by_scan(value: str) -> Reservation | None:
    """A reservation from a QR payload (signed token) or a typed short code."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > 12:
        try:
            data = signing.loads(value, salt=TICKET_SALT)
        except signing.BadSignature:
            return None
        return Reservation.objects.filter(pk=data.get("r"), code=data.get("c")).select_related(
            "session__activity", "person__public_profile").first()
    return Reservation.objects.filter(code=value.upper()).select_related(
        "session__activity", "person__public_profile").first()


class CheckInResult:
    OK, ALREADY, WRONG_SESSION, CANCELLED, WAITING, UNKNOWN = "ok", "already", "wrong_session", "cancelled", \
        "waiting", "unknown"

    def __init__(self, outcome, reservation=None):
        self.outcome = outcome
        self.reservation = reservation


def check_in(value: str, session: Session, *, staff) -> CheckInResult:
    reservation = find_by_scan(value)
    if reservation is None:
        return CheckInResult(CheckInResult.UNKNOWN)
    if reservation.session_id != session.pk:
        return CheckInResult(CheckInResult.WRONG_SESSION, reservation)
    if reservation.status == R.CANCELLED:
        return CheckInResult(CheckInResult.CANCELLED, reservation)
    if reservation.status == R.WAITING:
        return CheckInResult(CheckInResult.WAITING, reservation)
    with transaction.atomic():
        won = Reservation.objects.filter(pk=reservation.pk, status=R.CONFIRMED, checked_in_at__isnull=True).update(
            checked_in_at=timezone.now(), checked_in_by=staff, checked_in_by_name=staff.display_name)
        if won:
            # Attendance flows into the activity's actual participants for the reports.
            Activity.objects.filter(pk=session.activity_id).update(
                actual_participants=F("actual_participants") + reservation.seats)
            Activity.objects.filter(pk=session.activity_id, actual_participants__isnull=True).update(
                actual_participants=reservation.seats)
    reservation.refresh_from_db()
    return CheckInResult(CheckInResult.OK if won else CheckInResult.ALREADY, reservation)


def session_numbers(session: Session) -> dict:
    rows = Reservation.objects.filter(session=session).values("status").annotate(n=Sum("seats")).order_by()
    by_status = {row["status"]: row["n"] for row in rows}
    checked = Reservation.objects.filter(session=session, checked_in_at__isnull=False).aggregate(n=Sum("seats"))["n"] or 0
    booked = by_status.get(R.CONFIRMED, 0)
    started = session.starts_at <= timezone.now()
    return {"booked": booked, "waiting": by_status.get(R.WAITING, 0), "checked_in": checked,
            "no_shows": max(0, booked - checked) if started else None, "capacity": session.capacity,
            "seats_taken": session.seats_taken}


# --- personal data ------------------------------------------------------------------

def export_personal_data(user) -> dict:
    profile = profile_of(user)
    return {
        "phone": profile.phone if profile else None,
        "name": profile.name if profile else "",
        "consent_at": profile.consent_at.isoformat() if profile else None,
        "reservations": [
            {"code": r.code, "activity": r.session.activity.title, "session_starts_at": r.session.starts_at.isoformat(),
             "seats": r.seats, "group_name": r.group_name, "status": r.status,
             "checked_in_at": r.checked_in_at.isoformat() if r.checked_in_at else None}
            for r in Reservation.objects.filter(person=user).select_related("session__activity")
        ],
    }


def delete_personal_data(user) -> None:
    """Cancel what is still ahead, drop the phone number and close the account. Past
    attendance stays as anonymous counts (reports need them), without the person."""
    for reservation in Reservation.objects.filter(person=user, status__in=Reservation.Status.ACTIVE):
        cancel(reservation, reason="account deleted", staff=True)
    with transaction.atomic():
        Profile.objects.filter(user=user).delete()
        User.objects.filter(pk=user.pk).update(is_active=False, full_name="", email="",
                                               username=f"deleted_{secrets.token_hex(8)}")

