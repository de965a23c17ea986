"""Organizer pages for a session: numbers, attendees (masked), capacity, closing, and the
check-in page used at the door on a phone."""
from io import BytesIO

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from openpyxl import Workbook

from sciweek.accounts import policy
from sciweek.accounts.decorators import console_view
from sciweek.activities.models import Session
from sciweek.core.confirm import confirm_page, confirmed
from sciweek.core.templatetags.sciweek import format_day_time
from sciweek.participants.models import mask_phone

from . import selectors, services
from .models import Reservation


def _session(request, session_id, action):
    session = get_object_or_404(Session.objects.select_related("activity__organization", "activity__campaign"),
                                pk=session_id)
    policy.require(request.user, action, session)
    return session


def _phone(reservation) -> str:
    profile = getattr(reservation.person, "public_profile", None)
    return mask_phone(profile.phone) if profile else ""


@console_view
def session_detail(request, session_id):
    session = _session(request, session_id, "reservation.manage")
    attendees = [(r, _phone(r)) for r in selectors.attendees(session)[:1000]]
    return render(request, "reservations/console/session_detail.html", {
        "session": session, "numbers": services.session_numbers(session), "attendees": attendees,
        "activity": session.activity,
    })


@console_view
@require_POST
def session_capacity(request, session_id):
    session = _session(request, session_id, "reservation.manage")
    raw = request.POST.get("capacity", "").strip()
    if raw and not raw.isdigit():
        messages.error(request, _("名额请填写整数，留空表示不限。"))
        return redirect("reservations:session_detail", session_id=session.pk)
    movers = [int(x) for x in request.POST.getlist("move") if x.isdigit()]
    try:
        moved = services.change_capacity(session, int(raw) if raw else None, actor=request.user,
                                         move_to_waiting=movers)
    except services.ReservationError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("名额已调整。") + (_("%(n)s 个预约已转为候补并已通知。") % {"n": len(moved)}
                                                    if moved else ""))
    return redirect("reservations:session_detail", session_id=session.pk)


@console_view
@require_POST
def session_close(request, session_id):
    session = _session(request, session_id, "reservation.manage")
    cancel_all = request.POST.get("cancel") == "1"
    if cancel_all and not request.POST.get("reason", "").strip():
        messages.error(request, _("取消场次请填写原因，会通知到每位预约人。"))
        return redirect("reservations:session_detail", session_id=session.pk)
    if cancel_all and not confirmed(request):
        booked = selectors.attendees(session).filter(status__in=Reservation.Status.ACTIVE,
                                                     checked_in_at__isnull=True).count()
        return confirm_page(
            request, title=_("取消场次"), back=reverse("reservations:session_detail", args=[session.pk]),
            question=_("确定要取消 %(session)s 吗？") % {
                "session": f"{session.activity.title} {format_day_time(session.starts_at)}"},
            note=_("取消后不能恢复；%(n)s 份预约将被取消，每位预约人会收到短信通知。原因：%(reason)s") % {
                "n": booked, "reason": request.POST.get("reason", "")[:128]},
            button=_("确定取消场次"), hidden={"cancel": "1", "reason": request.POST.get("reason", "")[:128]})
    n = services.close_session(session, actor=request.user, cancel_all=cancel_all,
                               reason=request.POST.get("reason", "")[:128])
    messages.success(request, _("场次已取消，已通知 %(n)s 位预约人。") % {"n": n} if cancel_all else _("已停止预约。"))
    return redirect("reservations:session_detail", session_id=session.pk)


@console_view
def session_export(request, session_id):
    session = _session(request, session_id, "reservation.manage")
    book = Workbook()
    sheet = book.active
    sheet.title = _("预约名单")[:31]
    sheet.append([_("核验码"), _("手机号（脱敏）"), _("人数"), _("团体名称"), _("状态"), _("预约时间"), _("入场时间"),
                  _("核验人")])
    for r in selectors.attendees(session):
        row = [r.code, _phone(r), r.seats, r.group_name, r.get_status_display(),
               timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M"),
               timezone.localtime(r.checked_in_at).strftime("%Y-%m-%d %H:%M") if r.checked_in_at else "",
               r.checked_in_by_name]
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # names like "=HYPERLINK(...)" stay text, never formulas
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}-attendees.xlsx"'
    return response


@console_view
@require_http_methods(["GET", "POST"])
def check_in(request, session_id):
    session = _session(request, session_id, "reservation.checkin")
    result = None
    if request.method == "POST":
        # Outside the session's day only with the organizer's explicit confirmation (audited).
        result = services.check_in(request.POST.get("code", "")[:400], session, staff=request.user,
                                   override=request.POST.get("override") == "1")
    template = "reservations/console/_checkin_result.html" if request.htmx else "reservations/console/checkin.html"
    return render(request, template, {"session": session, "result": result,
                                      "numbers": services.session_numbers(session),
                                      "day_refusal": services.check_in_day_refusal(session)})
