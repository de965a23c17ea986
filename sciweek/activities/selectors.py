"""Read queries over activities: the counts and lists a work plan is made of."""
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, models
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Left, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sciweek.accounts import policy
from sciweek.campaigns.models import Campaign, ContentArea, RegionalPlan
from sciweek.campaigns.selectors import is_online_only, published_campaigns
from sciweek.core.cache import cached
from sciweek.core.query_templates import RawTemplate
from sciweek.organizations.models import Organization
from sciweek.organizations.selectors import division_children, regions_under, within

from .models import Activity, ActivityHost, Notification, Session, Transition


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
        within(region.path, "organization__path"), campaign=campaign, status__in=Activity.Status.COUNTED
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
    """The activities a region's plan lists one by one (省级重大 / 各市重点), in plan order,
    including filings still under review (what a province sends up). Public pages use
    public_key_activities."""
    return with_hosts(
        Activity.objects.filter(
            within(region.path, "organization__path"), campaign=campaign, level=level, is_key=True
        ).filter(status__in=Activity.Status.LISTED)
    ).order_by("key_position", "id")


def public_key_activities(campaign: Campaign, region: Organization, level: str) -> QuerySet[Activity]:
    """The plan's key activities the public may see (approved, or cancelled after approval)."""
    return key_activities(campaign, region, level).filter(status__in=Activity.Status.PUBLIC, revises__isnull=True)


def status_counts(campaign: Campaign, scope: Q) -> dict[str, int]:
    rows = Activity.objects.filter(scope, campaign=campaign).values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}


def flagship_activities(campaign: Campaign) -> QuerySet[Activity]:
    return with_hosts(Activity.objects.filter(campaign=campaign, flagship__isnull=False)).order_by("flagship__number")


# --- console lists ---------------------------------------------------------------------

def visible_filings(user, campaign: Campaign | None = None) -> QuerySet[Activity]:
    """Filings the user may see (their subtrees), newest changes first, without change copies
    superseded long ago."""

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

    return Transition.objects.filter(activity=activity).select_related("level").order_by("created_at", "id")


# --- public catalog --------------------------------------------------------------------

