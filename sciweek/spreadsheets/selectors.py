"""Read queries for templates, exports and the job list."""
from django.db.models import F, Prefetch, QuerySet

from sciweek.accounts import policy
from sciweek.activities import selectors as activity_selectors
from sciweek.activities.models import Activity, ActivityHost, Session
from sciweek.campaigns.models import Campaign, ContentArea, FlagshipActivity
from sciweek.organizations.models import Division, Organization
from sciweek.organizations.selectors import ancestor_paths, within

from .models import ImportJob

MAX_ORGANIZATIONS_IN_LIST = 3000


def province_root(org: Organization) -> Organization:
    """The provincial-level node above `org` (itself at depth <= 2): names are matched there."""
    path = org.path[: Organization.steplen * min(2, org.depth)]
    return org if path == org.path else Organization.objects.get(path=path)


def template_options(campaign: Campaign, org: Organization) -> dict[str, list[str]]:
    """The drop-down lists of a template made for `org`."""
    root = province_root(org)
    divisions = Division.objects.all()
    if root.kind == Organization.Kind.REGION and root.division_id:
        divisions = divisions.filter(code__startswith=root.division_id[:2])
    areas = ContentArea.objects.filter(campaign=campaign, plan__isnull=True).values_list("name", flat=True)
    focus = ContentArea.objects.filter(
        campaign=campaign, plan__organization__path__in=ancestor_paths(org, include_self=True)
    ).order_by("plan__organization__depth", "position").values_list("name", flat=True)
    organizations = list(
        Organization.objects.filter(within(org.path), is_active=True).order_by("path")
        .values_list("name", flat=True)[: MAX_ORGANIZATIONS_IN_LIST + 1]
    )
    return {
        "flagships": list(FlagshipActivity.objects.filter(campaign=campaign).order_by("number")
                          .values_list("name", flat=True)),
        "areas": list(dict.fromkeys([*areas, *focus])),
        "divisions": [f"{code} {name}" for code, name in divisions.order_by("code").values_list("code", "name")],
        "organizations": organizations if len(organizations) <= MAX_ORGANIZATIONS_IN_LIST else [],
    }


def for_export(queryset: QuerySet[Activity]) -> QuerySet[Activity]:
    """Everything a row of the official form shows, in a fixed number of queries."""
    return queryset.select_related("organization", "division", "flagship").prefetch_related(
        Prefetch("host_links", queryset=ActivityHost.objects.select_related("organization")
                 .order_by("role", "position", "id")),
        Prefetch("content_areas", queryset=ContentArea.objects.order_by(  # national areas first
            F("plan_id").asc(nulls_first=True), "position", "id")),
        Prefetch("sessions", queryset=Session.objects.order_by("starts_at", "id")),
    )


def exportable_filings(user, campaign: Campaign, org: Organization | None = None) -> QuerySet[Activity]:
    """Filings the user may export (their subtrees with an exporting role), optionally within `org`."""
    qs = policy.scoped(Activity.objects.filter(campaign=campaign), user, "activity.export", "organization__path")
    qs = qs.exclude(status=Activity.Status.SUPERSEDED)
    if org is not None:
        qs = qs.filter(within(org.path, "organization__path"))
    return qs


def listed(queryset: QuerySet[Activity]) -> QuerySet[Activity]:
    """Filed for the plan lists: not drafts, not rejected or withdrawn, not merged change copies."""
    return queryset.filter(status__in=Activity.Status.LISTED)


def provincial_major(campaign: Campaign, region: Organization) -> QuerySet[Activity]:
    return listed(activity_selectors.key_activities(campaign, region, Activity.Level.PROVINCIAL))


def city_key(campaign: Campaign, region: Organization) -> QuerySet[Activity]:
    return listed(activity_selectors.key_activities(campaign, region, Activity.Level.CITY))


def open_institutions(campaign: Campaign, region: Organization) -> list[dict]:
    """One entry per institution that opens to the public, with its sessions, in tree order."""
    activities = listed(Activity.objects.filter(campaign=campaign, kind=Activity.Kind.OPEN_DAY)
                        .filter(within(region.path, "organization__path")))
    activities = activities.select_related("organization").prefetch_related(
        Prefetch("sessions", queryset=Session.objects.order_by("starts_at", "id"))
    ).order_by("organization__path", "starts_on", "id")
    institutions: dict[int, dict] = {}
    for activity in activities:
        entry = institutions.setdefault(activity.organization_id, {
            "organization": activity.organization, "activities": [], "sessions": 0,
            "starts_on": activity.starts_on, "ends_on": activity.ends_on,
        })
        entry["activities"].append(activity)
        entry["sessions"] += len(activity.sessions.all())
        if activity.starts_on and (entry["starts_on"] is None or activity.starts_on < entry["starts_on"]):
            entry["starts_on"] = activity.starts_on
        if activity.ends_on and (entry["ends_on"] is None or activity.ends_on > entry["ends_on"]):
            entry["ends_on"] = activity.ends_on
    return list(institutions.values())


def region_names(region: Organization, activities) -> dict[int, str]:
    """For each activity, the name of the reporting region directly under `region` it was filed in."""
    steplen = Organization.steplen
    depth = region.depth + 1
    prefixes = {a.organization.path[: steplen * depth] for a in activities if a.organization.depth >= depth}
    names = dict(Organization.objects.filter(path__in=prefixes).values_list("path", "name"))
    return {a.pk: names.get(a.organization.path[: steplen * depth], a.organization.name) for a in activities}


def jobs_for(user) -> QuerySet[ImportJob]:
    return policy.scoped(ImportJob.objects.select_related("organization", "created_by"), user, "activity.file",
                         "organization__path")
