"""The exports the Excel page offers. Apps register theirs in `AppConfig.ready`, so the page
names no export itself:

    from sciweek.spreadsheets.exporters import Exporter, register_exporter
    register_exporter(Exporter("filings", _("导出 Excel"), "spreadsheets:export_filings", "activity.export"))

An exporter's URL takes the organization's id; the page offers it for every organization
where the user holds `action` (and, when `kinds` is set, only for those kinds of organization).
"""
from dataclasses import dataclass

from django.utils.functional import Promise

from sciweek.accounts import policy


@dataclass(frozen=True)
class Exporter:
    name: str
    label: str | Promise  # the button
    url_name: str  # reversed with the organization's pk
    action: str  # policy action the user needs on the organization
    description: str | Promise = ""
    filters: bool = False  # offers the filing list's filters (kind, status, level) as GET parameters
    kinds: tuple[str, ...] = ()  # organization kinds it applies to; empty: every kind
    order: int = 100

    def offered_for(self, user, organization) -> bool:
        return (not self.kinds or organization.kind in self.kinds) and policy.can(user, self.action, organization)


_exporters: dict[str, Exporter] = {}


def register_exporter(*exporters: Exporter) -> None:
    for exporter in exporters:
        _exporters[exporter.name] = exporter


def exporters() -> list[Exporter]:
    return sorted(_exporters.values(), key=lambda e: (e.order, e.name))
