"""Public pages. Reads only; every count comes from approved filings."""
from datetime import timedelta
from urllib.parse import urlencode

import segno
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from sciweek.activities import catalog as catalog_module
from sciweek.activities import selectors as activity_selectors
from sciweek.activities.catalog import CatalogQuery
from sciweek.activities.models import Activity
from sciweek.campaigns import selectors as campaign_selectors
from sciweek.campaigns.models import Campaign
from sciweek.organizations.models import Division, Organization

from .calendar_files import activity_calendar

PER_PAGE = 20
CASCADE_LABELS = [_("省份"), _("城市"), _("区县")]
SORT_LABELS = [("date", _("按日期")), ("-date", _("日期倒序")), ("new", _("最新发布")), ("title", _("按名称"))]


def home(request):
    campaign = campaign_selectors.current_campaign()
    context = {"campaign": campaign}
    if campaign is not None:
        campaign = campaign_selectors.campaign_with_details(campaign.year)
        week_day = campaign_selectors.week_day_number(campaign)
        # Outside the week, show what its first day holds (the demo is a past week).
        day = timezone.localdate() if week_day else campaign.starts_on
        context.update(
            campaign=campaign, week_day=week_day, day=day,
            flagships=campaign.flagships.all(),
            main_events=campaign.main_venue_events.all(),
            national_areas=[a for a in campaign.content_areas.all() if a.plan_id is None],
            numbers=activity_selectors.headline_numbers(campaign),
            live=activity_selectors.live_on(campaign, day),
            highlights=activity_selectors.highlights_on(campaign, day),
            regional_plans=campaign.regional_plans.select_related("organization").order_by("organization__path"),
        )
    return render(request, "portal/home.html", context)


def region(request, year: int, org_id: int):
    campaign = get_object_or_404(Campaign, year=year, is_published=True)
    region = get_object_or_404(Organization, pk=org_id, kind=Organization.Kind.REGION, is_active=True)
    plan = campaign_selectors.plan_for(campaign, region)
    counts = activity_selectors.plan_counts(campaign, region)
    context = {
        "campaign": campaign,
        "region": region,
        "plan": plan if plan and plan.organization_id == region.pk else None,
        "counts": counts,
        "provincial_key": activity_selectors.key_activities(campaign, region, Activity.Level.PROVINCIAL),
        "city_key": activity_selectors.key_activities(campaign, region, Activity.Level.CITY),
        "online_only": campaign_selectors.is_online_only(campaign, region),
        "is_province": region.depth <= 2,
        "catalog_params": f"p={region.division_id}" if region.division_id and region.division_id.endswith("0000")
        else (f"division={region.division_id}" if region.division_id else ""),
    }
    return render(request, "portal/region.html", context)


ONLINE_CHANNELS = {
    "live": ("live_stream_url", _("云课堂与直播")),
    "exhibition": ("online_exhibition_url", _("网络展厅")),
    "video": ("video_url", _("科普视频")),
}


