"""The public shell's own pages: the home page (the public dashboard) and the region pages,
which compose several apps (campaigns, activities, news). Each app's own public pages live
in the app (the catalog and activity pages: sciweek.activities.public_views). Reads only."""
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from sciweek.activities import selectors as activity_selectors
from sciweek.activities.catalog import CatalogQuery
from sciweek.activities.models import Activity
from sciweek.campaigns import selectors as campaign_selectors
from sciweek.core import cache as public_cache
from sciweek.news import selectors as news_selectors
from sciweek.organizations.selectors import active_regions

from . import registry


def home(request):
    campaign = campaign_selectors.current_campaign_of(request)
    context = {"campaign": campaign}
    if campaign is not None:
        # Only what the page shows (campaign_with_details also loads deadlines and their organizations).
        week_day = campaign_selectors.week_day_number(campaign)
        # Outside the week, show what its first day holds (the demo is a past week).
        day = timezone.localdate() if week_day else campaign.starts_on
        # Numbers and lists that scan the whole campaign are cached until its data changes;
        # the campaign's own settings (themes, flagships, plans) are read fresh.
        version = public_cache.data_version(campaign)

        def render_today() -> str:
            return render_to_string("portal/_home_today.html", {
                "campaign": campaign, "week_day": week_day, "day": day,
                "live": activity_selectors.live_on(campaign, day, version=version),
                "highlights": activity_selectors.highlights_on(campaign, day, version=version),
            })

        def render_campaign() -> dict:
            flagships = list(campaign.flagships.order_by("number"))
            html = render_to_string("portal/_home_campaign.html", {
                "campaign": campaign, "flagships": flagships,
                "main_events": list(campaign.main_venue_events.all()),
                "national_areas": list(campaign.content_areas.filter(plan=None)),
                "regional_plans": campaign.regional_plans.select_related("organization")
                .order_by("organization__path"),
            })
            return {"html": html, "flagships": len(flagships)}

        # The campaign's lists (areas, main events, flagships, regional plans): rows added or
        # removed show at once (the fingerprint changes); edits in place within 30 s.
        settings_part = public_cache.cached(
            "fragment-home-campaign", campaign, render_campaign, request.LANGUAGE_CODE, campaign.year,
            version=campaign_selectors.campaign_fingerprint(campaign), timeout=30)
        today_html = public_cache.cached("fragment-home-today", campaign, render_today, request.LANGUAGE_CODE, day,
                                         week_day, version=version)
        context.update(
            campaign=campaign, week_day=week_day, day=day,
            flagship_count=settings_part["flagships"],
            numbers=activity_selectors.headline_numbers(campaign, version=version),
            today_html=mark_safe(today_html),  # noqa: S308 — our own rendered template
            campaign_html=mark_safe(settings_part["html"]),  # noqa: S308 — our own rendered template
            news=news_selectors.latest(campaign),
        )
    return render(request, "portal/home.html", context)


def region(request, year: int, org_id: int):
    campaign = get_object_or_404(campaign_selectors.published_campaigns(), year=year)
    region = get_object_or_404(active_regions(), pk=org_id)
    counts = public_cache.cached("plan-counts", campaign,
                                 lambda: activity_selectors.plan_counts(campaign, region), region.pk)
    context = {
        "campaign": campaign,
        "region": region,
        "plan": campaign_selectors.own_plan(campaign, region),
        "counts": counts,
        "provincial_key": activity_selectors.public_key_activities(campaign, region, Activity.Level.PROVINCIAL),
        "city_key": activity_selectors.public_key_activities(campaign, region, Activity.Level.CITY),
        "online_only": campaign_selectors.is_online_only(campaign, region),
        "is_province": region.depth <= 2,
        "sections": [render_to_string(section.template, section_context, request)
                     for section, section_context in registry.region_sections(campaign, region)],
    }
    if region.division_id:  # the catalog and the calendar, filtered to the region's division
        query = CatalogQuery(division=region.division_id)
        context["catalog_url"] = query.url("activities:catalog", year)
        context["calendar_url"] = query.url("activities:calendar", year)
    return render(request, "portal/region.html", context)
