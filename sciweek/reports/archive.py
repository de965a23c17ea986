"""A summary for the official record: the report as a .docx (python-docx), and a level's whole
bundle as one .zip — its own summary, its images and video, an Excel list of the reports sent
to it (openpyxl), and each accepted unit's summary with its images and video.

The archive is written to an anonymous temporary file (videos are large; nothing is held in
memory) and streamed; media go in stored (already compressed), documents deflated."""
from __future__ import annotations

import tempfile
import zipfile
from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from sciweek.core import richtext

from .models import Figure, ReportStatus, SummaryReport
from .selectors import received_by

FONT = "宋体"


def _styled(document: Document) -> None:
    """Chinese text in 宋体 (the official documents' face), Latin in Times New Roman."""
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "List Bullet"):
        style = document.styles[name]
        style.font.name = "Times New Roman"
        properties = style.element.get_or_add_rPr()
        fonts = properties.find(qn("w:rFonts"))
        if fonts is None:
            fonts = properties.makeelement(qn("w:rFonts"), {})
            properties.append(fonts)
        fonts.set(qn("w:eastAsia"), FONT)
    document.styles["Normal"].font.size = Pt(12)


def summary_docx(report: SummaryReport) -> bytes:
    document = Document()
    _styled(document)
    document.core_properties.title = report.title
    document.core_properties.author = report.organization.name
    document.add_heading(report.title, level=0)
    meta = [_("报送单位：%(org)s") % {"org": report.organization.name},
            _("接收单位：%(org)s") % {"org": report.receiver.name},
            _("状态：%(status)s") % {"status": report.get_status_display()}]
    if report.first_submitted_at:
        meta.append(_("报送时间：%(at)s") % {"at": timezone.localtime(report.first_submitted_at).strftime("%Y-%m-%d %H:%M")})
    if report.due_on:
        meta.append(_("截止日期：%(day)s") % {"day": report.effective_due_on})
    document.add_paragraph("；".join(meta))
    for kind, text in richtext.blocks(report.body):
        if kind in ("h1", "h2"):
            document.add_heading(text, level=1)
        elif kind in ("h3", "h4"):
            document.add_heading(text, level=2)
        elif kind == "li":
            document.add_paragraph(text, style="List Bullet")
        else:
            document.add_paragraph(text)
    figures = list(report.figures.all())
    if figures:
        document.add_heading(_("数据"), level=1)
        table = document.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, title in zip(table.rows[0].cells, (_("项目"), _("平台统计"), _("报送数字"), _("更正理由")), strict=False):
            cell.text = title
        order = {key: n for n, key in enumerate(Figure.values)}
        for figure in sorted(figures, key=lambda f: order.get(f.key, 99)):
            row = table.add_row().cells
            row[0].text = Figure(figure.key).label
            row[1].text = "—" if figure.computed is None else str(figure.computed)
            row[2].text = "—" if figure.value is None else str(figure.value)
            row[3].text = figure.reason
    coverage = list(report.coverage.all())
    if coverage:
        document.add_heading(_("媒体报道"), level=1)
        table = document.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, title in zip(table.rows[0].cells, (_("媒体"), _("报道标题"), _("日期"), _("链接")), strict=False):
            cell.text = title
        for item in coverage:
            row = table.add_row().cells
            row[0].text, row[1].text, row[2].text, row[3].text = (item.outlet, item.title,
                                                                  item.published_on.isoformat(), item.url)
    images = list(report.images.select_related("asset"))
    if images:
        document.add_heading(_("活动图片"), level=1)
        for image in images:
            small = image.asset.poster if image.asset.poster else image.asset.file
            try:
                with small.open("rb") as file:
                    document.add_picture(BytesIO(file.read()), width=Cm(14))
            except Exception:  # noqa: BLE001 — a picture python-docx cannot place is listed, not fatal
                document.add_paragraph(_("（图片 %(name)s 见材料包）") % {"name": image.asset.original_name})
            if image.caption:
                document.add_paragraph(image.caption)
    if report.video_id:
        document.add_paragraph(_("总结视频：%(name)s（%(duration)s，见材料包）") % {
            "name": report.video.original_name, "duration": report.video.duration_display})
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _safe(name: str) -> str:
    return "".join(c for c in name if c not in '\\/:*?"<>|\0').strip()[:60] or "_"


