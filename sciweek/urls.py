"""The root URLconf mounts every SciWeek app's own `urls.py` (each app owns its pages and
endpoints, see docs/architecture.md): a new app adds a `urls.py` and, if its paths share a
prefix, `urls_prefix` on its AppConfig. No central list to edit."""
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import include, path


def app_urlconfs():
    for config in apps.get_app_configs():
        if config.name.startswith("sciweek.") and find_spec(f"{config.name}.urls") is not None:
            yield getattr(config, "urls_prefix", ""), import_module(f"{config.name}.urls")


urlpatterns = [path(prefix, include(module)) for prefix, module in app_urlconfs()] + [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# The site's own error answers: JSON in the API's shape under /api/, our pages elsewhere, a
# 503 while the database is unavailable (sciweek.core.errors).
handler400 = "sciweek.core.errors.bad_request"
handler403 = "sciweek.core.errors.permission_denied"
handler404 = "sciweek.core.errors.page_not_found"
handler500 = "sciweek.core.errors.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
