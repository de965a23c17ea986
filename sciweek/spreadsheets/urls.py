from django.urls import path

from . import views

app_name = "spreadsheets"
urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.upload, name="upload"),
    path("export/filings.xlsx", views.export_filings, name="export_all"),
    path("jobs/<int:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/<int:job_id>/progress/", views.job_progress, name="job_progress"),
    path("jobs/<int:job_id>/confirm/", views.job_confirm, name="job_confirm"),
    path("jobs/<int:job_id>/discard/", views.job_discard, name="job_discard"),
    path("jobs/<int:job_id>/invalid-rows.xlsx", views.job_invalid_rows, name="job_invalid_rows"),
    path("organizations/<int:org_id>/template/<slug:kind>.xlsx", views.template, name="template"),
    path("organizations/<int:org_id>/filings.xlsx", views.export_filings, name="export_filings"),
    path("organizations/<int:org_id>/plan-lists.xlsx", views.export_plan_lists, name="export_plan_lists"),
]
