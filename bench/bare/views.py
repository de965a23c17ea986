import secrets

from django.db import transaction
from django.db.models import F, Q
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from sciweek.activities.models import Session
from sciweek.reservations.models import Reservation


@csrf_exempt
def bare_reserve(request, session_id: int, person_id: int):
    """Only what a reservation must do: the conditional UPDATE of the seat counter and the
    INSERT of the row, in one transaction, through the ORM; no auth, no checks, no schema."""
    now = timezone.now()
    with transaction.atomic():
        taken = Session.objects.filter(pk=session_id).filter(
            Q(capacity__isnull=True) | Q(seats_taken__lte=F("capacity") - 1)).update(seats_taken=F("seats_taken") + 1)
        reservation = Reservation.objects.create(
            session_id=session_id, person_id=person_id, seats=1, status="confirmed" if taken else "waiting",
            code=secrets.token_hex(4).upper(), confirmed_at=now if taken else None,
            waiting_since=None if taken else now)
    return JsonResponse({"code": reservation.code, "status": reservation.status}, status=201)
