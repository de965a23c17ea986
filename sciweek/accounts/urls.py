"""Sign-in pages under /accounts/; the member, invitation and audit-log pages under /console/
(so the app has no urls_prefix and every path is written out)."""
from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.logout, name="logout"),
    path("accounts/two-factor/", views.two_factor, name="two_factor"),
    path("accounts/invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("console/organizations/<int:org_id>/invite/", views.invitation_create, name="invitation_create"),
    path("console/invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("console/memberships/<int:membership_id>/revoke/", views.membership_revoke, name="membership_revoke"),
    path("console/memberships/<int:membership_id>/role/", views.membership_change_role,
         name="membership_change_role"),
    path("console/audit/", views.audit_log, name="audit_log"),
]
