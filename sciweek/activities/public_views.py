"""Public pages of the activities app: the catalog, the activity page (and its .ics), the
calendar, the map and the online week. Reads only, through the selectors; every count comes
from public filings. What a page computes from a whole campaign is cached under the
campaign's data version (sciweek.core.cache), so it is never stale after a write."""
import hashlib
from dataclasses import replace
from datetime import timedelta
from functools import lru_cache

import segno
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import time as time_format
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from sciweek.campaigns.models import Campaign
from sciweek.campaigns.selectors import published_campaigns
from sciweek.core import cache as public_cache
from sciweek.core.templatetags.sciweek import day_week
from sciweek.news import selectors as news_selectors
from sciweek.organizations.models import Division, Organization
from sciweek.organizations.selectors import division_children, division_with_parents, provinces

from . import catalog as catalog_module
from . import selectors
from .calendar_files import activity_calendar
from .catalog import CatalogQuery
from .models import Activity

PER_PAGE = 20
CASCADE_LABELS = [_("省份"), _("城市"), _("区县")]
SORT_LABELS = [("date", _("按日期")), ("-date", _("日期倒序")), ("new", _("最新发布")), ("title", _("按名称"))]


def _campaign(year: int) -> Campaign:
    return get_object_or_404(published_campaigns(), year=year)


def _page_number(request) -> int:
    return int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1


def public_fragment(name: str, campaign: Campaign, version: str, render_fragment, *key):
    """A rendered piece of a public page through the cache, keyed by the campaign's data
    version: unchanged data is rendered once, not per visit."""
    return public_cache.cached(f"fragment-{name}", campaign, render_fragment, *key, version=version)


# --- the catalog -----------------------------------------------------------------------

def catalog_query(request) -> CatalogQuery:
    """Read catalog filters from the query string; anything malformed is simply ignored.
    (The API builds the same CatalogQuery from its parameters: activities.api.catalog_query.)"""
    get = request.GET
    day = _date_param(get.get("day", ""))
    area = get.get("area", "")
    return CatalogQuery(
        q=get.get("q", "").strip()[:50],
        division=_division_param(get),
        day=day,
        days=7 if get.get("days") == "7" else 1,
        area=int(area) if area.isdigit() else None,
        format=get.get("format", "") if get.get("format") in ("online", "onsite") else "",
        flagship=get.get("flagship") == "1",
        kind=get.get("kind", "") if get.get("kind") in Activity.Kind.values else "",
        audience=get.get("audience", "").strip()[:20],
        bookable=get.get("bookable") == "1",
        sort=get.get("sort", "date") if get.get("sort") in catalog_module.SORTS else "date",
    )


def _date_param(value: str):
    try:
        return parse_date(value[:10]) if value else None
    except ValueError:  # well-formed but impossible, e.g. 2020-13-45
        return None


def _division_param(get) -> str:
    """The deepest consistent choice of the cascade (p → c → d), or a plain `division`."""
    chosen = ""
    for key in ("p", "c", "d"):
        code = get.get(key, "")[:6]
        if not (code.isdigit() and len(code) == 6):
            break
        if chosen and not code.startswith(catalog_module.division_prefix(chosen)):
            break  # a stale city/county left over after the province changed
        chosen = code
    division = get.get("division", "")[:6]
    return chosen or (division if division.isdigit() and len(division) == 6 else "")


