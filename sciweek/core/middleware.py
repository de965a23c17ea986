class RequestSizeLimitMiddleware:
    """Refuse bodies larger than MAX_REQUEST_BYTES before reading them: a localized 413
    (JSON for the API), not a worker busy swallowing a 2 GB upload."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.http import JsonResponse
        from django.shortcuts import render
        from django.utils.translation import gettext as _

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.MAX_REQUEST_BYTES
        if length > limit:
            message = _("上传的内容太大（上限 %(mb)s MB）。已填写的内容不会丢失，请返回后换一个较小的文件。") % {
                "mb": limit // (1024 * 1024)}
            if request.path.startswith("/api/"):
                return JsonResponse({"error": {"code": "too_large", "message": message, "details": {"limit": limit}}},
                                    status=413, json_dumps_params={"ensure_ascii": False})
            return render(request, "413.html", {"message": message}, status=413)
        return self.get_response(request)


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
