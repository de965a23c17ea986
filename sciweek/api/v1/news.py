"""The public news feed (动态信息) of a campaign."""
import math
from datetime import datetime

from ninja import Query, Router, Schema

from sciweek.news.selectors import public_news

from ..auth import OPTIONAL_AUTH
from ..errors import COMMON_ERRORS, INVALID, NOT_FOUND
from ..schemas import PageParams
from .campaigns import YEAR, campaign_or_404

router = Router(tags=["news"])


class NewsOut(Schema):
    id: int
    title: str
    body: str
    published_at: datetime
    organization: str
    activity_id: int | None


class NewsPage(Schema):
    items: list[NewsOut]
    count: int
    page: int
    page_size: int
    pages: int


@router.get("/campaigns/{year}/news", response={200: NewsPage, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            operation_id="listNews", summary="活动动态 / News feed", openapi_extra=OPTIONAL_AUTH)
def list_news(request, paging: Query[PageParams], year: int = YEAR):
    """各级组织报送的活动动态，最新的在前。/ News items reported by organizers, newest first."""
    campaign = campaign_or_404(year)
    qs = public_news(campaign)
    count = qs.count()
    start = (paging.page - 1) * paging.page_size
    rows = list(qs[start:start + paging.page_size])
    return {
        "items": [{"id": n.pk, "title": n.title, "body": n.body, "published_at": n.published_at,
                   "organization": n.organization.display_name, "activity_id": n.activity_id} for n in rows],
        "count": count, "page": paging.page, "page_size": paging.page_size,
        "pages": max(1, math.ceil(count / paging.page_size)),
    }
