"""The public catalog's filters, shared by the portal pages and the JSON API, so both give
the same results for the same question."""
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Left
from django.urls import reverse

from sciweek.campaigns.models import Campaign
from sciweek.core import cache as public_cache

from . import search, selectors
from .models import Activity, Session
from .selectors import public_activities

SORTS = {
    "date": ("starts_on", "id"),
    "-date": ("-starts_on", "-id"),
    "new": ("-approved_at", "-id"),
    "title": ("title", "id"),
}


@dataclass(frozen=True)
class CatalogQuery:
    q: str = ""
    division: str = ""  # a GB/T 2260 code: province, prefecture or county
    day: date | None = None
    days: int = 1  # 1 = that day, 7 = the week starting that day
    area: int | None = None  # a content area (national) or focus area (regional)
    format: str = ""  # online | onsite (hybrid counts as both)
    flagship: bool = False
    kind: str = ""
    audience: str = ""
    bookable: bool = False
    sort: str = "date"

    def as_params(self) -> dict:
        """Query-string parameters that reproduce this query (for links and pagination)."""
        params = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in ("", None, False) or (f.name == "days" and value == 1) or (f.name == "sort" and value == "date"):
                continue
            if f.name == "division":
                # The portal's cascade uses p/c/d, read from the province down
                # (public_views._division_param): a county is written with its province and city.
                params.update(zip("pcd", division_chain(value), strict=False))
                continue
            params[f.name] = "1" if value is True else str(value)
        return params

    def url(self, url_name: str, year: int, **extra) -> str:
        """This query as a link to a public page (catalog, calendar, map): each parameter
        exactly once, whatever it was built from. `extra` adds or replaces parameters (page,
        view); None or "" leaves one out."""
        return filter_url(url_name, year, self.as_params(), **extra)


def filter_url(url_name: str, year: int, params: dict, **extra) -> str:
    """reverse(url_name, year) + "?" + the parameters: one dict, so one value per name."""
    merged = {**params}
    for key, value in extra.items():
        if value in (None, ""):
            merged.pop(key, None)
        else:
            merged[key] = str(value)
    base = reverse(url_name, args=[year])
    return f"{base}?{urlencode(merged)}" if merged else base


def division_chain(code: str) -> list[str]:
    """130102 → [130000, 130100, 130102]; 130100 → [130000, 130100]; 130000 → [130000]."""
    prefix = division_prefix(code)
    if not prefix:
        return []
    chain = [prefix[:2].ljust(6, "0")]
    if len(prefix) >= 4:
        chain.append(prefix[:4].ljust(6, "0"))
    if len(prefix) == 6:
        chain.append(prefix)
    return chain


def division_prefix(code: str) -> str:
    """130000 → '13', 130100 → '1301', 130102 → '130102' (codes nest by prefix)."""
    if len(code) != 6 or not code.isdigit():
        return ""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def apply(qs: QuerySet[Activity], query: CatalogQuery) -> QuerySet[Activity]:
    if query.q:
        condition = search.matching(query.q)
        qs = qs.filter(condition) if condition is not None else qs.filter(title__icontains=query.q.strip()[:50])
    if query.division:
        prefix = division_prefix(query.division)
        if not prefix:
            qs = qs.none()
        elif len(prefix) == 6:
            qs = qs.filter(division_id=prefix)
        else:
            # Codes nest by digit prefix: a range on the indexed foreign key column.
            upper = str(int(prefix) + 1).zfill(len(prefix))
            qs = qs.filter(division__code__gte=prefix.ljust(6, "0"), division__code__lt=upper.ljust(6, "0"))
    if query.day:
        last = query.day + timedelta(days=max(1, query.days) - 1)
        qs = qs.filter(starts_on__lte=last, ends_on__gte=query.day)
    if query.area:
        qs = qs.filter(content_areas=query.area)
    if query.format == "online":
        qs = qs.filter(format__in=[Activity.Format.ONLINE, Activity.Format.HYBRID])
    elif query.format == "onsite":
        qs = qs.filter(format__in=[Activity.Format.ONSITE, Activity.Format.HYBRID])
    if query.flagship:
        qs = qs.filter(flagship__isnull=False)
    if query.kind in Activity.Kind.values:
        qs = qs.filter(kind=query.kind)
    if query.audience:
        qs = qs.filter(audience__icontains=query.audience[:20])
    if query.bookable:
        qs = qs.filter(Exists(Session.objects.filter(selectors.bookable_sessions(), activity_id=OuterRef("pk"))))
    return qs.order_by(*SORTS.get(query.sort, SORTS["date"]))


