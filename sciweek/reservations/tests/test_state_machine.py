"""L9 (RELIABILITY-PLAN 3.2): a stateful model check of the reservation services. Hypothesis
drives reserve, cancel (by the person and by staff, including the head of the waiting list
leaving), check-in, capacity changes (with people moved to the waiting list) and closing a
session, in random orders with groups of 1–2, on one or two sessions; after every step the
database must agree with a plain Python model of the rules and hold the plan's invariants:

- seats_taken == the seats of the confirmed reservations, 0 <= seats_taken <= capacity;
- at most one active reservation per (person, session); check-ins only on confirmed ones;
- the waiting list in order: promoted strictly by (waiting_since, id), and its head never
  fits in the free places (it would have been promoted).

There is no no-show release service to drive (session_numbers only counts no-shows).

Bounded by default (60 examples × 30 steps, about 20 s on SQLite); SCIWEEK_L9_EXAMPLES and
SCIWEEK_L9_STEPS raise it (the plan's full run is 200 × 50). Runs on whichever database the
suite uses: SQLite by default, PostgreSQL with DATABASE_URL. The bugs it found are written
down as plain tests at the end."""
import os
from dataclasses import dataclass

import pytest
from django.db import transaction
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from sciweek.accounts.models import User
from sciweek.activities.models import Session
from sciweek.reservations import services
from sciweek.reservations.integrity import violations
from sciweek.reservations.models import Reservation

from .helpers import open_session, person

pytestmark = pytest.mark.django_db
R = Reservation.Status
PEOPLE = 4
MAX_GROUP = 2


@dataclass
class Booking:
    """What the model knows of one reservation."""

    session: int  # index into the machine's sessions
    person: int
    seats: int
    status: str
    order: tuple  # its place in the waiting list, as (waiting_since, id) sorts it
    checked_in: bool = False


@dataclass
class Slot:
    capacity: int | None
    waitlist: bool
    taken: int = 0
    closed: bool = False


class ReservationMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # Each example runs in a savepoint rolled back at teardown, so examples do not see
        # each other's rows (the test's own transaction holds them all otherwise).
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.people = [person(990_000 + i) for i in range(PEOPLE)]
        self.admin = User.objects.get(username="hebei-admin")
        self.door = User.objects.get(username="hebei-liaison")
        self.sessions: list[Session] = []
        self.slots: list[Slot] = []
        self.bookings: dict[int, Booking] = {}

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- the model -------------------------------------------------------------------

    def promote(self, where: int):
        """Strict order: the head of the waiting list goes first; if it does not fit, nobody
        behind it moves."""
        slot = self.slots[where]
        queue = sorted((b.order, pk) for pk, b in self.bookings.items() if b.session == where and b.status == R.WAITING)
        for _order, pk in queue:
            booking = self.bookings[pk]
            if slot.capacity is not None and slot.taken + booking.seats > slot.capacity:
                break
            booking.status = R.CONFIRMED
            slot.taken += booking.seats

    def expected_reserve(self, where: int, who: int, seats: int) -> set[str]:
        """What `reserve` may answer: every refusal that applies (which one comes first is the
        service's choice), else the status the booking must get."""
        slot = self.slots[where]
        refusals = set()
        if slot.closed or slot.capacity is None:
            refusals.add(services.NotBookable.code)
        elif slot.taken >= slot.capacity and not slot.waitlist:
            refusals.add(services.Full.code)
        if any(b.session == where and b.person == who and b.status in R.ACTIVE for b in self.bookings.values()):
            refusals.add(services.AlreadyReserved.code)
        if refusals:
            return refusals
        if slot.taken + seats <= slot.capacity:
            return {R.CONFIRMED}
        return {R.WAITING if slot.waitlist else services.Full.code}

    # --- the steps -------------------------------------------------------------------

    @initialize(shapes=st.lists(st.tuples(st.sampled_from([2, 3, 1, 0]), st.booleans()), min_size=1, max_size=2),
                rush=st.lists(st.tuples(st.integers(0, 1), st.integers(0, PEOPLE - 1), st.integers(1, MAX_GROUP)),
                              min_size=3, max_size=8))
    def open_sessions(self, shapes, rush):
        for capacity, waitlist in shapes:
            self.sessions.append(open_session(capacity=capacity, max_group_size=MAX_GROUP, waitlist_enabled=waitlist))
            self.slots.append(Slot(capacity=capacity, waitlist=waitlist))
        # The first minutes of a session's bookings: full sessions with a waiting list are
        # where the rules interact, and single steps would seldom get there.
        for where, who, seats in rush:
            self.reserve(where, who, seats)

    def latest(self, where: int, who: int) -> int | None:
        """The person's latest reservation of the session (active, or cancelled: cancelling or
        scanning it again must change nothing)."""
        mine = [pk for pk, b in self.bookings.items() if b.session == where % len(self.sessions) and b.person == who]
        return max(mine, default=None)

    @rule(where=st.integers(0, 1), who=st.integers(0, PEOPLE - 1), seats=st.integers(1, MAX_GROUP))
    def reserve(self, where, who, seats):
        where %= len(self.sessions)
        expected = self.expected_reserve(where, who, seats)
        try:
            made = services.reserve(self.sessions[where], self.people[who], seats=seats, attested=True,
                                    group_name="团体" if seats > 1 else "")
        except services.ReservationError as refusal:
            assert refusal.code in expected, (refusal.code, str(refusal))
            return
        assert made.status in expected
        self.bookings[made.pk] = Booking(where, who, seats, made.status, order=(1, made.pk))
        if made.status == R.CONFIRMED:
            self.slots[where].taken += seats

    @rule(where=st.integers(0, 1), who=st.integers(0, PEOPLE - 1), by_staff=st.booleans())
    def cancel(self, where, who, by_staff):
        pk = self.latest(where, who)
        if pk is not None:
            self.cancel_booking(pk, by_staff)

    def cancel_booking(self, pk, by_staff):
        booking = self.bookings[pk]
        changed = services.cancel(Reservation(pk=pk), staff=self.admin if by_staff else None)
        assert changed == (booking.status in R.ACTIVE and not booking.checked_in)
        if changed:
            was = booking.status
            booking.status = R.CANCELLED
            if was == R.CONFIRMED:
                self.slots[booking.session].taken -= booking.seats
            # Whoever left, the places now free go down the waiting list in order: a waiting
            # group that leaves from the head lets the people behind it move up.
            self.promote(booking.session)

    @precondition(lambda self: any(b.status == R.WAITING for b in self.bookings.values()))
    @rule(where=st.integers(0, 1), by_staff=st.booleans())
    def head_of_the_queue_leaves(self, where, by_staff):
        """Cancelling the first one waiting: the case where a group at the head, too big for
        the places left, has been holding up the people behind it."""
        where %= len(self.sessions)
        queue = sorted((b.order, pk) for pk, b in self.bookings.items() if b.session == where and b.status == R.WAITING)
        if queue:
            self.cancel_booking(queue[0][1], by_staff)

    @rule(where=st.integers(0, 1), who=st.integers(0, PEOPLE - 1))
    def check_in(self, where, who):
        pk = self.latest(where, who)
        if pk is None:
            return
        booking = self.bookings[pk]
        code = Reservation.objects.values_list("code", flat=True).get(pk=pk)
        # override: the sessions are a week ahead, so every scan is "not the session's day".
        result = services.check_in(code, self.sessions[booking.session], staff=self.door, override=True)
        expected = {R.CANCELLED: "cancelled", R.WAITING: "waiting"}.get(
            booking.status, "already" if booking.checked_in else "ok")
        assert result.outcome == expected
        if expected == "ok":
            booking.checked_in = True

    @rule(where=st.integers(0, 1), capacity=st.sampled_from([None, 0, 1, 2, 3, 4]), data=st.data())
    def change_capacity(self, where, capacity, data):
        where %= len(self.sessions)
        slot = self.slots[where]
        mine = sorted(pk for pk, b in self.bookings.items() if b.session == where)
        named = data.draw(st.lists(st.sampled_from(mine), unique=True) if mine else st.just([]), label="move_to_waiting")
        # The service moves only confirmed, not checked-in reservations of this session.
        movers = [pk for pk in named if self.bookings[pk].status == R.CONFIRMED and not self.bookings[pk].checked_in]
        freed = sum(self.bookings[pk].seats for pk in movers)
        if capacity is not None and slot.taken - freed > capacity:
            with pytest.raises(services.ReservationError):
                services.change_capacity(self.sessions[where], capacity, actor=self.admin, move_to_waiting=named)
            return
        moved = services.change_capacity(self.sessions[where], capacity, actor=self.admin, move_to_waiting=named)
        assert sorted(moved) == sorted(movers)
        for pk in movers:
            # Moved people go to the head of the waiting list, in booking order.
            self.bookings[pk].status, self.bookings[pk].order = R.WAITING, (0, pk)
        slot.taken -= freed
        slot.capacity = capacity
        self.promote(where)

    # Closing ends a session's bookings: only once it has a history, or most examples would
    # spend their steps on a closed session.
    @precondition(lambda self: len(self.bookings) >= 6)
    @rule(where=st.integers(0, 1), cancel_all=st.booleans())
    def close(self, where, cancel_all):
        where %= len(self.sessions)
        slot = self.slots[where]
        pending = [pk for pk, b in self.bookings.items() if b.session == where and b.status in R.ACTIVE
                   and not b.checked_in] if cancel_all else []
        assert services.close_session(self.sessions[where], actor=self.admin, cancel_all=cancel_all) == len(pending)
        slot.closed = True
        for pk in pending:
            if self.bookings[pk].status == R.CONFIRMED:
                slot.taken -= self.bookings[pk].seats
            self.bookings[pk].status = R.CANCELLED

    # --- after every step ------------------------------------------------------------

    @invariant()
    def the_database_holds_the_invariants(self):
        assert violations() == []
        for session in self.sessions:
            fresh = Session.objects.get(pk=session.pk)
            assert 0 <= fresh.seats_taken and (fresh.capacity is None or fresh.seats_taken <= fresh.capacity)
            head = Reservation.objects.filter(session=session, status=R.WAITING).order_by("waiting_since", "id").first()
            if head is not None:
                assert fresh.capacity is not None and fresh.seats_taken + head.seats > fresh.capacity, (
                    f"reservation {head.pk} ({head.seats} seats) waits at the head of the list while "
                    f"{fresh.seats_taken} of {fresh.capacity} places are taken")

    @invariant()
    def the_database_agrees_with_the_model(self):
        for where, session in enumerate(self.sessions):
            fresh = Session.objects.get(pk=session.pk)
            assert (fresh.capacity, fresh.seats_taken) == (self.slots[where].capacity, self.slots[where].taken)
        rows = {pk: (status, checked is not None) for pk, status, checked in Reservation.objects.filter(
            session__in=self.sessions).values_list("pk", "status", "checked_in_at")}
        assert rows == {pk: (b.status, b.checked_in) for pk, b in self.bookings.items()}


