"""Read queries over activities: the counts and lists a work plan is made of."""
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from sciweek.campaigns.models import Campaign
from sciweek.organizations.models import Organization
from sciweek.organizations.selectors import regions_under, within

from .models import Activity, ActivityHost, Session

COUNTED_STATUSES = (Activity.Status.APPROVED,)


def _in_subtrees(paths: list[str], field: str = "organization__path") -> Q:
    condition = Q(pk__in=[])
    for path in paths:
        condition |= within(path, field)
    return condition


@dataclass(frozen=True)
class PlanCounts:
    """Hebei 2020: 629 = 110 (provincial departments) + 474 (cities) + 45 (open sessions)."""

    by_departments: int
    by_cities: int
    open_sessions: int
    open_research_institutes: int
    open_universities: int

    @property
    def total(self) -> int:
        return self.by_departments + self.by_cities + self.open_sessions


def plan_counts(campaign: Campaign, region: Organization) -> PlanCounts:
    """Counts of approved filings in `region`'s subtree, split by where they come from.

    Activities filed inside a reporting city's subtree count as recommended by cities; other
    activities in the region (its own departments and units) count as the region's departments';
    open days count by their sessions (场次).
    """
    city_paths = list(regions_under(region).values_list("path", flat=True))
    approved = Activity.objects.filter(
        within(region.path, "organization__path"), campaign=campaign, status__in=COUNTED_STATUSES
    )
    projects = approved.filter(kind=Activity.Kind.PROJECT)
    by_cities = projects.filter(_in_subtrees(city_paths)).count() if city_paths else 0
    by_departments = projects.count() - by_cities
    open_days = approved.filter(kind=Activity.Kind.OPEN_DAY)
    open_sessions = Session.objects.filter(activity__in=open_days).count()
    kinds = dict(
        open_days.values("organization__kind").annotate(n=Count("organization", distinct=True))
        .values_list("organization__kind", "n").order_by()
    )
    return PlanCounts(
        by_departments=by_departments,
        by_cities=by_cities,
        open_sessions=open_sessions,
        open_research_institutes=kinds.get(Organization.Kind.RESEARCH_INSTITUTE, 0),
        open_universities=kinds.get(Organization.Kind.UNIVERSITY, 0),
    )


def with_hosts(queryset: QuerySet[Activity]) -> QuerySet[Activity]:
    return queryset.select_related("organization").prefetch_related(
        Prefetch("host_links", queryset=ActivityHost.objects.select_related("organization"))
    )


def key_activities(campaign: Campaign, region: Organization, level: str) -> QuerySet[Activity]:
    """The activities a region's plan lists one by one (省级重大 / 各市重点), in plan order."""
    return with_hosts(
        Activity.objects.filter(
            within(region.path, "organization__path"), campaign=campaign, level=level, is_key=True
        ).exclude(status__in=[Activity.Status.DRAFT, Activity.Status.REJECTED, Activity.Status.WITHDRAWN])
    ).order_by("key_position", "id")


def status_counts(campaign: Campaign, scope: Q) -> dict[str, int]:
    rows = Activity.objects.filter(scope, campaign=campaign).values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}


def flagship_activities(campaign: Campaign) -> QuerySet[Activity]:
    return with_hosts(Activity.objects.filter(campaign=campaign, flagship__isnull=False)).order_by("flagship__number")


# --- console lists ---------------------------------------------------------------------

def visible_filings(user, campaign: Campaign | None = None) -> QuerySet[Activity]:
    """Filings the user may see (their subtrees), newest changes first, without change copies
    superseded long ago."""
    from sciweek.accounts import policy

    qs = policy.scoped(Activity.objects.all(), user, "activity.view", "organization__path")
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs.exclude(status=Activity.Status.SUPERSEDED)


def filter_filings(qs: QuerySet[Activity], *, status="", kind="", level="", text="", late=None,
                   organization=None) -> QuerySet[Activity]:
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if level:
        qs = qs.filter(level=level)
    if text:
        qs = qs.filter(Q(title__icontains=text) | Q(organization__name__icontains=text))
    if late:
        qs = qs.filter(is_late=True)
    if organization is not None:
        qs = qs.filter(within(organization.path, "organization__path"))
    return qs


