"""Campaigns (科技活动周) and their regions."""
from django.utils.translation import gettext as _
from ninja import Path, Router

from sciweek.activities import catalog
from sciweek.activities.catalog import CatalogQuery
from sciweek.activities.models import Activity
from sciweek.activities.selectors import plan_counts, public_key_activities
from sciweek.campaigns.models import Campaign
from sciweek.campaigns.selectors import current_campaign, is_online_only
from sciweek.organizations.models import Division

from .. import queries
from ..auth import OPTIONAL_AUTH
from ..errors import COMMON_ERRORS, INVALID, NOT_FOUND, not_found
from ..schemas import CampaignDetail, CampaignList, CampaignSummary, RegionDetail, RegionList
from . import serializers

router = Router()

YEAR = Path(..., ge=1, le=9999, description="年份，如 2020 / year", examples=[2020])
DIVISION_LEVELS = {Division.Level.PROVINCE: "province", Division.Level.PREFECTURE: "prefecture",
                   Division.Level.COUNTY: "county"}


def campaign_or_404(year: int) -> Campaign:
    campaign = queries.published_campaign(year)
    if campaign is None:
        raise not_found(_("未找到该年度的科技活动周。"))
    return campaign


@router.get("/campaigns", response={200: CampaignList, **COMMON_ERRORS}, tags=["campaigns"],
            operation_id="listCampaigns", summary="活动周列表 / List campaigns", openapi_extra=OPTIONAL_AUTH)
def list_campaigns(request):
    """已发布的各年度科技活动周，新的在前。 / Published campaigns, newest first."""
    campaigns = [serializers.campaign_summary(c) for c in Campaign.objects.filter(is_published=True).order_by("-year")]
    return {"items": campaigns, "count": len(campaigns)}


@router.get("/campaigns/current", response={200: CampaignSummary, **NOT_FOUND, **COMMON_ERRORS}, tags=["campaigns"],
            operation_id="getCurrentCampaign", summary="当前活动周 / Current campaign", openapi_extra=OPTIONAL_AUTH)
def campaign_current(request):
    """平台当前展示的活动周（今天之前最近开始的一届，否则最早的一届）；详情见 `campaigns/{year}`。
    / The campaign the platform currently shows; fetch `campaigns/{year}` for its details."""
    campaign = current_campaign()
    if campaign is None:
        raise not_found(_("还没有发布的科技活动周。"))
    return serializers.campaign_summary(campaign)


@router.get("/campaigns/{year}", response={200: CampaignDetail, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            tags=["campaigns"], operation_id="getCampaign", summary="活动周详情 / Campaign details",
            openapi_extra=OPTIONAL_AUTH)
def campaign_detail(request, year: int = YEAR):
    """主题、日期、全国内容方向、各地工作方案（地方主题和重点方向）、重大示范活动和主场活动。
    / Theme, dates, national content areas, regional plans with focus areas, flagships, main-venue events."""
    campaign = queries.campaign_details(year)
    if campaign is None:
        raise not_found(_("未找到该年度的科技活动周。"))
    return serializers.campaign_detail(campaign)


@router.get("/campaigns/{year}/regions", response={200: RegionList, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            tags=["regions"], operation_id="listRegions", summary="各省公开活动数 / Activities per province",
            openapi_extra=OPTIONAL_AUTH)
def list_regions(request, year: int = YEAR):
    """省级行政区划（GB/T 2260 代码、名称）及各自的公开活动数（按举办地统计）。
    / Provincial-level divisions with the number of public activities held in each."""
    campaign = campaign_or_404(year)
    counts = queries.public_counts_by_division(campaign, 2)
    items = [{"code": d.code, "name": d.name, "activity_count": counts.get(d.code[:2], 0)}
             for d in Division.objects.filter(level=Division.Level.PROVINCE).order_by("code")]
    return {"items": items, "count": len(items)}


@router.get("/campaigns/{year}/regions/{code}",
            response={200: RegionDetail, **NOT_FOUND, **INVALID, **COMMON_ERRORS}, tags=["regions"],
            operation_id="getRegion", summary="地区详情 / Region details", openapi_extra=OPTIONAL_AUTH)
def region_detail(request, year: int = YEAR,
                  code: str = Path(..., pattern=r"^\d{6}$", description="行政区划代码 / division code",
                                   examples=["130000"])):
    """一个省、市（或区县）的公开活动数和下级行政区划的活动数；对应的上报单位（地区）有本届工作方案时，
    再给出地方主题、方案统计（如河北省 2020 年 629 = 110 + 474 + 45）和省级重大、各市重点活动列表。
    / Counts for a province or city and its subdivisions; with its plan's theme, counts and key activities
    when its reporting organization has a plan."""
    campaign = campaign_or_404(year)
    division = Division.objects.filter(code=code).select_related("parent").first()
    if division is None:
        raise not_found(_("未找到该行政区划。"))
    organization = queries.region_organization(code)
    plan = queries.own_plan(campaign, organization) if organization is not None else None
    return {
        **serializers.division(division),
        "level": DIVISION_LEVELS[division.level],
        "parent": serializers.division(division.parent),
        "activity_count": catalog.search_catalog(campaign, CatalogQuery(division=code)).count(),
        "children": [{"code": child.code, "name": child.name, "activity_count": count}
                     for child, count in queries.child_counts(campaign, division)],
        "online_only": is_online_only(campaign, organization),
        "organization": {"id": organization.pk, "name": organization.name} if organization else None,
        "plan": _plan(campaign, organization, plan) if plan is not None else None,
    }


def _plan(campaign, organization, plan) -> dict:
    counts = plan_counts(campaign, organization)
    return {
        "title": plan.title,
        "theme": plan.theme,
        "online_only": plan.online_only,
        "planned_total": plan.planned_total,
        "focus_areas": [serializers.area(a) for a in plan.focus_areas.all()],
        "counts": {
            "total": counts.total, "by_departments": counts.by_departments, "by_cities": counts.by_cities,
            "open_sessions": counts.open_sessions, "open_research_institutes": counts.open_research_institutes,
            "open_universities": counts.open_universities,
        },
        "key_activities": {
            level: [serializers.key_activity(a)
                    for a in public_key_activities(campaign, organization, getattr(Activity.Level, level.upper()))]
            for level in ("provincial", "city")
        },
    }
