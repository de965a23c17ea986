from django.urls import path

from . import views

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
    path("campaign/plans/<int:org_id>/", views.regional_plan_edit, name="regional_plan_edit"),
    path("audit/", views.audit_log, name="audit_log"),
]
