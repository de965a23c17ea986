from django.urls import path

from . import views

app_name = "media"
urlpatterns = [
    path("media/uploads/", views.upload_start, name="upload_start"),
    path("media/uploads/<str:token>/", views.upload_status, name="upload_status"),
    path("media/uploads/<str:token>/chunk", views.upload_chunk, name="upload_chunk"),
    path("media/uploads/<str:token>/finish", views.upload_finish, name="upload_finish"),
    path("media/<int:asset_id>/file", views.play_file, name="file"),
    path("media/<int:asset_id>/poster", views.play_poster, name="poster"),
]