def _add_media(archive: zipfile.ZipFile, report: SummaryReport, folder: str) -> None:
    for n, image in enumerate(report.images.select_related("asset"), start=1):
        name = image.asset.file.name.rsplit(".", 1)
        ext = name[1] if len(name) == 2 else "jpg"
        label = _safe(image.caption) if image.caption else _("图片")
        with image.asset.file.open("rb") as source, archive.open(
                f"{folder}{_('图片')}/{n:02d}-{label}.{ext}", "w") as target:
            while block := source.read(1024 * 1024):
                target.write(block)
    if report.video_id:
        video = report.video
        ext = video.file.name.rsplit(".", 1)[-1]
        with video.file.open("rb") as source, archive.open(f"{folder}{_('视频')}/{_safe(report.title)}.{ext}",
                                                            "w") as target:
            while block := source.read(1024 * 1024):
                target.write(block)


def units_workbook(report: SummaryReport) -> bytes:
    """The list of the reports sent to this organization, as the official tally sheet."""
    from openpyxl import Workbook

    from sciweek.spreadsheets.writer import BORDER, HEADER_FILL, HEADER_FONT, TITLE_FONT, cell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("报送情况"))
    title = _("%(org)s收到的活动总结") % {"org": report.organization.display_name}
    sheet.append([cell(sheet, title, font=TITLE_FONT)])
    columns = [_("序号"), _("单位"), _("状态"), _("报送时间"), _("截止日期"), _("是否按时"), _("退回次数"), _("图片数"),
               _("总结视频"), _("材料齐全")] + [str(label) for label in Figure.labels]
    sheet.append([cell(sheet, c, font=HEADER_FONT, fill=HEADER_FILL, border=BORDER) for c in columns])
    rows = received_by(report).prefetch_related("figures", "images")
    for n, unit in enumerate(rows, start=1):
        figures = {f.key: f.value for f in unit.figures.all()}
        submitted = timezone.localtime(unit.first_submitted_at).strftime("%Y-%m-%d %H:%M") if unit.first_submitted_at else ""
        on_time = "" if unit.on_time is None else (_("按时") if unit.on_time else _("逾期"))
        values = [n, unit.organization.name, unit.get_status_display(), submitted, str(unit.effective_due_on or ""),
                  on_time, unit.returns, len(unit.images.all()), _("有") if unit.video_id else _("无"),
                  _("齐全") if unit.complete else _("不全")]
        values += ["" if figures.get(key) is None else figures[key] for key in Figure.values]
        sheet.append([cell(sheet, v, border=BORDER) for v in values])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def bundle(report: SummaryReport):
    """The whole bundle as an open temporary file positioned at its start (the caller streams
    and closes it; it vanishes when closed)."""
    spool = tempfile.TemporaryFile()
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.writestr(f"{_safe(report.title)}.docx", summary_docx(report), compress_type=zipfile.ZIP_DEFLATED)
        _add_media(archive, report, "")
        if received_by(report).exists():
            archive.writestr(f"{_('各单位报送情况')}.xlsx", units_workbook(report), compress_type=zipfile.ZIP_DEFLATED)
        for unit in received_by(report).filter(status=ReportStatus.ACCEPTED).select_related(
                "organization", "receiver", "campaign", "video"):
            folder = f"{_('各单位材料')}/{_safe(unit.organization.display_name)}/"
            archive.writestr(f"{folder}{_safe(unit.title)}.docx", summary_docx(unit),
                             compress_type=zipfile.ZIP_DEFLATED)
            _add_media(archive, unit, folder)
    spool.seek(0)
    return spool