BOUNDS = hypothesis_settings(
    max_examples=int(os.environ.get("SCIWEEK_L9_EXAMPLES", 60)),
    stateful_step_count=int(os.environ.get("SCIWEEK_L9_STEPS", 30)),
    deadline=None,  # a step is a few SQL statements; a busy machine must not fail it
    database=None,  # no .hypothesis/ directory in the work tree; a failure prints its blob
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def test_reservation_services_hold_their_invariants(demo, settings):
    settings.RESERVATIONS_PER_PERSON_PER_10_MIN = 10_000  # the bot limit is not what is tested here
    run_state_machine_as_test(ReservationMachine, settings=BOUNDS)


# --- what the machine found, as plain tests ------------------------------------------

def test_a_waiting_group_leaving_the_head_lets_the_next_one_in(demo):
    """Capacity 2, both places taken; a group of 2 waits at the head, one person behind it.
    One place is freed: the group does not fit, so (strict order) nobody moves. Then the
    group leaves the queue: the person behind it now fits and must get the free place, not
    keep waiting while the session shows free places to newcomers."""
    session = open_session(capacity=2, max_group_size=2)
    first, _second = services.reserve(session, person(880_101)), services.reserve(session, person(880_102))
    group = services.reserve(session, person(880_103), seats=2, group_name="家庭组")
    behind = services.reserve(session, person(880_104))
    assert (group.status, behind.status) == (R.WAITING, R.WAITING)
    services.cancel(first)
    assert Reservation.objects.get(pk=behind.pk).status == R.WAITING  # the group at the head does not fit
    services.cancel(group)
    assert Reservation.objects.get(pk=behind.pk).status == R.CONFIRMED
    assert violations() == []


def test_cancelling_a_reservation_promoted_since_it_was_read_gives_its_seat_back(demo):
    """`_cancel` trusts `reservation.status` as its caller read it. A waiting reservation that
    is promoted between that read and the cancellation (another person cancelled meanwhile:
    `cancel`'s own read, or `erase_for`'s list of the person's reservations) is cancelled as
    if it were still waiting, so its seat is never given back: seats_taken stays 1 above the
    confirmed seats, for good. Replayed here in sequence with the stale copy."""
    session = open_session(capacity=1)
    holder = services.reserve(session, person(880_201))
    waiting = services.reserve(session, person(880_202))
    stale = Reservation.objects.select_related("session").get(pk=waiting.pk)  # read: waiting
    services.cancel(holder)  # meanwhile: the holder leaves and `waiting` is promoted
    assert Reservation.objects.get(pk=waiting.pk).status == R.CONFIRMED
    assert services._cancel(stale, "account deleted")
    assert violations() == []