def search_catalog(campaign: Campaign, query: CatalogQuery) -> QuerySet[Activity]:
    return apply(public_activities(campaign), query)


def count(campaign: Campaign, query: CatalogQuery, qs: QuerySet[Activity] | None = None,
          version: str | None = None) -> int:
    """How many activities match `query`. A count reads every match (all 200,000 filings of a
    national campaign for the unfiltered catalog), so it is cached per filter until the
    campaign's data changes (`selectors.cached`). "Bookable now" depends on the clock and on
    seats taken, so that one is always counted."""
    qs = search_catalog(campaign, query) if qs is None else qs
    if query.bookable:
        return qs.count()
    params = query.as_params()
    params.pop("sort", None)  # the order does not change the count
    return public_cache.cached("catalog-count", campaign, qs.count, sorted(params.items()), version=version)


def _cached_unless_bookable(name: str, campaign: Campaign, query: CatalogQuery, compute, *key,
                            version: str | None = None):
    """Through the campaign's versioned cache, keyed by the filters; "bookable now" depends
    on the clock and on seats taken, so that one is always computed."""
    if query.bookable:
        return compute()
    return public_cache.cached(name, campaign, compute, sorted(query.as_params().items()), *key, version=version)


def counts_by_day(campaign: Campaign, query: CatalogQuery, first: date, last: date,
                  version: str | None = None) -> dict[date, int]:
    """For each day from `first` to `last`, how many activities the catalog lists for this
    query on that day (the calendar: its region and other filters are the catalog's).
    One scan with one count per day; each equals the catalog's count for `day=`."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    query = replace(query, day=None, days=1, sort="date")

    def compute() -> dict:
        aggregates = {f"d{i}": Count("id", filter=Q(starts_on__lte=d, ends_on__gte=d)) for i, d in enumerate(days)}
        row = (apply(public_activities(campaign), query).filter(starts_on__lte=last, ends_on__gte=first)
               .order_by().aggregate(**aggregates))
        return {d: row[f"d{i}"] for i, d in enumerate(days)}

    return _cached_unless_bookable("catalog-counts-by-day", campaign, query, compute, first, last, version=version)


def counts_by_province(campaign: Campaign, query: CatalogQuery, version: str | None = None) -> dict[str, int]:
    """Activities the catalog lists for this query, per province (the first two digits of
    the division code): the map, with the catalog's filters. One grouped query."""
    query = replace(query, sort="date")

    def compute() -> dict:
        rows = (apply(public_activities(campaign), query).filter(division__isnull=False)
                .annotate(part=Left("division_id", 2)).values("part").annotate(n=Count("id")).order_by())
        return {row["part"]: row["n"] for row in rows}

    return _cached_unless_bookable("catalog-counts-by-province", campaign, query, compute, version=version)


def catalog_page(campaign: Campaign, query: CatalogQuery, page: int, per_page: int = 20,
                 version: str | None = None) -> tuple[list[Activity], int]:
    """One page of the public catalog for the portal's list template (only the columns it
    shows) and the number of matches (cached), in 1 to 5 queries."""
    qs = search_catalog(campaign, query)
    return page_of(qs, page, per_page, total=count(campaign, query, qs, version=version), lean=True)


def page_of(qs: QuerySet[Activity], page: int, per_page: int = 20, total: int | None = None,
            lean: bool = False) -> tuple[list[Activity], int]:
    """One page by a deferred join: the offset walks an id-only index scan, then only the
    page's rows are loaded with their hosts (pages stay fast deep into the results). Past the
    last page nothing is read. `lean`: see selectors.by_ids."""
    total = qs.count() if total is None else total
    page = max(1, page)
    offset = (page - 1) * per_page
    if not total or offset >= total:
        return [], total
    ids = list(qs.values_list("pk", flat=True)[offset:offset + per_page])
    return selectors.by_ids(ids, lean=lean), total
