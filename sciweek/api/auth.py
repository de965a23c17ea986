"""Bearer-token authentication (``Authorization: Bearer sw_…``).

The token is resolved once per request and remembered on it: the rate limiter (which counts
a valid token's requests per token instead of per IP) and the auth class share that lookup.
Public reads take no token; a token that *is* sent must be valid (else 401), so a client
learns at once that its token expired. A token never widens what a response shows."""
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import CharField, DateTimeField, Q
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from sciweek.core.query_templates import QueryTemplate, Slot

from .models import ApiToken, hash_key

MAX_KEY_LENGTH = 128
LAST_USED_PRECISION = timedelta(minutes=5)  # write last_used_at at most this often per token
_ATTRIBUTE = "_sciweek_api_token"


@dataclass(frozen=True)
class Credentials:
    sent: bool  # an Authorization header was present
    token: ApiToken | None  # the valid token it carried, if any


def credentials(request: HttpRequest) -> Credentials:
    cached = getattr(request, _ATTRIBUTE, None)
    if cached is None:
        cached = _resolve(request)
        setattr(request, _ATTRIBUTE, cached)
    return cached


def _resolve(request: HttpRequest) -> Credentials:
    header = request.headers.get("Authorization", "")
    if not header.strip():
        return Credentials(sent=False, token=None)
    scheme, _, key = header.strip().partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key or len(key) > MAX_KEY_LENGTH:
        return Credentials(sent=True, token=None)
    token = _TOKEN.first(key_hash=hash_key(key), now=timezone.now())
    if token is not None:
        _touch(token)
    return Credentials(sent=True, token=token)


def _token_by_hash():
    # The person's public profile comes along: the reservation endpoints ask for it next.
    return (ApiToken.objects.filter(key_hash=Slot("key_hash", CharField()), revoked_at__isnull=True,
                                    user__is_active=True)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=Slot("now", DateTimeField())))
            .select_related("user__public_profile").order_by())


# Every API call with a token runs this: built once per process (core.query_templates). The
# conditions are ApiToken.objects.usable()'s, with `now` as a slot.
_TOKEN = QueryTemplate(_token_by_hash)


def _touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


class BearerToken(HttpBearer):
    """Operations that need a signed-in caller (``auth=BearerToken()``); `request.auth` is the token."""

    openapi_bearerFormat = "sw_<opaque>"
    openapi_description = (
        "在请求头中发送 `Authorization: Bearer <令牌>`。令牌由 `sciweek create_api_token 用户名` 生成，"
        "只显示一次；过期或撤销后返回 401。公开接口无需令牌，但如果发送了令牌，它必须有效。 / "
        "Send `Authorization: Bearer <token>`. Public reads need no token, but a token that is sent must be valid."
    )

    def __call__(self, request: HttpRequest):
        return credentials(request).token

    def authenticate(self, request: HttpRequest, token: str):  # pragma: no cover - __call__ does the work
        return credentials(request).token


# OpenAPI: public operations accept a token but do not require one.
OPTIONAL_AUTH = {"security": [{}, {"BearerToken": []}]}
