"""Console pages of the evaluations, under console/evaluation/."""
from django.urls import path

from . import console_views as views

app_name = "evaluation"
urlpatterns = [
    path("console/evaluation/", views.evaluation_list, name="list"),
    path("console/evaluation/<int:pk>/", views.scorecard, name="scorecard"),
    path("console/evaluation/<int:pk>/scheme/", views.scheme, name="scheme"),
    path("console/evaluation/<int:pk>/scheme/change/", views.scheme_change, name="scheme_change"),
    path("console/evaluation/<int:pk>/simulate/", views.simulate, name="simulate"),
    path("console/evaluation/<int:pk>/cell/<int:subject_id>/<int:indicator_id>/", views.evidence, name="evidence"),
    path("console/evaluation/<int:pk>/score/<int:subject_id>/", views.score_subject, name="score"),
    path("console/evaluation/<int:pk>/support/<int:subject_id>/", views.support, name="support"),
    path("console/evaluation/<int:pk>/<slug:action>/", views.transition, name="transition"),
]
