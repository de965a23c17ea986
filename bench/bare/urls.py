from django.urls import path

from sciweek.urls import urlpatterns as sciweek_urlpatterns

from .views import bare_reserve

urlpatterns = [path("bench/bare/<int:session_id>/<int:person_id>/", bare_reserve)] + sciweek_urlpatterns
