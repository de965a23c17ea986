"""Console pages of the activities app (filing, review, notifications), under /console/."""
from django.urls import path

from . import console_views as views

urlpatterns = [
    path("filings/", views.filing_list, name="filing_list"),
    path("filings/new/", views.filing_new, name="filing_new"),
    path("filings/<int:activity_id>/", views.filing_detail, name="filing_detail"),
    path("filings/<int:activity_id>/edit/", views.filing_edit, name="filing_edit"),
    path("filings/<int:activity_id>/autosave/", views.filing_autosave, name="filing_autosave"),
    path("filings/<int:activity_id>/action/", views.filing_action, name="filing_action"),
    path("filings/<int:activity_id>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment_download"),
    path("review/", views.review_inbox, name="review_inbox"),
    path("review/bulk/", views.review_bulk, name="review_bulk"),
    path("notifications/", views.notifications, name="notifications"),
]
