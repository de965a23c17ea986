"""The Excel export equals the page: both are rendered from the same figures; the test reads
every table of the page's HTML and the matching sheet of the workbook and compares them cell by
cell, and checks a few numbers on the page against the figures themselves."""
import io

import pytest
from django.urls import reverse
from lxml import html as lxml_html
from openpyxl import load_workbook

from sciweek.statistics import exports, selectors, snapshots, tables

from .conftest import YEAR, signed_in

pytestmark = pytest.mark.django_db


def _text(element) -> str:
    return " ".join(element.text_content().split())


def html_table(document, table_id) -> list[list[str]]:
    (table,) = document.xpath(f'//table[@id="{table_id}"]')
    rows = [[_text(c) for c in table.xpath("./thead/tr/th")]]
    for tr in table.xpath("./tbody/tr") + table.xpath("./tfoot/tr"):
        rows.append([_text(c) for c in tr.xpath("./th|./td")])
    return rows


def sheet_table(sheet) -> list[list[str]]:
    rows = []
    for values in sheet.iter_rows(min_row=2, values_only=True):
        if all(v is None for v in values):
            break  # the note follows a blank row
        rows.append(["" if v is None else str(v) for v in values])
    return rows


@pytest.mark.parametrize("by", list(selectors.DIMENSIONS))
def test_the_export_equals_the_page(client, tree, by):
    signed_in(client, tree["p_stat"])
    page = client.get(reverse("statistics:console"), {"year": YEAR, "org": tree["p"].pk, "by": by})
    export = client.get(reverse("statistics:export", args=[tree["p"].pk]), {"year": YEAR, "by": by})
    assert page.status_code == 200 and export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    document = lxml_html.fromstring(page.content.decode())
    workbook = load_workbook(io.BytesIO(b"".join(export.streaming_content)), read_only=True)
    figures = snapshots.current(tree["campaign"], tree["p"]).figures
    built = tables.all_tables(figures, by)
    compared = 0
    for name, table in exports.sheet_names(built):
        expected = html_table(document, table.id)
        assert sheet_table(workbook[name]) == expected, name
        compared += sum(len(row) for row in expected)
    assert len(workbook.sheetnames) == len(exports.sheet_names(built)) + 1  # and the 说明 sheet
    assert compared > 100


def test_the_page_shows_the_counted_numbers(client, tree):
    signed_in(client, tree["p_stat"])
    page = client.get(reverse("statistics:console"), {"year": YEAR, "org": tree["p"].pk, "by": "kind"})
    document = lxml_html.fromstring(page.content.decode())
    overview = html_table(document, "stat-overview")
    header, total = overview[0], overview[-1]
    assert total[0] == "合计"
    column = {label: i for i, label in enumerate(header)}
    assert total[column["活动（项）"]] == "6" and total[column["参与人数（人）"]] == "2"
    assert total[column["参与人次"]] == "7" and total[column["线上观看（人次）"]] == "未记录"
    c1 = next(row for row in overview if row[0] == "测甲一市")
    assert c1[column["入场核验（人次）"]] == "4"
    pivot = html_table(document, "stat-pivot-kind")
    assert pivot[-1][1:] == ["4", "2", "6"]
