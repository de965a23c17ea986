"""Reservation endpoints of the JSON API (mounted on /api/v1/ by sciweek.api).

Public users sign in with their phone: POST auth/code sends an SMS code, POST auth/token
exchanges it for a bearer token. Then: reserve (safe to retry with an Idempotency-Key header),
list my reservations, my ticket, cancel."""
from datetime import datetime

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from sciweek.accounts.audit import client_ip
from sciweek.activities.models import Session
from sciweek.api.auth import BearerToken
from sciweek.api.errors import ApiError, Error
from sciweek.api.models import ApiToken

from . import services
from .models import Reservation

router = Router(tags=["reservations"])


class CodeRequest(Schema):
    phone: str = Field(description="11 位手机号 / mobile number", examples=["13800138000"])


class TokenRequest(Schema):
    phone: str
    code: str = Field(min_length=6, max_length=6)
    consent: bool = Field(False, description="首次登录须同意隐私政策 / first sign-in needs consent")
    name: str = Field("", max_length=32)


class TokenOut(Schema):
    token: str
    expires_at: datetime | None


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


class Sent(Schema):
    sent: bool


def _refusal(error: services.ReservationError) -> ApiError:
    codes = {429: "rate_limited", 503: "busy"}
    return ApiError(error.status, codes.get(error.status, error.code), str(error))


def _out(reservation: Reservation) -> dict:
    session = reservation.session
    position = None
    if reservation.status == Reservation.Status.WAITING:
        position = Reservation.objects.filter(session=session, status="waiting",
                                              waiting_since__lt=reservation.waiting_since).count() + 1
    return {
        "code": reservation.code, "status": reservation.status, "seats": reservation.seats,
        "group_name": reservation.group_name, "activity_id": session.activity_id,
        "activity_title": session.activity.title, "session_id": session.pk, "starts_at": session.starts_at,
        "ends_at": session.ends_at, "waiting_position": position, "checked_in_at": reservation.checked_in_at,
        "ticket": services.ticket_token(reservation) if reservation.status == Reservation.Status.CONFIRMED else None,
    }


def _person(request):
    user = request.auth.user
    if services.profile_of(user) is None:
        raise ApiError(403, "forbidden", _("请使用手机号登录的公众账号预约。"))
    return user


@router.post("/auth/code", response={200: Sent, 422: Error, 429: Error}, summary="发送短信验证码 / send a sign-in code")
def request_code(request, payload: CodeRequest):
    try:
        services.request_code(payload.phone, ip=client_ip(request))
    except services.ReservationError as error:
        raise ApiError(429 if error.status == 429 else 422, "rate_limited" if error.status == 429 else "invalid",
                       str(error)) from None
    return {"sent": True}


@router.post("/auth/token", response={200: TokenOut, 422: Error},
             summary="用验证码换取访问令牌 / exchange the code for a token")
def issue_token(request, payload: TokenRequest):
    try:
        user = services.verify_code(payload.phone, payload.code, consent=payload.consent, name=payload.name)
    except services.ReservationError as error:
        raise ApiError(422, "invalid", str(error)) from None
    token, key = ApiToken.issue(user, name="phone sign-in", days=30)
    return {"token": key, "expires_at": token.expires_at}


@router.post("/sessions/{session_id}/reservations", auth=BearerToken(),
             response={201: ReservationOut, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error, 429: Error,
                       503: Error},
             summary="预约场次 / reserve places (send an Idempotency-Key header to retry safely)")
def reserve(request, session_id: int, payload: ReserveIn):
    person = _person(request)
    session = get_object_or_404(Session, pk=session_id, activity__status="approved", activity__revises__isnull=True)
    try:
        reservation = services.reserve(session, person, seats=payload.seats, group_name=payload.group_name,
                                       attested=payload.attested,
                                       idempotency_key=request.headers.get("Idempotency-Key", "")[:64])
    except services.ReservationError as error:
        raise _refusal(error) from None
    return 201, _out(Reservation.objects.select_related("session__activity").get(pk=reservation.pk))


@router.get("/me/reservations", auth=BearerToken(), response={200: list[ReservationOut], 401: Error, 403: Error},
            summary="我的预约 / my reservations")
def my_reservations(request):
    person = _person(request)
    rows = Reservation.objects.filter(person=person).select_related("session__activity").order_by("-created_at")[:100]
    return [_out(r) for r in rows]


@router.get("/me/reservations/{code}", auth=BearerToken(), response={200: ReservationOut, 401: Error, 403: Error,
                                                                     404: Error},
            summary="我的入场凭证 / my ticket")
def my_ticket(request, code: str):
    person = _person(request)
    reservation = get_object_or_404(Reservation.objects.select_related("session__activity"),
                                    code=code.upper()[:10], person=person)
    return _out(reservation)


@router.post("/me/reservations/{code}/cancel", auth=BearerToken(),
             response={200: ReservationOut, 401: Error, 403: Error, 404: Error, 409: Error, 503: Error},
             summary="取消预约 / cancel")
def cancel(request, code: str):
    person = _person(request)
    reservation = get_object_or_404(Reservation, code=code.upper()[:10], person=person)
    try:
        services.cancel(reservation, reason=_("本人取消"))
    except services.ReservationError as error:
        raise _refusal(error) from None
    return _out(Reservation.objects.select_related("session__activity").get(pk=reservation.pk))
