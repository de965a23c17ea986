from django.urls import path

from . import views

app_name = "campaigns"
urlpatterns = [
    path("console/campaign/", views.campaign_detail, name="campaign"),
    path("console/campaign/edit/", views.campaign_edit, name="campaign_edit"),
    path("console/campaign/plans/<int:org_id>/", views.regional_plan_edit, name="regional_plan_edit"),
]
