"""A contest award's certificate (获奖证书) and its public verification.

The PDF (A4 landscape, reportlab; Chinese through its built-in CID font ``STSong-Light``, so no
font file ships) names the contest, its organizer, the prize, the entry, its authors and unit,
the date and the certificate number, with a QR code of the verification address
``/contests/certificates/<code>/``. The code is the award's ``certificate_code`` (96 random
bits, models.new_certificate_code): it cannot be guessed, so it needs no signature of its own.

An award verifies while its contest's results are final and its entry is still in the contest
(an entry disqualified afterwards loses its certificate).
"""
from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sciweek.core import certificate_pdf
from sciweek.core.http import site_url
from sciweek.core.templatetags.sciweek import format_day

from . import selectors
from .models import Award, Contest, Entry

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


def pdf(award: Award, request=None) -> bytes:
    """The certificate as an A4 landscape PDF (core.certificate_pdf). ValueError for an award
    that does not verify."""
    if not valid(award):
        raise ValueError(_("这个奖项的证书无效。"))
    contest, entry = award.contest, award.entry
    organizer = contest.organization.name
    day = format_day(timezone.localtime(award.awarded_at), year=True)
    text = _("作品《%(entry)s》（报送单位：%(unit)s）在%(organizer)s主办的“%(contest)s”中荣获%(tier)s。"
             "特发此证，以资鼓励。") % {"entry": entry.title, "unit": entry.organization.name,
                                   "organizer": organizer, "contest": contest.title, "tier": award.tier.name}
    facts = [_("奖项：%(tier)s") % {"tier": award.tier.name},
             _("主办单位：%(organizer)s") % {"organizer": organizer},
             _("发证日期：%(day)s") % {"day": day},
             _("证书编号：%(code)s") % {"code": award.certificate_code}]
    return certificate_pdf.certificate(
        title=_("%(contest)s 获奖证书") % {"contest": contest.title}, author=organizer, code=award.certificate_code,
        heading=_("获奖证书"), name=authors(entry)[:60], text=text, facts=facts,
        url=verification_url(award, request))
