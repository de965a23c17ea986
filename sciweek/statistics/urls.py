"""Console pages of the statistics, under console/statistics/ (the public figures are a section
of the portal's region page and the API's /campaigns/{year}/statistics/{organization_id})."""
from django.urls import path

from . import console_views as views
from . import workplan_views

app_name = "statistics"
urlpatterns = [
    path("console/statistics/", views.statistics_page, name="console"),
    path("console/statistics/export/<int:organization_id>.xlsx", views.export, name="export"),
    path("console/statistics/status/<int:organization_id>/", views.status, name="status"),
    path("console/statistics/publish/<int:organization_id>/", views.publish, name="publish"),
    path("console/statistics/work-plan/", workplan_views.download, name="work_plan"),
]
