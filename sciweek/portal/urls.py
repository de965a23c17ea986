"""The public shell: the home page and the region pages. Apps mount their own public pages
(the catalog, activity pages, calendar, map, online week: `activities:`)."""
from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:year>/regions/<int:org_id>/", views.region, name="region"),
]
