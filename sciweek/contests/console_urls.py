"""The contests' console pages, under console/contests/ in the `contests` namespace: the
organizer's, the units' (entering works) and the judges' (judging/)."""
from django.urls import path

from . import console_views as views

urlpatterns = [
    path("console/contests/", views.console_list, name="console_list"),
    path("console/contests/new/", views.contest_new, name="contest_new"),
    path("console/contests/<int:contest_id>/", views.contest_detail, name="contest_detail"),
    path("console/contests/<int:contest_id>/edit/", views.contest_edit, name="contest_edit"),
    path("console/contests/<int:contest_id>/rounds/new/", views.round_new, name="round_new"),
    path("console/contests/<int:contest_id>/quotas/", views.quota_set, name="quota_set"),
    path("console/contests/<int:contest_id>/entries/", views.entry_list, name="entry_list"),
    path("console/contests/<int:contest_id>/publish/", views.contest_publish, name="contest_publish"),
    path("console/contests/<int:contest_id>/finalize/", views.contest_finalize, name="contest_finalize"),
    path("console/contests/<int:contest_id>/objections/", views.objection_list, name="objection_list"),
    path("console/contests/<int:contest_id>/votes/void/", views.votes_void, name="votes_void"),
    path("console/contests/<int:contest_id>/submit/", views.entry_submit, name="entry_submit"),
    path("console/contests/rounds/<int:round_id>/", views.round_edit, name="round_edit"),
    path("console/contests/rounds/<int:round_id>/open/", views.round_open, name="round_open"),
    path("console/contests/rounds/<int:round_id>/close/", views.round_close, name="round_close"),
    path("console/contests/rounds/<int:round_id>/assign/", views.round_assign, name="round_assign"),
    path("console/contests/rounds/<int:round_id>/progress/", views.round_progress, name="round_progress"),
    path("console/contests/rounds/<int:round_id>/results/", views.round_results, name="round_results"),
    path("console/contests/rounds/<int:round_id>/results.xlsx", views.results_export, name="results_export"),
    path("console/contests/rounds/<int:round_id>/panels/", views.panel_add, name="panel_add"),
    path("console/contests/panels/<int:panel_id>/judges/", views.judge_add, name="judge_add"),
    path("console/contests/judges/<int:seat_id>/remove/", views.judge_remove, name="judge_remove"),
    path("console/contests/entries/", views.unit_entries, name="unit_entries"),
    path("console/contests/entries/<int:entry_id>/disqualify/", views.entry_disqualify, name="entry_disqualify"),
    path("console/contests/entries/<int:entry_id>/withdraw/", views.entry_withdraw, name="entry_withdraw"),
    path("console/contests/entries/<int:entry_id>/video/", views.entry_video, name="entry_video"),
    path("console/contests/objections/<int:objection_id>/", views.objection_handle, name="objection_handle"),
    # judges
    path("console/contests/judging/", views.judge_home, name="judge_home"),
    path("console/contests/judging/rounds/<int:round_id>/", views.judge_round, name="judge_round"),
    path("console/contests/judging/rounds/<int:round_id>/chief/", views.chief_scores, name="chief_scores"),
    path("console/contests/judging/scores/<int:score_id>/reopen/", views.chief_reopen, name="chief_reopen"),
    path("console/contests/judging/<int:assignment_id>/", views.judge_score, name="judge_score"),
    path("console/contests/judging/<int:assignment_id>/conflict/", views.judge_conflict, name="judge_conflict"),
]
