"""Console pages of the campaign: the week's settings (national committee admins edit them)
and each region's plan (theme, online switch, planned total)."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sciweek.accounts import policy
from sciweek.accounts.decorators import console_view
from sciweek.organizations import selectors as org_selectors
from sciweek.organizations.models import Organization

from . import selectors, services
from .forms import CampaignForm, RegionalPlanForm
from .models import Campaign

# Levels that draw up a work plan of their own.
PLANNING_KINDS = (Organization.Kind.REGION, Organization.Kind.COMMITTEE)


@console_view
def campaign_detail(request):
    campaign = selectors.current_campaign()
    if campaign is None:
        return render(request, "campaigns/console/campaign_detail.html", {"campaign": None})
    campaign = selectors.campaign_with_details(campaign.year)
    plans = []
    for org in policy.home_organizations(request.user):
        plans.append({
            "organization": org, "plan": selectors.plan_for(campaign, org),
            "deadlines": selectors.deadlines_for(campaign, org),
            "online_only": selectors.is_online_only(campaign, org),
            "can_edit": org.kind in PLANNING_KINDS and policy.can(request.user, "regional_plan.manage", org),
        })
    root = org_selectors.national_committee()
    can_manage = root is not None and policy.can(request.user, "campaign.manage", root)
    return render(request, "campaigns/console/campaign_detail.html", {"campaign": campaign, "plans": plans,
                                                                      "can_manage_campaign": can_manage})


@console_view
@require_http_methods(["GET", "POST"])
def campaign_edit(request):
    """National committee admins set the week's dates, theme and switches (e.g. online-only)."""
    root = org_selectors.national_committee()
    if root is None:
        raise PermissionDenied
    policy.require(request.user, "campaign.manage", root)
    campaign = selectors.current_campaign()
    if campaign is None:
        return redirect("campaigns:campaign")
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        services.update_campaign(Campaign.objects.get(pk=campaign.pk), actor=request.user, **form.cleaned_data)
        messages.success(request, _("活动周设置已保存。"))
        return redirect("campaigns:campaign")
    return render(request, "campaigns/console/campaign_form.html", {"form": form, "campaign": campaign})


@console_view
@require_http_methods(["GET", "POST"])
def regional_plan_edit(request, org_id):
    org = get_object_or_404(Organization.objects.select_related("division"), pk=org_id)
    policy.require(request.user, "regional_plan.manage", org)
    if org.kind not in PLANNING_KINDS:
        raise PermissionDenied
    campaign = selectors.current_campaign()
    if campaign is None:
        return redirect("campaigns:campaign")
    form = RegionalPlanForm(request.POST or None, instance=selectors.own_plan(campaign, org))
    if request.method == "POST" and form.is_valid():
        services.save_regional_plan(actor=request.user, campaign=campaign, organization=org, **form.cleaned_data)
        messages.success(request, _("地方工作方案已保存。"))
        return redirect("campaigns:campaign")
    return render(request, "campaigns/console/regional_plan_form.html",
                  {"form": form, "org": org, "campaign": campaign})
