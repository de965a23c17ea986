"""A taker's certificate for a passed quiz (合格证书; 获奖证书 with the tier once the quiz has
closed and the taker's standing won a prize, ``selectors.prize_of``), and its verification.

The PDF (A4 landscape, reportlab; Chinese through its built-in CID font ``STSong-Light``, so no
font file ships) names the quiz, its organizer, the taker, the score, the date and the
certificate number, with a QR code of the verification address. That address carries a token
signed with the site's secret (``django.core.signing``, salt ``sciweek.quiz.certificate``)
around the attempt's ``certificate_code`` (96 random bits): it cannot be guessed, and a changed
code or a made-up token fails the signature. ``verify`` answers None for a bad token, an
unknown code, and an attempt that no longer deserves a certificate (disqualified since); the
attempt it answers carries ``prize`` (the Prize or None) for the verification page.

Only a final, passed, scored (not practice) attempt of a person not disqualified gets one.
"""
from __future__ import annotations

from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from sciweek.core import certificate_pdf
from sciweek.core.http import site_url
from sciweek.core.templatetags.sciweek import format_day

from . import selectors
from .models import Attempt, Standing

SALT = "sciweek.quiz.certificate"
# A prize won, as the certificate names it (the prize list's labels name the tiers' places).
PRIZE_NAMES = {"first": pgettext_lazy("prize won", "一等奖"), "second": pgettext_lazy("prize won", "二等奖"),
               "third": pgettext_lazy("prize won", "三等奖")}


def refusal(attempt: Attempt) -> str | None:
    """Why this attempt has no certificate (None when it has one)."""
    if not attempt.is_final or attempt.score is None:
        return _("答题尚未完成，没有证书。")
    if attempt.is_practice:
        return _("练习不计分，没有证书。")
    if not attempt.passed:
        return _("成绩未达到及格线，没有证书。")
    if attempt.review == Attempt.Review.DISQUALIFIED or Standing.objects.filter(
            quiz_id=attempt.quiz_id, person_id=attempt.person_id, disqualified=True).exists():
        return _("成绩已被取消，没有证书。")
    return None


def available(attempt: Attempt) -> bool:
    return refusal(attempt) is None


def prize_name(prize) -> str:
    return str(PRIZE_NAMES[prize.tier]) if prize is not None else ""


def kind(prize) -> str:
    """What the certificate is: 获奖证书 for a prize, else 合格证书."""
    return _("获奖证书") if prize is not None else _("合格证书")


# --- the verification token ------------------------------------------------------------------

def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def verification_token(attempt: Attempt) -> str:
    """``<certificate_code>:<signature>``: URL-safe characters only."""
    return _signer().sign(attempt.certificate_code)


def verification_path(attempt: Attempt) -> str:
    return reverse("quiz:certificate_verify", kwargs={"token": verification_token(attempt)})


def verification_url(attempt: Attempt, request=None) -> str:
    """The address in the QR code: absolute when the site knows its address (SCIWEEK_SITE_URL
    or the request being served)."""
    return site_url(request) + verification_path(attempt)


def verify(token: str) -> Attempt | None:
    """The attempt a token certifies, or None (bad signature, unknown code, or no longer
    deserving a certificate)."""
    try:
        code = _signer().unsign(str(token))
    except signing.BadSignature:
        return None
    attempt = (Attempt.objects.select_related("quiz__organization", "quiz__campaign", "registration")
               .filter(certificate_code=code).first())
    if attempt is None or not available(attempt):
        return None
    attempt.prize = selectors.prize_of(attempt)
    return attempt


# --- the PDF -----------------------------------------------------------------------------------

def taker_name(attempt: Attempt) -> str:
    """The name the taker registered (in full: it is their own certificate)."""
    registration = attempt.registration
    if registration is not None and registration.display_name:
        return registration.display_name
    standing = Standing.objects.filter(quiz_id=attempt.quiz_id, person_id=attempt.person_id).values_list(
        "display_name", flat=True).first()
    if standing:
        return standing
    profile = getattr(attempt.person, "public_profile", None)
    if profile is not None:
        return profile.name or profile.masked_phone
    return _("答题者")


def pdf(attempt: Attempt, request=None) -> bytes:
    """The certificate as an A4 landscape PDF (core.certificate_pdf). ValueError when the
    attempt has none."""
    reason = refusal(attempt)
    if reason:
        raise ValueError(reason)
    quiz = attempt.quiz
    organizer = quiz.organization.name
    day = format_day(timezone.localtime(attempt.finished_at), year=True)
    prize = selectors.prize_of(attempt)
    values = {"day": day, "organizer": organizer, "quiz": quiz.title, "score": attempt.score,
              "max": attempt.max_score, "prize": prize_name(prize)}
    if prize is not None:
        text = _("您于 %(day)s 参加由%(organizer)s主办的“%(quiz)s”，得分 %(score)s 分（满分 %(max)s 分），"
                 "荣获%(prize)s。特发此证，以资鼓励。") % values
    else:
        text = _("您于 %(day)s 参加由%(organizer)s主办的“%(quiz)s”，得分 %(score)s 分（满分 %(max)s 分），"
                 "成绩合格。特发此证，以资鼓励。") % values
    facts = ([_("奖项：%(prize)s") % {"prize": prize_name(prize)}] if prize is not None else []) + [
        _("主办单位：%(organizer)s") % {"organizer": organizer},
        _("发证日期：%(day)s") % {"day": day},
        _("证书编号：%(code)s") % {"code": attempt.certificate_code}]
    title = (_("%(quiz)s 获奖证书") if prize is not None else _("%(quiz)s 合格证书")) % {"quiz": quiz.title}
    return certificate_pdf.certificate(
        title=title, author=organizer, code=attempt.certificate_code, heading=kind(prize),
        name=taker_name(attempt), text=text, facts=facts, url=verification_url(attempt, request))
