"""Public pages of the quiz: a campaign's quizzes under <year>/quiz/, the certificate check
under quiz/certificate/ (the address its QR code opens), my attempts under my/quiz/."""
from django.urls import path

from . import public_views as views

urlpatterns = [
    path("<int:year>/quiz/", views.quiz_list, name="list"),
    path("<int:year>/quiz/<slug:slug>/", views.quiz_detail, name="detail"),
    path("<int:year>/quiz/<slug:slug>/join/", views.join, name="join"),
    path("<int:year>/quiz/<slug:slug>/register/", views.register, name="register"),
    path("<int:year>/quiz/<slug:slug>/start/", views.start, name="start"),
    path("<int:year>/quiz/<slug:slug>/leaderboard/", views.leaderboard_page, name="leaderboard"),
    path("<int:year>/quiz/<slug:slug>/attempt/<int:attempt_id>/", views.attempt_page, name="attempt"),
    path("<int:year>/quiz/<slug:slug>/attempt/<int:attempt_id>/answer/", views.answer, name="answer"),
    path("<int:year>/quiz/<slug:slug>/attempt/<int:attempt_id>/finish/", views.finish, name="finish"),
    path("<int:year>/quiz/<slug:slug>/attempt/<int:attempt_id>/result/", views.result, name="result"),
    path("<int:year>/quiz/<slug:slug>/attempt/<int:attempt_id>/certificate.pdf", views.certificate,
         name="certificate"),
    path("quiz/certificate/<str:token>/", views.certificate_verify, name="certificate_verify"),
    path("my/quiz/", views.mine, name="mine"),
]
