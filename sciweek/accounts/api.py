"""Account endpoints of the JSON API (registered in AccountsConfig.ready, mounted on /api/v1/):
the caller's own staff account (needs a bearer token)."""
from datetime import datetime

from django.http import HttpResponse
from ninja import Router, Schema
from pydantic import Field

from sciweek.api.auth import BearerToken
from sciweek.api.errors import Error

router = Router(tags=["account"])
TAGS = [{"name": "account", "description": "需要令牌的接口 / Operations that need a bearer token"}]


# Not "TokenOut": that name is the phone sign-in's response, and component names are global.
class TokenInfo(Schema):
    prefix: str = Field(description="令牌开头几位，用于辨认 / first characters, for recognition")
    name: str
    expires_at: datetime | None


class MeOut(Schema):
    username: str
    display_name: str
    token: TokenInfo


@router.get("/me", auth=BearerToken(), response={200: MeOut, 401: Error, 429: Error}, operation_id="getMe",
            summary="当前用户 / The signed-in user")
def me(request, response: HttpResponse):
    """令牌所属的用户（用户名、显示名称）和令牌本身的信息。需要 `Authorization: Bearer <令牌>`。
    / The token's user and the token's prefix and expiry. Requires a bearer token."""
    response["Cache-Control"] = "private, no-store"
    token = request.auth
    return {
        "username": token.user.get_username(),
        "display_name": getattr(token.user, "display_name", "") or token.user.get_username(),
        "token": {"prefix": token.prefix, "name": token.name, "expires_at": token.expires_at},
    }
