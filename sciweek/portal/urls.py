from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:year>/regions/<int:org_id>/", views.region, name="region"),
    path("<int:year>/activities/", views.catalog, name="catalog"),
    path("<int:year>/activities/<int:activity_id>/", views.activity_detail, name="activity"),
]
