"""The statistics of one level (a committee, a province, a city, a unit) for a campaign,
counted over the level's whole subtree of reporting lines, split by the level's children.

What is counted (the definitions the page's help text repeats):

* **活动（项）**: approved filings (``Activity.Status.COUNTED``) of the campaign filed by an
  organization in the subtree; a change copy (``revises``) is never counted (its original is).
  The breakdown **by status** counts every filing (every status, change copies excluded).
  **By content area**: an activity naming several content areas counts under each of them, so
  those columns may add up to more than the activities; "未选内容方向" counts those naming none.
  **By date**: the activity's start date (``starts_on``), one column per day of the campaign's
  activity window, plus before, after and not given.
* **开放单位（个）**: distinct organizations with an approved open day (开放活动), by kind.
* **场次**: sessions of approved activities, cancelled sessions excluded.
* **预约（人次）**: seats of confirmed reservations on those activities' sessions (a group booking
  of 5 counts 5); **入场核验（人次）**: the seats of those that were checked in.
* **线上参与（人次）**: finished online quiz attempts (在线答题交卷) of the campaign's quizzes held
  by organizations in the subtree. Online views of live streams, online exhibitions and videos
  are **not recorded** by the platform (they are shown as "未记录", never as 0).
* **参与人次** = 入场核验（人次） + 线上参与（人次）: every entry and every quiz taken counts.
* **参与人数（人）**: distinct people (accounts) among those who were checked in (the booker of a
  reservation) or finished a quiz in the subtree. A person counts once per level, however many
  activities, quizzes or cities they took part in: the level's figure is its own COUNT(DISTINCT),
  never the sum of its children's (which may be larger). The other members of a group booking
  are not known by name, so they count in 人次 only.

The rows are keyed by the path of each child of the level (``Substr(path, 1, len + 4)``, as
reports.selectors does); what the level's own organization filed is the "本级" row keyed by the
level's own path. Twelve aggregate queries whatever the size of the subtree: the children, one
cube of the filings (child × kind × format × level × status × organization kind, every
dimension but date and content area summed from it in Python), dates, content areas (three),
open institutions, sessions, reservations, quiz attempts, and distinct people per child and in
all. Console pages read them through `snapshots.current` (a kept count, recounted when the
campaign's data version moves or after FIGURES_SECONDS: check-ins do not move the data version).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sciweek.activities.models import Activity, Session
from sciweek.campaigns.models import ContentArea
from sciweek.core import cache as public_cache
from sciweek.organizations.models import Organization
from sciweek.organizations.selectors import children, within

FIGURES_SECONDS = 120  # how stale a console figure may be (check-ins do not move the data version)

# The headline figures, in page order. None: not recorded by the platform.
METRICS = [
    ("activities", _("活动（项）")),
    ("filings", _("备案（项，全部状态）")),
    ("sessions", _("场次")),
    ("bookings", _("预约（人次）")),
    ("check_ins", _("入场核验（人次）")),
    ("online", _("线上参与（人次）")),
    ("participations", _("参与人次")),
    ("people", _("参与人数（人）")),
    ("online_views", _("线上观看（人次）")),
]
METRIC_KEYS = [key for key, _label in METRICS]
NOT_RECORDED = ("online_views",)

OPEN_KINDS = (Organization.Kind.RESEARCH_INSTITUTE, Organization.Kind.UNIVERSITY)


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    field: str | None  # the cube's field; None: its own query


DIMENSIONS = {
    "kind": Dimension("kind", _("按类别"), "kind"),
    "format": Dimension("format", _("按举办形式"), "format"),
    "level": Dimension("level", _("按级别"), "level"),
    "status": Dimension("status", _("按状态（全部备案）"), "status"),
    "org_kind": Dimension("org_kind", _("按填报单位类型"), "organization__kind"),
    "content_area": Dimension("content_area", _("按内容方向"), None),
    "date": Dimension("date", _("按开始日期"), None),
}
DIMENSION_KEYS = list(DIMENSIONS)
DEFAULT_DIMENSION = "kind"
CUBE_FIELDS = [d.field for d in DIMENSIONS.values() if d.field]

BEFORE, AFTER, UNDATED, NO_AREA = "before", "after", "none", "none"


def _choices(dimension: str) -> list[tuple[str, str]]:
    return {
        "kind": Activity.Kind.choices, "format": Activity.Format.choices, "level": Activity.Level.choices,
        "status": Activity.Status.choices, "org_kind": Organization.Kind.choices,
    }.get(dimension, [])


def _window(campaign) -> tuple[date, date]:
    start = campaign.activities_from or campaign.starts_on
    end = campaign.activities_until or campaign.ends_on
    if (end - start).days > 62:  # a bounded number of columns, whatever the window
        end = start + timedelta(days=62)
    return start, end


def _date_key(day: date | None, start: date, end: date) -> str:
    if day is None:
        return UNDATED
    if day < start:
        return BEFORE
    if day > end:
        return AFTER
    return day.isoformat()


def _child_of(level: Organization, field: str) -> Substr:
    return Substr(field, 1, len(level.path) + Organization.steplen)


def _add(table: dict, row: str, column: str, n: int) -> None:
    cells = table.setdefault(row, {})
    cells[column] = cells.get(column, 0) + (n or 0)


def _sql(queryset) -> tuple[str, tuple]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


def figures(campaign, level: Organization, now=None) -> dict:
    """Every figure of `level` for `campaign` as plain data (JSON-ready: cached, published,
    exported and rendered from the same dict). See the module docstring for the definitions."""
    now = now or timezone.now()
    path = level.path
    kids = list(children(level))
    filings = Activity.objects.filter(within(path, "organization__path"), campaign=campaign, revises__isnull=True)
    approved = filings.filter(status__in=Activity.Status.COUNTED)
    rows: dict[str, dict] = {}  # child path -> metric -> n
    dims: dict[str, dict] = {key: {} for key in DIMENSION_KEYS}  # dimension -> child -> column -> n

    # 1. the cube of filings
    cube = (filings.annotate(child=_child_of(level, "organization__path")).values("child", *CUBE_FIELDS)
            .annotate(n=Count("id")).order_by())
    for entry in cube:
        child, n = entry["child"], entry["n"]
        is_approved = entry["status"] in Activity.Status.COUNTED
        _add(rows, child, "filings", n)
        _add(dims["status"], child, entry["status"], n)
        if is_approved:
            _add(rows, child, "activities", n)
            for dimension in DIMENSIONS.values():
                if dimension.field and dimension.key != "status":
                    _add(dims[dimension.key], child, entry[dimension.field], n)

    # 2. dates
    start, end = _window(campaign)
    for entry in (approved.annotate(child=_child_of(level, "organization__path")).values("child", "starts_on")
                  .annotate(n=Count("id")).order_by()):
        _add(dims["date"], entry["child"], _date_key(entry["starts_on"], start, end), entry["n"])

    # 3. content areas: the national ones and the level's own focus areas are the columns
    areas = list(ContentArea.objects.filter(Q(plan__isnull=True) | Q(plan__organization=level), campaign=campaign)
                 .order_by("plan_id", "position", "id").values_list("pk", "name"))
    area_ids = [pk for pk, _name in areas]
    links = Activity.content_areas.through.objects.filter(
        within(path, "activity__organization__path"), activity__campaign=campaign,
        activity__revises__isnull=True, activity__status__in=Activity.Status.COUNTED, contentarea_id__in=area_ids)
    for entry in (links.annotate(child=_child_of(level, "activity__organization__path"))
                  .values("child", "contentarea_id").annotate(n=Count("id")).order_by()):
        _add(dims["content_area"], entry["child"], str(entry["contentarea_id"]), entry["n"])
    for entry in (approved.filter(content_areas__isnull=True).annotate(child=_child_of(level, "organization__path"))
                  .values("child").annotate(n=Count("id")).order_by()):
        _add(dims["content_area"], entry["child"], NO_AREA, entry["n"])

    # 4. open institutions by kind (distinct organizations with an approved open day)
    institutions: dict[str, dict] = {}
    for entry in (approved.filter(kind=Activity.Kind.OPEN_DAY).annotate(child=_child_of(level, "organization__path"))
                  .values("child", "organization__kind").annotate(n=Count("organization_id", distinct=True))
                  .order_by()):
        _add(institutions, entry["child"], entry["organization__kind"], entry["n"])

    # 5. sessions
    for entry in (Session.objects.filter(within(path, "activity__organization__path"), activity__campaign=campaign,
                                         activity__revises__isnull=True,
                                         activity__status__in=Activity.Status.COUNTED, cancelled_at__isnull=True)
                  .annotate(child=_child_of(level, "activity__organization__path")).values("child")
                  .annotate(n=Count("id")).order_by()):
        _add(rows, entry["child"], "sessions", entry["n"])

    # 6. reservations and check-ins (seats)
    from sciweek.reservations.models import Reservation

    booked = Reservation.objects.filter(
        within(path, "session__activity__organization__path"), session__activity__campaign=campaign,
        session__activity__status__in=Activity.Status.PUBLIC, status=Reservation.Status.CONFIRMED)
    for entry in (booked.annotate(child=_child_of(level, "session__activity__organization__path")).values("child")
                  .annotate(bookings=Sum("seats"), check_ins=Sum("seats", filter=Q(checked_in_at__isnull=False)))
                  .order_by()):
        _add(rows, entry["child"], "bookings", entry["bookings"])
        _add(rows, entry["child"], "check_ins", entry["check_ins"])

    # 7. online participation: finished quiz attempts
    from sciweek.quiz.models import Attempt

    attempts = Attempt.objects.filter(within(path, "quiz__organization__path"), quiz__campaign=campaign,
                                      status__in=Attempt.Status.DONE)
    for entry in (attempts.annotate(child=_child_of(level, "quiz__organization__path")).values("child")
                  .annotate(n=Count("id")).order_by()):
        _add(rows, entry["child"], "online", entry["n"])

    # 8. distinct people, per child and once for the level (two queries over one UNION ALL)
    present = (booked.filter(checked_in_at__isnull=False)
               .annotate(child=_child_of(level, "session__activity__organization__path")).values("child", "person_id")
               .order_by())
    takers = attempts.annotate(child=_child_of(level, "quiz__organization__path")).values("child", "person_id") \
        .order_by()
    sql_present, params_present = _sql(present)
    sql_takers, params_takers = _sql(takers)
    # the SQL is Django's own compilation of the two querysets; every value is a parameter
    union = f"SELECT * FROM ({sql_present}) AS p UNION ALL SELECT * FROM ({sql_takers}) AS t"  # noqa: S608
    params = params_present + params_takers
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT u.child, COUNT(DISTINCT u.person_id) FROM ({union}) AS u GROUP BY u.child",  # noqa: S608
                       params)
        for child, n in cursor.fetchall():
            _add(rows, child, "people", n)
        cursor.execute(f"SELECT COUNT(DISTINCT u.person_id) FROM ({union}) AS u", params)  # noqa: S608
        people_total = cursor.fetchone()[0] or 0

    # the rows: the level itself (when it has figures), then every child
    listed = []
    if path in rows or any(path in table for table in dims.values()):
        listed.append({"key": path, "id": level.pk, "name": level.display_name, "full_name": level.name,
                       "is_self": True, "leaf": True, "division": level.division_id or "",
                       "division_name": "", "region": False})
    for kid in kids:
        listed.append({"key": kid.path, "id": kid.pk, "name": kid.display_name, "full_name": kid.name,
                       "is_self": False, "leaf": kid.numchild == 0, "division": kid.division_id or "",
                       "division_name": kid.division.name if kid.division_id else "",
                       "region": kid.kind == Organization.Kind.REGION})
    for row in rows.values():
        row["participations"] = row.get("check_ins", 0) + row.get("online", 0)
    total = {key: sum(rows.get(r["key"], {}).get(key, 0) for r in listed) for key in METRIC_KEYS
             if key not in NOT_RECORDED}
    total["people"] = people_total

    def columns_of(key: str) -> list[str]:
        if key == "content_area":
            return [str(pk) for pk in area_ids] + [NO_AREA]
        if key == "date":
            days = [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
            return [BEFORE, *days, AFTER, UNDATED]
        present_columns = {c for table in dims[key].values() for c in table}
        return [value for value, _label in _choices(key) if value in present_columns] or \
            [value for value, _label in _choices(key)][:1]

    dimensions = {}
    for key in DIMENSION_KEYS:
        columns = columns_of(key)
        table = {r["key"]: {c: dims[key].get(r["key"], {}).get(c, 0) for c in columns} for r in listed}
        dimensions[key] = {"columns": columns,
                           "rows": table,
                           "total": {c: sum(table[r][c] for r in table) for c in columns}}
    open_columns = [k for k, _label in Organization.Kind.choices
                    if k in OPEN_KINDS or any(k in t for t in institutions.values())]
    open_rows = {r["key"]: {c: institutions.get(r["key"], {}).get(c, 0) for c in open_columns} for r in listed}
    return {
        "year": campaign.year,
        "level": {"id": level.pk, "name": level.name, "display_name": level.display_name, "path": path,
                  "depth": level.depth, "division": level.division_id or ""},
        "computed_at": now.isoformat(),
        "rows": listed,
        "metrics": {r["key"]: {k: rows.get(r["key"], {}).get(k, 0) for k in METRIC_KEYS if k not in NOT_RECORDED}
                    for r in listed},
        "total": total,
        "not_recorded": list(NOT_RECORDED),
        "dimensions": dimensions,
        "area_names": {str(pk): name for pk, name in areas},
        "open_institutions": {"columns": open_columns, "rows": open_rows,
                              "total": {c: sum(open_rows[r][c] for r in open_rows) for c in open_columns}},
    }


def unit_activities(campaign, level: Organization, limit: int = 100):
    """The activities a unit (a level without children) filed, for the bottom of the drill-down."""
    return (Activity.objects.filter(campaign=campaign, organization=level, revises__isnull=True)
            .order_by("starts_on", "id")[:limit])


# --- publications -------------------------------------------------------------------------------

def publication(campaign, organization):
    from .models import StatisticsPublication

    return (StatisticsPublication.objects.filter(campaign=campaign, organization=organization)
            .select_related("published_by").first())


PUBLISHED_GENERATION = public_cache.Generation("sciweek:statistics:published")


def published_figures(campaign, organization_id: int) -> dict | None:
    """What a level published for the campaign (its snapshot and when), or None; through the
    cache, under a generation that publishing and unpublishing bump."""
    from .models import StatisticsPublication

    def compute():
        row = (StatisticsPublication.objects.filter(campaign=campaign, organization_id=organization_id)
               .values("figures", "published_at").first())
        return {"publication": row}

    version = f"{campaign.pk}:{PUBLISHED_GENERATION.current()}"
    return public_cache.cached("statistics-published", campaign, compute, organization_id, version=version)["publication"]
