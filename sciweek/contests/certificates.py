"""A contest award's certificate (获奖证书) and its public verification.

The PDF (A4 landscape, reportlab; Chinese through its built-in CID font ``STSong-Light``, so no
font file ships) names the contest, its organizer, the prize, the entry, its authors and unit,
the date and the certificate number, with a QR code (segno) of the verification address
``/contests/certificates/<code>/``. The code is the award's ``certificate_code`` (96 random
bits, models.new_certificate_code): it cannot be guessed, so it needs no signature of its own.

An award verifies while its contest's results are final and its entry is still in the contest
(an entry disqualified afterwards loses its certificate).
"""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

import segno
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import Paragraph

from sciweek.core.http import site_url
from sciweek.core.templatetags.sciweek import format_day

from . import selectors
from .models import Award, Contest, Entry

FONT = "STSong-Light"
PRODUCER = "SciWeek (reportlab)"
RED = colors.HexColor("#9b1c1c")
GOLD = colors.HexColor("#b08d3c")
INK = colors.HexColor("#1f2933")
MAX_CODE_LENGTH = 24  # Award.certificate_code's column


def valid(award: Award | None) -> bool:
    return (award is not None and award.contest.status == Contest.Status.FINAL
            and award.entry.status in Entry.Status.IN_CONTEST)


def verify(code: str) -> Award | None:
    """The award a code certifies, or None (unknown, malformed, or no longer valid)."""
    if not code or len(code) > MAX_CODE_LENGTH:
        return None
    award = selectors.award_by_code(code)
    return award if valid(award) else None


def verification_path(award: Award) -> str:
    return reverse("contests:certificate_verify", kwargs={"code": award.certificate_code})


def verification_url(award: Award, request=None) -> str:
    """The address in the QR code: absolute when the site knows its address."""
    return site_url(request) + verification_path(award)


def download_path(award: Award) -> str:
    contest = award.contest
    return reverse("contests:certificate_pdf", args=[contest.campaign.year, contest.slug, award.certificate_code])


def authors(entry: Entry) -> str:
    """The first author, then the team (as the entry lists them, 、-separated)."""
    team = [name.strip() for name in entry.team_members.replace(",", "、").replace("，", "、").split("、")
            if name.strip()]
    return "、".join([entry.first_author, *team])


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _draw_qr(c, text: str, x: float, y: float, size: float) -> None:
    """segno's modules as filled squares (with the standard 4-module quiet zone)."""
    qr = segno.make(text, error="m")
    rows = [list(row) for row in qr.matrix_iter(scale=1, border=4)]
    module = size / len(rows)
    c.setFillColor(colors.white)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColor(colors.black)
    for r, row in enumerate(rows):
        for col, dark in enumerate(row):
            if dark:
                c.rect(x + col * module, y + size - (r + 1) * module, module, module, stroke=0, fill=1)


def pdf(award: Award, request=None) -> bytes:
    """The certificate as an A4 landscape PDF. ValueError for an award that does not verify."""
    if not valid(award):
        raise ValueError(_("这个奖项的证书无效。"))
    contest, entry = award.contest, award.entry
    font = _font()
    url = verification_url(award, request)
    organizer = contest.organization.name
    day = format_day(timezone.localtime(award.awarded_at), year=True)

    buffer = io.BytesIO()
    width, height = landscape(A4)
    c = pdfcanvas.Canvas(buffer, pagesize=(width, height), pageCompression=1)
    c.setTitle(_("%(contest)s 获奖证书") % {"contest": contest.title})
    c.setAuthor(organizer)
    c.setSubject(_("证书编号：%(code)s") % {"code": award.certificate_code})
    c.setKeywords(award.certificate_code)  # plain ASCII in the document's info: findable by a reader
    c.setCreator(PRODUCER)

    c.setStrokeColor(RED)
    c.setLineWidth(6)
    c.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    c.setStrokeColor(GOLD)
    c.setLineWidth(1.2)
    c.rect(17 * mm, 17 * mm, width - 34 * mm, height - 34 * mm)

    c.setFillColor(RED)
    c.setFont(font, 40)
    c.drawCentredString(width / 2, height - 50 * mm, _("获奖证书"))

    left, right = 38 * mm, width - 38 * mm
    body = ParagraphStyle("body", fontName=font, fontSize=17, leading=30, textColor=INK, alignment=TA_LEFT,
                          wordWrap="CJK", firstLineIndent=34)
    plain = ParagraphStyle("plain", fontName=font, fontSize=11, leading=16, textColor=INK, alignment=TA_LEFT,
                           wordWrap="CJK")
    centre = ParagraphStyle("centre", parent=plain, alignment=TA_CENTER, fontSize=9, leading=12)

    y = height - 70 * mm
    c.setFillColor(INK)
    c.setFont(font, 22)
    c.drawString(left, y, _("%(name)s：") % {"name": authors(entry)[:60]})
    text = _("作品《%(entry)s》（报送单位：%(unit)s）在%(organizer)s主办的“%(contest)s”中荣获%(tier)s。"
             "特发此证，以资鼓励。") % {"entry": entry.title, "unit": entry.organization.name,
                                   "organizer": organizer, "contest": contest.title, "tier": award.tier.name}
    paragraph = Paragraph(escape(text), body)
    _w, used = paragraph.wrapOn(c, right - left, 80 * mm)
    paragraph.drawOn(c, left, y - 10 * mm - used)

    qr_size = 38 * mm
    qr_x, qr_y = right - qr_size, 30 * mm
    _draw_qr(c, url, qr_x, qr_y, qr_size)
    caption = Paragraph(escape(_("扫码查验")), centre)
    caption.wrapOn(c, qr_size, 10 * mm)
    caption.drawOn(c, qr_x, qr_y - 5 * mm)

    lines = [_("奖项：%(tier)s") % {"tier": award.tier.name},
             _("主办单位：%(organizer)s") % {"organizer": organizer},
             _("发证日期：%(day)s") % {"day": day},
             _("证书编号：%(code)s") % {"code": award.certificate_code}]
    c.setFillColor(INK)
    facts = Paragraph("<br/>".join(escape(line) for line in lines),
                      ParagraphStyle("facts", parent=plain, fontSize=13, leading=21))
    facts.wrapOn(c, right - left - qr_size - 10 * mm, 40 * mm)
    facts.drawOn(c, left, 52 * mm)
    how = Paragraph(escape(_("查验方法：用手机扫描右侧二维码，或在浏览器中打开 %(url)s ，"
                             "查验页面显示证书有效即为真。") % {"url": url}), plain)
    how.wrapOn(c, right - left - qr_size - 10 * mm, 20 * mm)
    how.drawOn(c, left, 28 * mm)

    c.showPage()
    c.save()
    return buffer.getvalue()
