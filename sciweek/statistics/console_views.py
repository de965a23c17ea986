"""Console pages of the statistics: a level's figures over its subtree (/console/statistics/
?year=&org=&by=), drill-down to a child, the Excel export of every figure on the page, and
publishing. Every page asks the policy (statistics.view / statistics.publish): a level
outside the user's subtrees is a 404."""
from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from sciweek.accounts import policy
from sciweek.accounts.decorators import console_view
from sciweek.campaigns.selectors import (
    published_campaigns,
    requested_campaign,
)
from sciweek.organizations.maps import map_for
from sciweek.organizations.models import Organization
from sciweek.organizations.selectors import ancestors

from . import exports, selectors, services, snapshots, tables, workplan
from .help import definitions


def _level(request, organization_id=None) -> Organization:
    """?org= (or the URL's id) within the user's statistics scope, else the user's topmost
    organization where they may see statistics."""
    raw = str(organization_id) if organization_id is not None else request.GET.get("org", "")
    if raw.isdigit():
        level = get_object_or_404(Organization, pk=int(raw))
        policy.require(request.user, "statistics.view", level)
        return level
    if raw:
        raise Http404
    homes = [o for o in policy.home_organizations(request.user) if policy.can(request.user, "statistics.view", o)]
    if not homes:
        raise Http404
    return homes[0]


def _dimension(request) -> str:
    by = request.GET.get("by", "")
    if by and by not in selectors.DIMENSIONS:
        messages.warning(request, _("没有这种分组方式，已按类别显示。"))
    return by if by in selectors.DIMENSIONS else selectors.DEFAULT_DIMENSION


def _url(campaign, level, by, name="statistics:console") -> str:
    return f"{reverse(name)}?{urlencode({'year': campaign.year, 'org': level.pk, 'by': by})}"


@console_view
@require_GET
def statistics_page(request):
    campaign = requested_campaign(request)
    level = _level(request)
    by = _dimension(request)
    counted = snapshots.current(campaign, level)
    figures = counted.figures
    built = tables.all_tables(figures, by)
    user = request.user
    trail = [o for o in ancestors(level) if policy.can(user, "statistics.view", o)]
    map_info = map_for(level.depth, level.division_id)
    headline = [(label, tables.not_recorded_text() if key in selectors.NOT_RECORDED else figures["total"][key])
                for key, label in selectors.METRICS]
    return render(request, "statistics/console/page.html", {
        "headline": headline, "definitions": definitions(),
        "computed_at": counted.counted_at, "current": counted.current,
        "status_url": _status_url(campaign, level, counted),
        "campaign": campaign, "level": level, "by": by, "figures": figures, "tables": built,
        "dimensions": [(key, d.label) for key, d in selectors.DIMENSIONS.items()],
        "chart_data": tables.chart_data(figures, by), "map_script": map_info[1] if map_info else "",
        "trail": trail, "campaigns": published_campaigns(),
        "publication": selectors.publication(campaign, level),
        "may_publish": policy.can(user, "statistics.publish", level),
        "work_plan": workplan.supports(level),
        "activities": list(selectors.unit_activities(campaign, level)) if level.numchild == 0 else None,
        "export_url": f"{reverse('statistics:export', args=[level.pk])}?{urlencode({'year': campaign.year, 'by': by})}",
    })


@console_view
@require_GET
def export(request, organization_id):
    campaign = requested_campaign(request)
    level = _level(request, organization_id)
    by = _dimension(request)
    return exports.response(snapshots.current(campaign, level).figures, by, campaign, level)


def _status_url(campaign, level, counted) -> str:
    return f"{reverse('statistics:status', args=[level.pk])}?" + urlencode(
        {"year": campaign.year, "since": counted.counted_at.isoformat()})


@console_view
@require_GET
def status(request, organization_id):
    """Polled (htmx) by a page that showed the last count while its level is recounted: the
    page reloads once a newer count is kept."""
    campaign = requested_campaign(request)
    level = _level(request, organization_id)
    if not request.htmx:
        return redirect(_url(campaign, level, selectors.DEFAULT_DIMENSION))
    try:
        since = datetime.fromisoformat(request.GET.get("since", ""))
    except ValueError:
        since = None
    counted = snapshots.current(campaign, level)
    if since is None or counted.counted_at > since:
        return HttpResponseClientRefresh()
    return render(request, "statistics/console/_recounting.html",
                  {"computed_at": counted.counted_at, "status_url": _status_url(campaign, level, counted)})


@console_view
@require_POST
def publish(request, organization_id):
    campaign = requested_campaign(request)
    level = _level(request, organization_id)
    by = request.POST.get("by", "") if request.POST.get("by", "") in selectors.DIMENSIONS else selectors.DEFAULT_DIMENSION
    try:
        if request.POST.get("action") == "unpublish":
            services.unpublish(campaign, level, actor=request.user)
            messages.success(request, _("已撤回发布，公众页面和接口不再显示这一级的统计数据。"))
        else:
            services.publish(campaign, level, actor=request.user)
            messages.success(request, _("已发布：公众页面和接口显示此刻的统计数据，之后的变化须再次发布才公开。"))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect(_url(campaign, level, by))
