"""Phone sign-in endpoints of the JSON API (mounted on /api/v1/ by sciweek.api).

POST auth/code sends an SMS code, POST auth/token exchanges it for a bearer token. The same
services as the sign-in page: there is no other way to sign a public person in."""
from datetime import datetime

from ninja import Router, Schema
from pydantic import Field

from sciweek.accounts.audit import client_ip
from sciweek.api.auth import OPTIONAL_AUTH
from sciweek.api.errors import ApiError, Error
from sciweek.api.models import ApiToken

from . import services

# Listed with the reservation endpoints in the API docs, as before the move.
router = Router(tags=["reservations"])


# What services.normalize_phone accepts from the sign-in page, in the one form an API client
# sends: 11 ASCII digits starting with 1. The lengths keep generators honest too (a regex's
# `$` lets a trailing newline through in Python, not in pydantic).
PHONE = {"pattern": r"^1[0-9]{10}$", "min_length": 11, "max_length": 11,
         "description": "11 位手机号，以 1 开头 / 11-digit mobile number starting with 1",
         "examples": ["13800138000"]}


class CodeRequest(Schema):
    phone: str = Field(**PHONE)


class TokenRequest(Schema):
    phone: str = Field(**PHONE)
    code: str = Field(min_length=6, max_length=6)
    consent: bool = Field(False, description="首次登录须同意隐私政策 / first sign-in needs consent")
    name: str = Field("", max_length=32)


class TokenOut(Schema):
    token: str
    expires_at: datetime | None


class Sent(Schema):
    sent: bool


@router.post("/auth/code", response={200: Sent, 401: Error, 422: Error, 429: Error}, operation_id="requestCode",
             summary="发送短信验证码 / Send a sign-in code", openapi_extra=OPTIONAL_AUTH)
def request_code(request, payload: CodeRequest):
    """向手机号发送 6 位验证码（5 分钟有效；同一号码 60 秒内只发一次，每天有上限）。
    / Sends a 6-digit code by SMS (valid 5 minutes; one per minute per phone, daily caps)."""
    try:
        services.request_code(payload.phone, ip=client_ip(request))
    except services.ParticipantError as error:
        raise ApiError(429 if error.status == 429 else 422, "rate_limited" if error.status == 429 else "invalid",
                       str(error)) from None
    return {"sent": True}


@router.post("/auth/token", response={200: TokenOut, 401: Error, 422: Error, 429: Error}, operation_id="issueToken",
             summary="用验证码换取访问令牌 / Exchange the code for a token", openapi_extra=OPTIONAL_AUTH)
def issue_token(request, payload: TokenRequest):
    """验证码正确时返回 30 天有效的访问令牌；首次登录须 `consent: true`（同意隐私政策）。
    / Returns a bearer token valid 30 days; the first sign-in needs `consent: true`."""
    try:
        user = services.verify_code(payload.phone, payload.code, consent=payload.consent, name=payload.name)
    except services.ParticipantError as error:
        raise ApiError(422, "invalid", str(error)) from None
    token, key = ApiToken.issue(user, name="phone sign-in", days=30)
    return {"token": key, "expires_at": token.expires_at}
