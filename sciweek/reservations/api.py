"""Reservation endpoints of the JSON API (mounted on /api/v1/ by sciweek.api).

Public users sign in with their phone (participants.api: auth/code, auth/token). Then:
reserve (safe to retry with an Idempotency-Key header), list my reservations, my ticket, cancel."""
from datetime import datetime

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema, Status
from pydantic import Field

from sciweek.activities.models import Session
from sciweek.api.auth import BearerToken
from sciweek.api.errors import ApiError, Error
from sciweek.api.schemas import MAX_ID
from sciweek.participants.services import public_person

from . import selectors, services
from .models import Reservation

router = Router(tags=["reservations"])
SESSION_ID = Path(..., ge=1, le=MAX_ID, description="场次 id / session id")


class ReserveIn(Schema):
    seats: int = Field(1, ge=1, le=500)
    group_name: str = Field("", max_length=64)
    attested: bool = False


class ReservationOut(Schema):
    code: str
    status: str
    seats: int
    group_name: str
    activity_id: int
    activity_title: str
    session_id: int
    starts_at: datetime
    ends_at: datetime
    waiting_position: int | None = None
    checked_in_at: datetime | None
    ticket: str | None = Field(None, description="二维码内容（签名令牌），仅已预约时提供 / QR payload")


def _refusal(error: services.ReservationError) -> ApiError:
    codes = {429: "rate_limited", 503: "busy"}
    return ApiError(error.status, codes.get(error.status, error.code), str(error),
                    headers={"Retry-After": "5"} if error.status == 503 else None)


def _out(reservation: Reservation) -> dict:
    session = reservation.session
    position = selectors.waiting_position(reservation)
    return {
        "code": reservation.code, "status": reservation.status, "seats": reservation.seats,
        "group_name": reservation.group_name, "activity_id": session.activity_id,
        "activity_title": session.activity.title, "session_id": session.pk, "starts_at": session.starts_at,
        "ends_at": session.ends_at, "waiting_position": position, "checked_in_at": reservation.checked_in_at,
        "ticket": services.ticket_token(reservation) if reservation.status == Reservation.Status.CONFIRMED else None,
    }


def _person(request):
    person = public_person(request.auth.user)
    if person is None:
        raise ApiError(403, "forbidden", _("请使用手机号登录的公众账号预约。"))
    return person


@router.post("/sessions/{session_id}/reservations", auth=BearerToken(),
             response={201: ReservationOut, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error, 429: Error,
                       503: Error}, operation_id="reserveSession",
             summary="预约场次 / Reserve places")
def reserve(request, payload: ReserveIn, session_id: int = SESSION_ID):
    """预约一个场次；约满时进入候补（`status: waiting`）。重试请带相同的 `Idempotency-Key` 请求头，
    不会重复预约。团体预约填写 `seats` 和 `group_name`。繁忙时返回 503，请稍后重试。
    / Books places (or joins the waiting list when full). Retries with the same Idempotency-Key
    header return the original reservation. 503 means busy: retry later."""
    person = _person(request)
    # The service reads the session itself (404 if it is not public) and answers whether it
    # can be booked (booking_state); the reservation it returns carries its session.
    try:
        reservation = services.reserve(Session(pk=session_id), person, seats=payload.seats,
                                       group_name=payload.group_name, attested=payload.attested,
                                       idempotency_key=request.headers.get("Idempotency-Key", "")[:64])
    except services.ReservationError as error:
        raise _refusal(error) from None
    return Status(201, _out(reservation))


@router.get("/me/reservations", auth=BearerToken(), response={200: list[ReservationOut], 401: Error, 403: Error,
                                                             429: Error},
            operation_id="listMyReservations", summary="我的预约 / My reservations")
def my_reservations(request):
    """当前用户最近 100 条预约。/ The caller's latest 100 reservations."""
    person = _person(request)
    return [_out(r) for r in selectors.reservations_of(person)]


@router.get("/me/reservations/{code}", auth=BearerToken(), response={200: ReservationOut, 401: Error, 403: Error,
                                                                     404: Error, 422: Error, 429: Error},
            operation_id="getMyTicket", summary="我的入场凭证 / My ticket")
def my_ticket(request, code: str):
    """一条预约及其二维码内容（`ticket`，签名令牌，不可伪造）。别人的核验码返回 404。
    / One reservation with its signed QR payload; another person's code is a 404."""
    person = _person(request)
    reservation = get_object_or_404(Reservation.objects.select_related("session__activity"),
                                    code=code.upper()[:10], person=person)
    return _out(reservation)


@router.post("/me/reservations/{code}/cancel", auth=BearerToken(),
             response={200: ReservationOut, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error, 429: Error,
                       503: Error},
             operation_id="cancelMyReservation", summary="取消预约 / Cancel")
def cancel(request, code: str):
    """取消自己的预约（开始前规定时间内不能取消）；名额自动给候补第一位。
    / Cancels the caller's reservation (not within the cancellation window); the waiting list moves up."""
    person = _person(request)
    reservation = get_object_or_404(Reservation, code=code.upper()[:10], person=person)
    try:
        services.cancel(reservation, reason=_("本人取消"))
    except services.ReservationError as error:
        raise _refusal(error) from None
    return _out(Reservation.objects.select_related("session__activity").get(pk=reservation.pk))
