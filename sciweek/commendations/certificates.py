"""An awardee's certificate (荣誉证书) and its public verification.

Drawn by ``core.certificate_pdf`` (A4 landscape, the red and gold frame, a QR code of the
verification address). The address is ``/commendations/certificates/<code>/``: the code is the
candidate's ``certificate_code`` (96 random bits, models.new_certificate_code), as contests do,
so it cannot be guessed and needs no signature of its own. A certificate verifies while its
list is final and the candidate is on it (a list withdrawn afterwards loses its certificates)."""
from __future__ import annotations

import zipfile
from io import BytesIO

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sciweek.core import certificate_pdf
from sciweek.core.http import site_url
from sciweek.core.templatetags.sciweek import format_day

from . import selectors
from .models import Candidate, CommendationStatus, Kind

MAX_CODE_LENGTH = 24


def valid(candidate: Candidate | None) -> bool:
    return (candidate is not None and not candidate.removed
            and candidate.commendation.status == CommendationStatus.FINAL)


def verify(code: str) -> Candidate | None:
    if not code or len(code) > MAX_CODE_LENGTH:
        return None
    candidate = selectors.by_certificate_code(code)
    return candidate if valid(candidate) else None


def verification_path(candidate: Candidate) -> str:
    return reverse("commendations:certificate_verify", kwargs={"code": candidate.certificate_code})


def verification_url(candidate: Candidate, request=None) -> str:
    return site_url(request) + verification_path(candidate)


def honour(candidate: Candidate) -> str:
    """The title conferred: “2020年度河北省科技活动周优秀组织单位”."""
    from .services import level_name

    commendation = candidate.commendation
    return _("%(year)s年度%(level)s科技活动周%(kind)s") % {
        "year": commendation.campaign.year, "level": level_name(commendation.organization),
        "kind": Kind(candidate.kind).label}


def pdf(candidate: Candidate, request=None) -> bytes:
    """ValueError for a candidate without a certificate (list not final, or removed)."""
    if not valid(candidate):
        raise ValueError(_("名单公布后才有荣誉证书。"))
    commendation = candidate.commendation
    issuer = commendation.organization.name
    day = format_day(timezone.localtime(commendation.finalized_at), year=True)
    title = honour(candidate)
    if candidate.kind == Kind.INDIVIDUAL:
        name = candidate.person_name
        text = _("%(unit)s%(name)s同志在%(year)s年科技活动周工作中表现突出，被评为“%(title)s”。"
                 "特发此证，以资鼓励。") % {"unit": candidate.organization.name, "name": candidate.person_name,
                                       "year": commendation.campaign.year, "title": title}
    else:
        name = candidate.organization.name
        text = _("你单位在%(year)s年科技活动周工作中组织有力、成效显著，被评为“%(title)s”。"
                 "特发此证，以资鼓励。") % {"year": commendation.campaign.year, "title": title}
    facts = [_("荣誉：%(title)s") % {"title": title},
             _("颁发单位：%(issuer)s") % {"issuer": issuer},
             _("发证日期：%(day)s") % {"day": day},
             _("证书编号：%(code)s") % {"code": candidate.certificate_code}]
    return certificate_pdf.certificate(
        title=_("%(title)s 荣誉证书") % {"title": title}, author=issuer, code=candidate.certificate_code,
        heading=_("荣誉证书"), name=name[:60], text=text, facts=facts, url=verification_url(candidate, request))


def pdf_filename(candidate: Candidate) -> str:
    safe = "".join(ch for ch in candidate.display_name if ch not in '\\/:*?"<>|\0').strip()[:40] or "_"
    return f"{candidate.position:03d}-{safe}.pdf"


def zip_all(commendation, request=None) -> bytes:
    """Every awardee's certificate in one .zip, a folder per category."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for group in selectors.categories(commendation):
            folder = "".join(ch for ch in group.category.name if ch not in '\\/:*?"<>|\0')[:40] or "_"
            for n, candidate in enumerate(group.candidates, start=1):
                candidate.commendation = commendation
                safe = "".join(ch for ch in candidate.display_name if ch not in '\\/:*?"<>|\0').strip()[:40]
                archive.writestr(f"{folder}/{n:03d}-{safe}.pdf", pdf(candidate, request))
    return buffer.getvalue()
