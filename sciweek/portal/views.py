"""Public pages. Reads only; every count comes from approved filings."""
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from sciweek.activities import selectors as activity_selectors
from sciweek.activities.models import Activity
from sciweek.campaigns import selectors as campaign_selectors
from sciweek.campaigns.models import Campaign
from sciweek.organizations.models import Organization
from sciweek.organizations.selectors import within


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


def catalog(request, year: int):
    """The public catalog (issue 4 extends search and filters)."""
    campaign = get_object_or_404(Campaign, year=year, is_published=True)
    qs = activity_selectors.public_activities(campaign)
    text = request.GET.get("q", "").strip()[:64]
    if text:
        qs = qs.filter(title__icontains=text)
    region = None
    region_id = request.GET.get("region", "")
    if region_id.isdigit():
        region = Organization.objects.filter(pk=region_id, kind=Organization.Kind.REGION).first()
        if region is not None:
            qs = qs.filter(within(region.path, "organization__path"))
    qs = qs.select_related("organization", "division").order_by("starts_on", "id")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "portal/catalog.html", {"campaign": campaign, "page": page, "q": text, "region": region})


def activity_detail(request, year: int, activity_id: int):
    campaign = get_object_or_404(Campaign, year=year, is_published=True)
    activity = get_object_or_404(
        activity_selectors.with_hosts(activity_selectors.public_activities(campaign)).select_related("division"),
        pk=activity_id,
    )
    pending_change = activity.change_requests.filter(status=Activity.Status.SUBMITTED).exists()
    return render(request, "portal/activity.html", {
        "campaign": campaign, "activity": activity, "sessions": activity.sessions.all(),
        "areas": activity.content_areas.all(), "pending_change": pending_change,
    })
