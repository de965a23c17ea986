"""What the API shows of a campaign: the response schemas (OpenAPI components) and the
serializers that fill them, field by field. An allowlist on purpose: a field added to a
model stays private until someone adds it here."""
from datetime import date

from ninja import Schema
from pydantic import Field

from .models import Campaign, ContentArea, RegionalPlan


class CampaignSummary(Schema):
    year: int
    name: str
    theme: str = Field(description="全国主题 / national theme")
    starts_on: date
    ends_on: date
    online_only: bool = Field(description="整届改为网络科技活动周 / the whole week runs online")


class CampaignList(Schema):
    items: list[CampaignSummary]
    count: int


class ContentAreaOut(Schema):
    id: int = Field(description="用于活动列表的 area 参数 / use as `area` in the catalog")
    name: str
    description: str


class OrganizationRef(Schema):
    id: int
    name: str


class RegionalPlanOut(Schema):
    organization: OrganizationRef
    division_code: str | None
    title: str
    theme: str = Field(description="地方主题 / regional theme")
    online_only: bool
    focus_areas: list[ContentAreaOut] = Field(description="地方重点方向 / the region's focus areas")


class FlagshipOut(Schema):
    id: int
    number: int
    name: str


class MainVenueEventOut(Schema):
    name: str
    starts_on: date | None
    place: str
    hosts: str
    description: str


class CampaignDetail(CampaignSummary):
    notice_title: str
    notice_number: str
    notice_date: date | None
    content_areas: list[ContentAreaOut] = Field(description="全国内容方向 / national content areas")
    regional_plans: list[RegionalPlanOut]
    flagships: list[FlagshipOut] = Field(description="重大示范活动 / flagship demonstration activities")
    main_venue_events: list[MainVenueEventOut] = Field(description="主场活动 / main-venue events")


# --- serializers -----------------------------------------------------------------------

def campaign_summary(campaign: Campaign) -> dict:
    return {"year": campaign.year, "name": campaign.name, "theme": campaign.theme, "starts_on": campaign.starts_on,
            "ends_on": campaign.ends_on, "online_only": campaign.online_only}


def area(item: ContentArea) -> dict:
    return {"id": item.pk, "name": item.name, "description": item.description}


def organization_ref(organization) -> dict | None:
    return {"id": organization.pk, "name": organization.name} if organization is not None else None


def regional_plan(plan: RegionalPlan) -> dict:
    return {
        "organization": organization_ref(plan.organization),
        "division_code": plan.organization.division_id,
        "title": plan.title,
        "theme": plan.theme,
        "online_only": plan.online_only,
        "focus_areas": [area(a) for a in plan.focus_areas.all()],
    }


def campaign_detail(campaign: Campaign) -> dict:
    """Needs published_campaign_details' prefetches (national_areas, plans)."""
    return {
        **campaign_summary(campaign),
        "notice_title": campaign.notice_title,
        "notice_number": campaign.notice_number,
        "notice_date": campaign.notice_date,
        "content_areas": [area(a) for a in campaign.national_areas],
        "regional_plans": [regional_plan(p) for p in campaign.plans],
        "flagships": [{"id": f.pk, "number": f.number, "name": f.name} for f in campaign.flagships.all()],
        "main_venue_events": [
            {"name": e.name, "starts_on": e.starts_on, "place": e.place, "hosts": e.hosts, "description": e.description}
            for e in campaign.main_venue_events.all()
        ],
    }
