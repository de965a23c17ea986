"""The computed indicators: each a registered function that gives the raw value of EVERY
subject in a few set-based queries (GROUP BY the path prefix of the subject's depth, as the
reporting dashboard does), never a query per organization. A subject's figure covers its
whole subtree (a city's includes its districts' and units'), up to the end of the evaluation
date. Several indicators share one query through `Context.memo`.

Each indicator also names its evidence: the rows behind a subject's figure (`evidence`)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sciweek.organizations.models import Organization
from sciweek.organizations.selectors import within

STEP = Organization.steplen
EVIDENCE_LIMIT = 200


@dataclass
class Context:
    campaign_id: int
    level_path: str  # the evaluating organization's path
    subject_paths: list[str]
    evaluated_on: dt.date
    _memo: dict = field(default_factory=dict)

    @property
    def cutoff(self) -> dt.datetime:
        """The end of the evaluation date (Asia/Shanghai)."""
        start = dt.datetime.combine(self.evaluated_on + dt.timedelta(days=1), dt.time.min)
        return timezone.make_aware(start, timezone.get_default_timezone())

    @property
    def depths(self) -> list[int]:
        return sorted({len(p) for p in self.subject_paths})

    def memo(self, key: str, fn: Callable[[], dict]) -> dict:
        if key not in self._memo:
            self._memo[key] = fn()
        return self._memo[key]


def _grouped(ctx: Context, queryset, path_field: str, **aggregates) -> dict[str, dict]:
    """Aggregates per subject subtree: one GROUP BY per subject depth (usually one)."""
    wanted = set(ctx.subject_paths)
    result: dict[str, dict] = {}
    for length in ctx.depths:
        rows = (queryset.filter(within(ctx.level_path, path_field))
                .annotate(_subject=Substr(path_field, 1, length)).values("_subject")
                .annotate(**aggregates).order_by())
        for row in rows:
            prefix = row.pop("_subject")
            if prefix in wanted:
                result[prefix] = row
    return result


def _rate(part, whole) -> Decimal | None:
    return (Decimal(100) * Decimal(part or 0) / Decimal(whole)).quantize(Decimal("0.1")) if whole else None


def _count(value) -> Decimal:
    return Decimal(value or 0)


# --- the shared queries -------------------------------------------------------------------------

CHECK_INS_SETTLED_SECONDS = 600
CHECK_IN_MARGIN = dt.timedelta(minutes=5)  # a check-in stamped before the cutoff, committed after it

def _activities(ctx: Context) -> dict[str, dict]:
    from sciweek.activities.models import Activity, ActivityStatus

    def run():
        qs = Activity.objects.filter(campaign_id=ctx.campaign_id, revises__isnull=True)
        held = Q(status=ActivityStatus.APPROVED) & (Q(starts_on__isnull=True) | Q(starts_on__lte=ctx.evaluated_on))
        return _grouped(ctx, qs, "organization__path",
                        filed=Count("id", filter=Q(status__in=list(ActivityStatus.LISTED))),
                        held=Count("id", filter=held))
    return ctx.memo("activities", run)


def _check_ins(ctx: Context) -> dict[str, dict]:
    from sciweek.reservations.models import Reservation

    def run():
        qs = Reservation.objects.filter(session__activity__campaign_id=ctx.campaign_id,
                                        checked_in_at__isnull=False, checked_in_at__lt=ctx.cutoff)
        return _grouped(ctx, qs, "session__activity__organization__path", people=Sum("seats"))

    def settled():
        # A check-in is stamped when it happens (reservations.services.check_in), so the
        # check-ins before a cutoff already past can no longer change: the scan (~70,000 rows
        # for a province on the national data, the live scorecard's costliest query) is kept
        # under the filings' data version; the timeout bounds what that cannot see (a tree move).
        from sciweek.campaigns.models import Campaign
        from sciweek.core.cache import cached

        # An unsaved Campaign carrying only the pk: the data version's sources key on campaign.pk
        # (core.cache), and the context holds no row to spend a query on.
        return cached("evaluation-check-ins", Campaign(pk=ctx.campaign_id), run, ctx.level_path,
                      tuple(sorted(ctx.subject_paths)), ctx.cutoff.isoformat(), timeout=CHECK_INS_SETTLED_SECONDS)

    return ctx.memo("check_ins", settled if ctx.cutoff < timezone.now() - CHECK_IN_MARGIN else run)


def _news(ctx: Context) -> dict[str, dict]:
    from sciweek.news.models import NewsDue

    def run():
        qs = NewsDue.objects.filter(campaign_id=ctx.campaign_id, clock_starts_at__lt=ctx.cutoff)
        reported = Q(first_news_at__isnull=False, first_news_at__lt=ctx.cutoff)
        return _grouped(ctx, qs, "org_path", expected=Count("id"),
                        on_time=Count("id", filter=reported & Q(on_time=True)),
                        with_images=Count("id", filter=reported & Q(with_images=True)))
    return ctx.memo("news", run)


def _summaries(ctx: Context) -> dict[str, dict]:
    from sciweek.reports.models import ReportStatus, SummaryReport

    def run():
        qs = SummaryReport.objects.filter(campaign_id=ctx.campaign_id, expected=True)
        submitted = Q(first_submitted_at__isnull=False, first_submitted_at__lt=ctx.cutoff)
        return _grouped(ctx, qs, "org_path", expected=Count("id"),
                        on_time=Count("id", filter=submitted & Q(on_time=True)),
                        complete=Count("id", filter=submitted & Q(complete=True, status__in=list(ReportStatus.IN))),
                        returns=Sum("returns"))
    return ctx.memo("summaries", run)


def _coverage(ctx: Context) -> dict[str, dict]:
    from sciweek.reports.models import MediaCoverage

    def run():
        qs = MediaCoverage.objects.filter(report__campaign_id=ctx.campaign_id, published_on__lte=ctx.evaluated_on)
        return _grouped(ctx, qs, "report__org_path", reports=Count("id"))
    return ctx.memo("coverage", run)


# --- the registry -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Computed:
    key: str
    label: str
    unit: str
    direction: str
    compute: Callable[[Context], dict[str, Decimal | None]]  # subject path -> raw value
    evidence: str  # which evidence list shows the rows behind it (see selectors.evidence)


def _from(shared: Callable[[Context], dict], value: Callable[[dict], Decimal | None],
          empty: Decimal | None = None):
    def compute(ctx: Context) -> dict[str, Decimal | None]:
        rows = shared(ctx)
        return {path: (value(rows[path]) if path in rows else empty) for path in ctx.subject_paths}
    return compute


REGISTRY: dict[str, Computed] = {}


def register(indicator: Computed) -> None:
    REGISTRY[indicator.key] = indicator


for _indicator in (
    Computed("activities_held_rate", _("活动举办率（已举办/已备案）"), "%", "high",
             _from(_activities, lambda r: _rate(r["held"], r["filed"])), "activities"),
    Computed("activities_held", _("举办活动数"), _("项"), "high",
             _from(_activities, lambda r: _count(r["held"]), Decimal(0)), "activities"),
    Computed("check_ins", _("入场核验人次"), _("人次"), "high",
             _from(_check_ins, lambda r: _count(r["people"]), Decimal(0)), "check_ins"),
    Computed("news_on_time_rate", _("动态信息按时报送率"), "%", "high",
             _from(_news, lambda r: _rate(r["on_time"], r["expected"])), "news"),
    Computed("news_with_images_rate", _("动态信息图文齐全率"), "%", "high",
             _from(_news, lambda r: _rate(r["with_images"], r["expected"])), "news"),
    Computed("summary_on_time_rate", _("活动总结按时报送率"), "%", "high",
             _from(_summaries, lambda r: _rate(r["on_time"], r["expected"])), "summaries"),
    Computed("summary_complete_rate", _("活动总结材料齐全率"), "%", "high",
             _from(_summaries, lambda r: _rate(r["complete"], r["expected"])), "summaries"),
    Computed("summary_returns", _("活动总结退回次数"), _("次"), "low",
             _from(_summaries, lambda r: _count(r["returns"]), Decimal(0)), "summaries"),
    Computed("media_reports", _("媒体报道数"), _("篇"), "high",
             _from(_coverage, lambda r: _count(r["reports"]), Decimal(0)), "coverage"),
):
    register(_indicator)


def source_choices() -> list[tuple[str, str]]:
    from .models import SCORED

    return [(key, item.label) for key, item in REGISTRY.items()] + [(SCORED, _("评审打分"))]


def compute_raw(ctx: Context, sources: dict[int, str]) -> dict[tuple[str, int], Decimal | None]:
    """Raw values of the computed indicators: (subject path, indicator id) -> value."""
    result = {}
    for indicator_id, source in sources.items():
        values = REGISTRY[source].compute(ctx)
        for path, value in values.items():
            result[(path, indicator_id)] = value
    return result
