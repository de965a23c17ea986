"""Capacity under concurrency: a burst of reservations at a 30-place session never oversells
(SQLite file DB and PostgreSQL). The twin, with the one seat-taking step replaced by a naive
read-then-write, must oversell at least once, or the test proves nothing."""
import threading

import pytest
from django.db import connection

from sciweek.activities.models import Session
from sciweek.reservations import services
from sciweek.reservations.integrity import violations
from sciweek.reservations.models import Reservation

from .helpers import open_session, person

pytestmark = pytest.mark.django_db(transaction=True)
ATTEMPTS = 200
THREADS = 40  # PostgreSQL here allows 100 connections; 40 threads fire 200 attempts in waves


def burst(session, people, waitlist=True):
    barrier = threading.Barrier(THREADS)
    outcomes = []
    lock = threading.Lock()
    queue = list(people)

    def worker():
        try:
            barrier.wait(timeout=30)
            while True:
                with lock:
                    if not queue:
                        return
                    someone = queue.pop()
                try:
                    result = services.reserve(session, someone).status
                except services.ReservationError as refusal:
                    result = refusal.code
                with lock:
                    outcomes.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


@pytest.mark.parametrize("repetition", range(2))
def test_burst_never_oversells(demo, repetition):
    session = open_session(capacity=30)
    people = [person(1000 * (repetition + 1) + i) for i in range(ATTEMPTS)]
    outcomes = burst(session, people)
    session.refresh_from_db()
    confirmed = Reservation.objects.filter(session=session, status="confirmed").count()
    waiting = Reservation.objects.filter(session=session, status="waiting").count()
    assert confirmed == 30 and session.seats_taken == 30
    assert confirmed + waiting + outcomes.count("busy") == ATTEMPTS
    assert outcomes.count("confirmed") == 30
    assert violations() == []


def test_same_person_double_submit_yields_one_reservation(demo):
    session = open_session(capacity=30)
    someone = person(5000)
    outcomes = burst(session, [someone] * ATTEMPTS)
    assert Reservation.objects.filter(session=session, person=someone, status__in=Reservation.Status.ACTIVE).count() == 1
    assert outcomes.count("confirmed") == 1 and set(outcomes) <= {"confirmed", "already_reserved", "busy"}
    assert Session.objects.get(pk=session.pk).seats_taken == 1


def naive_book(reservation, now):
    """The bug the conditional UPDATE prevents: trust the counters read before the write
    (as `reserve` loaded them), write the sum back, then insert."""
    session = reservation.session
    taken = session.capacity is None or session.seats_taken + reservation.seats <= session.capacity
    if taken:
        Session.objects.filter(pk=session.pk).update(seats_taken=session.seats_taken + reservation.seats)
    elif not session.waitlist_enabled:
        raise services.Full("full")
    services._set_outcome(reservation, taken, now)
    reservation.save(force_insert=True)


def test_without_the_conditional_update_it_oversells(demo, monkeypatch):
    """Mutation twin: with the naive step in place of `_book` (the one statement on PostgreSQL,
    `_take_seats` + INSERT elsewhere), it must oversell sometimes."""
    monkeypatch.setattr(services, "_book", naive_book)
    oversold = False
    for attempt in range(5):
        session = open_session(capacity=5)
        people = [person(7000 + attempt * 100 + i) for i in range(60)]
        burst(session, people)
        confirmed = Reservation.objects.filter(session=session, status="confirmed").count()
        session.refresh_from_db()
        if confirmed > 5 or session.seats_taken != confirmed:
            oversold = True
            break
    assert oversold, "the race test cannot fail, so it proves nothing"
