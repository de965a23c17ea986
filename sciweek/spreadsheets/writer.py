"""Workbooks SciWeek writes: templates, corrected templates, filing exports and plan lists.

All are streamed with openpyxl's write-only mode. Every text goes through `cell()`, which
stores text as text: a value such as ``=HYPERLINK(...)`` or ``+86…`` never becomes a formula
(data_type "s" and Excel's quote prefix).
"""
import re
from datetime import date, datetime
from io import BytesIO

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from sciweek.activities.hosts import split_names
from sciweek.activities.models import Activity, ActivityHost

from .columns import (
    COLUMNS,
    ERROR_HEADER,
    FORM_TITLES,
    FORMAT_LABELS,
    LEVEL_LABELS,
    NO,
    OPEN_DAY,
    PROJECT,
    YES,
)
from .excel import INSTRUCTIONS_SHEET, LISTS_SHEET, limit
from .parsing import session_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"
THIN = Side(style="thin", color="9AA5B1")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FONT = Font(bold=True, color="1D2329")
REQUIRED_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="DCE6F2")
REQUIRED_FILL = PatternFill("solid", fgColor="0B4F9C")
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
ERROR_FONT = Font(color="9C0006")
WRAP = Alignment(wrap_text=True, vertical="center")
TITLE_FONT = Font(bold=True, size=14)


def cell(ws, value, *, font=None, fill=None, alignment=None, border=None, number_format=None, comment=None):
    """A write-only cell that keeps text as text."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)[:32767]
    elif isinstance(value, datetime):
        value = timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    result = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        result.data_type = "s"
        if value.startswith(FORMULA_TRIGGERS):
            result.quotePrefix = True
    elif isinstance(value, datetime):
        result.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        result.number_format = DATE_FORMAT
    if font is not None:
        result.font = font
    if fill is not None:
        result.fill = fill
    if alignment is not None:
        result.alignment = alignment
    if border is not None:
        result.border = border
    if number_format is not None:
        result.number_format = number_format
    if comment:
        result.comment = Comment(str(comment), "SciWeek", width=260, height=120)
    return result


def sheet_title(text) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet name."""
    return re.sub(r"[\[\]:*?/\\]", " ", str(text))[:31]


def response(workbook: Workbook, filename: str) -> FileResponse:
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    result = FileResponse(buffer, as_attachment=True, filename=filename, content_type=XLSX)
    result["Cache-Control"] = "private, no-store"
    return result


def _properties(workbook: Workbook, title: str, kind: str = ""):
    workbook.properties.title = title
    workbook.properties.creator = "SciWeek"
    workbook.properties.subject = f"sciweek:{kind}" if kind else "sciweek"


# --- templates ---------------------------------------------------------------------------

def template_workbook(kind: str, options: dict, *, campaign, organization, rows=None) -> Workbook:
    """The official form with drop-downs, instructions and hidden lists.

    `rows`, for a corrected template: [(original row number, {key: raw value}, [[key, header, message]])];
    the offending cells are highlighted and an error column explains each row.
    """
    workbook = Workbook(write_only=True)
    title = str(FORM_TITLES[kind])
    _properties(workbook, title, kind)
    columns = COLUMNS[kind]
    ws = workbook.create_sheet(sheet_title(title))
    for index, column in enumerate(columns, start=1):
        dimension = ws.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
        if column.type == "date":
            dimension.number_format = DATE_FORMAT
        elif column.type in ("phone", "sessions", "text", "orgs", "org", "division"):
            dimension.number_format = TEXT_FORMAT
    if rows is not None:
        ws.column_dimensions[get_column_letter(len(columns) + 1)].width = 60
    ws.freeze_panes = "C2"
    lists = _lists(options)
    for validation in _validations(columns, lists, campaign):
        ws.data_validations.append(validation)
    header = [
        cell(ws, str(column.header), font=REQUIRED_FONT if column.required else HEADER_FONT,
             fill=REQUIRED_FILL if column.required else HEADER_FILL, alignment=WRAP, border=BORDER,
             comment=_help_text(column))
        for column in columns
    ]
    if rows is not None:
        header.append(cell(ws, str(ERROR_HEADER), font=Font(bold=True, color="9C0006"), fill=ERROR_FILL,
                           alignment=WRAP, border=BORDER))
    ws.row_dimensions[1].height = 36
    ws.append(header)
    for number, raw, issues in rows or []:
        bad = {key for key, _header, _message in issues}
        values = []
        for column in columns:
            value = raw.get(column.key)
            values.append(cell(ws, value, fill=ERROR_FILL if column.key in bad else None,
                               font=ERROR_FONT if column.key in bad else None))
        text = _("原第 %(n)s 行：") % {"n": number} + "；".join(
            (f"「{header}」" if header else "") + message for _key, header, message in issues)
        values.append(cell(ws, text, font=ERROR_FONT, alignment=Alignment(wrap_text=True, vertical="top")))
        ws.append(values)
    _instructions(workbook, kind, columns, campaign, organization)
    _lists_sheet(workbook, lists)
    return workbook


