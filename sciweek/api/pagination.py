"""Paged lists of the API, in one shape for every list that pages.

Request: `page` (from 1) and `page_size` (default 20, at most 50), see `PageParams`.
Response: `items` plus `count` (all matches), `page`, `page_size`, `pages` (0 when nothing
matches), and `next` / `previous` as *page numbers* (null at the ends). Numbers rather than
links: a client builds the next request from the one it sent, whatever host or proxy it went
through. A page past the end is an empty list whose `previous` is the last page.

An app declares its page schema as a subclass, so the schema keeps the app's name:

    class ActivityPage(Page[ActivitySummary]):
        ...
    return page(rows, paging, total)             # rows already cut to the page
    return paginate(queryset, paging, serialize)  # count + slice a queryset
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


def page(items: Sequence, paging: PageParams, total: int) -> dict:
    """The response body for one page of `total` matches (`items` already cut to the page)."""
    pages = math.ceil(total / paging.page_size)
    return {
        "items": list(items),
        "count": total,
        "page": paging.page,
        "page_size": paging.page_size,
        "pages": pages,
        "next": paging.page + 1 if paging.page < pages else None,
        "previous": min(paging.page - 1, pages) if paging.page > 1 and pages else None,
    }


def paginate(queryset, paging: PageParams, serialize: Callable) -> dict:
    """Count `queryset`, read only the requested page, serialize each row (past the end, no rows are read)."""
    total = queryset.count()
    rows = list(queryset[paging.offset:paging.offset + paging.page_size]) if paging.offset < total else []
    return page([serialize(row) for row in rows], paging, total)
