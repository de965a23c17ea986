"""Small request helpers every app shares: where a `next` may send the user, the site's own
address for links that leave the browser (e-mails, calendar files), and the request being
served (for code that runs inside it but is not handed it, e.g. an audit receiver).

    from sciweek.core.http import safe_next, absolute_url

    return redirect(safe_next(request, "console:home"))
    link = absolute_url(reverse("accounts:accept_invitation", args=[token]), request)
"""
import logging
from contextvars import ContextVar

from django.conf import settings
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

_current_request: ContextVar = ContextVar("sciweek_current_request", default=None)


def current_request():
    """The request this thread is serving (set by core.middleware.CurrentRequestMiddleware),
    or None outside a request (tasks, commands)."""
    return _current_request.get()


def is_safe_next(target: str, request) -> bool:
    """Is `target` a URL on this site? Relative paths only or this host; no scheme tricks
    (`//evil`, `/\\evil`, `https:evil`, `javascript:`), https only when the request is."""
    if not target or not isinstance(target, str):
        return False
    return url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure())


def safe_next(request, default: str = "/", *, param: str = "next") -> str:
    """The request's `next` (POST first, then the query string) when it stays on this site,
    else `default` (a URL or a URL name). The one place any view reads `next`."""
    target = request.POST.get(param) or request.GET.get(param) or ""
    if is_safe_next(target, request):
        return target
    return resolve_url(default) if default else ""


def site_url(request=None) -> str:
    """The site's address without a trailing slash: SCIWEEK_SITE_URL when it is set, else
    the address of the request (the one given, else the one being served), else "" (links
    stay relative rather than point at a guessed host or port)."""
    configured = (getattr(settings, "SITE_URL", "") or "").rstrip("/")
    if configured:
        return configured
    request = request if request is not None else current_request()
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return ""


def absolute_url(path: str, request=None) -> str:
    """`path` (from reverse) as an absolute link on this site."""
    return site_url(request) + path


class QuietClientErrors(logging.Filter):
    """A 4xx is the client's doing: one warning line ("Forbidden (Permission denied): /x"),
    never a traceback. Django's request logger attaches the PermissionDenied's exc_info to
    its 403 warning; this drops it (5xx keep theirs)."""

    def filter(self, record):
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True


def flash_errors(request, error) -> None:
    """Each message of a ValidationError as an error message on the next page."""
    from django.contrib import messages

    for message in error.messages:
        messages.error(request, message)
