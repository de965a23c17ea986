"""The public activity catalog, activity details and sessions."""
import math
from datetime import date, timedelta

from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router

from sciweek.activities import catalog
from sciweek.activities.catalog import CatalogQuery

from .. import queries
from ..auth import OPTIONAL_AUTH
from ..errors import COMMON_ERRORS, INVALID, NOT_FOUND, not_found
from ..schemas import MAX_ID, ActivityDetail, ActivityPage, CatalogParams, PageParams, SessionList
from . import serializers
from .campaigns import YEAR, campaign_or_404

router = Router(tags=["activities"])

ACTIVITY_ID = Path(..., ge=1, le=MAX_ID, description="活动 id / activity id")


def catalog_query(params: CatalogParams) -> CatalogQuery:
    """The same CatalogQuery the portal builds from the same filters (see portal.views._catalog_query)."""
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


@router.get("/campaigns/{year}/activities",
            response={200: ActivityPage, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            operation_id="listActivities", summary="活动列表（检索、筛选）/ Search the catalog",
            openapi_extra=OPTIONAL_AUTH)
def list_activities(request, filters: Query[CatalogParams], paging: Query[PageParams], year: int = YEAR):
    """公开活动（已发布及发布后取消的），检索和筛选与门户网站“活动”页完全一致。按页返回，
    排序最后按 id，翻页稳定；页码超出范围时返回空列表。
    / Public activities, with exactly the portal's search and filters; stable pages."""
    campaign = campaign_or_404(year)
    query = catalog_query(filters)
    qs = catalog.search_catalog(campaign, query)
    # The count is cached per filter until the campaign's data changes (as on the portal).
    rows, total = catalog.page_of(qs, paging.page, paging.page_size, total=catalog.count(campaign, query, qs))
    prefetch_related_objects(rows, "flagship")  # one query for the page, not one per row
    pages = math.ceil(total / paging.page_size)
    return {
        "items": [serializers.activity_summary(a) for a in rows],
        "count": total,
        "page": paging.page,
        "page_size": paging.page_size,
        "pages": pages,
        "next": paging.page + 1 if paging.page < pages else None,
        "previous": min(paging.page - 1, pages) if paging.page > 1 and pages else None,
    }


def activity_or_404(activity_id: int, **kwargs):
    activity = queries.public_activity(activity_id, **kwargs)
    if activity is None:
        raise not_found(_("未找到该活动。"))
    return activity


@router.get("/activities/{activity_id}", response={200: ActivityDetail, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            operation_id="getActivity", summary="活动详情 / Activity details", openapi_extra=OPTIONAL_AUTH)
def activity_detail(request, activity_id: int = ACTIVITY_ID):
    """一项公开活动：主办/承办、举办地、地址和坐标、简介、面向对象、内容方向、线上渠道、场次和剩余名额。
    未公开（审核中、退回、草稿等）的活动返回 404。不含联系人、电话、经费和安全预案。
    / A public activity with its sessions and seats left; 404 for any activity that is not public.
    Never includes contacts, budget or safety plans."""
    return serializers.activity_detail(activity_or_404(activity_id))


@router.get("/activities/{activity_id}/sessions",
            response={200: SessionList, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            operation_id="listActivitySessions", summary="场次和剩余名额 / Sessions with seats left",
            openapi_extra=OPTIONAL_AUTH)
def activity_sessions(request, activity_id: int = ACTIVITY_ID):
    """活动的全部场次及剩余名额（seats_left，null 表示不限）和是否可预约；适合预约前刷新名额。
    / All sessions with seats left and whether each can still be booked."""
    activity = activity_or_404(activity_id, details=False)
    now = timezone.now()
    items = [serializers.session(s, activity, now) for s in activity.sessions.all()]
    return {"activity_id": activity.pk, "items": items, "count": len(items)}
