class RequestSizeLimitMiddleware:
    """Refuse bodies larger than MAX_REQUEST_BYTES before reading them: a localized 413
    (JSON for the API), not a worker busy swallowing a 2 GB upload."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.MAX_REQUEST_BYTES
        if length > limit:
            # This runs before LocaleMiddleware: answer in the language the request asks for.
            with translation.override(translation.get_language_from_request(request)):
                return self._too_large(request, limit)
        return self.get_response(request)

    def _too_large(self, request, limit):
        from django.http import JsonResponse
        from django.shortcuts import render
        from django.utils.translation import gettext as _

        message = _("上传的内容太大（上限 %(mb)s MB）。已填写的内容不会丢失，请返回后换一个较小的文件。") % {
            "mb": limit // (1024 * 1024)}
        if request.path.startswith("/api/"):
            return JsonResponse({"error": {"code": "too_large", "message": message, "details": {"limit": limit}}},
                                status=413, json_dumps_params={"ensure_ascii": False})
        return render(request, "413.html", {"message": message}, status=413)


class SecurityHeadersMiddleware:
    """Content-Security-Policy and friends. Every asset is our own, so 'self' is enough;
    no inline script anywhere (ECharts options travel as JSON in a data island)."""

    POLICY = (
        "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
        "style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/admin/") and not request.path.startswith("/api/docs"):
            response.headers.setdefault("Content-Security-Policy", self.POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
        return response


class CurrentRequestMiddleware:
    """Remembers the request being served (core.http.current_request), so code it runs
    without being handed the request (an audit receiver, a notification's e-mail link) can
    still find the client address and this site's address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .http import _current_request

        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


class MethodNotAllowedPageMiddleware:
    """`require_http_methods` answers a wrong method with a bare, empty 405; a person (a page,
    not the API, which keeps its JSON errors) gets the site's own page in their language,
    with the Allow header kept."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import HttpResponseNotAllowed
        from django.shortcuts import render

        response = self.get_response(request)
        if (isinstance(response, HttpResponseNotAllowed) and not response.content
                and not request.path.startswith("/api/") and request.method != "HEAD"):
            page = render(request, "405.html", status=405)
            page["Allow"] = response["Allow"]
            page._has_been_logged = True  # require_http_methods already logged it
            return page
        return response


class ServerTimingMiddleware:
    """With ``SCIWEEK_SERVER_TIMING`` on, every response says how long the request waited on
    Redis (``Server-Timing: cache;dur=<ms>``, the W3C header browsers' network panels show).
    The Redis-hung fault (bench/faults/f4) holds every request to at most one socket timeout
    with it, measured where it happens rather than guessed from latencies on a loaded core.
    Off by default: it tells clients about the server's internals."""

    def __init__(self, get_response):
        from django.conf import settings
        from django.core.exceptions import MiddlewareNotUsed

        if not getattr(settings, "SCIWEEK_SERVER_TIMING", False):
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        from .resilient_cache import start_timing, stop_timing

        token = start_timing()
        try:
            response = self.get_response(request)
        finally:
            waited = stop_timing(token)
        response.headers["Server-Timing"] = f"cache;dur={waited * 1000:.1f}"
        return response
