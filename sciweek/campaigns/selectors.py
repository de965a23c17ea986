from datetime import date

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from sciweek.organizations.models import Organization
from sciweek.organizations.selectors import ancestor_paths

from .models import Campaign, ContentArea, Deadline, FlagshipActivity, MainVenueEvent, RegionalPlan


def current_campaign() -> Campaign | None:
    """The published campaign of this year (filing opens months before its week), else of the
    latest earlier year, else the earliest upcoming one (so a lone 2020 demo still shows)."""
    today = timezone.localdate()
    published = published_campaigns()
    return (
        published.filter(year__lte=today.year).order_by("-year").first()
        or published.order_by("year").first()
    )


def current_campaign_of(request) -> Campaign | None:
    """current_campaign(), read once per request: the page, its dashboard cards and the base
    template's context processor all ask, and share the one answer."""
    if not hasattr(request, "_current_campaign"):
        request._current_campaign = current_campaign()
    return request._current_campaign


def requested_campaign(request) -> Campaign:
    """The campaign a console page is about: ?year= (or a form's year), else the current one;
    404 when there is none."""
    from django.http import Http404

    year = request.GET.get("year", "") or request.POST.get("year", "")
    campaign = published_campaign(int(year)) if year.isdigit() and len(year) == 4 else current_campaign_of(request)
    if campaign is None:
        raise Http404
    return campaign


def published_campaigns() -> QuerySet[Campaign]:
    """The campaigns the public sees (portal pages, the API), newest first."""
    return Campaign.objects.filter(is_published=True).order_by("-year")


def published_campaign(year: int) -> Campaign | None:
    return published_campaigns().filter(year=year).first()


def published_campaign_details(year: int) -> Campaign | None:
    """A published campaign with everything its public detail shows (national areas, main
    venue events, flagships, regional plans with their focus areas), in a fixed number of queries."""
    return (
        published_campaigns().filter(year=year)
        .prefetch_related(
            Prefetch("content_areas", queryset=ContentArea.objects.filter(plan__isnull=True), to_attr="national_areas"),
            "main_venue_events",
            "flagships",
            Prefetch("regional_plans",
                     queryset=RegionalPlan.objects.select_related("organization").prefetch_related("focus_areas")
                     .order_by("organization__path"), to_attr="plans"),
        )
        .first()
    )


def campaign_with_details(year: int) -> Campaign | None:
    return (
        Campaign.objects.filter(year=year)
        .prefetch_related("content_areas", "main_venue_events", "flagships", "deadlines__organization")
        .first()
    )


def plan_for(campaign: Campaign, org: Organization) -> RegionalPlan | None:
    """The plan that governs `org`: its own, else its nearest ancestor's."""
    paths = ancestor_paths(org, include_self=True)
    return (
        RegionalPlan.objects.filter(campaign=campaign, organization__path__in=paths)
        .select_related("organization")
        .order_by("-organization__depth")
        .first()
    )


def own_plan(campaign: Campaign, org: Organization) -> RegionalPlan | None:
    """`org`'s own plan, not one it inherits (see plan_for): what a region's page shows as its plan."""
    return RegionalPlan.objects.filter(campaign=campaign, organization=org).first()


def is_online_only(campaign: Campaign, org: Organization | None = None) -> bool:
    if campaign.online_only:
        return True
    if org is None:
        return False
    paths = ancestor_paths(org, include_self=True)
    return RegionalPlan.objects.filter(campaign=campaign, organization__path__in=paths, online_only=True).exists()


def news_within_days_for(campaign: Campaign, org: Organization) -> int:
    """The days an activity of `org` has to report its news: the nearest plan on its reporting
    line that sets them (a city's, then its province's), else the campaign's."""
    paths = ancestor_paths(org, include_self=True)
    days = (RegionalPlan.objects.filter(campaign=campaign, organization__path__in=paths, news_within_days__isnull=False)
            .order_by("-organization__depth").values_list("news_within_days", flat=True).first())
    return campaign.news_within_days if days is None else days


def deadline_for(campaign: Campaign, org: Organization, kind: str) -> Deadline | None:
    """The deadline of one kind that binds `org`: set by the nearest organization above it."""
    return (Deadline.objects.filter(campaign=campaign, organization__path__in=ancestor_paths(org, include_self=False),
                                    kind=kind).select_related("organization").order_by("-organization__depth").first())


def deadlines_for(campaign: Campaign, org: Organization) -> list[Deadline]:
    """For each kind, the deadline set by the nearest organization *above* `org`."""
    paths = ancestor_paths(org, include_self=False)
    chosen: dict[str, Deadline] = {}
    for deadline in (
        Deadline.objects.filter(campaign=campaign, organization__path__in=paths)
        .select_related("organization")
        .order_by("-organization__depth")
    ):
        chosen.setdefault(deadline.kind, deadline)
    return sorted(chosen.values(), key=lambda d: d.due_on)


def days_until(day: date) -> int:
    return (day - timezone.localdate()).days


def week_day_number(campaign: Campaign, today: date | None = None) -> int | None:
    """1..7 during the week, None outside it."""
    today = today or timezone.localdate()
    if campaign.starts_on <= today <= campaign.ends_on:
        return (today - campaign.starts_on).days + 1
    return None


def campaign_fingerprint(campaign: Campaign) -> str:
    """Count and newest id of each list the home page shows about the campaign, in one query.
    The row itself (theme, dates, the online-only switch) is read fresh on every request."""
    parts = []
    for model in (FlagshipActivity, MainVenueEvent, ContentArea, RegionalPlan):
        table = connection.ops.quote_name(model._meta.db_table)
        parts.append(f"(SELECT COUNT(*) FROM {table} WHERE campaign_id = %s)")  # noqa: S608 — a model's table
        parts.append(f"(SELECT MAX(id) FROM {table} WHERE campaign_id = %s)")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), [campaign.pk] * len(parts))  # noqa: S608 — model table names
        row = cursor.fetchone()
    return f"{campaign.pk}:" + ",".join(str(x) for x in row)


def deadlines_set_by(campaign: Campaign, org: Organization) -> list[Deadline]:
    """The deadlines `org` set for the levels below it (what it receives), soonest first."""
    return list(Deadline.objects.filter(campaign=campaign, organization=org).order_by("due_on"))
