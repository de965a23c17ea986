"""A level's commendation list in the JSON API (tag ``statistics``, registered in
CommendationsConfig.ready): the list on public notice (公示) or final, as the region page shows
it. A list still being drafted, proposed or approved is never answered (404)."""
from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from ninja import Path, Router, Schema
from pydantic import Field

from sciweek.api.auth import OPTIONAL_AUTH
from sciweek.api.errors import COMMON_ERRORS, INVALID, NOT_FOUND
from sciweek.api.schemas import MAX_ID
from sciweek.campaigns.api import YEAR, public_region_section_or_404

from . import selectors

router = Router(tags=["statistics"])


class AwardeeOut(Schema):
    name: str = Field(description="单位名称或个人姓名 / the unit's or the person's name")
    unit: str = Field(description="所在单位 / the unit")
    role: str = Field(description="个人的职务（单位为空） / a person's role (empty for a unit)")
    region: str
    individual: bool


class CommendationCategoryOut(Schema):
    name: str
    kind: str = Field(description="unit 优秀组织单位 / individual 先进个人")
    awardees: list[AwardeeOut]


class PublicCommendationOut(Schema):
    year: int
    organization_id: int = Field(description="表彰单位 / the commending level")
    organization: str
    title: str
    status: str = Field(description="notice 公示中 / final 已公布")
    notice_starts_on: date | None
    notice_ends_on: date | None
    categories: list[CommendationCategoryOut]


@router.get("/campaigns/{year}/commendations/{organization_id}",
            response={200: PublicCommendationOut, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            operation_id="getPublicCommendation", summary="表彰名单（公示或公布） / A level's commendation list",
            openapi_extra=OPTIONAL_AUTH)
def public_commendation(request, year: int = YEAR,
                        organization_id: int = Path(..., ge=1, le=MAX_ID, description="表彰单位 / the level")):
    """一级组织的科技活动周表彰名单：公示中或已公布的优秀组织单位和先进个人。草拟、待审定的名单返回 404。
    / A level's list of commended units and people, while on public notice or once final."""
    campaign, level, section = public_region_section_or_404(year, organization_id, selectors.region_section,
                                                            _("这一级没有公示或公布本届的表彰名单。"))
    data = section["commendation"]
    return {"year": campaign.year, "organization_id": level.pk, "organization": level.name, "title": data["title"],
            "status": data["status"], "notice_starts_on": data["notice_starts_on"],
            "notice_ends_on": data["notice_ends_on"],
            "categories": [{"name": c["name"], "kind": c["kind"],
                            "awardees": [{"name": a["name"], "unit": a["unit"], "role": a["role"], "region": a["region"],
                                          "individual": a["individual"]} for a in c["candidates"]]}
                           for c in data["categories"]]}
