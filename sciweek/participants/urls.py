from django.urls import path

from . import views

app_name = "participants"
urlpatterns = [
    path("signin/", views.sign_in, name="sign_in"),
    path("signout/", views.sign_out, name="sign_out"),
    path("my/data/", views.my_data, name="my_data"),
]
