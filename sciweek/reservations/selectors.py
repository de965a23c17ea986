"""Read queries over reservations."""
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from sciweek.accounts import policy
from sciweek.activities.models import Activity, Session

from .models import Reservation


def public_sessions() -> QuerySet[Session]:
    """Sessions the public can see (of approved activities and those cancelled after approval,
    never of a pending revision). Whether one can be booked is booking_state's answer."""
    return Session.objects.filter(activity__status__in=Activity.Status.PUBLIC, activity__revises__isnull=True)


def reservations_of(person, limit: int = 100) -> QuerySet[Reservation]:
    """The person's latest reservations, newest first."""
    return (Reservation.objects.filter(person=person).select_related("session__activity__campaign")
            .order_by("-created_at")[:limit])


def active_reservation(person, session: Session) -> Reservation | None:
    """The person's confirmed or waiting reservation of `session`, if any."""
    return Reservation.objects.filter(person=person, session=session,
                                      status__in=Reservation.Status.ACTIVE).first()


def waiting_position(reservation: Reservation) -> int | None:
    """1 for the head of the waiting list; None when not waiting."""
    if reservation.status != Reservation.Status.WAITING:
        return None
    if "waiting_position" in reservation.__dict__:  # known already (reservations.services._book)
        return reservation.waiting_position
    return Reservation.objects.filter(session=reservation.session_id, status=Reservation.Status.WAITING,
                                      waiting_since__lt=reservation.waiting_since).count() + 1


def attendees(session: Session) -> QuerySet[Reservation]:
    """Everyone who booked the session, grouped by status, the waiting list in its order."""
    return (Reservation.objects.filter(session=session).select_related("person__public_profile")
            .order_by("status", "waiting_since", "created_at"))


def sessions_to_check_in(user, limit: int = 10) -> list[Session]:
    """Sessions of approved activities in the user's check-in scope that start soon or began
    within the last three hours (people still arrive), soonest first."""
    return list(
        policy.scoped(Session.objects.all(), user, "reservation.checkin", "activity__organization__path")
        .filter(starts_at__gte=timezone.now() - timedelta(hours=3), activity__status=Activity.Status.APPROVED,
                cancelled_at__isnull=True)
        .select_related("activity").order_by("starts_at")[:limit])
