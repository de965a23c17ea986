from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("sciweek.portal.urls")),
    path("accounts/", include("sciweek.accounts.urls")),
    path("", include("sciweek.reservations.urls")),
    path("", include("sciweek.news.urls")),
    path("console/", include("sciweek.console.urls")),
    path("console/excel/", include("sciweek.spreadsheets.urls")),
    path("api/", include("sciweek.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
