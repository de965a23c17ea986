"""Reads of the summary reports and the reporting dashboard's figures.

The dashboard counts rows, never loops over organizations: the expected reporters are the
SummaryReport rows (news: the news app's NewsDue rows, one per approved activity), grouped by
the path prefix of each child of the level looked at, in one query per kind. So the figures
are live: a submission moves them at the next request."""
from __future__ import annotations

from dataclasses import dataclass, field, fields

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from sciweek.accounts import policy
from sciweek.organizations.models import Organization
from sciweek.organizations.selectors import children, within

from .models import ReportStatus, SummaryReport


def may_upload_summary_media(request) -> bool:
    """Who may upload a summary's images and video: staff who file summaries somewhere. Which
    report they go to is checked when they are attached (services)."""
    user = request.user
    return bool(user.is_authenticated and (user.is_superuser or policy.scope_paths(user, "report.file")))


def report_detail(pk: int) -> SummaryReport | None:
    return (SummaryReport.objects.select_related("campaign", "organization", "receiver", "video", "decided_by")
            .prefetch_related("images__asset", "coverage", "figures").filter(pk=pk).first())


def own_reports(user, campaign) -> QuerySet[SummaryReport]:
    """The reports the user files (where they hold a filing role), nearest level first."""
    return policy.scoped(SummaryReport.objects.filter(campaign=campaign, expected=True), user, "report.file",
                         "org_path").select_related("organization", "receiver").order_by("org_path")


def inbox(user, campaign, *, status: str = ReportStatus.SUBMITTED) -> QuerySet[SummaryReport]:
    """Reports sent to levels the user receives for, oldest submission first."""
    levels = policy.receiving_level_ids(user, "report.review")
    qs = SummaryReport.objects.filter(campaign=campaign, expected=True)
    if levels is not None:
        qs = qs.filter(receiver_id__in=levels)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("organization", "receiver").order_by("submitted_at", "org_path")


def received_by(report: SummaryReport) -> QuerySet[SummaryReport]:
    """Everyone who reports to this report's organization, with their state (the compiler's view)."""
    return (SummaryReport.objects.filter(campaign_id=report.campaign_id, receiver_id=report.organization_id,
                                         expected=True)
            .select_related("organization").order_by("org_path"))


# --- the dashboard ------------------------------------------------------------------------------

def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class SummaryRates:
    expected: int = 0
    submitted: int = 0
    on_time: int = 0
    complete: int = 0
    accepted: int = 0
    returned: int = 0
    overdue: int = 0

    @property
    def reporting_rate(self):
        return _rate(self.submitted, self.expected)

    @property
    def on_time_rate(self):
        return _rate(self.on_time, self.expected)

    @property
    def complete_rate(self):
        return _rate(self.complete, self.expected)

    def add(self, other: "SummaryRates") -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))


@dataclass
class NewsRates:
    expected: int = 0  # activities whose clock has started
    reported: int = 0
    on_time: int = 0
    complete: int = 0  # reported with images
    due_soon: int = 0  # clock running, nothing yet

    @property
    def reporting_rate(self):
        return _rate(self.reported, self.expected)

    @property
    def on_time_rate(self):
        return _rate(self.on_time, self.expected)

    @property
    def complete_rate(self):
        return _rate(self.complete, self.expected)

    def add(self, other: "NewsRates") -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))


@dataclass
class DashboardRow:
    organization: Organization
    summaries: SummaryRates = field(default_factory=SummaryRates)
    news: NewsRates = field(default_factory=NewsRates)
    own_report: SummaryReport | None = None  # the level's own summary (the "本级" row)
    is_self: bool = False


def _child_prefix(level: Organization) -> Substr:
    return Substr("org_path", 1, len(level.path) + Organization.steplen)


def summary_figures(campaign, level: Organization, today=None) -> dict[str, SummaryRates]:
    """Per child subtree of `level` (keyed by the child's path): the expected summaries below
    `level`, and how many are in, on time, complete, accepted, returned at least once, overdue."""
    today = today or timezone.localdate()
    rows = (SummaryReport.objects.filter(within(level.path, "org_path"), campaign=campaign, expected=True)
            .exclude(org_path=level.path)
            .annotate(child=_child_prefix(level)).values("child")
            .annotate(expected=Count("id"),
                      submitted=Count("id", filter=Q(status__in=ReportStatus.IN)),
                      on_time=Count("id", filter=Q(status__in=ReportStatus.IN, on_time=True)),
                      complete=Count("id", filter=Q(status__in=ReportStatus.IN, complete=True)),
                      accepted=Count("id", filter=Q(status=ReportStatus.ACCEPTED)),
                      returned=Count("id", filter=Q(returns__gt=0)),
                      overdue=Count("id", filter=Q(status__in=ReportStatus.EDITABLE, due_on__lt=today)))
            .order_by())
    return {r.pop("child"): SummaryRates(**r) for r in rows}


def news_figures(campaign, level: Organization, now=None) -> dict[str, NewsRates]:
    """Per child subtree of `level` (and the level's own activities, keyed by its path): approved
    activities whose news clock has started, how many have news, on time, with images, and how
    many are still running without any (``news.selectors.clock_figures``, from the tally)."""
    from sciweek.news.selectors import clock_figures

    return {path: NewsRates(**figures) for path, figures in clock_figures(campaign, level, now).items()}


def dashboard(campaign, level: Organization, now=None) -> dict:
    """The reporting dashboard of one level: a row per child (its whole subtree), the level's
    own row, and the totals. Three aggregate queries and the children, whatever the size."""
    now = now or timezone.now()
    summaries = summary_figures(campaign, level, timezone.localdate(now))
    news = news_figures(campaign, level, now)
    rows = []
    own = SummaryReport.objects.filter(campaign=campaign, organization=level).first()
    if own is not None or level.path in news:
        rows.append(DashboardRow(level, news=news.get(level.path, NewsRates()), own_report=own, is_self=True))
    for child in children(level):
        if child.path in summaries or child.path in news:
            rows.append(DashboardRow(child, summaries.get(child.path, SummaryRates()),
                                     news.get(child.path, NewsRates())))
    total_summaries, total_news = SummaryRates(), NewsRates()
    for row in rows:
        total_summaries.add(row.summaries)
        total_news.add(row.news)
    return {"rows": rows, "summaries": total_summaries, "news": total_news, "own_report": own}


def missing_summaries(campaign, level: Organization) -> QuerySet[SummaryReport]:
    """Everyone expected below `level` whose summary is not in, overdue first."""
    return (SummaryReport.objects.filter(within(level.path, "org_path"), campaign=campaign, expected=True,
                                         status__in=ReportStatus.EDITABLE)
            .exclude(org_path=level.path).select_related("organization", "receiver")
            .order_by("due_on", "org_path"))


def missing_news(campaign, level: Organization, now=None):
    """Approved activities below `level` whose clock started and that have no news yet,
    most overdue first."""
    from sciweek.news.models import NewsDue

    now = now or timezone.now()
    return (NewsDue.objects.filter(within(level.path, "org_path"), campaign=campaign, clock_starts_at__lte=now,
                                   first_news_at__isnull=True)
            .select_related("activity", "organization").order_by("due_at", "id"))
