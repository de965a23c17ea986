"""Paged lists of the API, in one shape for every list that pages.

Request: `page` (from 1) and `page_size` (default 20, at most 50), see `PageParams`.
Response: `items` plus `count` (all matches), `page`, `page_size`, `pages` (0 when nothing
matches), `next` / `previous` as page numbers and `next_url` / `previous_url` as links
(null at the ends). The links are relative (path and query, the request's own filters kept
and only `page` changed), so they hold whatever host or proxy the client came through. A page
past the end is an empty list whose `previous` is the last page.

An app declares its page schema as a subclass, so the schema keeps the app's name:

    class ActivityPage(Page[ActivitySummary]):
        ...
    return page(request, rows, paging, total)             # rows already cut to the page
    return paginate(request, queryset, paging, serialize)  # count + slice a queryset
"""
import math
from collections.abc import Callable, Sequence
from typing import Annotated, Generic, TypeVar

from ninja import Schema
from pydantic import Field

PageNumber = Annotated[int, Field(ge=1, le=100_000)]
PageSize = Annotated[int, Field(ge=1, le=50)]

Item = TypeVar("Item")


class PageParams(Schema):
    page: Annotated[PageNumber, Field(description="页码，从 1 开始 / page number")] = 1
    page_size: Annotated[PageSize, Field(description="每页条数，最多 50 / items per page")] = 20

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


class Page(Schema, Generic[Item]):
    items: list[Item]
    count: int = Field(description="符合条件的总数 / total matches")
    page: int
    page_size: int
    pages: int = Field(description="总页数（没有结果时为 0）/ number of pages (0 when nothing matches)")
    next: int | None = Field(description="下一页页码，没有则为 null / next page number")
    previous: int | None = Field(description="上一页页码，没有则为 null / previous page number")
    next_url: str | None = Field(description="下一页链接（相对地址，保留本次的筛选条件），没有则为 null / "
                                             "link to the next page (relative, same filters)")
    previous_url: str | None = Field(description="上一页链接，没有则为 null / link to the previous page")


def link(request, number: int | None) -> str | None:
    """The request's own path and query with `page` set to `number`."""
    if number is None:
        return None
    query = request.GET.copy()
    query["page"] = str(number)
    return f"{request.path}?{query.urlencode()}"


def page(request, items: Sequence, paging: PageParams, total: int) -> dict:
    """The response body for one page of `total` matches (`items` already cut to the page)."""
    pages = math.ceil(total / paging.page_size)
    after = paging.page + 1 if paging.page < pages else None
    before = min(paging.page - 1, pages) if paging.page > 1 and pages else None
    return {
        "items": list(items),
        "count": total,
        "page": paging.page,
        "page_size": paging.page_size,
        "pages": pages,
        "next": after,
        "previous": before,
        "next_url": link(request, after),
        "previous_url": link(request, before),
    }


def paginate(request, queryset, paging: PageParams, serialize: Callable) -> dict:
    """Count `queryset`, read only the requested page, serialize each row (past the end, no rows are read)."""
    total = queryset.count()
    rows = list(queryset[paging.offset:paging.offset + paging.page_size]) if paging.offset < total else []
    return page(request, [serialize(row) for row in rows], paging, total)
