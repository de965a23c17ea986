from django.urls import path

from . import views

app_name = "reservations"
urlpatterns = [
    path("signin/", views.sign_in, name="sign_in"),
    path("signout/", views.sign_out, name="sign_out"),
    path("book/<int:session_id>/", views.book, name="book"),
    path("my/reservations/", views.mine, name="mine"),
    path("my/reservations/<str:code>/", views.ticket, name="ticket"),
    path("my/reservations/<str:code>/calendar.ics", views.ticket_ics, name="ticket_ics"),
    path("my/reservations/<str:code>/cancel/", views.cancel, name="cancel"),
    path("my/data/", views.my_data, name="my_data"),
]
