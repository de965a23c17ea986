"""Public pages: booking, tickets, my reservations (signing in is participants')."""
import secrets

import segno
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sciweek.activities.calendar_files import activity_calendar
from sciweek.activities.selectors import BOOKABLE_STATES, BOOKING_REFUSALS, BookingState, booking_state
from sciweek.core.confirm import confirm_page, confirmed
from sciweek.core.templatetags.sciweek import format_day_time
from sciweek.participants.services import profile_of, public_person
from sciweek.participants.views import sign_in_redirect

from . import selectors, services
from .forms import BookingForm
from .models import Reservation


def _public_session(session_id):
    return get_object_or_404(selectors.public_sessions().select_related("activity__campaign", "activity__division"),
                             pk=session_id)


def _booking_page(request, session, form, *, key, status=200, booked=None):
    state = booking_state(session, activity=session.activity)
    left = None if session.capacity is None else max(0, session.capacity - session.seats_taken)
    return render(request, "reservations/book.html", {
        "session": session, "form": form, "state": state, "left": left, "key": key, "booked": booked,
        "reason": None if state in BOOKABLE_STATES else BOOKING_REFUSALS[state],
        "waitlist": state == BookingState.WAITLIST}, status=status)


@require_http_methods(["GET", "POST"])
def book(request, session_id):
    session = _public_session(session_id)
    person = public_person(request.user)
    if person is None:
        if booking_state(session, activity=session.activity) not in BOOKABLE_STATES:
            # Say why it cannot be booked (ended, closed…) before anyone is asked to sign in.
            return _booking_page(request, session, None, key="")
        messages.info(request, _("请先用手机号登录再预约。"))
        return sign_in_redirect(request)
    booked = selectors.active_reservation(person, session)
    if booked is not None:  # one active reservation per person and session: show it, not the form again
        if request.method == "POST":  # a retried or repeated submission lands on the ticket
            return redirect("reservations:ticket", code=booked.code)
        return _booking_page(request, session, None, key="", booked=booked)
    form = BookingForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        # The service asks booking_state again, inside its own checks: one rule, no race.
        try:
            reservation = services.reserve(
                session, person, seats=form.cleaned_data.get("seats") or 1,
                group_name=form.cleaned_data.get("group_name", ""), attested=form.cleaned_data.get("attested", False),
                idempotency_key=request.POST.get("idempotency_key", "")[:64])
        except services.ReservationError as refusal:
            form.add_error(None, str(refusal))
            session.refresh_from_db()
            return _booking_page(request, session, form, key=request.POST.get("idempotency_key", ""),
                                 status=refusal.status if refusal.status == 503 else 200)
        if reservation.status == Reservation.Status.WAITING:
            messages.info(request, _("名额已满，您已进入候补。有人取消时会按顺序自动为您预约并短信通知。"))
        else:
            messages.success(request, _("预约成功。入场时请出示下面的二维码。"))
        return redirect("reservations:ticket", code=reservation.code)
    return _booking_page(request, session, form, key=secrets.token_urlsafe(16))


def _own_reservation(request, code):
    person = public_person(request.user)
    if person is None:
        raise Http404
    # Another person's code is simply not found: no way to probe whose it is.
    return get_object_or_404(Reservation.objects.select_related("session__activity__campaign"),
                             code=code.upper(), person=person)


def mine(request):
    person = public_person(request.user)
    if person is None:
        return sign_in_redirect(request)
    return render(request, "reservations/mine.html", {"reservations": selectors.reservations_of(person),
                                                      "profile": profile_of(person)})


def ticket(request, code):
    reservation = _own_reservation(request, code)
    qr = segno.make(services.ticket_token(reservation), error="m").svg_inline(scale=5, title=reservation.code, omitsize=True)
    return render(request, "reservations/ticket.html", {"r": reservation, "qr": qr,
                                                        "position": selectors.waiting_position(reservation)})


def ticket_ics(request, code):
    reservation = _own_reservation(request, code)
    response = HttpResponse(activity_calendar(reservation.session.activity), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sciweek-{reservation.code}.ics"'
    return response


@require_http_methods(["GET", "POST"])
def cancel(request, code):
    reservation = _own_reservation(request, code)
    if not confirmed(request):
        return confirm_page(
            request, console=False, title=_("取消预约"), back=reverse("reservations:ticket", args=[reservation.code]),
            question=_("确定要取消 %(session)s 的预约吗？") % {
                "session": f"{reservation.session.activity.title} {format_day_time(reservation.session.starts_at)}"},
            note=_("取消后名额会让给候补的人，不能恢复。"), button=_("确定取消预约"))
    try:
        changed = services.cancel(reservation, reason=_("本人取消"))
    except services.ReservationError as refusal:
        messages.error(request, str(refusal))
    else:
        if changed:
            messages.success(request, _("已取消预约。"))
    return redirect("reservations:ticket", code=reservation.code)
