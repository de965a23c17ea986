"""What apps add to the public site's navigation: links to a campaign year's own public
sections (a year's quizzes, …). Each app registers its own in `AppConfig.ready`, so the portal
shell names no app:

    from sciweek.portal.registry import YearLink, register_year_link
    register_year_link(YearLink("quiz:list", _("答题"), shown=selectors.campaign_has_public_quiz, order=50))

`url_name` takes the campaign's year as its one argument. `shown(campaign)` leaves the link
out for a year without anything to show; it runs on every public page, so it must not query
the database each time (read it through the cache).
"""
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class YearLink:
    url_name: str
    label: str | Promise
    shown: Callable | None = None  # (campaign) -> bool; None: every published year
    order: int = 100


_links: dict[str, YearLink] = {}


def register_year_link(*links: YearLink) -> None:
    for link in links:
        _links[link.url_name] = link


def year_links(campaign) -> list[YearLink]:
    """The links the campaign's year shows, in order."""
    if campaign is None:
        return []
    return [link for link in sorted(_links.values(), key=lambda link: (link.order, link.url_name))
            if link.shown is None or link.shown(campaign)]


@dataclass(frozen=True)
class RegionSection:
    """A block an app adds to a region's public page (published statistics, a commendation list).

    `context(campaign, region)` returns the template's context, or None to leave the block out;
    it runs on a public page, so it reads through `core.cache` (the campaign's data version)."""
    name: str
    template: str
    context: Callable
    order: int = 100


_region_sections: dict[str, RegionSection] = {}


def register_region_section(*sections: RegionSection) -> None:
    for section in sections:
        _region_sections[section.name] = section


def region_sections(campaign, region) -> list[tuple[RegionSection, dict]]:
    """The blocks this region's page shows, in order, each with its context."""
    shown = []
    for section in sorted(_region_sections.values(), key=lambda s: (s.order, s.name)):
        context = section.context(campaign, region)
        if context is not None:
            shown.append((section, context))
    return shown
