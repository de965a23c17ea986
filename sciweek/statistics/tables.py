"""The tables of a statistics page, built from one `selectors.figures` dict. The page's HTML
and the Excel export both render these very tables, so the export equals the page cell by
cell (tests/test_export.py compares them)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from sciweek.activities.models import Activity
from sciweek.organizations.models import Organization

from .selectors import AFTER, BEFORE, DIMENSIONS, METRICS, NO_AREA, NOT_RECORDED, UNDATED


def not_recorded_text() -> str:
    return _("未记录")


@dataclass
class Row:
    label: str
    values: list
    organization_id: int | None = None
    is_self: bool = False
    full_name: str = ""


@dataclass
class Table:
    id: str
    title: str
    header: list[str]  # the first column's heading, then one per value column
    rows: list[Row] = field(default_factory=list)
    total: list | None = None  # the 合计 row's values
    note: str = ""


def _row_label(row: dict) -> str:
    return _("本级") if row["is_self"] else row["name"]


def column_label(figures: dict, dimension: str, key: str) -> str:
    if dimension == "content_area":
        return _("未选内容方向") if key == NO_AREA else figures["area_names"].get(key, key)
    if dimension == "date":
        if key == BEFORE:
            return _("活动期之前")
        if key == AFTER:
            return _("活动期之后")
        if key == UNDATED:
            return _("未填日期")
        day = date.fromisoformat(key)
        return _("%(m)s月%(d)s日") % {"m": day.month, "d": day.day}
    choices = {"kind": Activity.Kind, "format": Activity.Format, "level": Activity.Level,
               "status": Activity.Status, "org_kind": Organization.Kind}[dimension]
    try:
        return str(choices(key).label)
    except ValueError:
        return key


def _value(metrics: dict, key: str):
    return not_recorded_text() if key in NOT_RECORDED else metrics.get(key, 0)


def overview(figures: dict) -> Table:
    header = [_("单位")] + [str(label) for _key, label in METRICS]
    table = Table("stat-overview", _("总览"), header, note=_(
        "参与人数（人）按人去重：同一人在本级范围内多次参与只计一次，因此各行之和可能大于合计。"))
    for row in figures["rows"]:
        metrics = figures["metrics"][row["key"]]
        table.rows.append(Row(_row_label(row), [_value(metrics, k) for k, _label in METRICS], row["id"],
                              row["is_self"], row["full_name"]))
    table.total = [_value(figures["total"], k) for k, _label in METRICS]
    return table


def pivot(figures: dict, by: str) -> Table:
    dimension = figures["dimensions"][by]
    columns = dimension["columns"]
    header = [_("单位")] + [column_label(figures, by, c) for c in columns] + [_("合计")]
    note = ""
    if by == "content_area":
        note = _("一项活动选了几个内容方向，就在每个方向下各计一次，各列之和可能大于活动数。")
    elif by == "status":
        note = _("按状态统计全部备案（含未通过、已撤回等）；其他各表只统计已通过的活动。")
    table = Table(f"stat-pivot-{by}", str(DIMENSIONS[by].label), header, note=note)
    for row in figures["rows"]:
        cells = dimension["rows"][row["key"]]
        values = [cells[c] for c in columns]
        table.rows.append(Row(_row_label(row), values + [_row_sum(figures, by, row["key"], values)], row["id"],
                              row["is_self"], row["full_name"]))
    totals = [dimension["total"][c] for c in columns]
    table.total = totals + [_level_sum(figures, by, totals)]
    return table


def _row_sum(figures, by, key, values) -> int:
    # content areas overlap: the row's total is its activities, not the sum of the columns
    if by == "content_area":
        return figures["metrics"][key]["activities"]
    return sum(values)


def _level_sum(figures, by, totals) -> int:
    if by == "content_area":
        return figures["total"]["activities"]
    return sum(totals)


def dimension_totals(figures: dict) -> list[Table]:
    """One small table per dimension: the level's total under each column."""
    tables = []
    for key, dimension in DIMENSIONS.items():
        data = figures["dimensions"][key]
        table = Table(f"stat-total-{key}", str(dimension.label), [str(dimension.label), _("数量")])
        for column in data["columns"]:
            table.rows.append(Row(column_label(figures, key, column), [data["total"][column]]))
        tables.append(table)
    return tables


def open_institutions(figures: dict) -> Table:
    data = figures["open_institutions"]
    columns = data["columns"]
    header = [_("单位")] + [str(Organization.Kind(c).label) for c in columns] + [_("合计")]
    table = Table("stat-open", _("开放单位（按单位类型）"), header,
                  note=_("有已通过的开放活动的单位，每个单位只计一次。"))
    for row in figures["rows"]:
        values = [data["rows"][row["key"]][c] for c in columns]
        table.rows.append(Row(_row_label(row), values + [sum(values)], row["id"], row["is_self"], row["full_name"]))
    totals = [data["total"][c] for c in columns]
    table.total = totals + [sum(totals)]
    return table


def all_tables(figures: dict, by: str) -> dict:
    return {"overview": overview(figures), "pivot": pivot(figures, by), "open": open_institutions(figures),
            "totals": dimension_totals(figures)}


def chart_data(figures: dict, by: str) -> dict:
    """What static/js/statistics.js draws: the pivot as stacked bars per child, each
    dimension's totals as a pie, and the map (the provinces, or a province's cities)."""
    from sciweek.activities.public_views import short_province_name

    rows = [r for r in figures["rows"] if not r["is_self"]]
    dimension = figures["dimensions"][by]
    data = {
        "labels": [r["name"] for r in rows],
        "series": [{"name": column_label(figures, by, c),
                    "data": [dimension["rows"][r["key"]][c] for r in rows]} for c in dimension["columns"]],
        "pies": {key: [{"name": column_label(figures, key, c), "value": figures["dimensions"][key]["total"][c]}
                       for c in figures["dimensions"][key]["columns"]] for key in DIMENSIONS},
    }
    level = figures["level"]
    map_info = selectors_map(level)
    if map_info:
        name, script = map_info
        points = []
        for r in rows:
            if not (r["region"] and r["division_name"]):
                continue
            label = short_province_name(r["division_name"]) if level["depth"] == 1 else r["division_name"]
            points.append({"name": label, "full_name": r["full_name"],
                           "value": figures["metrics"][r["key"]]["activities"]})
        data["map"] = {"name": name, "points": points}
    return data


def selectors_map(level: dict) -> tuple[str, str] | None:
    from sciweek.organizations.maps import map_for

    return map_for(level["depth"], level["division"])

