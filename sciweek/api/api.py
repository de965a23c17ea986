"""The versioned JSON API for WeChat mini-programs and apps (django-ninja, OpenAPI at /api/openapi.json,
interactive docs at /api/docs). Version 1 is under /api/v1/: the routers the apps register
(`sciweek.api.registry`, each app's endpoints in its own `api.py`). The shell owns what every
operation shares: errors, auth, rate limits, caching, pagination."""
import logging
from functools import wraps

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from sciweek.core import errors as core_errors
from sciweek.core import uploads

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
`rate_limited`（429）、`method_not_allowed`（405）、`bad_request`（400，请求体不是有效的 JSON）、`too_large`（413，请求体过大）、
`server_error`（500）、`unavailable`（503，数据库暂时不可用，按 `Retry-After` 秒数后重试）。`message` 是可以直接展示给用户的中文说明。
未知路径无论用什么请求方法都返回 JSON 的 404。
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
fields), `not_found` (404), `unauthorized` (401), `rate_limited` (429), `method_not_allowed` (405), `bad_request`
(400, the body is not valid JSON), `too_large` (413), `server_error` (500), `unavailable` (503, the database is
unavailable: retry after `Retry-After` seconds). An unknown path is a JSON 404 whatever the method.
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


def _error_response(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


# Statuses the shell (or the site around it) can answer on any operation, whatever the app's
# router declares: documented here once, so the document lists every status the server returns.
SHELL_RESPONSES = {
    "500": "服务器内部错误（`server_error`）/ Unexpected failure (`server_error`)",
    "503": "数据库暂时不可用（`unavailable`），请按 `Retry-After` 秒数后重试 / The database is unavailable "
           "(`unavailable`): retry after `Retry-After` seconds",
}
BODY_RESPONSES = {  # operations that take a request body
    "400": "请求体不是有效的 JSON（`bad_request`）/ The body is not valid JSON (`bad_request`)",
    "413": "请求体过大（`too_large`）/ The body is too large (`too_large`)",
}
RETRY_AFTER_HEADER = {"Retry-After": {"description": "重试前等待的秒数 / seconds to wait before retrying",
                                      "schema": {"type": "integer", "minimum": 0}}}


class Docs(Swagger):
    """Swagger UI from our own static files (no CDN), under the site's Content-Security-Policy:
    ninja's page has no inline script (its settings travel as JSON in a data island) and
    Swagger UI's inline styles and data: icons are what the site's policy already allows."""

    def render_page(self, request, api, **kwargs):
        from sciweek.core.middleware import SecurityHeadersMiddleware

        response = super().render_page(request, api, **kwargs)
        response["Content-Security-Policy"] = SecurityHeadersMiddleware.POLICY
        return response


class SciWeekAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for item in schema["paths"].values():
            for operation in item.values():
                # ninja keys statuses by int; JSON has strings (one key per status, not two)
                responses = operation["responses"] = {str(status): body for status, body in
                                                      operation["responses"].items()}
                extra = {**SHELL_RESPONSES, **(BODY_RESPONSES if "requestBody" in operation else {})}
                for status, description in extra.items():
                    responses.setdefault(status, _error_response(description))
                for status in ("429", "503"):
                    if status in responses:
                        responses[status].setdefault("headers", RETRY_AFTER_HEADER)
        return schema


api = SciWeekAPI(
    title="SciWeek API",
    version="1.0",
    description=DESCRIPTION,
    urls_namespace="api",
    renderer=CompactJSONRenderer(),
    docs=Docs(),
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
    # ninja's own texts are English ("Cannot parse request body"): a 400 gets ours.
    message = _("请求无法处理") if exc.status_code == 400 else str(exc)
    return error_response(exc.status_code, HTTP_ERROR_CODES.get(exc.status_code, "bad_request"), message)


@api.exception_handler(Exception)
def unexpected_error(request, exc):
    if uploads.is_storage_full(exc):
        return uploads.storage_full_response(request)
    if core_errors.is_database_unavailable(exc):
        # PostgreSQL restarting, SQLite locked: a retry will do (503 + Retry-After), not a bug.
        logger.warning("Database unavailable on %s: %s", request.path, exc)
        return core_errors.unavailable_response(request)
    logger.exception("API error on %s", request.path)
    return error_response(500, "server_error", _("服务器内部错误，请稍后再试。"))


# --- every operation: rate limit → token check → view → caching headers ------------------

def guard(run):
    """Wraps each operation (before ninja's own auth and parameter validation), so invalid
    requests and failed authentications are counted and limited too."""

    @wraps(run)
    def guarded(request, *args, **kwargs):
        try:
            return _guarded(run, request, *args, **kwargs)
        except Exception as exc:
            # The guard runs outside ninja's exception handlers (the token lookup, the rate
            # limit): a lost database here is the same 503, a bug the same JSON 500.
            return unexpected_error(request, exc)

    return guarded


def _guarded(run, request, *args, **kwargs):
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


api.add_decorator(guard, mode="view")
# Version 1: the routers the apps registered in their AppConfig.ready (one router per app).
v1 = Router()
for app_router in registry.routers("v1"):
    v1.add_router("", app_router)
api.add_router("/v1/", v1)
