"""Console statistics of a quiz, the review of flagged attempts and the Excel exports."""
from django.urls import path

from . import stats_views

urlpatterns = [
    path("console/quiz/<int:quiz_id>/stats/", stats_views.stats, name="stats"),
    path("console/quiz/<int:quiz_id>/stats/figures/", stats_views.stats_figures, name="stats_figures"),
    path("console/quiz/<int:quiz_id>/stats/attempts/<int:attempt_id>/review/", stats_views.stats_review,
         name="stats_review"),
    path("console/quiz/<int:quiz_id>/export/results.xlsx", stats_views.export_results, name="export_results"),
    path("console/quiz/<int:quiz_id>/export/prizes.xlsx", stats_views.export_prizes, name="export_prizes"),
]
