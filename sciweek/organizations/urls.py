from django.urls import path

from . import views

app_name = "organizations"
urlpatterns = [
    path("console/organizations/", views.organization_list, name="organization_list"),
    path("console/organizations/<int:org_id>/", views.organization_detail, name="organization_detail"),
    path("console/organizations/<int:org_id>/add/", views.organization_add, name="organization_add"),
    path("console/organizations/<int:org_id>/edit/", views.organization_edit, name="organization_edit"),
]
