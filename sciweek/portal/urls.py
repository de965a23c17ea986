from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:year>/regions/<int:org_id>/", views.region, name="region"),
    path("<int:year>/activities/", views.catalog, name="catalog"),
    path("<int:year>/activities/<int:activity_id>/", views.activity_detail, name="activity"),
    path("<int:year>/activities/<int:activity_id>/calendar.ics", views.activity_ics, name="activity_ics"),
    path("<int:year>/calendar/", views.calendar_view, name="calendar"),
    path("<int:year>/map/", views.map_view, name="map"),
    path("<int:year>/online/", views.online_week, name="online"),
]
