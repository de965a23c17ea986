"""Public pages of the activities app (catalog, activity page, calendar, map, online week),
in the `activities` namespace at the site root."""
from django.urls import path

from . import public_views as views

urlpatterns = [
    path("<int:year>/activities/", views.catalog, name="catalog"),
    path("<int:year>/activities/<int:activity_id>/", views.activity_detail, name="activity"),
    path("<int:year>/activities/<int:activity_id>/calendar.ics", views.activity_ics, name="activity_ics"),
    path("<int:year>/calendar/", views.calendar_view, name="calendar"),
    path("<int:year>/map/", views.map_view, name="map"),
    path("<int:year>/online/", views.online_week, name="online"),
]
