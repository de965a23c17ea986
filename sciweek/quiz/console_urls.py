"""The quiz's console pages (organizers), under console/quiz/ in the `quiz` namespace."""
from django.urls import path

from . import console_views as views

urlpatterns = [
    path("console/quiz/", views.console_list, name="console_list"),
    path("console/quiz/new/", views.quiz_new, name="quiz_new"),
    path("console/quiz/<int:quiz_id>/", views.quiz_edit, name="quiz_edit"),
    path("console/quiz/<int:quiz_id>/pool/add/", views.pool_add, name="pool_add"),
    path("console/quiz/<int:quiz_id>/pool/remove/", views.pool_remove, name="pool_remove"),
    path("console/quiz/<int:quiz_id>/publish/", views.quiz_publish, name="quiz_publish"),
    path("console/quiz/<int:quiz_id>/withdraw/", views.quiz_withdraw, name="quiz_withdraw"),
    path("console/quiz/questions/", views.bank_list, name="bank"),
    path("console/quiz/questions/submit/", views.bank_submit, name="bank_submit"),
    path("console/quiz/questions/new/", views.question_new, name="question_new"),
    path("console/quiz/questions/template.xlsx", views.question_template, name="question_template"),
    path("console/quiz/questions/import/", views.question_import, name="question_import"),
    path("console/quiz/questions/<int:question_id>/", views.question_edit, name="question_edit"),
    path("console/quiz/questions/<int:question_id>/retire/", views.question_retire, name="question_retire"),
    path("console/quiz/review/", views.review_queue, name="review_queue"),
    path("console/quiz/review/decide/", views.review_decide, name="review_decide"),
]
