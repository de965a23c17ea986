"""Activity endpoints of the JSON API (registered in ActivitiesConfig.ready, mounted on
/api/v1/): the public catalog, activity details and sessions, and the regions (public
activity counts per division, a region's plan counts and key activities). The regions live
here because what they count is activities (`selectors.public_counts_by_division`,
`plan_counts`, `public_key_activities`); campaigns and organizations only name the region."""
from datetime import date, timedelta
from functools import wraps

from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Path, Query, Router
from ninja.decorators import decorate_view

from sciweek.api.auth import OPTIONAL_AUTH
from sciweek.api.errors import COMMON_ERRORS, INVALID, NOT_FOUND, not_found
from sciweek.api.pagination import PageParams, page
from sciweek.api.schemas import MAX_ID
from sciweek.campaigns.api import YEAR, campaign_or_404
from sciweek.campaigns.api_schemas import area, organization_ref
from sciweek.campaigns.selectors import is_online_only, own_plan, published_campaign
from sciweek.core import cache as public_cache
from sciweek.organizations.models import Division
from sciweek.organizations.selectors import division_with_parents, provinces, region_organization

from . import catalog, selectors
from .api_schemas import (
    ActivityDetail,
    ActivityPage,
    CatalogParams,
    RegionDetail,
    RegionList,
    SessionList,
    activity_detail,
    activity_summary,
    division,
    key_activity,
    session,
)
from .catalog import CatalogQuery
from .models import Activity

router = Router(tags=["activities"])
TAGS = [
    {"name": "regions", "description": "按行政区划统计的活动和地方工作方案 / Regions, counts and regional plans"},
    {"name": "activities", "description": "公开活动检索、详情和场次 / The public activity catalog"},
]

ACTIVITY_ID = Path(..., ge=1, le=MAX_ID, description="活动 id / activity id")
DIVISION_LEVELS = {Division.Level.PROVINCE: "province", Division.Level.PREFECTURE: "prefecture",
                   Division.Level.COUNTY: "county"}


# --- regions ---------------------------------------------------------------------------

