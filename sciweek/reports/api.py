"""Summary-report endpoints of the JSON API (tag ``reports``, registered in ReportsConfig.ready):
the caller's own summaries, one summary, and the reporting dashboard of a level. Staff only
(bearer token of a console account); what a token's user may see is what the console shows
them (accounts.policy: 404 outside their part of the tree, 403 inside without the role)."""
from __future__ import annotations

from datetime import date, datetime

from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from pydantic import Field

from sciweek.accounts import policy
from sciweek.api.auth import BearerToken
from sciweek.api.errors import COMMON_ERRORS, INVALID, NOT_FOUND, ApiError, Error, not_found
from sciweek.api.schemas import MAX_ID
from sciweek.campaigns.api import YEAR, campaign_or_404
from sciweek.organizations.models import Organization

from . import selectors
from .models import SummaryReport

router = Router(tags=["reports"])
TAGS = [{"name": "reports", "description": "活动总结报送与报送情况（工作人员） / "
                                           "Summary reports up the reporting lines and the reporting dashboard (staff)"}]
FORBIDDEN = {403: Error}


def _allow(user, action: str, obj) -> None:
    if policy.can(user, action, obj):
        return
    if policy.can_see(user, obj):
        raise ApiError(403, "forbidden", _("您没有查看这项内容的权限。"))
    raise not_found(_("未找到。"))


class FigureOut(Schema):
    key: str
    label: str
    computed: int | None = Field(description="平台统计 / counted by the platform (null: not known)")
    reported: int | None = Field(description="报送数字（更正后，无更正时同平台统计） / as reported")
    reason: str


class ReportOut(Schema):
    id: int
    organization_id: int
    organization: str
    receiver_id: int
    receiver: str
    status: str
    status_label: str
    title: str
    due_on: date | None = Field(description="截止日期（含延期） / the deadline, with any extension")
    first_submitted_at: datetime | None
    on_time: bool | None = Field(description="首次报送是否按时；未报送为 null / first submission on time")
    complete: bool = Field(description="材料齐全：正文、规定数量的图片和通过检查的视频 / the evidence is all there")
    returns: int
    images: int
    has_video: bool


class ReportDetailOut(ReportOut):
    body_html: str = Field(description="总结正文（已净化的 HTML） / the text, sanitized HTML")
    figures: list[FigureOut]


class RatesOut(Schema):
    expected: int
    submitted: int
    on_time: int
    complete: int
    accepted: int
    overdue: int
    reporting_rate: float | None = Field(description="已报 / 应报（%） / submitted over expected")
    on_time_rate: float | None
    complete_rate: float | None


class NewsRatesOut(Schema):
    expected: int = Field(description="已结束的已通过活动 / approved activities whose clock has started")
    reported: int
    on_time: int
    complete: int
    reporting_rate: float | None
    on_time_rate: float | None


class DashboardRowOut(Schema):
    organization_id: int
    organization: str
    is_self: bool = Field(description="本级（该单位自己的总结） / the level's own row")
    summaries: RatesOut
    news: NewsRatesOut


class DashboardOut(Schema):
    organization_id: int
    organization: str
    summaries: RatesOut
    news: NewsRatesOut
    rows: list[DashboardRowOut]


def _report(report: SummaryReport) -> dict:
    return {"id": report.pk, "organization_id": report.organization_id, "organization": report.organization.name,
            "receiver_id": report.receiver_id, "receiver": report.receiver.name, "status": report.status,
            "status_label": report.get_status_display(), "title": report.title, "due_on": report.effective_due_on,
            "first_submitted_at": report.first_submitted_at, "on_time": report.on_time, "complete": report.complete,
            "returns": report.returns, "images": len(report.images.all()), "has_video": report.video_id is not None}


def _rates(rates) -> dict:
    return {"expected": rates.expected, "submitted": rates.submitted, "on_time": rates.on_time,
            "complete": rates.complete, "accepted": rates.accepted, "overdue": rates.overdue,
            "reporting_rate": rates.reporting_rate, "on_time_rate": rates.on_time_rate,
            "complete_rate": rates.complete_rate}


def _news(rates) -> dict:
    return {"expected": rates.expected, "reported": rates.reported, "on_time": rates.on_time,
            "complete": rates.complete, "reporting_rate": rates.reporting_rate, "on_time_rate": rates.on_time_rate}


@router.get("/campaigns/{year}/reports/mine", auth=BearerToken(),
            response={200: list[ReportOut], **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            operation_id="listMyReports", summary="我报送的活动总结 / My summary reports")
def my_reports(request, year: int = YEAR):
    """当前用户有报送权限的各单位的活动总结。 / The summaries of the organizations the caller files for."""
    campaign = campaign_or_404(year)
    return [_report(r) for r in selectors.own_reports(request.auth.user, campaign).prefetch_related("images")[:200]]


@router.get("/reports/{report_id}", auth=BearerToken(),
            response={200: ReportDetailOut, **FORBIDDEN, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            operation_id="getReport", summary="一份活动总结 / One summary report")
def get_report(request, report_id: int = Path(..., ge=1, le=MAX_ID)):
    """一份活动总结：状态、截止日期、是否按时、材料是否齐全、正文和数据。报送单位、其上级单位可以查看。
    / One summary: its state, deadline, timeliness, completeness, text and figures; the filer and the
    levels above it may read it."""
    report = selectors.report_detail(report_id)
    if report is None:
        raise not_found(_("没有找到这份总结。"))
    _allow(request.auth.user, "report.view", report)
    figures = [{"key": f.key, "label": f.get_key_display(), "computed": f.computed, "reported": f.value,
                "reason": f.reason} for f in report.figures.all()]
    return {**_report(report), "body_html": report.body, "figures": figures}


@router.get("/campaigns/{year}/reporting", auth=BearerToken(),
            response={200: DashboardOut, **FORBIDDEN, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            operation_id="getReportingDashboard", summary="报送情况 / The reporting dashboard of a level")
def reporting(request, year: int = YEAR,
              organization_id: int = Query(..., ge=1, le=MAX_ID, description="层级（组织） / the level's organization")):
    """一级组织的报送情况：应报、已报、按时、齐全，按下级单位分列，实时。 / Live rates per child organization."""
    campaign = campaign_or_404(year)
    level = Organization.objects.filter(pk=organization_id).first()
    if level is None:
        raise not_found(_("没有找到这个组织。"))
    _allow(request.auth.user, "report.view", level)
    board = selectors.dashboard(campaign, level)
    return {"organization_id": level.pk, "organization": level.name, "summaries": _rates(board["summaries"]),
            "news": _news(board["news"]),
            "rows": [{"organization_id": r.organization.pk, "organization": r.organization.name, "is_self": r.is_self,
                      "summaries": _rates(r.summaries), "news": _news(r.news)} for r in board["rows"]]}