def online_week(request, year: int):
    """The online science week: cloud classrooms, online exhibitions and videos, drawn from
    the online channels of approved filings."""
    campaign = get_object_or_404(Campaign, year=year, is_published=True)
    channel = request.GET.get("channel", "live")
    if channel not in ONLINE_CHANNELS:
        channel = "live"
    field, _label = ONLINE_CHANNELS[channel]
    qs = activity_selectors.public_activities(campaign).filter(status=Activity.Status.APPROVED).exclude(**{field: ""})
    qs = qs.order_by("starts_on", "id")
    page_number = int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1
    rows, total = catalog_module.page_of(qs, page_number, PER_PAGE)
    return render(request, "portal/online.html", {
        "campaign": campaign, "channel": channel, "channels": [(k, v[1]) for k, v in ONLINE_CHANNELS.items()],
        "rows": [(a, getattr(a, field)) for a in rows], "total": total, "page_number": page_number,
        "pages": max(1, -(-total // PER_PAGE)),
    })


def _catalog_query(request) -> CatalogQuery:
    """Read catalog filters from the query string; anything malformed is simply ignored."""
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
    campaign = get_object_or_404(Campaign, year=year, is_published=True)
    query = _catalog_query(request)
    page_number = int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1
    rows, total = catalog_module.page_of(catalog_module.search_catalog(campaign, query), page_number, PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    division = Division.objects.filter(code=query.division).select_related("parent__parent").first() \
        if query.division else None
    context = {
        "campaign": campaign, "rows": rows, "total": total, "query": query, "division": division,
        "page_number": min(page_number, pages), "pages": pages,
        "params": urlencode(query.as_params()),
        "cascade": division_cascade(division),
        "areas": campaign.content_areas.select_related("plan__organization").order_by("plan_id", "position"),
        "sorts": SORT_LABELS,
    }
    template = "portal/_catalog_body.html" if request.htmx else "portal/catalog.html"
    return render(request, template, context)


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
        options = list(Division.objects.filter(parent_id=parent_code).order_by("code").values_list("code", "name")) \
            if depth == 0 or parent_code else []
        selected = chain[depth].code if depth < len(chain) else ""
        levels.append({"options": options, "selected": selected, "label": CASCADE_LABELS[depth],
                       "name": "pcd"[depth]})
        parent_code = selected or None
        if not selected:
            break
    return levels


def _public_activity(year: int, activity_id: int):
    campaign = get_object_or_404(Campaign, year=year, is_published=True)
    activity = get_object_or_404(
        activity_selectors.with_hosts(activity_selectors.public_activities(campaign))
        .select_related("division__parent__parent", "flagship"),
        pk=activity_id,
    )
    return campaign, activity


def activity_detail(request, year: int, activity_id: int):
    campaign, activity = _public_activity(year, activity_id)
    pending_change = activity.change_requests.filter(status=Activity.Status.SUBMITTED).exists()
    url = request.build_absolute_uri()
    return render(request, "portal/activity.html", {
        "campaign": campaign, "activity": activity, "pending_change": pending_change,
        "sessions": [(s, None if s.capacity is None else max(0, s.capacity - s.seats_taken))
                     for s in activity.sessions.all()],
        "areas": activity.content_areas.all(),
        "share_url": url,
        "share_qr": segno.make(url, error="m").svg_inline(scale=3, title=activity.title),
    })


def activity_ics(request, year: int, activity_id: int):
    campaign, activity = _public_activity(year, activity_id)
    response = HttpResponse(activity_calendar(activity), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sciweek-{activity.pk}.ics"'
    return response


def calendar_view(request, year: int):
    """Day or week view: counts per day, each day leading into the catalog filtered to it."""
    campaign = get_object_or_404(Campaign, year=year, is_published=True)
    start = _date_param(request.GET.get("day", "")) or campaign.starts_on
    week = request.GET.get("view") != "day"
    days = [start + timedelta(days=i) for i in range(7 if week else 1)]
    counts = activity_selectors.counts_by_day(campaign, days[0], days[-1])
    day_rows = []
    for day in days:
        query = CatalogQuery(day=day)
        rows, total = catalog_module.page_of(catalog_module.search_catalog(campaign, query), 1, 5 if week else 30,
                                             total=counts.get(day, 0))
        day_rows.append({"day": day, "count": counts.get(day, 0), "rows": rows, "total": total,
                         "params": urlencode(query.as_params())})
    return render(request, "portal/calendar.html", {
        "campaign": campaign, "week": week, "days": day_rows, "start": start,
        "previous": start - timedelta(days=7 if week else 1), "next": start + timedelta(days=7 if week else 1),
    })


def map_view(request, year: int):
    campaign = get_object_or_404(Campaign, year=year, is_published=True)
    counts = activity_selectors.counts_by_province(campaign)
    provinces = Division.objects.filter(level=Division.Level.PROVINCE).order_by("code")
    catalog_url = reverse("portal:catalog", args=[year])
    data = [{"name": short_province_name(p.name), "full_name": p.name, "value": counts.get(p.code[:2], 0),
             "url": f"{catalog_url}?p={p.code}"} for p in provinces]
    return render(request, "portal/map.html", {
        "campaign": campaign, "map_data": data, "total": sum(d["value"] for d in data),
        "table": sorted(data, key=lambda d: -d["value"]),
    })


PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")


def short_province_name(name: str) -> str:
    """河北省 → 河北, 广西壮族自治区 → 广西: the names the ECharts China map uses."""
    for suffix in PROVINCE_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name
