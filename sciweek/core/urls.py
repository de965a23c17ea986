from django.urls import path

from sciweek.core import views

app_name = "core"
urlpatterns = [
    path("display/", views.display_preferences, name="display_preferences"),
]
