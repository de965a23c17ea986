"""What other apps keep about a public person, so participants can export and erase it
without importing them (they depend on participants, not the reverse). Register in
`AppConfig.ready`:

    from sciweek.participants.registry import register_personal_data, register_personal_page
    register_personal_data("reservations", export=export_for, erase=erase_for)
    register_personal_page("reservations:mine", order=10)   # where sign-in lands by default
"""
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PersonalDataProvider:
    name: str  # the key of this app's part in the export
    export: Callable  # (user) -> dict | list, JSON-serializable
    erase: Callable  # (user) -> None: cancel what is ahead, unlink or drop what identifies the person


_providers: dict[str, PersonalDataProvider] = {}
_pages: dict[str, int] = {}


def register_personal_data(name: str, *, export: Callable, erase: Callable) -> None:
    _providers[name] = PersonalDataProvider(name, export, erase)


def personal_data_providers() -> list[PersonalDataProvider]:
    return list(_providers.values())


def register_personal_page(url_name: str, order: int = 50) -> None:
    """A page of the signed-in person's own (my reservations, later my quiz results)."""
    _pages[url_name] = order


def personal_pages() -> list[str]:
    return sorted(_pages, key=lambda name: (_pages[name], name))
