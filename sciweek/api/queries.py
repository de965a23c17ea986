"""Read queries the API needs that no app offers yet. They use only the other apps' models and
selectors; move them to `activities.selectors` / `campaigns.selectors` when convenient."""
from django.db.models import Count, F, Prefetch
from django.db.models.functions import Left

from sciweek.activities.catalog import CatalogQuery, division_prefix, search_catalog
from sciweek.activities.models import Activity, Session
from sciweek.activities.selectors import public_activities, with_hosts
from sciweek.campaigns.models import Campaign, ContentArea, RegionalPlan
from sciweek.organizations.models import Division, Organization


def published_campaign(year: int) -> Campaign | None:
    return Campaign.objects.filter(year=year, is_published=True).first()


def campaign_details(year: int) -> Campaign | None:
    """A published campaign with everything its detail shows, in a fixed number of queries."""
    return (
        Campaign.objects.filter(year=year, is_published=True)
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


def public_counts_by_division(campaign: Campaign, digits: int, within: str = "") -> dict[str, int]:
    """Public activities per division-code prefix of `digits` digits (2 = province, 4 = city,
    6 = county), inside the division `within` if given: one grouped query, whatever the
    number of divisions. The catalog's own division filter narrows it, and codes nest by
    prefix, so each count equals the catalog's count for that `division=`."""
    qs = search_catalog(campaign, CatalogQuery(division=within)) if within else public_activities(campaign)
    rows = (qs.filter(division__isnull=False).annotate(part=Left("division_id", digits))
            .values("part").annotate(n=Count("id")).order_by())
    return {row["part"]: row["n"] for row in rows}


def child_counts(campaign: Campaign, division: Division) -> list[tuple[Division, int]]:
    """The division's direct subdivisions with their public activity counts (two queries)."""
    if len(division_prefix(division.code)) >= 6:
        return []
    children = list(Division.objects.filter(parent=division).order_by("code"))
    if not children:
        return []
    # Group by full code (at most one row per county with activities), then add up per child:
    # right even where children's codes nest at different depths.
    by_code = public_counts_by_division(campaign, 6, division.code)
    result = []
    for child in children:
        prefix = division_prefix(child.code)
        result.append((child, sum(n for code, n in by_code.items() if code.startswith(prefix))))
    return result


def region_organization(code: str) -> Organization | None:
    """The reporting organization of kind "region" for a division (the highest one if several)."""
    return (
        Organization.objects.filter(kind=Organization.Kind.REGION, division_id=code, is_active=True)
        .order_by("depth", "path")
        .first()
    )


def own_plan(campaign: Campaign, organization: Organization) -> RegionalPlan | None:
    return (
        RegionalPlan.objects.filter(campaign=campaign, organization=organization)
        .prefetch_related("focus_areas")
        .first()
    )


def public_activity(activity_id: int, *, details: bool = True) -> Activity | None:
    """A public activity of a published campaign with its sessions (and, with `details`,
    everything its detail shows), or None."""
    campaign = Campaign.objects.filter(is_published=True, activities__pk=activity_id).first()
    if campaign is None:
        return None
    qs = public_activities(campaign).filter(pk=activity_id).prefetch_related(
        Prefetch("sessions", queryset=Session.objects.order_by("starts_at", "id")))
    if details:
        qs = with_hosts(qs).select_related("campaign", "division", "flagship").prefetch_related(
            # National areas first on every database (NULL sorts first on SQLite, last on PostgreSQL).
            Prefetch("content_areas", queryset=ContentArea.objects.order_by(
                F("plan_id").asc(nulls_first=True), "position", "id")),
        )
    return qs.first()
