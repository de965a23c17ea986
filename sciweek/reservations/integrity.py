"""The invariants of reservations (../shared/RELIABILITY-PLAN.md 3.1), checkable at any time."""
from django.db.models import Count, Q, Sum

from sciweek.activities.models import Session

from .models import Reservation


def violations() -> list[str]:
    problems = []
    booked = dict(
        Reservation.objects.filter(status=Reservation.Status.CONFIRMED).values("session").annotate(n=Sum("seats"))
        .values_list("session", "n").order_by()
    )
    for session in Session.objects.filter(Q(seats_taken__gt=0) | Q(pk__in=list(booked))).only(
            "pk", "seats_taken", "capacity"):
        expected = booked.get(session.pk, 0)
        if session.seats_taken != expected:
            problems.append(f"session {session.pk}: seats_taken {session.seats_taken} != confirmed seats {expected}")
        if session.capacity is not None and session.seats_taken > session.capacity:
            problems.append(f"session {session.pk}: seats_taken {session.seats_taken} > capacity {session.capacity}")
    if Reservation.objects.filter(checked_in_at__isnull=False).exclude(status=Reservation.Status.CONFIRMED).exists():
        problems.append("check-in on a reservation that is not confirmed")
    duplicates = (Reservation.objects.filter(status__in=Reservation.Status.ACTIVE).values("session", "person")
                  .annotate(n=Count("id")).filter(n__gt=1))
    problems += [f"person {d['person']} holds {d['n']} active reservations in session {d['session']}" for d in duplicates]
    return problems
