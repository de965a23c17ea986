"""The versioned JSON API for WeChat mini-programs and apps (django-ninja, OpenAPI at /api/openapi.json,
interactive docs at /api/docs). Version 1 is under /api/v1/: the routers the apps register
(`sciweek.api.registry`, each app's endpoints in its own `api.py`). The shell owns what every
operation shares: errors, auth, rate limits, caching, pagination."""
import logging
from functools import wraps

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from . import auth, caching, ratelimit, registry
from .errors import ApiError, error_response, unauthorized

logger = logging.getLogger("sciweek.api")

DESCRIPTION = """
科技活动周平台开放接口（第 1 版），供微信小程序和移动应用使用。只提供公开数据：已发布（及发布后取消）的活动，
不含联系人、电话、经费、安全预案或审核流程信息。

**版本**：所有接口在 `/api/v1/` 下；不兼容的修改会放在新的版本路径中，v1 只做向后兼容的增加（新字段、新接口）。

**认证**：公开接口无需令牌。需要登录的接口（如 `GET /api/v1/me`）在请求头中发送
`Authorization: Bearer <令牌>`；令牌由平台管理员用 `sciweek create_api_token 用户名` 生成，只显示一次。
如果请求带了令牌，它必须有效：无效、过期或已撤销的令牌一律返回 401（带 `WWW-Authenticate` 头）。
令牌不会扩大可见范围，所有响应都只含公开数据。

**错误**：所有错误都是同一形状 `{"error": {"code", "message", "details"}}`：
`invalid`（422，参数不正确，`details` 列出出错的字段）、`not_found`（404）、`unauthorized`（401）、
`rate_limited`（429）、`method_not_allowed`（405）、`too_large`（413，请求体过大）。`message` 是可以直接展示给用户的中文说明。
参数要么不传，要么有效：空值（如 `format=`）和非法值一样返回 422。

**分页**：分页的列表用 `page`（从 1 开始）和 `page_size`（默认 20，最多 50）；响应含 `items`、`count`、`page`、
`page_size`、`pages`（没有结果时为 0）、`next`、`previous`（页码）和 `next_url`、`previous_url`（相对链接，保留本次的
筛选条件；没有时均为 null）。排序最后按 id，翻页稳定；
页码超出范围返回空列表。

**缓存**：成功的公开读取带 `Cache-Control: public, max-age=60` 和弱 `ETag`（响应内容的哈希）。
再次请求时带上 `If-None-Match: <ETag>`，内容未变则返回 304、没有正文。

**限流**：每个客户端（带有效令牌时按令牌，否则按 IP）每分钟最多 120 次请求（固定窗口，可配置）。
响应头 `X-RateLimit-Limit`、`X-RateLimit-Remaining`、`X-RateLimit-Reset`（窗口剩余秒数）；
超过后返回 429 和 `Retry-After`（秒）。

---

SciWeek open API, version 1, for WeChat mini-programs and apps. Public data only.

**Versioning**: everything lives under `/api/v1/`; v1 only grows compatibly (new fields, new operations).

**Auth**: public reads need no token. Operations that need a user (`GET /api/v1/me`) take
`Authorization: Bearer <token>` (tokens come from `sciweek create_api_token USERNAME`, shown once).
A token that is sent must be valid: invalid, expired or revoked tokens get 401 everywhere. A token never
widens what a response contains.

**Errors**: one shape, `{"error": {"code", "message", "details"}}`, codes `invalid` (422, `details` lists the
fields), `not_found` (404), `unauthorized` (401), `rate_limited` (429), `method_not_allowed` (405), `too_large` (413).
`message` is a user-facing Chinese text (translated per `Accept-Language`). A parameter is either absent or
valid: an empty value (`format=`) is a 422 like any invalid one.

**Pagination**: paged lists take `page` (from 1) and `page_size` (default 20, at most 50); responses carry
`items`, `count`, `page`, `page_size`, `pages` (0 when nothing matches), `next` and `previous` page numbers and
`next_url` and `previous_url` relative links that keep the request's filters (null at the ends). Orders end with the id, so pages are stable; a page past the end is an empty list.

**Caching**: successful public reads send `Cache-Control: public, max-age=60` and a weak `ETag` (a hash of
the body); send it back in `If-None-Match` to get 304 Not Modified.

**Rate limits**: 120 requests per minute per client (per valid token, else per IP), fixed window,
configurable. Headers `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset`; over the limit:
429 with `Retry-After` (seconds).
"""

class CompactJSONRenderer(JSONRenderer):
    """UTF-8 Chinese instead of \\uXXXX escapes: half the bytes on a phone connection."""

    json_dumps_params = {"ensure_ascii": False, "separators": (",", ":")}


api = NinjaAPI(
    title="SciWeek API",
    version="1.0",
    description=DESCRIPTION,
    urls_namespace="api",
    renderer=CompactJSONRenderer(),
    openapi_extra={"tags": registry.tags()},  # what the apps registered with their routers
)


# --- errors: one shape for all ---------------------------------------------------------

@api.exception_handler(ApiError)
def api_error(request, exc: ApiError):
    return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    details = [{key: error[key] for key in ("loc", "msg", "type") if key in error} for error in exc.errors]
    return error_response(422, "invalid", _("请求参数不正确。"), details)


@api.exception_handler(Http404)
def not_found(request, exc):
    return error_response(404, "not_found", _("未找到。"))


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return unauthorized()


HTTP_ERROR_CODES = {400: "bad_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
                    422: "invalid", 429: "rate_limited"}


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return error_response(exc.status_code, HTTP_ERROR_CODES.get(exc.status_code, "bad_request"), str(exc))


@api.exception_handler(Exception)
def unexpected_error(request, exc):
    logger.exception("API error on %s", request.path)
    return error_response(500, "server_error", _("服务器内部错误，请稍后再试。"))


# --- every operation: rate limit → token check → view → caching headers ------------------

def guard(run):
    """Wraps each operation (before ninja's own auth and parameter validation), so invalid
    requests and failed authentications are counted and limited too."""

    @wraps(run)
    def guarded(request, *args, **kwargs):
        decision = ratelimit.hit(request)
        if decision is not None and not decision.allowed:
            response = error_response(
                429, "rate_limited",
                _("请求过于频繁，请在 %(seconds)s 秒后重试。") % {"seconds": decision.retry_after},
                {"limit": decision.limit, "window": decision.window, "retry_after": decision.retry_after},
                {"Retry-After": str(decision.retry_after)},
            )
        elif (credentials := auth.credentials(request)).sent and credentials.token is None:
            response = unauthorized(_("访问令牌无效、已过期或已撤销。"), invalid_token=True)
        else:
            response = caching.finish(request, run(request, *args, **kwargs))
        if decision is not None:
            for name, value in decision.headers().items():
                response[name] = value
        return response

    return guarded


api.add_decorator(guard, mode="view")
# Version 1: the routers the apps registered in their AppConfig.ready (one router per app).
v1 = Router()
for app_router in registry.routers("v1"):
    v1.add_router("", app_router)
api.add_router("/v1/", v1)
