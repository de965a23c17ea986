"""The look of every certificate the platform issues (quiz results, contest awards): an A4
landscape page with a red and gold frame, a heading, the holder's name, a paragraph, the facts,
and a QR code of the verification address with how to use it. Chinese through reportlab's
built-in CID font (no font file to ship). Each app writes its own words; the page is drawn here."""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import Paragraph

FONT = "STSong-Light"
PRODUCER = "SciWeek (reportlab)"
RED = colors.HexColor("#9b1c1c")
GOLD = colors.HexColor("#b08d3c")
INK = colors.HexColor("#1f2933")


def font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def certificate(*, title: str, author: str, code: str, heading: str, name: str, text: str, facts: list[str],
                url: str) -> bytes:
    """One certificate page as PDF bytes. `code` goes in the document's subject and keywords
    (plain ASCII: findable by a reader), `url` in the QR code and the how-to-verify line."""
    face = font()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    c = pdfcanvas.Canvas(buffer, pagesize=(width, height), pageCompression=1)
    c.setTitle(title)
    c.setAuthor(author)
    c.setSubject(_("证书编号：%(code)s") % {"code": code})
    c.setKeywords(code)
    c.setCreator(PRODUCER)

    # The frame: a wide red border and a thin gold one inside it.
    c.setStrokeColor(RED)
    c.setLineWidth(6)
    c.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    c.setStrokeColor(GOLD)
    c.setLineWidth(1.2)
    c.rect(17 * mm, 17 * mm, width - 34 * mm, height - 34 * mm)

    c.setFillColor(RED)
    c.setFont(face, 40)
    c.drawCentredString(width / 2, height - 52 * mm, heading)

    left, right = 38 * mm, width - 38 * mm
    body = ParagraphStyle("body", fontName=face, fontSize=17, leading=30, textColor=INK, alignment=TA_LEFT,
                          wordWrap="CJK", firstLineIndent=34)
    plain = ParagraphStyle("plain", fontName=face, fontSize=11, leading=16, textColor=INK, alignment=TA_LEFT,
                           wordWrap="CJK")
    centre = ParagraphStyle("centre", parent=plain, alignment=TA_CENTER, fontSize=9, leading=12)

    y = height - 72 * mm
    c.setFillColor(INK)
    c.setFont(face, 22)
    c.drawString(left, y, _("%(name)s：") % {"name": name})
    paragraph = Paragraph(escape(text), body)
    _w, used = paragraph.wrapOn(c, right - left, 80 * mm)
    paragraph.drawOn(c, left, y - 10 * mm - used)

    # The QR code (bottom right) and its caption.
    qr_size = 38 * mm
    qr_x, qr_y = right - qr_size, 30 * mm
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(qr_size, qr_size, transform=[qr_size / (x1 - x0), 0, 0, qr_size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, c, qr_x, qr_y)
    caption = Paragraph(escape(_("扫码查验")), centre)
    caption.wrapOn(c, qr_size, 10 * mm)
    caption.drawOn(c, qr_x, qr_y - 5 * mm)

    # Who, when, which number (bottom left), then how to verify.
    facts_paragraph = Paragraph("<br/>".join(escape(line) for line in facts),
                                ParagraphStyle("facts", parent=plain, fontSize=13, leading=21))
    facts_paragraph.wrapOn(c, right - left - qr_size - 10 * mm, 40 * mm)
    facts_paragraph.drawOn(c, left, 52 * mm)
    how = Paragraph(escape(_("查验方法：用手机扫描右侧二维码，或在浏览器中打开 %(url)s ，"
                             "查验页面显示证书有效即为真。") % {"url": url}), plain)
    how.wrapOn(c, right - left - qr_size - 10 * mm, 20 * mm)
    how.drawOn(c, left, 28 * mm)

    c.showPage()
    c.save()
    return buffer.getvalue()
