"""Public pages: phone sign-in, booking, tickets, my reservations and my data."""
import json
import secrets

import segno
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sciweek.accounts.audit import client_ip
from sciweek.activities.models import Activity, Session
from sciweek.portal.calendar_files import activity_calendar

from . import services
from .forms import BookingForm, CodeForm, PhoneForm
from .models import Reservation


def _next(request, default):
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if url_has_allowed_host_and_scheme(target, {request.get_host()}) else default


def _public_user(request):
    """The signed-in member of the public, or None (staff accounts have no public profile)."""
    return request.user if services.profile_of(request.user) is not None else None


@require_http_methods(["GET", "POST"])
def sign_in(request):
    next_url = _next(request, reverse("reservations:mine"))
    if request.method == "POST" and "code" not in request.POST:
        form = PhoneForm(request.POST)
        if form.is_valid():
            try:
                services.request_code(form.cleaned_data["phone"], ip=client_ip(request))
            except services.ReservationError as refusal:
                form.add_error("phone", str(refusal))
            else:
                phone = services.normalize_phone(form.cleaned_data["phone"])
                return render(request, "reservations/sign_in_code.html", {
                    "form": CodeForm(initial={"phone": phone}), "masked": f"{phone[:3]}****{phone[-4:]}",
                    "next": next_url})
        return render(request, "reservations/sign_in.html", {"form": form, "next": next_url})
    if request.method == "POST":
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                user = services.verify_code(form.cleaned_data["phone"], form.cleaned_data["code"],
                                            consent=form.cleaned_data["consent"], name=form.cleaned_data["name"])
            except services.ReservationError as refusal:
                form.add_error("code", str(refusal))
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect(next_url)
        phone = form.data.get("phone", "")
        return render(request, "reservations/sign_in_code.html", {
            "form": form, "masked": f"{phone[:3]}****{phone[-4:]}", "next": next_url})
    return render(request, "reservations/sign_in.html", {"form": PhoneForm(), "next": next_url})


@require_POST
def sign_out(request):
    logout(request)
    return redirect("portal:home")


def _bookable_session(session_id):
    session = get_object_or_404(Session.objects.select_related("activity__campaign", "activity__division"),
                                pk=session_id, activity__status=Activity.Status.APPROVED, activity__revises__isnull=True)
    return session


@require_http_methods(["GET", "POST"])
def book(request, session_id):
    session = _bookable_session(session_id)
    person = _public_user(request)
    if person is None:
        messages.info(request, _("请先用手机号登录再预约。"))
        return redirect(f"{reverse('reservations:sign_in')}?next={request.path}")
    form = BookingForm(request.POST or None, session=session)
    reason = services.bookable(session)
    if request.method == "POST" and form.is_valid() and not reason:
        try:
            reservation = services.reserve(
                session, person, seats=form.cleaned_data.get("seats") or 1,
                group_name=form.cleaned_data.get("group_name", ""), attested=form.cleaned_data.get("attested", False),
                idempotency_key=request.POST.get("idempotency_key", "")[:64])
        except services.ReservationError as refusal:
            form.add_error(None, str(refusal))
            status = refusal.status if refusal.status == 503 else 200
            return render(request, "reservations/book.html", {"session": session, "form": form, "reason": reason,
                                                              "key": request.POST.get("idempotency_key", "")},
                          status=status)
        if reservation.status == Reservation.Status.WAITING:
            messages.info(request, _("名额已满，您已进入候补。有人取消时会按顺序自动为您预约并短信通知。"))
        else:
            messages.success(request, _("预约成功。入场时请出示下面的二维码。"))
        return redirect("reservations:ticket", code=reservation.code)
    left = None if session.capacity is None else max(0, session.capacity - session.seats_taken)
    return render(request, "reservations/book.html", {"session": session, "form": form, "reason": reason,
                                                      "left": left, "key": secrets.token_urlsafe(16)})


def _own_reservation(request, code):
    person = _public_user(request)
    if person is None:
        raise Http404
    # Another person's code is simply not found: no way to probe whose it is.
    return get_object_or_404(Reservation.objects.select_related("session__activity__campaign"),
                             code=code.upper(), person=person)


def mine(request):
    person = _public_user(request)
    if person is None:
        return redirect(f"{reverse('reservations:sign_in')}?next={request.path}")
    reservations = Reservation.objects.filter(person=person).select_related(
        "session__activity__campaign").order_by("-created_at")[:100]
    return render(request, "reservations/mine.html", {"reservations": reservations,
                                                      "profile": services.profile_of(person)})


def ticket(request, code):
    reservation = _own_reservation(request, code)
    position = None
    if reservation.status == Reservation.Status.WAITING:
        position = Reservation.objects.filter(session=reservation.session, status="waiting",
                                              waiting_since__lt=reservation.waiting_since).count() + 1
    qr = segno.make(services.ticket_token(reservation), error="m").svg_inline(scale=5, title=reservation.code)
    return render(request, "reservations/ticket.html", {"r": reservation, "qr": qr, "position": position})


def ticket_ics(request, code):
    reservation = _own_reservation(request, code)
    response = HttpResponse(activity_calendar(reservation.session.activity), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sciweek-{reservation.code}.ics"'
    return response


@require_POST
def cancel(request, code):
    reservation = _own_reservation(request, code)
    try:
        changed = services.cancel(reservation, reason=_("本人取消"))
    except services.ReservationError as refusal:
        messages.error(request, str(refusal))
    else:
        if changed:
            messages.success(request, _("已取消预约。"))
    return redirect("reservations:ticket", code=reservation.code)


@require_http_methods(["GET", "POST"])
def my_data(request):
    person = _public_user(request)
    if person is None:
        return redirect(f"{reverse('reservations:sign_in')}?next={request.path}")
    if request.method == "POST" and request.POST.get("action") == "delete" and request.POST.get("confirm") == "1":
        services.delete_personal_data(person)
        logout(request)
        messages.success(request, _("您的账号和手机号已删除。"))
        return redirect("portal:home")
    if request.GET.get("format") == "json":
        response = HttpResponse(json.dumps(services.export_personal_data(person), ensure_ascii=False, indent=2),
                                content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="sciweek-my-data.json"'
        return response
    return render(request, "reservations/my_data.html", {"profile": services.profile_of(person)})
