"""News endpoints of the JSON API (registered in NewsConfig.ready, mounted on /api/v1/): the
public news feed (动态信息及影像) of a campaign, published items only."""
from datetime import datetime

from ninja import Field, Query, Router, Schema

from sciweek.api.auth import OPTIONAL_AUTH
from sciweek.api.errors import COMMON_ERRORS, INVALID, NOT_FOUND
from sciweek.api.pagination import Page, PageParams, paginate
from sciweek.campaigns.api import YEAR, campaign_or_404

from .models import NewsItem
from .selectors import public_feed, public_images, public_video

router = Router(tags=["news"])


class NewsImageOut(Schema):
    url: str = Field(description="原图地址（相对地址）/ the full-size picture (relative)")
    thumbnail_url: str = Field(description="缩略图地址（相对地址）/ its thumbnail (relative)")
    caption: str
    width: int | None
    height: int | None


class NewsOut(Schema):
    id: int
    title: str
    body: str
    published_at: datetime
    organization: str
    activity_id: int | None
    images: list[NewsImageOut]
    video_url: str | None = Field(description="视频播放地址（支持 Range 请求）；没有视频时为 null / the video")
    video_poster_url: str | None
    is_late: bool = Field(description="首次报送时已超过报送时限 / first submitted after the activity's news was due")
    late_seconds: int | None = Field(description="逾期秒数（按首次报送计）；按时或无时限为 0 或 null / how late")


class NewsPage(Page[NewsOut]):  # one page of the feed, see sciweek.api.pagination
    pass


def news_item(item: NewsItem) -> dict:
    video = public_video(item)
    return {"id": item.pk, "title": item.title, "body": item.body, "published_at": item.published_at,
            "organization": item.organization.display_name, "activity_id": item.activity_id,
            "images": [{"url": i["full"], "thumbnail_url": i["thumb"], "caption": i["caption"], "width": i["width"],
                        "height": i["height"]} for i in public_images(item)],
            "video_url": video["url"] if video else None, "video_poster_url": (video["poster"] or None) if video else None,
            "is_late": bool(item.late_seconds) or item.is_late, "late_seconds": item.late_seconds}


@router.get("/campaigns/{year}/news", response={200: NewsPage, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            operation_id="listNews", summary="活动动态 / News feed", openapi_extra=OPTIONAL_AUTH)
def list_news(request, paging: Query[PageParams], year: int = YEAR):
    """各级组织报送的活动动态（含图片和视频），最新的在前。/ News items reported by organizers, with their
    pictures and video, newest first."""
    return paginate(request, public_feed(campaign_or_404(year)), paging, news_item)