def review_inbox(user, campaign: Campaign | None = None) -> QuerySet[Activity]:
    """Filings waiting at a level the user reviews for, oldest wait first."""
    from sciweek.accounts import policy

    levels = policy.review_level_ids(user)
    qs = Activity.objects.filter(status=Activity.Status.SUBMITTED)
    if levels is not None:
        qs = qs.filter(review_level_id__in=levels)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs.select_related("organization", "review_level", "revises").order_by("waiting_since", "id")


def counts_by_status(qs: QuerySet[Activity]) -> dict[str, int]:
    return {row["status"]: row["n"] for row in qs.order_by().values("status").annotate(n=Count("id"))}


def timeline(activity: Activity):
    from .models import Transition

    return Transition.objects.filter(activity=activity).select_related("level").order_by("created_at", "id")


# --- public catalog --------------------------------------------------------------------

PUBLIC_STATUSES = (Activity.Status.APPROVED, Activity.Status.CANCELLED)


def public_activities(campaign: Campaign) -> QuerySet[Activity]:
    """What the public sees: approved activities and those cancelled after approval."""
    return Activity.objects.filter(campaign=campaign, status__in=PUBLIC_STATUSES, revises__isnull=True)


def counts_by_day(campaign: Campaign, first, last) -> dict:
    """Public activities running on each day from `first` to `last`: one scan, one count per day."""
    from datetime import timedelta

    days = []
    day = first
    while day <= last:
        days.append(day)
        day += timedelta(days=1)
    aggregates = {
        f"d{i}": Count("id", filter=Q(starts_on__lte=day, ends_on__gte=day)) for i, day in enumerate(days)
    }
    row = public_activities(campaign).filter(starts_on__lte=last, ends_on__gte=first).aggregate(**aggregates)
    return {day: row[f"d{i}"] for i, day in enumerate(days)}


def counts_by_province(campaign: Campaign) -> dict[str, int]:
    """Public activities per province, keyed by the first two digits of the division code."""
    from django.db.models.functions import Substr

    rows = (public_activities(campaign).exclude(division__isnull=True)
            .annotate(province=Substr("division_id", 1, 2)).values("province").annotate(n=Count("id")).order_by())
    return {row["province"]: row["n"] for row in rows}


def headline_numbers(campaign: Campaign) -> dict:
    """Activities, provinces taking part and people reached (actual where reported, else expected)."""
    from django.db.models import Sum
    from django.db.models.functions import Coalesce, Substr

    public = public_activities(campaign).filter(status=Activity.Status.APPROVED)
    totals = public.aggregate(
        activities=Count("id"),
        participants=Sum(Coalesce("actual_participants", "expected_participants")),
    )
    regions = (public.exclude(division__isnull=True).annotate(province=Substr("division_id", 1, 2))
               .values("province").distinct().count())
    return {"activities": totals["activities"], "participants": totals["participants"] or 0, "regions": regions}


def running_on(campaign: Campaign, day) -> QuerySet[Activity]:
    return public_activities(campaign).filter(status=Activity.Status.APPROVED, starts_on__lte=day, ends_on__gte=day)


def live_on(campaign: Campaign, day, limit: int = 6) -> list[Activity]:
    """Live streams on that day, flagships and plan-listed activities first."""
    qs = running_on(campaign, day).exclude(live_stream_url="").filter(
        format__in=[Activity.Format.ONLINE, Activity.Format.HYBRID])
    return list(with_hosts(qs).order_by("flagship_id", "-is_key", "id")[:limit])


def highlights_on(campaign: Campaign, day, limit: int = 8) -> list[Activity]:
    from django.db.models import Case, IntegerField, Value, When

    rank = Case(*(When(level=level, then=Value(i)) for i, level in enumerate(LEVEL_ORDER)),
                default=Value(len(LEVEL_ORDER)), output_field=IntegerField())
    qs = running_on(campaign, day).filter(Q(flagship__isnull=False) | Q(is_key=True))
    return list(with_hosts(qs).select_related("division").order_by(rank, "key_position", "id")[:limit])


LEVEL_ORDER = [Activity.Level.NATIONAL, Activity.Level.PROVINCIAL, Activity.Level.CITY, Activity.Level.UNIT]
