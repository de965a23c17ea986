"""Public pages. Reads only; every count comes from approved filings."""
from django.shortcuts import get_object_or_404, render

from sciweek.activities import selectors as activity_selectors
from sciweek.activities.models import Activity
from sciweek.campaigns import selectors as campaign_selectors
from sciweek.campaigns.models import Campaign
from sciweek.organizations.models import Organization


def home(request):
    campaign = campaign_selectors.current_campaign()
    context = {"campaign": campaign}
    if campaign is not None:
        campaign = campaign_selectors.campaign_with_details(campaign.year)
        context.update(
            campaign=campaign,
            week_day=campaign_selectors.week_day_number(campaign),
            flagships=campaign.flagships.all(),
            main_events=campaign.main_venue_events.all(),
            national_areas=[a for a in campaign.content_areas.all() if a.plan_id is None],
            activity_count=Activity.objects.filter(campaign=campaign, status=Activity.Status.APPROVED).count(),
            regional_plans=campaign.regional_plans.select_related("organization").order_by("organization__path"),
        )
    return render(request, "portal/home.html", context)


def region(request, year: int, org_id: int):
    campaign = get_object_or_404(Campaign, year=year, is_published=True)
    region = get_object_or_404(Organization, pk=org_id, kind=Organization.Kind.REGION, is_active=True)
    plan = campaign_selectors.plan_for(campaign, region)
    counts = activity_selectors.plan_counts(campaign, region)
    context = {
        "campaign": campaign,
        "region": region,
        "plan": plan if plan and plan.organization_id == region.pk else None,
        "counts": counts,
        "provincial_key": activity_selectors.key_activities(campaign, region, Activity.Level.PROVINCIAL),
        "city_key": activity_selectors.key_activities(campaign, region, Activity.Level.CITY),
        "online_only": campaign_selectors.is_online_only(campaign, region),
    }
    return render(request, "portal/region.html", context)
