"""/api/: the ninja API, with JSON errors even where ninja or Django would answer in HTML or
plain text (an unknown path, a wrong method, the bare /api/ root)."""
from functools import wraps

from django.http import Http404, HttpResponseNotAllowed
from django.urls import URLPattern, include, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from .api import api
from .errors import error_response


def json_errors(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return not_found(request)
        if isinstance(response, HttpResponseNotAllowed):
            return error_response(405, "method_not_allowed", _("不支持该请求方法。"),
                                  {"allowed": sorted(m.strip() for m in response["Allow"].split(","))},
                                  {"Allow": response["Allow"]})
        return response

    # Like ninja's operations: the API trusts tokens, not cookies, so Django's CSRF check
    # (an HTML 403) has nothing to protect here; the root and docs views lack the flag.
    return csrf_exempt(wrapped)


# Exempt like ninja's own views (the API takes no cookies' word for anything): without it a
# POST to an unknown path met Django's HTML CSRF page instead of this JSON 404.
@csrf_exempt
def not_found(request, *args, **kwargs):
    return error_response(404, "not_found", _("接口不存在，请查看 /api/docs。"))


# (Not `app_name`: Django would read a module-level app_name as this URLconf's namespace.)
_patterns, _ninja_app, _namespace = api.urls
_patterns = [URLPattern(p.pattern, json_errors(p.callback), p.default_args, p.name) for p in _patterns]

urlpatterns = [
    path("", include((_patterns, _ninja_app), namespace=_namespace)),
    re_path(r"^.*$", not_found),
]