def _help_text(column) -> str:
    parts = [_("必填。") if column.required else ""]
    if column.help:
        parts.append(str(column.help))
    if column.example:
        parts.append(_("例：%(e)s") % {"e": column.example})
    return "".join(parts)


def _lists(options: dict) -> dict[str, tuple[str, list[str]]]:
    """name -> (column letter on the hidden sheet, values)"""
    names = ["flagships", "areas", "divisions", "organizations"]
    return {name: (get_column_letter(i), options.get(name) or []) for i, name in enumerate(names, start=1)}


def _validations(columns, lists, campaign):
    last = limit("MAX_ROWS") + 1
    yes_no = f'"{YES},{NO}"'
    fixed = {
        "level": '"' + ",".join(str(v) for v in LEVEL_LABELS.values()) + '"',
        "format": '"' + ",".join(str(v) for v in FORMAT_LABELS.values()) + '"',
    }
    named = {"flagship": "flagships", "content_areas": "areas", "division": "divisions",
             "organization": "organizations"}
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        area = f"{letter}2:{letter}{last}"
        header = str(column.header)
        validation = None
        if column.key in fixed or column.type == "bool":
            validation = DataValidation(type="list", formula1=fixed.get(column.key, yes_no), allow_blank=True,
                                        errorStyle="stop", error=_("请从下拉列表中选择。"))
        elif column.key in named and lists[named[column.key]][1]:
            list_letter, values = lists[named[column.key]]
            # content areas may hold several names (顿号), organizations may be written short
            style = "warning" if column.key in ("content_areas", "organization") else "stop"
            validation = DataValidation(type="list", formula1=f"sw_{named[column.key]}", allow_blank=True,
                                        errorStyle=style, error=_("请从下拉列表中选择。"))
        elif column.type == "date":
            validation = DataValidation(
                type="date", operator="between", allow_blank=True, errorStyle="warning",
                formula1=str(int(to_excel(campaign.activity_window[0]))),
                formula2=str(int(to_excel(campaign.activity_window[1]))),
                error=_("请填写本届活动日期（%(start)s 至 %(end)s）内的日期。") % {
                    "start": campaign.activity_window[0], "end": campaign.activity_window[1]})
        elif column.type == "int" and column.key != "seq":
            validation = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                                        allow_blank=True, errorStyle="stop", error=_("请填写不小于 0 的整数。"))
        elif column.type == "decimal":
            validation = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                                        allow_blank=True, errorStyle="stop", error=_("请填写不小于 0 的数。"))
        elif column.max_length and column.type in ("text", "phone"):
            validation = DataValidation(type="textLength", operator="lessThanOrEqual",
                                        formula1=str(column.max_length), allow_blank=True, errorStyle="stop",
                                        error=_("不能超过 %(n)s 个字。") % {"n": column.max_length})
        if validation is None:
            continue
        validation.showErrorMessage = True
        validation.errorTitle = header[:32]
        if column.help:
            validation.showInputMessage = True
            validation.promptTitle = header[:32]
            validation.prompt = str(column.help)[:250]
        validation.add(area)
        yield validation


def _instructions(workbook, kind, columns, campaign, organization):
    ws = workbook.create_sheet(INSTRUCTIONS_SHEET)
    for letter, width in zip("ABCD", (22, 10, 70, 36), strict=True):
        ws.column_dimensions[letter].width = width
    title = str(FORM_TITLES[kind])
    ws.append([cell(ws, _("《%(t)s》填写说明") % {"t": title}, font=TITLE_FONT)])
    ws.append([cell(ws, _("%(c)s · 填报单位：%(o)s") % {"c": campaign.name, "o": organization.name})])
    ws.append([])
    notes = [
        _("1. 在“%(t)s”工作表中每行填写一项，从第 2 行开始；不要修改第 1 行的列名，不要合并单元格。") % {"t": title},
        _("2. 深蓝色表头的列为必填。日期写成 %(y)s-08-23；多个单位或内容方向用顿号“、”分隔。") % {"y": campaign.year},
        _("3. 主办、承办单位：平台上已有的单位会自动关联，须在您的管理范围内；平台上没有的单位照录为文字。"),
        _("4. 场次写成“%(y)s-08-23 09:30-11:30”，多场用分号“；”分隔；线下活动须填写每场名额。") % {"y": campaign.year},
        _("5. 公式不会被计算，请直接填写内容。一个文件最多 %(n)s 行。") % {"n": limit("MAX_ROWS")},
        _("6. 上传后平台逐行检查并列出问题，确认后才保存为草稿；有误的行可下载为更正模板，改正后再次上传。"),
        _("7. 导入的备案是草稿，须在平台上补全并提交审核。联系人、联系电话仅用于工作联系，不对外公开。"),
    ]
    for note in notes:
        ws.append([cell(ws, note)])
    ws.append([])
    ws.append([cell(ws, text, font=HEADER_FONT, fill=HEADER_FILL, border=BORDER)
               for text in (_("列名"), _("是否必填"), _("填写要求"), _("示例"))])
    wrap = Alignment(wrap_text=True, vertical="top")
    for column in columns:
        ws.append([
            cell(ws, str(column.header), border=BORDER, alignment=wrap),
            cell(ws, str(_("必填")) if column.required else "", border=BORDER, alignment=wrap),
            cell(ws, str(column.help), border=BORDER, alignment=wrap),
            cell(ws, column.example, border=BORDER, alignment=wrap),
        ])