@router.get("/campaigns/{year}/regions", response={200: RegionList, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            tags=["regions"], operation_id="listRegions", summary="各省公开活动数 / Activities per province",
            openapi_extra=OPTIONAL_AUTH)
def list_regions(request, year: int = YEAR):
    """省级行政区划（GB/T 2260 代码、名称）及各自的公开活动数（按举办地统计）。
    / Provincial-level divisions with the number of public activities held in each."""
    campaign = campaign_or_404(year)
    counts = selectors.public_counts_by_division(campaign, 2)
    items = [{"code": d.code, "name": d.name, "activity_count": counts.get(d.code[:2], 0)}
             for d in provinces()]
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
    place = division_with_parents(code)
    if place is None:
        raise not_found(_("未找到该行政区划。"))
    organization = region_organization(code)
    plan = own_plan(campaign, organization) if organization is not None else None
    return {
        **division(place),
        "level": DIVISION_LEVELS[place.level],
        "parent": division(place.parent),
        "activity_count": catalog.search_catalog(campaign, CatalogQuery(division=code)).count(),
        "children": [{"code": child.code, "name": child.name, "activity_count": count}
                     for child, count in selectors.child_counts(campaign, place)],
        "online_only": is_online_only(campaign, organization),
        "organization": organization_ref(organization),
        "plan": _plan(campaign, organization, plan) if plan is not None else None,
    }


def _plan(campaign, organization, plan) -> dict:
    counts = selectors.plan_counts(campaign, organization)
    return {
        "title": plan.title,
        "theme": plan.theme,
        "online_only": plan.online_only,
        "planned_total": plan.planned_total,
        "focus_areas": [area(a) for a in plan.focus_areas.all()],
        "counts": {
            "total": counts.total, "by_departments": counts.by_departments, "by_cities": counts.by_cities,
            "open_sessions": counts.open_sessions, "open_research_institutes": counts.open_research_institutes,
            "open_universities": counts.open_universities,
        },
        "key_activities": {
            level: [key_activity(a) for a in selectors.public_key_activities(
                campaign, organization, getattr(Activity.Level, level.upper()))]
            for level in ("provincial", "city")
        },
    }


# --- the catalog -----------------------------------------------------------------------

def catalog_query(params: CatalogParams) -> CatalogQuery:
    """The same CatalogQuery the catalog page builds from the same filters (see
    public_views.catalog_query)."""
    days = params.days
    if params.day is not None and params.day > date.max - timedelta(days=days - 1):
        days = (date.max - params.day).days + 1  # the calendar ends on 9999-12-31; so does the week
    return CatalogQuery(
        q=params.q.strip()[:50],
        division=params.division or "",
        day=params.day,
        days=days,
        area=params.area,
        format=params.format or "",
        flagship=params.flagship,
        kind=params.kind or "",
        audience=params.audience.strip()[:20],
        bookable=params.bookable,
        sort=params.sort,
    )


class _NotCached(Exception):
    """An answer that is not kept (anything but a plain 200): handed back as it is."""

    def __init__(self, response):
        super().__init__()
        self.response = response


def cached_page(name: str, never_cached: tuple[str, ...] = ()):
    """Serve a public list's serialized answer from the campaign's versioned cache
    (sciweek.core.cache, as the portal's fragments): built once per change of the campaign's
    data instead of once per request (parameter validation, loading the rows, the response
    schema's validation and the JSON), and never stale after a write to a filing.

    A `decorate_view` decorator: it runs inside the shell's guard (rate limit, token check,
    caching headers: api.caching.finish still hashes the body for its ETag and answers 304)
    and before ninja reads the parameters. The key is the path, the query string exactly as
    sent (which decides every parameter, and the next/previous links the body carries) and the
    language; only a 200 is kept, as the bytes and headers ninja made, so a cached answer is
    the uncached one byte for byte. A request with any of `never_cached` (such as "bookable
    now", which seats and the clock change) is always built. The year's campaign is read fresh
    for each request (unpublishing a year takes its answers down at once)."""
    def decorator(run):
        @wraps(run)
        def wrapped(request, *args, **kwargs):
            year = str(kwargs.get("year", ""))
            if request.method != "GET" or not year.isdigit() or any(p in request.GET for p in never_cached):
                return run(request, *args, **kwargs)
            campaign = published_campaign(int(year))
            if campaign is None:  # the operation answers its own 404
                return run(request, *args, **kwargs)
            version = public_cache.data_version(campaign)  # read before the rows: a write meanwhile makes it older

            def build() -> dict:
                request._public_campaign = (campaign, version)  # the operation need not read them again
                response = run(request, *args, **kwargs)
                if response.status_code != 200 or response.streaming or response.cookies:
                    raise _NotCached(response)
                return {"content": response.content, "headers": list(response.items())}

            language = getattr(request, "LANGUAGE_CODE", None) or translation.get_language()
            try:
                stored = public_cache.cached(f"api-{name}", campaign, build, request.path,
                                             request.META.get("QUERY_STRING", ""), language, version=version)
            except _NotCached as answer:
                return answer.response
            response = HttpResponse(stored["content"])
            for header, value in stored["headers"]:
                response[header] = value
            return response

        return wrapped

    return decorator


@router.get("/campaigns/{year}/activities",
            response={200: ActivityPage, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            operation_id="listActivities", summary="活动列表（检索、筛选）/ Search the catalog",
            openapi_extra=OPTIONAL_AUTH)
@decorate_view(cached_page("activities", never_cached=("bookable",)))
def list_activities(request, filters: Query[CatalogParams], paging: Query[PageParams], year: int = YEAR):
    """公开活动（已发布及发布后取消的），检索和筛选与门户网站“活动”页完全一致。按页返回，
    排序最后按 id，翻页稳定；页码超出范围时返回空列表。
    / Public activities, with exactly the portal's search and filters; stable pages."""
    campaign, version = getattr(request, "_public_campaign", None) or (campaign_or_404(year), None)
    query = catalog_query(filters)
    qs = catalog.search_catalog(campaign, query)
    # The count is cached per filter until the campaign's data changes (as on the portal).
    total = catalog.count(campaign, query, qs, version=version)
    # As catalog.page_of: the offset walks an id-only index scan and nothing is read past the
    # last page; then only the page's rows, with only what an item shows.
    ids = list(qs.values_list("pk", flat=True)[paging.offset:paging.offset + paging.page_size]) \
        if paging.offset < total else []
    return page(request, [activity_summary(a) for a in selectors.summaries_by_ids(ids)], paging, total)


def activity_or_404(activity_id: int, **kwargs) -> Activity:
    activity = selectors.public_activity(activity_id, **kwargs)
    if activity is None:
        raise not_found(_("未找到该活动。"))
    return activity


@router.get("/activities/{activity_id}", response={200: ActivityDetail, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            operation_id="getActivity", summary="活动详情 / Activity details", openapi_extra=OPTIONAL_AUTH)
def get_activity(request, activity_id: int = ACTIVITY_ID):
    """一项公开活动：主办/承办、举办地、地址和坐标、简介、面向对象、内容方向、线上渠道、场次和剩余名额。
    未公开（审核中、退回、草稿等）的活动返回 404。不含联系人、电话、经费和安全预案。
    / A public activity with its sessions and seats left; 404 for any activity that is not public.
    Never includes contacts, budget or safety plans."""
    return activity_detail(activity_or_404(activity_id))


@router.get("/activities/{activity_id}/sessions",
            response={200: SessionList, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            operation_id="listActivitySessions", summary="场次和剩余名额 / Sessions with seats left",
            openapi_extra=OPTIONAL_AUTH)
def list_sessions(request, activity_id: int = ACTIVITY_ID):
    """活动的全部场次及剩余名额（seats_left，null 表示不限）和是否可预约；适合预约前刷新名额。
    / All sessions with seats left and whether each can still be booked."""
    activity = activity_or_404(activity_id, details=False)
    now = timezone.now()
    items = [session(s, activity, now) for s in activity.sessions.all()]
    return {"activity_id": activity.pk, "items": items, "count": len(items)}