def catalog(request, year: int):
    campaign = _campaign(year)
    query = catalog_query(request)
    page_number = _page_number(request)
    version = public_cache.data_version(campaign)

    def render_body() -> dict:
        rows, total = catalog_module.catalog_page(campaign, query, page_number, PER_PAGE, version=version)
        pages = max(1, -(-total // PER_PAGE))
        shown = min(page_number, pages)
        division = division_with_parents(query.division) if query.division else None
        context = {
            "campaign": campaign, "rows": rows, "total": total, "query": query, "division": division,
            "page_number": shown, "pages": pages,
            "previous_url": query.url("activities:catalog", year, page=shown - 1 if shown > 2 else None),
            "next_url": query.url("activities:catalog", year, page=shown + 1),
            "calendar_url": query.url("activities:calendar", year, day=query.day and query.day.isoformat()),
            "map_url": query.url("activities:map", year),
            "cascade": division_cascade(division),
            "areas": campaign.content_areas.select_related("plan__organization").order_by("plan_id", "position"),
            "sorts": SORT_LABELS,
        }
        # Rendered without the request: the fragment holds nothing personal, so every
        # visitor asking the same question in the same language can be sent the same HTML.
        return {"html": render_to_string("activities/_catalog_body.html", context),
                "division_name": division.name if division else ""}

    if query.bookable:  # seats and the clock change it: never cached
        body = render_body()
    else:
        body = public_fragment("catalog", campaign, version, render_body, request.LANGUAGE_CODE,
                               sorted(query.as_params().items()), page_number)
    if request.htmx:
        # The form sends every field (empty ones too) to the bare catalog address; the address
        # pushed to the history is the canonical one: each filter once, no empty ones.
        response = HttpResponse(body["html"])
        response["HX-Push-Url"] = query.url("activities:catalog", year, page=page_number if page_number > 1 else None)
        return response
    return render(request, "activities/catalog.html", {
        "campaign": campaign, "body": mark_safe(body["html"]),  # noqa: S308 — our own rendered template
        "division_name": body["division_name"],
    })


def division_cascade(division: Division | None) -> list[dict]:
    """The three cascade selects (province → city → county) with the current choice."""
    chain = []
    node = division
    while node is not None:
        chain.insert(0, node)
        node = node.parent
    levels = []
    parent_code = None
    for depth in range(3):
        options = list(division_children(parent_code).values_list("code", "name")) \
            if depth == 0 or parent_code else []
        selected = chain[depth].code if depth < len(chain) else ""
        levels.append({"options": options, "selected": selected, "label": CASCADE_LABELS[depth],
                       "name": "pcd"[depth]})
        parent_code = selected or None
        if not selected:
            break
    return levels


# --- the activity page -----------------------------------------------------------------

def _public_activity(year: int, activity_id: int) -> tuple[Campaign, dict, str]:
    """The campaign, the activity's bundle (see _activity_bundle) and the campaign's data version."""
    campaign = _campaign(year)
    version = public_cache.data_version(campaign)
    return campaign, _activity_bundle(campaign, activity_id, version), version


def _activity_bundle(campaign: Campaign, activity_id: int, version: str) -> dict:
    """{activity (with hosts, place, flagship), areas, pending_change}, or Http404.

    Loading a filing with its joins costs more than drawing its page, so the loaded bundle is
    cached under the campaign's data version (any write to a filing of the campaign changes
    it). Sessions and seats are not in it: they change with every booking and are read fresh."""
    def load() -> dict:
        activity = selectors.public_activity(activity_id, campaign, sessions=False)
        if activity is None:
            raise Http404
        return {"activity": activity, "areas": list(activity.content_areas.all()),
                "pending_change": selectors.has_pending_change(activity)}

    return public_cache.cached("activity", campaign, load, activity_id, version=version)


# The activity page's fragment holds its news list, which may show a minute late (as
# news.selectors.latest promises); the rest of it follows the data version at once.
ACTIVITY_FRAGMENT_SECONDS = 60
NEWS_ON_ACTIVITY_PAGE = 5


def activity_detail(request, year: int, activity_id: int):
    """Everything but the sessions comes from one cached fragment (details, news, share box,
    the page's title and description, and what booking_state needs of the filing), rendered
    without the request and holding nothing personal. Per visit: the campaign (fresh, with its
    online-only switch), the data version, the sessions and seats left, and the page around."""
    campaign = _campaign(year)
    version = public_cache.data_version(campaign)
    url = request.build_absolute_uri()

    def render_parts() -> dict:
        bundle = _activity_bundle(campaign, activity_id, version)
        activity = bundle["activity"]
        # Read fresh (this fragment lives a minute): a withdrawn item leaves within a minute.
        news = list(news_selectors.public_news(campaign).filter(activity_id=activity.pk)
                    .values("pk", "title", "published_at")[:NEWS_ON_ACTIVITY_PAGE])
        context = {"campaign": campaign, "activity": activity, "pending_change": bundle["pending_change"],
                   "areas": bundle["areas"], "share_url": url, "share_qr": share_qr(url, activity.title),
                   "news": news}
        organization = activity.organization
        return {
            "top": render_to_string("activities/_activity_top.html", context),
            "bottom": render_to_string("activities/_activity_bottom.html", context),
            "description": render_to_string("activities/_activity_description.html", context),
            "title": activity.title,
            "booking": {"status": activity.status, "format": activity.format, "organization": (
                organization.pk, organization.path, organization.depth)},
        }

    # Only the plain address is cached: a query string (tracking tags, noise) would make every
    # visit a new entry.
    parts = public_cache.cached("fragment-activity-page", campaign, render_parts, activity_id, url,
                                request.LANGUAGE_CODE, version=version, timeout=ACTIVITY_FRAGMENT_SECONDS) \
        if not request.GET else render_parts()
    activity = _booking_view(campaign, activity_id, parts["booking"])
    now = timezone.now()
    language, zone = translation.get_language(), timezone.get_current_timezone_name()
    this_year = timezone.localdate().year
    return render(request, "activities/activity.html", {
        "campaign": campaign, "title": parts["title"],
        "sessions": [(s, None if s.capacity is None else max(0, s.capacity - s.seats_taken),
                      selectors.booking_state(s, activity=activity, now=now),
                      session_when(s.starts_at, s.ends_at, language, zone, this_year))
                     for s in selectors.activity_sessions_fresh(activity_id)],
        # Our own templates, rendered by render_parts:
        "parts": {key: mark_safe(parts[key]) for key in ("top", "bottom", "description")},  # noqa: S308
    })


@lru_cache(maxsize=4096)
def session_when(starts_at, ends_at, language: str, zone: str, year: int) -> str:
    """When a session runs, as the activity page writes it ("8月29日 周六 09:30–11:30": the
    `day_week` and `time:"H:i"` filters), remembered per process. Formatting three dates is
    most of the Python a session row costs; the answer depends only on the times, the language,
    the time zone and the current year (`day_week` adds the year when it is not this one), so
    those are the key (the caller passes the active ones)."""
    starts, ends = timezone.localtime(starts_at), timezone.localtime(ends_at)
    return f"{day_week(starts)} {time_format(starts, 'H:i')}–{time_format(ends, 'H:i')}"


def _booking_view(campaign: Campaign, activity_id: int, booking: dict) -> Activity:
    """The filing as booking_state reads it (status, format, filer) without loading it: an
    unsaved Activity built from the cached fragment, on the campaign read fresh for this
    request (its online-only switch must never come from a cache)."""
    organization_id, path, depth = booking["organization"]
    return Activity(pk=activity_id, status=booking["status"], format=booking["format"], campaign=campaign,
                    organization=Organization(pk=organization_id, path=path, depth=depth))


def share_qr(url: str, title: str) -> str:
    """The share QR code as inline SVG. Drawing it costs more than the rest of the page, and
    it depends only on the URL and the title: cached for an hour (plain addresses only). With
    a viewBox and no fixed size (omitsize), so the stylesheet scales it to the column."""
    if "?" in url:
        return segno.make(url, error="m").svg_inline(scale=3, title=title, omitsize=True)
    key = "sciweek:qr:v2:" + hashlib.sha256(f"{url}\0{title}".encode()).hexdigest()[:32]
    svg = cache.get(key)
    if svg is None:
        svg = segno.make(url, error="m").svg_inline(scale=3, title=title, omitsize=True)
        cache.set(key, svg, 3600)
    return svg


def activity_ics(request, year: int, activity_id: int):
    activity = _public_activity(year, activity_id)[1]["activity"]
    response = HttpResponse(activity_calendar(activity), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sciweek-{activity.pk}.ics"'
    return response


# --- calendar, map, online week --------------------------------------------------------

def calendar_view(request, year: int):
    """Day or week view: counts per day under the catalog's filters (region, format, ...),
    each day leading into the catalog filtered to it, the filters kept."""
    campaign = _campaign(year)
    query = replace(catalog_query(request), day=None, days=1, sort="date")
    start = _date_param(request.GET.get("day", "")) or campaign.starts_on
    week = request.GET.get("view") != "day"
    view = "week" if week else "day"
    days = [start + timedelta(days=i) for i in range(7 if week else 1)]
    version = public_cache.data_version(campaign)
    counts = catalog_module.counts_by_day(campaign, query, days[0], days[-1], version=version)
    # The first few of each day: one id query per day that has any, then all rows at once.
    per_day = 5 if week else 30
    day_ids = {}
    for day in days:
        if counts.get(day, 0):
            day_ids[day] = list(catalog_module.search_catalog(campaign, replace(query, day=day))
                                .values_list("pk", flat=True)[:per_day])
    loaded = {a.pk: a for a in selectors.by_ids([i for ids in day_ids.values() for i in ids], lean=True)}
    day_rows = [{"day": day, "count": counts.get(day, 0), "total": counts.get(day, 0),
                 "rows": [loaded[i] for i in day_ids.get(day, []) if i in loaded],
                 "url": replace(query, day=day).url("activities:catalog", year)} for day in days]
    previous = start - timedelta(days=7 if week else 1)
    following = start + timedelta(days=7 if week else 1)

    def link(**extra) -> str:
        return query.url("activities:calendar", year, **{"view": view, "day": start.isoformat(), **extra})

    division = division_with_parents(query.division) if query.division else None
    response = render(request, "activities/calendar.html", {
        "campaign": campaign, "week": week, "days": day_rows, "start": start, "query": query,
        "division": division, "cascade": division_cascade(division),
        "hidden_params": [(k, v) for k, v in query.as_params().items() if k not in CALENDAR_FORM_FIELDS],
        "previous_url": link(day=previous.isoformat()), "next_url": link(day=following.isoformat()),
        "day_view_url": link(view="day"), "week_view_url": link(view="week"),
        "campaign_week_url": link(view="week", day=campaign.starts_on.isoformat()),
        "catalog_url": query.url("activities:catalog", year),
        "map_url": query.url("activities:map", year),
    })
    if request.htmx:  # the form sends every field: push the canonical address instead
        response["HX-Push-Url"] = link()
    return response


# The filters the calendar's own form shows; the others it keeps as hidden fields.
CALENDAR_FORM_FIELDS = {"p", "c", "d", "format", "flagship"}


def map_view(request, year: int):
    """Counts per province under the catalog's filters; each province leads into the catalog
    with the filters kept and that province chosen."""
    campaign = _campaign(year)
    query = replace(catalog_query(request), sort="date")
    counts = catalog_module.counts_by_province(campaign, query, version=public_cache.data_version(campaign))
    data = [{"name": short_province_name(p.name), "full_name": p.name, "value": counts.get(p.code[:2], 0),
             "url": replace(query, division=p.code).url("activities:catalog", year)} for p in provinces()]
    division = division_with_parents(query.division) if query.division else None
    return render(request, "activities/map.html", {
        "campaign": campaign, "map_data": data, "total": sum(d["value"] for d in data),
        "table": sorted(data, key=lambda d: -d["value"]), "division": division,
        "filtered": bool(query.as_params()),
        "all_regions_url": replace(query, division="").url("activities:map", year),
        "catalog_url": query.url("activities:catalog", year),
        "calendar_url": query.url("activities:calendar", year),
    })


PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")


def short_province_name(name: str) -> str:
    """河北省 → 河北, 广西壮族自治区 → 广西: the names the ECharts China map uses."""
    for suffix in PROVINCE_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


ONLINE_CHANNELS = {
    "live": ("live_stream_url", _("云课堂与直播")),
    "exhibition": ("online_exhibition_url", _("网络展厅")),
    "video": ("video_url", _("科普视频")),
}


def online_week(request, year: int):
    """The online science week: cloud classrooms, online exhibitions and videos, drawn from
    the online channels of approved filings."""
    campaign = _campaign(year)
    channel = request.GET.get("channel", "live")
    if channel not in ONLINE_CHANNELS:
        channel = "live"
    field, _label = ONLINE_CHANNELS[channel]
    qs = selectors.public_activities(campaign).filter(status=Activity.Status.APPROVED).exclude(**{field: ""})
    qs = qs.order_by("starts_on", "id")
    page_number = _page_number(request)
    total = public_cache.cached("online-count", campaign, qs.count, channel)
    rows, total = catalog_module.page_of(qs, page_number, PER_PAGE, total=total, lean=True)
    return render(request, "activities/online.html", {
        "campaign": campaign, "channel": channel, "channels": [(k, v[1]) for k, v in ONLINE_CHANNELS.items()],
        "rows": [(a, getattr(a, field)) for a in rows], "total": total, "page_number": page_number,
        "pages": max(1, -(-total // PER_PAGE)),
    })
