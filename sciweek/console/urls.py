from django.urls import path

from . import filings, sessions, views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("organizations/", views.organization_list, name="organization_list"),
    path("organizations/<int:org_id>/", views.organization_detail, name="organization_detail"),
    path("organizations/<int:org_id>/add/", views.organization_add, name="organization_add"),
    path("organizations/<int:org_id>/edit/", views.organization_edit, name="organization_edit"),
    path("organizations/<int:org_id>/invite/", views.invitation_create, name="invitation_create"),
    path("invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("memberships/<int:membership_id>/revoke/", views.membership_revoke, name="membership_revoke"),
    path("campaign/", views.campaign_detail, name="campaign"),
    path("campaign/edit/", views.campaign_edit, name="campaign_edit"),
    path("campaign/plans/<int:org_id>/", views.regional_plan_edit, name="regional_plan_edit"),
    path("audit/", views.audit_log, name="audit_log"),
    path("filings/", filings.filing_list, name="filing_list"),
    path("filings/new/", filings.filing_new, name="filing_new"),
    path("filings/<int:activity_id>/", filings.filing_detail, name="filing_detail"),
    path("filings/<int:activity_id>/edit/", filings.filing_edit, name="filing_edit"),
    path("filings/<int:activity_id>/autosave/", filings.filing_autosave, name="filing_autosave"),
    path("filings/<int:activity_id>/action/", filings.filing_action, name="filing_action"),
    path("filings/<int:activity_id>/attachments/", filings.attachment_upload, name="attachment_upload"),
    path("attachments/<int:attachment_id>/", filings.attachment_download, name="attachment_download"),
    path("review/", filings.review_inbox, name="review_inbox"),
    path("review/bulk/", filings.review_bulk, name="review_bulk"),
    path("notifications/", filings.notifications, name="notifications"),
    path("sessions/<int:session_id>/", sessions.session_detail, name="session_detail"),
    path("sessions/<int:session_id>/capacity/", sessions.session_capacity, name="session_capacity"),
    path("sessions/<int:session_id>/close/", sessions.session_close, name="session_close"),
    path("sessions/<int:session_id>/export/", sessions.session_export, name="session_export"),
    path("sessions/<int:session_id>/checkin/", sessions.check_in, name="check_in"),
]
