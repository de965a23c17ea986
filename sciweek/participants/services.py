"""The public person: phone sign-in with one-time codes, consent, personal-data export and
deletion. The only way to sign a member of the public in: the pages and the API call these
(and so will the quiz and public voting)."""
import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sciweek.api.ratelimit import count_in_db
from sciweek.core.sms import send_sms

from .models import OneTimeCode, Profile, mask_phone
from .registry import personal_data_providers

__all__ = ["ParticipantError", "RateLimited", "normalize_phone", "request_code", "verify_code", "profile_of",
           "public_person", "mask_phone", "export_personal_data", "delete_personal_data"]

User = get_user_model()
OTP_TTL = timedelta(minutes=5)
OTP_MAX_ATTEMPTS = 5


class ParticipantError(Exception):
    """A refusal the person should read (localized)."""

    status = 422
    code = "invalid"


class RateLimited(ParticipantError):
    status = 429
    code = "rate_limited"


def normalize_phone(raw: str) -> str:
    digits = "".join(c for c in (raw or "") if c.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) != 11 or not digits.startswith("1"):
        raise ParticipantError(_("请输入 11 位手机号码。"))
    return digits


def _hash_code(phone: str, code: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{phone}:{code}".encode()).hexdigest()


def _hold_code_requests(phone: str, ip: str | None, now) -> None:
    """Serialize code requests per phone and per IP until the transaction ends: the counter
    upsert locks its row (PostgreSQL; SQLite runs one writer at a time anyway), so two
    simultaneous requests cannot both find "no code in the last minute" and both send one.
    The phone's row comes first, always, so two requests never wait on each other in a circle."""
    day = int(now.timestamp()) // 86400 * 86400
    count_in_db(f"otp:phone:{phone}", day, 86400)
    if ip:
        count_in_db(f"otp:ip:{ip}", day, 86400)


def request_code(phone: str, *, ip: str | None = None) -> str:
    """Send a 6-digit code; returns the normalized phone. At most one per phone per minute,
    10 per phone and 30 per IP a day (counted in the database from the codes sent, so the
    limits hold when the cache is down, and checked under a per-phone and per-IP lock, so
    they hold under concurrent requests too)."""
    phone = normalize_phone(phone)
    now = timezone.now()
    with transaction.atomic():  # a refusal rolls the lock counters back with it
        _hold_code_requests(phone, ip, now)
        recent = OneTimeCode.objects.filter(phone=phone, created_at__gte=now - timedelta(seconds=60)).exists()
        if recent:
            raise RateLimited(_("验证码已发送，请 60 秒后再试。"))
        day_ago = now - timedelta(days=1)
        if OneTimeCode.objects.filter(phone=phone, created_at__gte=day_ago).count() >= 10 or (
            ip and OneTimeCode.objects.filter(ip_address=ip, created_at__gte=day_ago).count() >= 30
        ):
            raise RateLimited(_("今天获取验证码的次数太多了，请明天再试。"))
        code = f"{secrets.randbelow(1_000_000):06d}"
        OneTimeCode.objects.create(phone=phone, code_hash=_hash_code(phone, code), ip_address=ip,
                                   expires_at=now + OTP_TTL)
    # Sent after commit: the locks are not held while the SMS gateway answers.
    send_sms(phone, _("【科技活动周】您的验证码是 %(code)s，5 分钟内有效。请勿告诉他人。") % {"code": code})
    return phone


def verify_code(phone: str, code: str, *, consent: bool, name: str = ""):
    """The user for this phone if the code is right (creating the account on first sign-in,
    which needs consent to the privacy notice)."""
    phone = normalize_phone(phone)
    now = timezone.now()
    wrong = _("验证码不正确或已过期，请重新获取。")
    if not consent and not Profile.objects.filter(phone=phone).exists():
        # Ask for consent before using up the code, so the person can tick the box and resend it.
        raise ParticipantError(_("首次登录请先阅读并同意隐私政策。"))
    with transaction.atomic():
        otp = (OneTimeCode.objects.select_for_update()
               .filter(phone=phone, used_at__isnull=True, expires_at__gt=now).order_by("-created_at").first())
        valid = (otp is not None and otp.attempts < OTP_MAX_ATTEMPTS
                 and secrets.compare_digest(otp.code_hash, _hash_code(phone, (code or "").strip())))
        if otp is not None:
            # A wrong try is counted (and committed) before the refusal is raised.
            OneTimeCode.objects.filter(pk=otp.pk).update(**({"used_at": now} if valid else {"attempts": F("attempts") + 1}))
    if not valid:
        raise ParticipantError(wrong)
    profile = Profile.objects.filter(phone=phone).select_related("user").first()
    if profile is not None:
        if not profile.user.is_active:
            raise ParticipantError(_("该账号已注销。"))
        return profile.user
    with transaction.atomic():
        user = User(username=f"p_{secrets.token_hex(8)}", full_name=name[:32])
        user.set_unusable_password()
        user.save()
        Profile.objects.create(user=user, phone=phone, name=name[:32], consent_at=now)
    return user


def profile_of(user) -> Profile | None:
    """The person's public profile, through the accessor: a caller that loaded the user with
    select_related("public_profile") (the API's token lookup) pays no query here."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.public_profile
    except Profile.DoesNotExist:
        return None


def public_person(user):
    """`user` if it is a signed-in member of the public, else None (staff accounts have no
    public profile)."""
    return user if profile_of(user) is not None else None


def export_personal_data(user) -> dict:
    """Everything kept about the person: the profile, then each registered app's part."""
    profile = profile_of(user)
    data = {
        "phone": profile.phone if profile else None,
        "name": profile.name if profile else "",
        "consent_at": timezone.localtime(profile.consent_at).isoformat() if profile else None,
    }
    for provider in personal_data_providers():
        data[provider.name] = provider.export(user)
    return data


def delete_personal_data(user) -> None:
    """Each registered app erases its part (cancelling what is still ahead), then the phone
    number goes and the account is closed. Past attendance stays as anonymous counts
    (reports need them), without the person."""
    for provider in personal_data_providers():
        provider.erase(user)
    with transaction.atomic():
        Profile.objects.filter(user=user).delete()
        User.objects.filter(pk=user.pk).update(is_active=False, full_name="", email="",
                                               username=f"deleted_{secrets.token_hex(8)}")
