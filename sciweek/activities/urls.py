"""The activities app's pages: the organizer console's filing and review pages
(`console_urls`, under /console/) and the public catalog and activity pages (`public_urls`).
Both share the `activities` namespace."""
from django.urls import include, path

app_name = "activities"
urlpatterns = [
    path("console/", include("sciweek.activities.console_urls")),
    path("", include("sciweek.activities.public_urls")),
]