def data_version_part(campaign: Campaign) -> str:
    """This app's part of the campaign's data version (registered with core.cache in
    ActivitiesConfig.ready): changes whenever a filing of `campaign` is written (every save,
    transition and new row sets `updated_at`: one backwards seek on the (campaign, updated_at)
    index) or the search index is rebuilt."""
    from . import search

    # Plain SQL: this runs on every public request, and compiling the ORM query costs more
    # than the index seek.
    table = connection.ops.quote_name(Activity._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(updated_at) FROM {table} WHERE campaign_id = %s", [campaign.pk])  # noqa: S608
        latest = cursor.fetchone()[0]
    return f"{latest}:{search.generation()}"


# What list pages show of an activity (catalog, home, calendar, online week): loading these
# instead of all ~60 columns (and the filer's row) halves the cost of a page of 20.
LIST_FIELDS = ("campaign", "kind", "title", "status", "flagship", "format", "starts_on", "ends_on", "other_hosts",
               "other_organizers", "division", "division__name", "live_stream_url", "online_exhibition_url",
               "video_url", "level", "is_key", "key_position", "is_demo")


def by_ids(ids: list[int], lean: bool = False) -> list[Activity]:
    """Activities in the given order, with hosts and place (3 queries, any number of ids).
    `lean` loads only LIST_FIELDS, for the portal's list templates; other callers (the API's
    serializers) get whole rows."""
    if not ids:
        return []
    if lean:
        hosts = ActivityHost.objects.select_related("organization").only(
            "activity", "organization", "role", "position", "organization__name", "organization__short_name")
        qs = (Activity.objects.filter(pk__in=ids).select_related("division").only(*LIST_FIELDS)
              .prefetch_related(Prefetch("host_links", queryset=hosts)))
    else:
        qs = with_hosts(Activity.objects.filter(pk__in=ids)).select_related("division")
    rows = {a.pk: a for a in qs}
    return [rows[i] for i in ids if i in rows]


# What the API's list items show (api_schemas.activity_summary): the list pages' columns, the
# two other online channels and the flagship's number and name.
SUMMARY_FIELDS = (*LIST_FIELDS, "wechat_account", "mini_program_path", "flagship__number", "flagship__name")


def summaries_by_ids(ids: list[int]) -> list[Activity]:
    """Activities in the given order with what an API list item shows (2 queries: rows with
    place and flagship, then hosts), instead of whole rows with the filer: a page of 20
    costs about a third of by_ids(ids)."""
    if not ids:
        return []
    hosts = ActivityHost.objects.select_related("organization").only(
        "activity", "organization", "role", "position", "organization__name", "organization__short_name")
    qs = (Activity.objects.filter(pk__in=ids).select_related("division", "flagship").only(*SUMMARY_FIELDS)
          .prefetch_related(Prefetch("host_links", queryset=hosts)))
    rows = {a.pk: a for a in qs}
    return [rows[i] for i in ids if i in rows]


def public_activities(campaign: Campaign) -> QuerySet[Activity]:
    """What the public sees: approved activities and those cancelled after approval."""
    return Activity.objects.filter(campaign=campaign, status__in=Activity.Status.PUBLIC, revises__isnull=True)


def counts_by_day(campaign: Campaign, first, last, version: str | None = None) -> dict:
    """Public activities running on each day from `first` to `last` (cached; see `cached`)."""
    return cached("counts-by-day", campaign, lambda: _counts_by_day(campaign, first, last), first, last,
                  version=version)


def _counts_by_day(campaign: Campaign, first, last) -> dict:
    """One scan, one count per day."""

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


def counts_by_province(campaign: Campaign, version: str | None = None) -> dict[str, int]:
    """Public activities per province, keyed by the first two digits of the division code
    (cached; public_counts_by_division counts them)."""
    return cached("counts-by-province", campaign, lambda: public_counts_by_division(campaign, 2), version=version)


def headline_numbers(campaign: Campaign, version: str | None = None) -> dict:
    """Activities, provinces taking part and people reached (actual where reported, else
    expected). Cached: it sums the whole campaign."""
    return cached("headline", campaign, lambda: _headline_numbers(campaign), version=version)


def _headline_numbers(campaign: Campaign) -> dict:

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


def live_on(campaign: Campaign, day, limit: int = 6, version: str | None = None) -> list[Activity]:
    """Live streams on that day, flagships and plan-listed activities first. The choice (a
    sort over the whole day) is cached; the rows are read fresh."""
    def choose():
        qs = running_on(campaign, day).exclude(live_stream_url="").filter(
            format__in=[Activity.Format.ONLINE, Activity.Format.HYBRID])
        # NULLS LAST spelled out: SQLite and PostgreSQL disagree on where NULLs sort by default.
        return list(qs.order_by(F("flagship_id").asc(nulls_last=True), "-is_key", "id")
                    .values_list("pk", flat=True)[:limit])

    return by_ids(cached("live", campaign, choose, day, limit, version=version), lean=True)


def highlights_on(campaign: Campaign, day, limit: int = 8, version: str | None = None) -> list[Activity]:

    def choose():
        rank = Case(*(When(level=level, then=Value(i)) for i, level in enumerate(LEVEL_ORDER)),
                    default=Value(len(LEVEL_ORDER)), output_field=IntegerField())
        qs = running_on(campaign, day).filter(Q(flagship__isnull=False) | Q(is_key=True))
        return list(qs.order_by(rank, "key_position", "id").values_list("pk", flat=True)[:limit])

    return by_ids(cached("highlights", campaign, choose, day, limit, version=version), lean=True)


LEVEL_ORDER = [Activity.Level.NATIONAL, Activity.Level.PROVINCIAL, Activity.Level.CITY, Activity.Level.UNIT]


# --- can this session be booked? ------------------------------------------------------
# The one answer. The reservation service, the API, the activity page and the catalog's
# "bookable now" filter all ask here (booking_state for one session, bookable_sessions for
# lists), so they cannot disagree.

class BookingState(models.TextChoices):
    OPEN = "open", _("可预约")
    WAITLIST = "waitlist", _("已约满，可候补")
    FULL = "full", _("已约满")
    NO_BOOKING = "no_booking", _("无需预约")
    CLOSED = "closed", _("已停止预约")
    CANCELLED = "cancelled", _("场次已取消")
    STARTED = "started", _("已开始")
    ENDED = "ended", _("已结束")
    NOT_OPEN = "not_open", _("暂不接受预约")
    ONLINE_ONLY = "online_only", _("线下活动暂停（仅线上）")


# States in which a booking is accepted (a confirmed place, or a place on the waiting list).
BOOKABLE_STATES = (BookingState.OPEN, BookingState.WAITLIST)

# Why a session cannot be booked, as the person reads it.
BOOKING_REFUSALS = {
    BookingState.NOT_OPEN: _("该活动当前不接受预约。"),
    BookingState.CANCELLED: _("该场次已取消。"),
    BookingState.CLOSED: _("该场次已停止预约。"),
    BookingState.STARTED: _("该场次已经开始，不能再预约。"),
    BookingState.ENDED: _("该场次已结束。"),
    BookingState.NO_BOOKING: _("该场次不限名额，无需预约，直接前往即可。"),
    BookingState.FULL: _("名额已满。"),
    BookingState.ONLINE_ONLY: _("本地区科技活动周已改为线上举办，线下场次暂停预约。"),
}


def onsite_paused(activity: Activity) -> bool:
    """Its on-site sessions are paused: an on-site or hybrid activity of a campaign, or of a
    region, that went online-only (campaigns.selectors.is_online_only). Asked once per
    activity object (remembered on it: the activity page asks for every session)."""
    if not activity.is_onsite:
        return False
    if "_onsite_paused" not in activity.__dict__:

        activity.__dict__["_onsite_paused"] = is_online_only(activity.campaign, activity.organization)
    return activity.__dict__["_onsite_paused"]


def booking_state(session: Session, *, activity: Activity | None = None, now=None,
                  online_only: bool | None = None) -> BookingState:
    """What a person can do about `session` now. `activity` saves a query when the caller
    already holds it; `online_only` (onsite_paused(activity)) saves one more for callers that
    know it; capacity None means open entry without booking."""
    activity = activity or session.activity
    now = now or timezone.now()
    if activity.status != Activity.Status.APPROVED:
        return BookingState.NOT_OPEN
    if session.cancelled_at:
        return BookingState.CANCELLED
    if session.ends_at <= now:
        return BookingState.ENDED
    if session.starts_at <= now:
        return BookingState.STARTED
    if online_only if online_only is not None else onsite_paused(activity):
        return BookingState.ONLINE_ONLY
    if session.is_closed:
        return BookingState.CLOSED
    if session.capacity is None:
        return BookingState.NO_BOOKING
    if session.seats_taken >= session.capacity:
        return BookingState.WAITLIST if session.waitlist_enabled else BookingState.FULL
    return BookingState.OPEN


def _paused_onsite(prefix: str = "") -> Q:
    """onsite_paused as SQL: an on-site or hybrid activity of a campaign gone online-only, or
    with an online-only plan at the filer or above it (its path is a prefix of the filer's)."""
    paused_plan = RegionalPlan.objects.filter(
        campaign_id=OuterRef(f"{prefix}activity__campaign_id"), online_only=True,
        organization__path=Substr(OuterRef(f"{prefix}activity__organization__path"), 1, Length("organization__path")))
    return Q(**{f"{prefix}activity__format__in": [Activity.Format.ONSITE, Activity.Format.HYBRID]}) & (
        Q(**{f"{prefix}activity__campaign__online_only": True}) | Q(Exists(paused_plan)))


def sessions_for_booking() -> QuerySet[Session]:
    """Public sessions with everything booking_state asks, in one query: the activity and
    `onsite_paused` (its campaign's or region's online-only switch, as SQL; remembered on the
    activity by remember_onsite_paused, so onsite_paused() does not ask again)."""
    return (Session.objects.filter(activity__status__in=Activity.Status.PUBLIC, activity__revises__isnull=True)
            .select_related("activity")
            .annotate(onsite_paused=Case(When(_paused_onsite(), then=Value(True)), default=Value(False),
                                         output_field=models.BooleanField())))


def remember_onsite_paused(session: Session) -> Session:
    """Carry the annotation of sessions_for_booking onto the activity (see onsite_paused)."""
    session.activity.__dict__["_onsite_paused"] = session.onsite_paused
    return session


def bookable_sessions(now=None, prefix: str = "") -> Q:
    """`booking_state(...) in BOOKABLE_STATES` as a filter on sessions (or, with `prefix`
    such as "sessions__", on a relation to them)."""
    now = now or timezone.now()

    def f(name: str) -> str:
        return prefix + name

    paused = _paused_onsite(prefix)
    return Q(**{
        f("activity__status"): Activity.Status.APPROVED, f("cancelled_at__isnull"): True,
        f("is_closed"): False, f("starts_at__gt"): now, f("capacity__isnull"): False,
    }) & (Q(**{f("seats_taken__lt"): F(f("capacity"))}) | Q(**{f("waitlist_enabled"): True})) & ~paused


# --- public reads shared by the public pages and the API -------------------------------
# (Moved from api/queries.py: one answer for "which public activity", "how many per region".)

def public_counts_by_division(campaign: Campaign, digits: int, division_code: str = "") -> dict[str, int]:
    """Public activities per division-code prefix of `digits` digits (2 = province, 4 = city,
    6 = county), inside the division `division_code` if given: one grouped query, whatever
    the number of divisions. The catalog's own division filter narrows it, and codes nest by
    prefix, so each count equals the catalog's count for that `division=`."""

    from .catalog import CatalogQuery, search_catalog

    qs = search_catalog(campaign, CatalogQuery(division=division_code)) if division_code \
        else public_activities(campaign)
    rows = (qs.filter(division__isnull=False).annotate(part=Left("division_id", digits))
            .values("part").annotate(n=Count("id")).order_by())
    return {row["part"]: row["n"] for row in rows}


def child_counts(campaign: Campaign, division) -> list[tuple]:
    """The division's direct subdivisions with their public activity counts (two queries)."""

    from .catalog import division_prefix

    if len(division_prefix(division.code)) >= 6:
        return []
    children = list(division_children(division.code))
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


def public_activity(activity_id: int, campaign: Campaign | None = None, *, details: bool = True,
                    sessions: bool = True) -> Activity | None:
    """The one lookup of a public activity (the activity page, its .ics, the API), or None.

    `campaign`: only inside that campaign (a page under /<year>/); without it, in whichever
    published campaign holds it. `details`: with everything a detail shows (hosts, place up to
    the province, flagship, content areas national first). `sessions`: with its sessions in
    order (callers that cache the activity leave them out: seats change with every booking)."""

    if campaign is None:
        campaign = published_campaigns().filter(activities__pk=activity_id).first()
        if campaign is None:
            return None
    qs = public_activities(campaign).filter(pk=activity_id)
    if sessions:
        qs = qs.prefetch_related(Prefetch("sessions", queryset=activity_sessions()))
    if details:
        qs = with_hosts(qs).select_related("campaign", "division__parent__parent", "flagship").prefetch_related(
            # National areas first on every database (NULL sorts first on SQLite, last on PostgreSQL).
            Prefetch("content_areas", queryset=ContentArea.objects.order_by(
                F("plan_id").asc(nulls_first=True), "position", "id")),
        )
    return qs.first()


def activity_sessions(activity_id: int | None = None) -> QuerySet[Session]:
    """Sessions in the order public pages list them (of one activity, if given)."""
    qs = Session.objects.order_by("starts_at", "id")
    return qs.filter(activity_id=activity_id) if activity_id is not None else qs


def _sessions_sql(quote) -> str:
    meta = Session._meta
    columns = ", ".join(quote(f.column) for f in meta.concrete_fields)
    return (f"SELECT {columns} FROM {quote(meta.db_table)} "  # noqa: S608 — names from the model
            f"WHERE {quote(meta.get_field('activity').column)} = %s "
            f"ORDER BY {quote(meta.get_field('starts_at').column)}, {quote(meta.pk.column)}")


_SESSIONS = RawTemplate(Session, _sessions_sql)


def activity_sessions_fresh(activity_id: int) -> list[Session]:
    """`list(activity_sessions(activity_id))` with its SQL written once per process
    (core.query_templates.RawTemplate): the activity page reads its sessions and seats on every
    visit (they are never cached), and building and compiling that ORM query costs about twice
    the Python of running it. Same rows, same order (a test compares the two)."""
    return _SESSIONS.rows(activity_id)


def has_pending_change(activity: Activity) -> bool:
    """A change request of this public activity is under review (its page says so)."""
    return activity.change_requests.filter(status=Activity.Status.SUBMITTED).exists()


# --- console home --------------------------------------------------------------------------

def recently_changed(user, limit: int = 8) -> list[Activity]:
    """The filings of the user's subtrees changed last (any campaign, any status)."""

    return list(policy.scoped(Activity.objects.select_related("organization"), user, "activity.view",
                              "organization__path").order_by("-updated_at")[:limit])


def unread_notification_count(user) -> int:

    return Notification.objects.filter(user=user, read_at__isnull=True).count()
