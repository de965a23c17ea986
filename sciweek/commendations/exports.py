"""The list in the official formats: an Excel workbook (openpyxl; columns 序号、单位名称/姓名、
所在单位、类别、所属地区, one sheet for the whole list) and a .docx in the style of an official
document (python-docx: the title, the decision text 为表彰…, then the lists by category;
Chinese in 宋体/黑体 through the East Asian font slot, as reports/archive.py does)."""
from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from . import selectors
from .models import Commendation, CommendationStatus, Kind

BODY_FONT = "仿宋"   # the body of an official document
TITLE_FONT = "宋体"
HEADING_FONT = "黑体"


def columns() -> list[str]:
    return [_("序号"), _("单位名称/姓名"), _("所在单位"), _("类别"), _("所属地区")]


def rows(commendation: Commendation) -> list[list]:
    """The table both exports and the console page show: one row per candidate, numbered
    within its category."""
    out = []
    for group in selectors.categories(commendation):
        for n, c in enumerate(group.candidates, start=1):
            unit = c.organization.name
            if c.kind == Kind.INDIVIDUAL and c.person_role:
                unit = f"{unit}（{c.person_role}）"
            out.append([n, c.display_name, unit if c.kind == Kind.INDIVIDUAL else "", group.category.name, c.region])
    return out


def status_note(commendation: Commendation) -> str:
    if commendation.status == CommendationStatus.FINAL:
        return ""
    return _("（%(status)s，非最终名单）") % {"status": commendation.get_status_display()}


def xlsx(commendation: Commendation) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("表彰名单")
    sheet.append([commendation.title + status_note(commendation)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=5)
    sheet.append(columns())
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for row in rows(commendation):
        sheet.append(row)
    for letter, width in zip("ABCDE", (8, 40, 40, 28, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A3"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _font(run, face: str, size: float, bold: bool = False) -> None:
    run.font.name = "Times New Roman"
    run.font.size = Pt(size)
    run.font.bold = bold
    properties = run._element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = properties.makeelement(qn("w:rFonts"), {})
        properties.append(fonts)
    fonts.set(qn("w:eastAsia"), face)


def _paragraph(document, text: str, *, face=BODY_FONT, size=16, bold=False, align=None, indent=False):
    paragraph = document.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)
    paragraph.paragraph_format.line_spacing = Pt(28)
    _font(paragraph.add_run(text), face, size, bold)
    return paragraph


def docx(commendation: Commendation) -> bytes:
    """Title (二号宋体 bold, centred), the decision (三号仿宋, first-line indent), then each
    category: its heading (三号黑体) and its numbered names (单位, or 姓名 with 单位和职务)."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.element.get_or_add_rPr()
    document.core_properties.title = commendation.title
    document.core_properties.author = commendation.organization.name
    _paragraph(document, commendation.title + status_note(commendation), face=TITLE_FONT, size=22, bold=True,
               align=WD_ALIGN_PARAGRAPH.CENTER)
    for line in commendation.decision_text.splitlines():
        if line.strip():
            _paragraph(document, line.strip(), indent=True)
    numerals = iter(_("一 二 三 四 五 六 七 八 九 十").split())
    for group in selectors.categories(commendation):
        if not group.candidates:
            continue
        numeral = next(numerals, "")
        _paragraph(document, f"{numeral}、{group.category.name}" if numeral else group.category.name,
                   face=HEADING_FONT, size=16)
        for n, c in enumerate(group.candidates, start=1):
            if c.kind == Kind.INDIVIDUAL:
                unit = c.organization.name + (c.person_role if c.person_role else "")
                text = f"{n}. {c.person_name}（{unit}）"
            else:
                text = f"{n}. {c.organization.name}"
            _paragraph(document, text, indent=True)
    _paragraph(document, commendation.organization.name, align=WD_ALIGN_PARAGRAPH.RIGHT)
    if commendation.finalized_at:
        from django.utils import timezone

        from sciweek.core.templatetags.sciweek import format_day

        _paragraph(document, format_day(timezone.localtime(commendation.finalized_at), year=True),
                   align=WD_ALIGN_PARAGRAPH.RIGHT)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def filename(commendation: Commendation, ext: str) -> str:
    safe = "".join(ch for ch in commendation.title if ch not in '\\/:*?"<>|\0').strip()[:60] or "commendation"
    return f"{safe}.{ext}"