def _lists_sheet(workbook, lists):
    ws = workbook.create_sheet(LISTS_SHEET)
    ws.sheet_state = "hidden"
    titles = {"flagships": _("重大示范活动"), "areas": _("内容方向"), "divisions": _("举办地"), "organizations": _("单位")}
    columns = list(lists.items())
    ws.append([cell(ws, str(titles[name])) for name, _value in columns])
    longest = max((len(values) for _letter, values in lists.values()), default=0)
    for index in range(longest):
        ws.append([cell(ws, values[index]) if index < len(values) else None for _name, (_l, values) in columns])
    for name, (letter, values) in columns:
        if values:
            ref = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
            workbook.defined_names[f"sw_{name}"] = DefinedName(f"sw_{name}", attr_text=ref)


# --- exports -----------------------------------------------------------------------------

def _names(links, role, extra) -> str:
    names = [link.organization.display_name for link in links if link.role == role]
    return "、".join(names + split_names(extra))


def _sessions(activity) -> tuple[str, int | None]:
    """The sessions as text, and the capacity when every session has the same one."""
    sessions = list(activity.sessions.all())
    capacities = {s.capacity for s in sessions}
    common = next(iter(capacities)) if len(capacities) == 1 else None
    per_session = len(capacities) > 1
    parts = []
    for s in sessions:
        start, end = timezone.localtime(s.starts_at), timezone.localtime(s.ends_at)
        parts.append(session_text(start.date(), start.time(), end.time(), s.capacity if per_session else None))
    return "；".join(parts), common


def activity_values(activity: Activity, kind: str, *, number: int, reveal_phones: bool) -> dict:
    links = list(activity.host_links.all())
    sessions, capacity = _sessions(activity)
    phone = activity.contact_phone if reveal_phones else activity.masked_phone
    values = {
        "seq": number,
        "organization": activity.organization.name,
        "level": str(LEVEL_LABELS.get(activity.level, activity.level)),
        "is_flagship": str(YES if activity.flagship_id else NO),
        "flagship": activity.flagship.name if activity.flagship_id else "",
        "is_key": str(YES if activity.is_key else NO),
        "hosts": _names(links, ActivityHost.Role.HOST, activity.other_hosts),
        "organizers": _names(links, ActivityHost.Role.ORGANIZER, activity.other_organizers),
        "content_areas": "、".join(a.name for a in activity.content_areas.all()),
        "format": str(FORMAT_LABELS.get(activity.format, activity.format)),
        "sessions": sessions,
        "capacity": capacity,
        "division": f"{activity.division_id} {activity.division.name}" if activity.division_id else "",
        "contact_phone": phone,
    }
    for column in COLUMNS[kind]:
        if column.key not in values:
            value = getattr(activity, column.key, "")
            values[column.key] = value
    return values


def filings_workbook(by_kind: dict[str, object], *, reveal_phones: bool) -> Workbook:
    """One sheet per form, official columns in the official order, then status and platform number."""
    workbook = Workbook(write_only=True)
    _properties(workbook, _("备案导出"))
    extra = [_("状态"), _("平台编号")]
    for kind in (PROJECT, OPEN_DAY):
        columns = COLUMNS[kind]
        ws = workbook.create_sheet(sheet_title(FORM_TITLES[kind]))
        for index, column in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(index)].width = column.width
        ws.freeze_panes = "C2"
        ws.append([cell(ws, str(c.header), font=HEADER_FONT, fill=HEADER_FILL, alignment=WRAP, border=BORDER)
                   for c in columns] + [cell(ws, str(h), font=HEADER_FONT, fill=HEADER_FILL, border=BORDER)
                                        for h in extra])
        for number, activity in enumerate(by_kind.get(kind, ()), start=1):
            values = activity_values(activity, kind, number=number, reveal_phones=reveal_phones)
            ws.append([cell(ws, values.get(c.key)) for c in columns]
                      + [cell(ws, activity.get_status_display()), cell(ws, activity.pk)])
    return workbook


