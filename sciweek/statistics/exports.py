"""The Excel export of a statistics page: every table the page shows, one sheet each, from the
same `tables` the page renders (so the workbook equals the page cell by cell), plus a sheet with
the definitions and when the figures were counted."""
from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from sciweek.spreadsheets.writer import BORDER, HEADER_FILL, HEADER_FONT, TITLE_FONT, WRAP, cell, sheet_title
from sciweek.spreadsheets.writer import response as xlsx

from . import tables
from .help import definitions


def sheet_names(built: dict) -> list[tuple[str, tables.Table]]:
    """(sheet name, table) in workbook order: the page's order."""
    named = [(built["overview"].title, built["overview"]), (built["pivot"].title, built["pivot"]),
             (built["open"].title, built["open"])]
    named += [(_("%(name)s·合计") % {"name": t.title}, t) for t in built["totals"]]
    return [(sheet_title(name), table) for name, table in named]


def _write(workbook: Workbook, name: str, title: str, table: tables.Table) -> None:
    sheet = workbook.create_sheet(title=name)
    sheet.append([cell(sheet, title, font=TITLE_FONT)])
    sheet.append([cell(sheet, h, font=HEADER_FONT, fill=HEADER_FILL, border=BORDER) for h in table.header])
    for row in table.rows:
        sheet.append([cell(sheet, row.label, border=BORDER)] + [cell(sheet, v, border=BORDER) for v in row.values])
    if table.total is not None:
        sheet.append([cell(sheet, _("合计"), font=HEADER_FONT, border=BORDER)]
                     + [cell(sheet, v, font=HEADER_FONT, border=BORDER) for v in table.total])
    if table.note:
        sheet.append([])
        sheet.append([cell(sheet, table.note, alignment=WRAP)])


def workbook(figures: dict, by: str) -> Workbook:
    built = tables.all_tables(figures, by)
    book = Workbook(write_only=True)
    book.properties.title = _("统计数据")
    book.properties.creator = "SciWeek"
    book.properties.subject = "sciweek:statistics"
    level = figures["level"]["name"]
    for name, table in sheet_names(built):
        _write(book, name, _("%(org)s %(year)s 年统计 · %(table)s") % {"org": level, "year": figures["year"],
                                                                      "table": table.title}, table)
    info = book.create_sheet(title=sheet_title(_("说明")))
    counted = timezone.localtime(datetime.fromisoformat(figures["computed_at"])).strftime("%Y-%m-%d %H:%M")
    info.append([cell(info, _("统计时间")), cell(info, counted)])
    for term, text in definitions():
        info.append([cell(info, term, font=HEADER_FONT), cell(info, text, alignment=WRAP)])
    return book


def response(figures: dict, by: str, campaign, level):
    name = f"{level.display_name}-{campaign.year}-" + _("统计数据") + ".xlsx"
    return xlsx(workbook(figures, by), name)
