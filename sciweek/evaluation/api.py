"""A level's published evaluation in the JSON API (tag ``statistics``, registered in
EvaluationConfig.ready): the ranking per peer group exactly as the region page shows it, read
from the frozen snapshot. Nothing unpublished is ever answered (404 as for an unknown level)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Path, Router, Schema
from pydantic import Field

from sciweek.api.auth import OPTIONAL_AUTH
from sciweek.api.errors import COMMON_ERRORS, INVALID, NOT_FOUND
from sciweek.api.schemas import MAX_ID
from sciweek.campaigns.api import YEAR, public_region_section_or_404

from . import public

router = Router(tags=["statistics"])


class EvaluationStandingOut(Schema):
    rank: int = Field(description="组内名次（同分同名次） / rank within the peer group (ties share a rank)")
    organization_id: int
    organization: str
    total: Decimal = Field(description="总分（0–100） / total score (0–100)")
    band: str = Field(description="色带：high 优 / middle 中 / low 差 / the colour band")


class EvaluationGroupOut(Schema):
    key: str
    label: str
    standings: list[EvaluationStandingOut]


class PublishedEvaluationOut(Schema):
    year: int
    organization_id: int = Field(description="评估单位 / the evaluating level")
    organization: str
    name: str
    evaluated_on: date = Field(description="评估（定格）日期 / the evaluation date its figures are frozen on")
    published_at: datetime
    groups: list[EvaluationGroupOut] = Field(description="各组排名 / the ranking of each peer group")


@router.get("/campaigns/{year}/evaluations/{organization_id}",
            response={200: PublishedEvaluationOut, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            operation_id="getPublishedEvaluation", summary="发布的工作评估结果 / A level's published evaluation",
            openapi_extra=OPTIONAL_AUTH)
def published_evaluation(request, year: int = YEAR,
                         organization_id: int = Path(..., ge=1, le=MAX_ID, description="评估单位 / the level")):
    """一级组织发布的科技活动周工作评估：各组（如设区市、省直部门）的名次、总分和色带，与定格时完全一致。
    未发布的返回 404。/ A level's published evaluation: each peer group's ranking, as frozen."""
    campaign, level, section = public_region_section_or_404(year, organization_id, public.region_section,
                                                            _("这一级没有发布本届的工作评估结果。"))
    data = section["evaluation"]
    return {"year": campaign.year, "organization_id": level.pk, "organization": level.name, "name": data["name"],
            "evaluated_on": data["evaluated_on"], "published_at": data["published_at"],
            "groups": [{"key": g["key"], "label": g["label"],
                        "standings": [{"rank": r["rank"], "organization_id": r["organization_id"],
                                       "organization": r["name"], "total": r["total"], "band": r["band"]}
                                      for r in g["rows"]]} for g in data["groups"]]}
