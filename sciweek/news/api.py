"""News endpoints of the JSON API (registered in NewsConfig.ready, mounted on /api/v1/): the
public news feed (动态信息) of a campaign."""
from datetime import datetime

from ninja import Query, Router, Schema

from sciweek.api.auth import OPTIONAL_AUTH
from sciweek.api.errors import COMMON_ERRORS, INVALID, NOT_FOUND
from sciweek.api.pagination import Page, PageParams, paginate
from sciweek.campaigns.api import YEAR, campaign_or_404

from .models import NewsItem
from .selectors import public_news

router = Router(tags=["news"])


class NewsOut(Schema):
    id: int
    title: str
    body: str
    published_at: datetime
    organization: str
    activity_id: int | None


class NewsPage(Page[NewsOut]):  # one page of the feed, see sciweek.api.pagination
    pass


def news_item(item: NewsItem) -> dict:
    return {"id": item.pk, "title": item.title, "body": item.body, "published_at": item.published_at,
            "organization": item.organization.display_name, "activity_id": item.activity_id}


@router.get("/campaigns/{year}/news", response={200: NewsPage, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            operation_id="listNews", summary="活动动态 / News feed", openapi_extra=OPTIONAL_AUTH)
def list_news(request, paging: Query[PageParams], year: int = YEAR):
    """各级组织报送的活动动态，最新的在前。/ News items reported by organizers, newest first."""
    return paginate(request, public_news(campaign_or_404(year)), paging, news_item)
