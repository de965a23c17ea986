from django.urls import path

from . import console_views, views

app_name = "reservations"
urlpatterns = [
    path("book/<int:session_id>/", views.book, name="book"),
    path("my/reservations/", views.mine, name="mine"),
    path("my/reservations/<str:code>/", views.ticket, name="ticket"),
    path("my/reservations/<str:code>/calendar.ics", views.ticket_ics, name="ticket_ics"),
    path("my/reservations/<str:code>/cancel/", views.cancel, name="cancel"),
    # The organizer's pages for one session (console layout, same paths as before the move).
    path("console/sessions/<int:session_id>/", console_views.session_detail, name="session_detail"),
    path("console/sessions/<int:session_id>/capacity/", console_views.session_capacity, name="session_capacity"),
    path("console/sessions/<int:session_id>/close/", console_views.session_close, name="session_close"),
    path("console/sessions/<int:session_id>/export/", console_views.session_export, name="session_export"),
    path("console/sessions/<int:session_id>/checkin/", console_views.check_in, name="check_in"),
]
