"""The public site's navigation: the links apps register for a campaign year (portal.registry)."""
from django import template
from django.urls import reverse

from sciweek.portal import registry

register = template.Library()


@register.simple_tag(takes_context=True)
def year_links(context, campaign) -> list[dict]:
    """[{url, label, current}] of the year's registered sections (`current`: this page is
    the section's own page, for aria-current)."""
    request = context.get("request")
    path = request.path if request is not None else ""
    links = []
    for link in registry.year_links(campaign):
        url = reverse(link.url_name, args=[campaign.year])
        links.append({"url": url, "label": link.label, "current": path == url})
    return links
