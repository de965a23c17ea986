"""Reservations: every seat booked once, never twice, whatever the load.

- reserve (`_book`): a conditional UPDATE takes the seats only while seats_taken + n <=
  capacity, and the reservation row (partial unique constraint on session+person for active
  rows) is inserted atomically with it: one statement on PostgreSQL, one transaction
  (`_take_seats` + INSERT) elsewhere.
- cancel: a conditional status change, then the seats are given back only if a row
  changed, then the waiting list is promoted in order.
- check-in: UPDATE … WHERE checked_in_at IS NULL: exactly one scan wins, and only the winner
  announces `person_checked_in` (activities counts the attendance).
A lock wait longer than settings.LOCK_TIMEOUT (set on every PostgreSQL connection) or the
SQLite busy timeout becomes Busy, shown as a localized "busy, retry" (HTTP 503), never a
stack trace.

Organizer operations (change_capacity, close_session, check_in, cancel by staff) ask the
permission policy themselves, whoever calls them.
"""
import secrets
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import (
    BigIntegerField,
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from sciweek.accounts import policy
from sciweek.accounts.audit import record
from sciweek.activities.models import Session
from sciweek.activities.selectors import (
    BOOKABLE_STATES,
    BOOKING_REFUSALS,
    BookingState,
    booking_state,
    remember_onsite_paused,
    sessions_for_booking,
)
from sciweek.core.query_templates import QueryTemplate, Slot
from sciweek.core.signals import person_checked_in, session_cancelled

from .models import Reservation
from .tasks import notify_people

R = Reservation.Status
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud at a door
TICKET_SALT = "sciweek.reservations.ticket"


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


class NotFound(ReservationError):
    status = 404
    code = "not_found"


class RateLimited(ReservationError):
    status = 429
    code = "rate_limited"


# --- reserving ----------------------------------------------------------------------

def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def ticket_token(reservation: Reservation) -> str:
    """What the QR code carries: signed, so it cannot be guessed or forged."""
    return signing.dumps({"r": reservation.pk, "c": reservation.code}, salt=TICKET_SALT, compress=True)


def _take_seats(session: Session, seats: int) -> bool:
    """Take `seats` places of `session` if they are free: one conditional UPDATE, so two
    bookings can never both take the last place. Only `session.pk` is used; the counters on
    the caller's copy may already be stale."""
    return bool(Session.objects.filter(pk=session.pk).filter(
        Q(capacity__isnull=True) | Q(seats_taken__lte=F("capacity") - seats)
    ).update(seats_taken=F("seats_taken") + seats))


def _booking_facts():
    """The one read of a reservation: the session with everything booking_state asks, and the
    person's part in the same row (the earlier answer to this Idempotency-Key, the count of
    recent reservations for the rate limit, an active reservation of this session)."""
    mine = Reservation.objects.filter(person_id=Slot("person", BigIntegerField())).order_by()
    # Of the activity only what booking and the answer read (an activity row is wide).
    columns = [f.name for f in Session._meta.concrete_fields] + [f"activity__{name}" for name in ACTIVITY_READ]
    return sessions_for_booking().only(*columns).filter(pk=Slot("session", BigIntegerField())).order_by().annotate(
        earlier=Subquery(mine.filter(idempotency_key=Slot("key", CharField())).exclude(idempotency_key="")
                         .values("pk")[:1]),
        recent=Coalesce(Subquery(mine.filter(created_at__gte=Slot("since", DateTimeField())).values("person")
                                 .annotate(n=Count("pk")).values("n")), 0),
        active=Exists(mine.filter(session=OuterRef("pk"), status__in=R.ACTIVE)),
    )


ACTIVITY_READ = ("title", "status", "format", "attestation_text", "campaign", "organization", "revises")
# Built once per process (see core.query_templates): building it costs more than running it.
_BOOKING_FACTS = QueryTemplate(_booking_facts)


def reserve(session: Session, person, *, seats: int = 1, group_name: str = "", attested: bool = False,
            idempotency_key: str = "") -> Reservation:
    """Book `seats` places for `person` (confirmed, or on the waiting list when full).

    Only `session.pk` is read from the caller's copy. One read (`_booking_facts`) and one
    write (`_book`). The checks before the write give a quick answer; the
    write itself and the constraints decide."""
    key = idempotency_key[:64]
    session = _BOOKING_FACTS.first(session=session.pk, person=person.pk, key=key,
                                   since=timezone.now() - timedelta(minutes=10))
    if session is None:
        raise NotFound(_("场次不存在或未公开。"))
    remember_onsite_paused(session)
    if session.earlier is not None:  # a retry: the first answer, whatever has changed since
        return Reservation.objects.select_related("session__activity").get(pk=session.earlier)
    if session.recent >= getattr(settings, "RESERVATIONS_PER_PERSON_PER_10_MIN", 20):
        # Counted in the database, so the limit holds when the cache is down (fails closed).
        raise RateLimited(_("操作太频繁，请稍后再试。"))
    if session.active:
        raise AlreadyReserved(_("您已预约过这个场次。"))
    state = booking_state(session, activity=session.activity, online_only=session.onsite_paused)
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
    reservation = Reservation(session=session, person=person, seats=seats, group_name=group_name.strip()[:64],
                              code=_new_code(), attested_at=now if attested else None, idempotency_key=key)
    try:
        _book(reservation, now)
    except IntegrityError:
        # A constraint caught what the reads above could not see: a double submit racing this
        # one (one active reservation per person and session), or the same key's retry.
        if key:
            earlier = Reservation.objects.filter(person=person, idempotency_key=key).first()
            if earlier is not None:
                return earlier
        raise AlreadyReserved(_("您已预约过这个场次。")) from None
    except OperationalError as error:
        raise Busy(_("预约的人太多了，请稍后重试。")) from error
    return reservation


def _book(reservation: Reservation, now) -> None:
    """Take the seats if they are free and insert `reservation` (confirmed when they were,
    waiting when the session keeps a waiting list, else Full), as one atomic step."""
    if connection.vendor == "postgresql":
        _book_in_one_statement(reservation, now)
        return
    session = reservation.session
    with transaction.atomic():
        taken = _take_seats(session, reservation.seats)
        if not taken and not session.waitlist_enabled:
            raise Full(BOOKING_REFUSALS[BookingState.FULL])
        _set_outcome(reservation, taken, now)
        reservation.save(force_insert=True)


def _set_outcome(reservation: Reservation, taken: bool, now) -> None:
    reservation.status = R.CONFIRMED if taken else R.WAITING
    reservation.confirmed_at = now if taken else None
    reservation.waiting_since = None if taken else now


# PostgreSQL: the seat and the row in one statement and one round trip, with no explicit
# transaction (a single statement is atomic; the connection's lock_timeout bounds its wait).
# The UPDATE is the same conditional update as _take_seats: under READ COMMITTED a waiter
# re-checks `seats_taken + n <= capacity` on the row as the holder left it, so the last seat
# goes once. The INSERT runs only if a seat was taken or the session keeps a waiting list.
_ONE_STATEMENT = """
WITH seat AS (
    UPDATE {session} SET seats_taken = seats_taken + %s
    WHERE id = %s AND (capacity IS NULL OR seats_taken + %s <= capacity)
    RETURNING id
)
INSERT INTO {reservation} ({columns})
SELECT {values} WHERE EXISTS (SELECT 1 FROM seat) OR %s
RETURNING id, EXISTS (SELECT 1 FROM seat), (
    SELECT count(*) + 1 FROM {reservation} earlier
    WHERE earlier.session_id = %s AND earlier.status = %s AND earlier.waiting_since < %s)
"""
_OUTCOME_COLUMNS = ("status", "confirmed_at", "waiting_since")
_LOCK_SESSION = f"SELECT 1 FROM {Session._meta.db_table} WHERE id = %s FOR NO KEY UPDATE"  # noqa: S608 — the model's table


_ONE_STATEMENT_SQL = {}  # per database vendor: the statement and its fields, made once


def _one_statement():
    if connection.vendor not in _ONE_STATEMENT_SQL:
        quote = connection.ops.quote_name
        fields = [f for f in Reservation._meta.concrete_fields if not f.primary_key]
        values = ["CASE WHEN EXISTS (SELECT 1 FROM seat) THEN %s ELSE %s END" if f.name in _OUTCOME_COLUMNS
                  else "%s" for f in fields]
        sql = _ONE_STATEMENT.format(session=quote(Session._meta.db_table),
                                    reservation=quote(Reservation._meta.db_table),
                                    columns=", ".join(quote(f.column) for f in fields), values=", ".join(values))
        _ONE_STATEMENT_SQL[connection.vendor] = (sql, fields)
    return _ONE_STATEMENT_SQL[connection.vendor]


def _run_bounded(sql: str, params: list, *, lock_session: int | None = None):
    """Run one statement with a deadline on the whole statement, not on each lock wait:
    lock_timeout restarts when PostgreSQL moves a waiter from the row's tuple lock to the
    holder's transaction, so one of several waiters could wait twice as long. BEGIN, the
    deadline (SET LOCAL statement_timeout), the statement and COMMIT go out together in one
    round trip (psycopg's pipeline mode), as a prepared statement."""
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    with connection.wrap_database_errors:
        with raw.pipeline(), raw.transaction():
            psycopg.Cursor(raw).execute("SELECT set_config('statement_timeout', %s, true)",
                                        [getattr(settings, "LOCK_TIMEOUT", "3s")])
            if lock_session is not None:
                # The session row, locked before the statement (its snapshot is taken after the
                # lock, so it sees the row as the last holder left it) whether or not a seat is
                # free: joining the waiting list then serializes with a cancellation, which could
                # otherwise free a seat, find no one waiting (this row not yet committed) and
                # leave the seat empty while this person waits.
                psycopg.Cursor(raw).execute(_LOCK_SESSION, [lock_session])
            cursor = psycopg.Cursor(raw)
            cursor.execute(sql, params, prepare=getattr(settings, "PREPARED_STATEMENTS", True))
        return cursor.fetchone()


def _book_in_one_statement(reservation: Reservation, now) -> None:
    session = reservation.session
    sql, fields = _one_statement()
    outcomes = {True: Reservation(), False: Reservation()}
    for taken, outcome in outcomes.items():
        _set_outcome(outcome, taken, now)
    params = []
    for field in fields:
        if field.name in _OUTCOME_COLUMNS:  # decided by the UPDATE: a seat taken, or waiting
            params += [field.get_db_prep_save(getattr(outcomes[taken], field.attname), connection)
                       for taken in (True, False)]
        else:
            params.append(field.get_db_prep_save(field.pre_save(reservation, add=True), connection))
    seats = reservation.seats
    row = _run_bounded(sql, [seats, session.pk, seats, *params, session.waitlist_enabled, session.pk, R.WAITING, now],
                       lock_session=session.pk)
    if row is None:
        raise Full(BOOKING_REFUSALS[BookingState.FULL])
    reservation.pk, taken, position = row
    _set_outcome(reservation, taken, now)
    if not taken:  # the place in the waiting list comes back with the row (selectors.waiting_position)
        reservation.waiting_position = position
    reservation._state.adding, reservation._state.db = False, connection.alias


def cancel(reservation: Reservation, *, reason: str = "", staff=None) -> bool:
    """Cancel; give the seats back and promote the waiting list. Returns False if nothing changed.
    The person may cancel until the session's deadline; `staff` (an organizer allowed to
    manage the session's bookings) may cancel at any time."""
    reservation = Reservation.objects.select_related("session__activity__organization").get(pk=reservation.pk)
    session = reservation.session
    if staff is not None:
        policy.require(staff, "reservation.manage", session)
    elif reservation.status == R.CONFIRMED:
        deadline = session.starts_at - timedelta(hours=session.cancel_hours_before)
        if timezone.now() > deadline:
            raise ReservationError(_("开始前 %(h)s 小时内不能取消，如不能参加请联系主办方。") % {
                "h": session.cancel_hours_before})
    return _cancel(reservation, reason)


def _cancel(reservation: Reservation, reason: str) -> bool:
    """The cancellation itself, with no deadline (callers decide who may cancel when)."""
    session = reservation.session
    try:
        with transaction.atomic():
            # The session row first, as every other writer of its seats takes it (one lock order,
            # no deadlock); while it is held no promotion or cancellation of this session runs,
            # so the status read next is the one the conditional change below acts on (a
            # reservation promoted since the caller read it gives its seat back).
            Session.objects.select_for_update().filter(pk=session.pk).values_list("pk", flat=True).first()
            was = Reservation.objects.filter(pk=reservation.pk).values_list("status", flat=True).first()
            changed = Reservation.objects.filter(pk=reservation.pk, status=was, status__in=R.ACTIVE,
                                                 checked_in_at__isnull=True).update(
                status=R.CANCELLED, cancelled_at=timezone.now(), cancel_reason=reason[:128])
            if not changed:
                return False
            if was == R.CONFIRMED:
                Session.objects.filter(pk=session.pk, seats_taken__gte=reservation.seats).update(
                    seats_taken=F("seats_taken") - reservation.seats)
            # After any cancellation: a waiting group that left may have let the next one fit.
            promote_waiting(session)
    except OperationalError as error:
        raise Busy(_("系统繁忙，请稍后重试。")) from error
    return True


def promote_waiting(session: Session) -> list[Reservation]:
    """Give freed places to the waiting list in order (caller holds a transaction)."""
    promoted = []
    for waiting in Reservation.objects.filter(session=session, status=R.WAITING).order_by("waiting_since", "id"):
        if not _take_seats(session, waiting.seats):
            break  # strict order: a big group at the head waits, nobody jumps it
        if not Reservation.objects.filter(pk=waiting.pk, status=R.WAITING).update(status=R.CONFIRMED,
                                                                                  confirmed_at=timezone.now()):
            # It left the list meanwhile: its seats go back, the next one is asked.
            Session.objects.filter(pk=session.pk).update(seats_taken=F("seats_taken") - waiting.seats)
            continue
        promoted.append(waiting)
    if promoted:
        transaction.on_commit(lambda: notify_people.enqueue(
            [r.pk for r in promoted], "promoted"))
    return promoted


# --- organizers ---------------------------------------------------------------------

def change_capacity(session: Session, new_capacity: int | None, *, actor, move_to_waiting=()) -> list[int]:
    """Set a session's capacity. Lowering it below what is booked never drops anyone
    silently: the organizer names the reservations to move to the waiting list."""
    policy.require(actor, "reservation.manage", session)
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
            transaction.on_commit(lambda: notify_people.enqueue([m.pk for m in movers], "moved_to_waiting"))
    return [m.pk for m in movers]


def close_session(session: Session, *, actor, cancel_all: bool = False, reason: str = "") -> int:
    """Stop bookings; with cancel_all, cancel the session and tell everyone booked."""
    policy.require(actor, "reservation.manage", session)
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
            transaction.on_commit(lambda: notify_people.enqueue(affected, "session_cancelled"))
        if cancel_all:
            transaction.on_commit(lambda: session_cancelled.send(sender=Session, session=session,
                                                                 activity_id=session.activity_id))
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
    OK, ALREADY, WRONG_SESSION, CANCELLED, WAITING, UNKNOWN, WRONG_DAY = "ok", "already", "wrong_session", \
        "cancelled", "waiting", "unknown", "wrong_day"

    def __init__(self, outcome, reservation=None, message=""):
        self.outcome = outcome
        self.reservation = reservation
        self.message = message  # why it was refused, where the outcome alone does not say


def session_days(session: Session) -> tuple[date, date]:
    """The session's first and last day in its local time (the platform's zone, Asia/Shanghai)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return timezone.localtime(session.starts_at, zone).date(), timezone.localtime(session.ends_at, zone).date()


def is_session_day(session: Session, today: date | None = None) -> bool:
    first, last = session_days(session)
    today = today or timezone.localdate(timezone.now(), ZoneInfo(settings.TIME_ZONE))
    return first <= today <= last


def check_in_day_refusal(session: Session, today: date | None = None) -> str | None:
    """The rule of the door: people are let in on the session's day only (its local date);
    outside it the organizer must confirm an exception, which the audit log keeps."""
    if is_session_day(session, today):
        return None
    first, _last = session_days(session)
    return _("该场次在 %(day)s 举行，今天不能核验入场。确需入场时，请确认“非场次当天仍然核验”（将记入审计日志）。") % {
        "day": first.isoformat()}


def check_in(value: str, session: Session, *, staff, override: bool = False) -> CheckInResult:
    """Let the ticket holder in, once, on the session's day (`override`: the organizer lets
    them in on another day, recorded in the audit log). Only the scan that wins sends
    `person_checked_in` (after commit), so a ticket shown twice is counted once."""
    policy.require(staff, "reservation.checkin", session)
    reservation = find_by_scan(value)
    if reservation is None:
        return CheckInResult(CheckInResult.UNKNOWN)
    if reservation.session_id != session.pk:
        return CheckInResult(CheckInResult.WRONG_SESSION, reservation)
    if reservation.status == R.CANCELLED:
        return CheckInResult(CheckInResult.CANCELLED, reservation)
    if reservation.status == R.WAITING:
        return CheckInResult(CheckInResult.WAITING, reservation)
    refusal = None if reservation.checked_in_at else check_in_day_refusal(session)
    if refusal and not override:
        return CheckInResult(CheckInResult.WRONG_DAY, reservation, refusal)
    with transaction.atomic():
        won = Reservation.objects.filter(pk=reservation.pk, status=R.CONFIRMED, checked_in_at__isnull=True).update(
            checked_in_at=timezone.now(), checked_in_by=staff, checked_in_by_name=staff.display_name)
        reservation.refresh_from_db()
        if won and refusal:
            first, _last = session_days(session)
            record("reservation.checkin_override", actor=staff, organization=session.activity.organization,
                   summary=f"{reservation.code} @ {session}",
                   detail={"reservation": reservation.pk, "session": session.pk, "session_day": first.isoformat(),
                           "checked_in_on": timezone.localdate().isoformat()})
        if won:
            transaction.on_commit(lambda: person_checked_in.send(
                sender=Reservation, reservation=reservation, session=session, seats=reservation.seats, staff=staff))
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


# --- personal data (registered with participants in ReservationsConfig.ready) ------------

def export_for(person) -> list[dict]:
    """The person's reservations, for their personal-data export (times in the current time
    zone, the person's: Asia/Shanghai, with its offset)."""
    def local(moment):
        return timezone.localtime(moment).isoformat() if moment else None

    return [
        {"code": r.code, "activity": r.session.activity.title, "session_starts_at": local(r.session.starts_at),
         "seats": r.seats, "group_name": r.group_name, "status": r.status, "booked_at": local(r.created_at),
         "checked_in_at": local(r.checked_in_at)}
        for r in Reservation.objects.filter(person=person).select_related("session__activity")
    ]


def erase_for(person) -> None:
    """The person leaves: what is still ahead is cancelled (places go to the waiting list,
    whatever the cancellation deadline). Past attendance stays, as counts."""
    for reservation in Reservation.objects.filter(person=person, status__in=Reservation.Status.ACTIVE).select_related(
            "session"):
        _cancel(reservation, "account deleted")
