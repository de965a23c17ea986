"""Published statistics in the JSON API (tag ``statistics``, registered in StatisticsConfig.ready):
what a level published for a campaign, exactly as published (the snapshot of its figures).
Public: nothing a level has not published is ever answered (404 as for an unknown level)."""
from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Path, Router, Schema
from pydantic import Field

from sciweek.api.auth import OPTIONAL_AUTH
from sciweek.api.errors import COMMON_ERRORS, INVALID, NOT_FOUND, not_found
from sciweek.api.schemas import MAX_ID
from sciweek.campaigns.api import YEAR, campaign_or_404

from . import selectors, tables
from .selectors import DIMENSIONS, METRICS, NOT_RECORDED

router = Router(tags=["statistics"])
TAGS = [{"name": "statistics", "description": "各级发布的统计数据、工作评估结果和表彰名单（公开） / "
                                           "Statistics, evaluation results and commendation lists as published by each level (public)"}]


class StatisticsMetricOut(Schema):
    key: str
    label: str
    value: int | None = Field(description="null：平台未记录（如线上观看） / null: not recorded by the platform")


class StatisticsCountOut(Schema):
    key: str
    label: str
    value: int


class StatisticsDimensionOut(Schema):
    key: str
    label: str
    counts: list[StatisticsCountOut]


class StatisticsRowOut(Schema):
    organization_id: int
    organization: str
    is_self: bool = Field(description="本级（该组织自己填报的） / the level's own filings")
    metrics: list[StatisticsMetricOut]


class PublishedStatisticsOut(Schema):
    year: int
    organization_id: int
    organization: str
    published_at: datetime
    computed_at: datetime = Field(description="统计时间（发布时） / when the figures were counted")
    metrics: list[StatisticsMetricOut] = Field(description="本级合计（参与人数按人去重） / the level's totals")
    dimensions: list[StatisticsDimensionOut]
    open_institutions: list[StatisticsCountOut] = Field(description="开放单位（按单位类型） / open institutions by kind")
    rows: list[StatisticsRowOut] = Field(description="下级单位 / per child organization")


def _metrics(values: dict) -> list[dict]:
    return [{"key": k, "label": str(label), "value": None if k in NOT_RECORDED else values.get(k, 0)}
            for k, label in METRICS]


def published_out(figures: dict, published_at) -> dict:
    from sciweek.organizations.models import Organization

    dimensions = [{"key": key, "label": str(d.label),
                   "counts": [{"key": c, "label": tables.column_label(figures, key, c),
                               "value": figures["dimensions"][key]["total"][c]}
                              for c in figures["dimensions"][key]["columns"]]} for key, d in DIMENSIONS.items()]
    opened = figures["open_institutions"]
    return {
        "year": figures["year"], "organization_id": figures["level"]["id"], "organization": figures["level"]["name"],
        "published_at": published_at, "computed_at": datetime.fromisoformat(figures["computed_at"]),
        "metrics": _metrics(figures["total"]), "dimensions": dimensions,
        "open_institutions": [{"key": c, "label": str(Organization.Kind(c).label), "value": opened["total"][c]}
                              for c in opened["columns"]],
        "rows": [{"organization_id": r["id"], "organization": r["full_name"], "is_self": r["is_self"],
                  "metrics": _metrics(figures["metrics"][r["key"]])} for r in figures["rows"]],
    }


@router.get("/campaigns/{year}/statistics/{organization_id}",
            response={200: PublishedStatisticsOut, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            operation_id="getPublishedStatistics", summary="发布的统计数据 / Published statistics of a level",
            openapi_extra=OPTIONAL_AUTH)
def published_statistics(request, year: int = YEAR,
                         organization_id: int = Path(..., ge=1, le=MAX_ID, description="发布单位 / the level")):
    """一级组织（全国、省、市、单位）发布的统计数据：活动、场次、预约、入场、线上参与、参与人次和人数，
    各维度合计和各下级单位的数字，与发布时完全一致。未发布的返回 404。
    / What a level published: its totals, each dimension's totals and its children's rows, as published."""
    campaign = campaign_or_404(year)
    published = selectors.published_figures(campaign, organization_id)
    if published is None:
        raise not_found(_("这一级没有发布本届的统计数据。"))
    return published_out(published["figures"], published["published_at"])
