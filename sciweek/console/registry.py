"""What apps add to the organizer console: navigation entries and home-page (dashboard)
cards. Each app registers its own in `AppConfig.ready`, so the console shell names no app.

    from sciweek.console.registry import NavEntry, DashboardCard, register_nav, register_card
    register_nav(NavEntry("news:console", _("动态信息"), action="news.publish", order=60))

The console shows an entry only to users whose role can open it (`action` is a policy
action; None means every console user) and, if the entry has `shown(user)`, to those it says
yes to (for pages a role opens without a policy action: a judge's 我的评审). Keep `shown`
cheap: it runs on every console page. A card's `context(request)` returns the template's
context, or None to leave the card out for this user.
"""
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: str | Promise
    action: str | None = None
    order: int = 100
    shown: Callable | None = None


@dataclass(frozen=True)
class DashboardCard:
    name: str
    template: str
    context: Callable
    order: int = 100


_nav: dict[str, NavEntry] = {}
_cards: dict[str, DashboardCard] = {}


def register_nav(*entries: NavEntry) -> None:
    for entry in entries:
        _nav[entry.url_name] = entry


def register_card(*cards: DashboardCard) -> None:
    for card in cards:
        _cards[card.name] = card


def nav_entries() -> list[NavEntry]:
    return sorted(_nav.values(), key=lambda e: (e.order, e.url_name))


def dashboard_cards() -> list[DashboardCard]:
    return sorted(_cards.values(), key=lambda c: (c.order, c.name))
