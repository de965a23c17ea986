"""The caller's own account (needs a bearer token)."""
from django.http import HttpResponse
from ninja import Router

from ..auth import BearerToken
from ..errors import Error
from ..schemas import MeOut

router = Router(tags=["account"])


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
