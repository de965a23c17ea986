"""Errors are the site's own, whatever fails underneath (issue 11).

- The database goes away (PostgreSQL restarting, connection refused, SQLite locked or
  unreadable): a 503 with ``Retry-After``, the site's page for people and the API's one JSON
  shape under /api/, in the reader's language. `DatabaseUnavailableMiddleware` answers for
  failures in views; the error handlers below (``handler500`` & co. in ``sciweek/urls.py``)
  for failures anywhere else (a middleware reading the session, an error page that itself
  needed the database).
- Any other failure under /api/ is the JSON 500, never HTML.
- Nothing here touches the database, so the answer works while it is down; and the last
  resort, when even a template cannot be rendered, is still localized text of ours, never
  Django's bare English "Server Error (500)".

The JSON shape is defined here (core is the lowest layer): `sciweek.api.errors` builds its
responses with `json_error`, so the API and these handlers cannot drift apart.
"""
import json
import logging
import sqlite3
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger("sciweek.errors")

# Seconds a client should wait before retrying: a PostgreSQL restart or failover takes a few.
RETRY_AFTER = 5

# sqlite3.OperationalError also means a bug ("no such table", a syntax error): only these are
# the database being unavailable (locked by another writer past the busy timeout, the file
# gone or unreadable, the disk full).
_SQLITE_UNAVAILABLE = ("locked", "busy", "unable to open", "disk i/o", "readonly", "database or disk is full",
                       "database disk image is malformed")


def is_database_unavailable(exc: BaseException | None) -> bool:
    """A connection-level failure a retry may cure, not a bug in a query.

    Django wraps driver errors in its own classes (the driver's is ``__cause__``). On
    PostgreSQL every OperationalError is the server's state (connection refused or closed,
    admin shutdown, lock or statement timeout, serialization failure, deadlock); an
    InterfaceError is a connection that is already closed. Integrity, data and programming
    errors are bugs and stay 500s."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if isinstance(cause, sqlite3.OperationalError):
        return any(text in str(cause).lower() for text in _SQLITE_UNAVAILABLE)
    return True


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message, details=None, headers: dict | None = None) -> HttpResponse:
    """The API's one error shape: ``{"error": {"code", "message", "details"}}``."""
    body = {"error": {"code": code, "message": str(message), "details": details}}
    response = HttpResponse(json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str), status=status,
                            content_type="application/json; charset=utf-8")
    response["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _language(request) -> str:
    # From the cookie or Accept-Language only (no session, no database): also right when the
    # failure happened before LocaleMiddleware ran.
    return translation.get_language_from_request(request)


def _page(template_name: str, status: int, request=None) -> HttpResponse:
    """A standalone error template: rendered without the request, so no context processor
    (and no database, no session) runs; the display cookies still apply (大字, 高对比度)."""
    from .display import display_of

    context = {"display": display_of(request)} if request is not None else {}
    return _html(loader.get_template(template_name).render(context), status)


def _html(content: str, status: int) -> HttpResponse:
    from .middleware import SecurityHeadersMiddleware

    response = HttpResponse(content, status=status, content_type="text/html; charset=utf-8")
    # A failure in a middleware outside SecurityHeadersMiddleware never passes through it:
    # the page carries the site's policy itself.
    response["Content-Security-Policy"] = SecurityHeadersMiddleware.POLICY
    return response


def unavailable_message() -> str:
    return _("系统繁忙，请稍后重试。")


def unavailable_response(request) -> HttpResponse:
    """503 while the database is unavailable: JSON under /api/, the site's page elsewhere."""
    headers = {"Retry-After": str(RETRY_AFTER), "Cache-Control": "no-store"}
    with translation.override(_language(request)):
        if is_api(request):
            return json_error(503, "unavailable", unavailable_message(), {"retry_after": RETRY_AFTER}, headers)
        try:
            response = _page("503.html", 503, request)
        except Exception:  # the page must not fail: the last resort is still ours
            logger.exception("503 page failed to render")
            response = _last_resort(503)
    for name, value in headers.items():
        response[name] = value
    return response


def _last_resort(status: int) -> HttpResponse:
    title = _("服务暂时不可用") if status == 503 else _("服务器出错了")
    html = (f'<!doctype html><html lang="{translation.get_language()}"><meta charset="utf-8">'
            f'<title>{title} · SciWeek</title><h1>{title}</h1><p><a href="/">{_("返回首页")}</a></p></html>')
    return _html(html, status)


class DatabaseUnavailableMiddleware:
    """A view that loses its database answers 503 (with Retry-After) instead of 500: one log
    line, not a traceback per request while PostgreSQL restarts."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_unavailable(exception):
            return None
        logger.warning("Database unavailable on %s %s: %s", request.method, request.path,
                       str(exception).strip().splitlines()[0] if str(exception).strip() else type(exception).__name__)
        return unavailable_response(request)


# --- handlers (sciweek/urls.py): the API's JSON under /api/, the site's pages elsewhere -------

def bad_request(request, exception=None):
    if is_api(request):
        with translation.override(_language(request)):
            return json_error(400, "bad_request", _("请求无法处理"))
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if is_api(request):
        with translation.override(_language(request)):
            return json_error(403, "forbidden", _("没有权限"))
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if is_api(request):
        with translation.override(_language(request)):
            return json_error(404, "not_found", _("接口不存在，请查看 /api/docs。"))
    return defaults.page_not_found(request, exception)


def server_error(request):
    """Django calls this inside the `except` that caught the failure: sys.exc_info() tells
    a lost database (503) from a bug (500)."""
    if is_database_unavailable(sys.exc_info()[1]):
        return unavailable_response(request)
    with translation.override(_language(request)):
        if is_api(request):
            return json_error(500, "server_error", _("服务器内部错误，请稍后再试。"))
        try:
            return _page("500.html", 500, request)
        except Exception:
            logger.exception("500 page failed to render")
            return _last_resort(500)
