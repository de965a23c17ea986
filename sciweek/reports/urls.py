"""Console pages of the summary reports and the reporting dashboard, under console/reports/."""
from django.urls import path

from . import console_views as views

app_name = "reports"
urlpatterns = [
    path("console/reports/", views.my_reports, name="my_reports"),
    path("console/reports/inbox/", views.inbox, name="inbox"),
    path("console/reports/dashboard/", views.dashboard, name="dashboard"),
    path("console/reports/dashboard/remind/", views.remind, name="remind"),
    path("console/reports/start/<int:organization_id>/", views.start, name="start"),
    path("console/reports/<int:report_id>/", views.report_page, name="report"),
    path("console/reports/<int:report_id>/text/", views.save_text, name="save_text"),
    path("console/reports/<int:report_id>/images/", views.add_images, name="add_images"),
    path("console/reports/<int:report_id>/images/<int:image_id>/", views.edit_image, name="edit_image"),
    path("console/reports/<int:report_id>/video/", views.video, name="video"),
    path("console/reports/<int:report_id>/coverage/", views.add_coverage, name="add_coverage"),
    path("console/reports/<int:report_id>/coverage/<int:coverage_id>/remove/", views.remove_coverage,
         name="remove_coverage"),
    path("console/reports/<int:report_id>/submit/", views.submit, name="submit"),
    path("console/reports/<int:report_id>/decide/", views.decide, name="decide"),
    path("console/reports/<int:report_id>/extend/", views.extend, name="extend"),
    path("console/reports/<int:report_id>/archive.zip", views.archive, name="archive"),
]
