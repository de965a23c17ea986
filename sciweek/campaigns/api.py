"""Campaign endpoints of the JSON API (registered in CampaignsConfig.ready, mounted on /api/v1/).

Other apps' endpoints under /campaigns/{year}/… take the year with `YEAR` and look the
campaign up with `campaign_or_404`, so every one answers an unknown year the same way."""
from django.utils.translation import gettext as _
from ninja import Path, Router

from sciweek.api.auth import OPTIONAL_AUTH
from sciweek.api.errors import COMMON_ERRORS, INVALID, NOT_FOUND, not_found

from . import selectors
from .api_schemas import CampaignDetail, CampaignList, CampaignSummary, campaign_detail, campaign_summary
from .models import Campaign

router = Router(tags=["campaigns"])
TAGS = [{"name": "campaigns", "description": "科技活动周（每年一届）/ Campaigns, one per year"}]

YEAR = Path(..., ge=1, le=9999, description="年份，如 2020 / year", examples=[2020])


def campaign_or_404(year: int) -> Campaign:
    campaign = selectors.published_campaign(year)
    if campaign is None:
        raise not_found(_("未找到该年度的科技活动周。"))
    return campaign


def public_region_section_or_404(year: int, organization_id: int, read_section, missing: str):
    """The campaign, the level and what ``read_section(campaign, level)`` (a portal region section's
    reader) says that level made public; one 404 with ``missing`` for an unknown level and for one
    that has published nothing, so an answer never tells the two apart."""
    from sciweek.organizations.models import Organization

    campaign = campaign_or_404(year)
    level = Organization.objects.filter(pk=organization_id).first()
    section = read_section(campaign, level) if level is not None else None
    if section is None:
        raise not_found(missing)
    return campaign, level, section


@router.get("/campaigns", response={200: CampaignList, **COMMON_ERRORS},
            operation_id="listCampaigns", summary="活动周列表 / List campaigns", openapi_extra=OPTIONAL_AUTH)
def list_campaigns(request):
    """已发布的各年度科技活动周，新的在前。 / Published campaigns, newest first."""
    campaigns = [campaign_summary(c) for c in selectors.published_campaigns()]
    return {"items": campaigns, "count": len(campaigns)}


@router.get("/campaigns/current", response={200: CampaignSummary, **NOT_FOUND, **COMMON_ERRORS},
            operation_id="getCurrentCampaign", summary="当前活动周 / Current campaign", openapi_extra=OPTIONAL_AUTH)
def campaign_current(request):
    """平台当前展示的活动周（今天之前最近开始的一届，否则最早的一届）；详情见 `campaigns/{year}`。
    / The campaign the platform currently shows; fetch `campaigns/{year}` for its details."""
    campaign = selectors.current_campaign()
    if campaign is None:
        raise not_found(_("还没有发布的科技活动周。"))
    return campaign_summary(campaign)


@router.get("/campaigns/{year}", response={200: CampaignDetail, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            operation_id="getCampaign", summary="活动周详情 / Campaign details", openapi_extra=OPTIONAL_AUTH)
def get_campaign(request, year: int = YEAR):
    """主题、日期、全国内容方向、各地工作方案（地方主题和重点方向）、重大示范活动和主场活动。
    / Theme, dates, national content areas, regional plans with focus areas, flagships, main-venue events."""
    campaign = selectors.published_campaign_details(year)
    if campaign is None:
        raise not_found(_("未找到该年度的科技活动周。"))
    return campaign_detail(campaign)
