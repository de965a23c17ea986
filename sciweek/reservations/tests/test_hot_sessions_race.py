"""L3 (RELIABILITY-PLAN 3.2): many hot sessions, no deadlocks. Ten sessions of 5 places; 36
people and 4 organizers released together. Each person books 3 of the sessions in a random
order (so pairs of sessions are taken in opposite orders) and cancels about a third of what
they got, waiting places included; each organizer saves the capacity of 3 sessions (which
locks the session row and promotes its waiting list) while the people book and cancel.
Every session must hold its invariant, no database error may escape the services, and none
may be a deadlock: a lock wait that runs out is the service's Busy ("busy, retry"), never a
"deadlock detected" (SQLite file DB and PostgreSQL).

The twin has organizers save 3 sessions in one transaction (a bulk edit), so two of them can
each hold a session the other wants: PostgreSQL must detect a deadlock at least once, or the
counter here could not see one."""
import random
import threading
from collections import Counter

import pytest
from django.db import DatabaseError, connection, transaction

from sciweek.accounts.models import User
from sciweek.activities.models import Session
from sciweek.reservations import services
from sciweek.reservations.integrity import violations
from sciweek.reservations.models import Reservation

from .helpers import open_session, person

pytestmark = pytest.mark.django_db(transaction=True)
SESSIONS, CAPACITY, PEOPLE, ORGANIZERS, PICKS = 10, 5, 36, 4, 3
R = Reservation.Status


def is_deadlock(error: BaseException | None) -> bool:
    """Anywhere in the chain of causes (Busy wraps Django's OperationalError, which wraps the
    driver's error): PostgreSQL's 40P01 "deadlock detected"."""
    while error is not None:
        if getattr(error, "sqlstate", None) == "40P01" or "deadlock detected" in str(error):
            return True
        error = error.__cause__
    return False


def rush(sessions, people, organizers, seed, bulk_edit=False):
    """Everyone released at once by a barrier; returns the outcomes counted ("reserve busy",
    "deadlock", "error: …" for a database error that escaped a service, …)."""
    workers = [("person", someone) for someone in people] + [("organizer", staff) for staff in organizers]
    barrier = threading.Barrier(len(workers))
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def note(what):
        with lock:
            outcomes[what] += 1

    def attempt(kind, step, *args, **kwargs):
        try:
            return step(*args, **kwargs)
        except services.Busy as busy:
            note("deadlock" if is_deadlock(busy) else f"{kind} busy")
        except services.ReservationError as refusal:
            note(f"{kind} {refusal.code}")
        except DatabaseError as error:  # escaped the service: the test fails on it
            note("deadlock" if is_deadlock(error) else f"error: {type(error).__name__}: {error}")
        return None

    def book_and_cancel(someone, chance, picks):
        made = [attempt("reserve", services.reserve, session, someone) for session in picks]
        for reservation in filter(None, made):
            note(reservation.status)
            if chance.random() < 1 / 3:
                changed = attempt("cancel", services.cancel, reservation)
                if changed is not None:
                    note("cancelled" if changed else "cancel changed nothing")

    def save_capacities(staff, picks):
        if bulk_edit:  # the twin: every session's row lock held until the last one is saved
            with transaction.atomic():
                for session in picks:
                    attempt("capacity", services.change_capacity, session, CAPACITY, actor=staff)
        else:
            for session in picks:
                attempt("capacity", services.change_capacity, session, CAPACITY, actor=staff)

    def worker(n, role, who):
        chance = random.Random(seed * 1000 + n)
        picks = chance.sample(sessions, PICKS)
        try:
            barrier.wait(timeout=30)
            if role == "person":
                book_and_cancel(who, chance, picks)
            else:
                save_capacities(who, picks)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n, role, who)) for n, (role, who) in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker is stuck"
    return outcomes


@pytest.mark.parametrize("repetition", range(3))
def test_hot_sessions_hold_their_invariant_without_deadlocks(demo, repetition):
    sessions = [open_session(capacity=CAPACITY) for _ in range(SESSIONS)]
    people = [person(600_000 + 1000 * repetition + n) for n in range(PEOPLE)]
    organizers = [User.objects.get(username="hebei-admin") for _ in range(ORGANIZERS)]
    outcomes = rush(sessions, people, organizers, seed=repetition)
    assert outcomes["deadlock"] == 0, outcomes
    allowed = {R.CONFIRMED, R.WAITING, "reserve busy", "cancelled", "cancel busy", "capacity busy"}
    assert set(outcomes) <= allowed, outcomes  # no escaped database error, no unexpected refusal
    assert outcomes[R.CONFIRMED] + outcomes[R.WAITING] + outcomes["reserve busy"] == PEOPLE * PICKS
    assert violations() == []
    for session in Session.objects.filter(pk__in=[s.pk for s in sessions]):
        confirmed = Reservation.objects.filter(session=session, status=R.CONFIRMED).count()
        assert session.seats_taken == confirmed <= CAPACITY
        # Places freed by cancellations went down the waiting list: nobody waits while one is free.
        assert confirmed == CAPACITY or not Reservation.objects.filter(session=session, status=R.WAITING).exists()
    # Every answer was the truth: each booking made was reported, and only those.
    assert Reservation.objects.filter(session__in=sessions).count() == outcomes[R.CONFIRMED] + outcomes[R.WAITING]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite locks the whole file: no deadlock to see")
def test_organizers_saving_sessions_in_one_transaction_deadlock(demo):
    """Mutation twin: with session row locks held across sessions taken in opposite orders,
    PostgreSQL must report a deadlock at least once in 5 rushes."""
    seen: Counter = Counter()
    for attempt in range(5):
        sessions = [open_session(capacity=CAPACITY) for _ in range(SESSIONS)]
        people = [person(700_000 + 1000 * attempt + n) for n in range(PEOPLE // 2)]
        organizers = [User.objects.get(username="hebei-admin") for _ in range(20)]
        seen += rush(sessions, people, organizers, seed=100 + attempt, bulk_edit=True)
        if seen["deadlock"]:
            break
    assert seen["deadlock"] > 0, f"no deadlock seen, so the race test could not see one: {seen}"