def plan_lists_workbook(*, campaign, region, counts, provincial, city, city_regions, institutions) -> Workbook:
    """What a province sends up: counts, its provincial major activities, its cities' key
    activities (each with hosts, in plan order) and the research institutes and universities that open."""
    workbook = Workbook(write_only=True)
    _properties(workbook, _("%(r)s %(y)s 年科技活动周重点活动") % {"r": region.name, "y": campaign.year})
    heading = {"font": HEADER_FONT, "fill": HEADER_FILL, "alignment": WRAP, "border": BORDER}
    top = Alignment(wrap_text=True, vertical="top")

    ws = workbook.create_sheet(sheet_title(_("活动统计")))
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 14
    ws.append([cell(ws, _("%(r)s %(y)s 年科技活动周活动统计（已通过）") % {"r": region.name, "y": campaign.year},
                    font=TITLE_FONT)])
    for label, value in [
        (_("活动合计"), counts.total), (_("本级部门开展的活动"), counts.by_departments),
        (_("各市推荐的活动"), counts.by_cities), (_("科研机构和大学开放（场次）"), counts.open_sessions),
        (_("开放的科研机构（家）"), counts.open_research_institutes), (_("开放的大学（家）"), counts.open_universities),
    ]:
        ws.append([cell(ws, str(label), border=BORDER), cell(ws, value, border=BORDER)])

    def activity_sheet(title, activities, with_region):
        sheet = workbook.create_sheet(sheet_title(title))
        headers = [_("序号"), _("活动名称")] + ([_("所属地区")] if with_region else []) + [
            _("主办单位"), _("承办单位"), _("开始日期"), _("结束日期"), _("举办形式"), _("状态")]
        widths = [6, 48] + ([12] if with_region else []) + [40, 28, 12, 12, 12, 10]
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A3"
        sheet.append([cell(sheet, title, font=TITLE_FONT)])
        sheet.append([cell(sheet, str(h), **heading) for h in headers])
        for number, activity in enumerate(activities, start=1):
            links = list(activity.host_links.all())
            row = [activity.key_position or number, activity.title]
            if with_region:
                row.append(city_regions.get(activity.pk, ""))
            row += [_names(links, ActivityHost.Role.HOST, activity.other_hosts),
                    _names(links, ActivityHost.Role.ORGANIZER, activity.other_organizers),
                    activity.starts_on, activity.ends_on, str(FORMAT_LABELS.get(activity.format, activity.format)),
                    activity.get_status_display()]
            sheet.append([cell(sheet, v, border=BORDER, alignment=top) for v in row])

    activity_sheet(_("省级重大科普活动"), provincial, False)
    activity_sheet(_("各市重点科普活动"), city, True)

    ws = workbook.create_sheet(sheet_title(_("参与开放活动的科研机构和大学")))
    headers = [_("序号"), _("单位名称"), _("类型"), _("开放场次"), _("开始日期"), _("结束日期"), _("开放的设施"),
               _("预约方式"), _("地址")]
    for index, width in enumerate([6, 36, 10, 10, 12, 12, 40, 20, 30], start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A3"
    ws.append([cell(ws, _("参与开放活动的科研机构和大学"), font=TITLE_FONT)])
    ws.append([cell(ws, str(h), **heading) for h in headers])
    for number, entry in enumerate(institutions, start=1):
        org = entry["organization"]
        facilities = "；".join(dict.fromkeys(a.facilities for a in entry["activities"] if a.facilities))
        booking = "；".join(dict.fromkeys(a.booking_method for a in entry["activities"] if a.booking_method))
        address = next((a.address for a in entry["activities"] if a.address), org.address)
        ws.append([cell(ws, v, border=BORDER, alignment=top) for v in (
            number, org.name, org.get_kind_display(), entry["sessions"], entry["starts_on"], entry["ends_on"],
            facilities, booking, address)])
    institutes = sum(1 for e in institutions if e["organization"].kind == "research_institute")
    universities = sum(1 for e in institutions if e["organization"].kind == "university")
    ws.append([None, cell(ws, _("合计：%(n)s 家（科研机构 %(i)s 家、大学 %(u)s 家），开放 %(s)s 场次") % {
        "n": len(institutions), "i": institutes, "u": universities,
        "s": sum(e["sessions"] for e in institutions)}, font=HEADER_FONT)])
    return workbook
