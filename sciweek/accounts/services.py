"""Writes for accounts: invitations, memberships, two-factor enrolment. All audited."""
import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from sciweek.core import http

from . import policy
from .audit import record
from .models import Invitation, Membership, Role
from .tasks import send_invitation_email

User = get_user_model()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invitation(*, actor, organization, role: str, email: str = "", note: str = "", ip=None,
                      site_url: str = ""):
    """Returns (invitation, token). The token is shown once, in the link; only its hash is stored.

    The e-mailed link starts with `site_url` (the view passes its request's), else the
    configured or current request's address (core.http.site_url): the running port, never a
    guessed one."""
    policy.require(actor, "invitation.create", organization)
    if role not in Role.values:
        raise ValidationError(_("未知角色。"))
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        role=role,
        email=email,
        note=note,
        token_hash=_hash(token),
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    if email:
        send_invitation_email.enqueue(invitation.pk, token, site_url or http.site_url())
    record(
        "invitation.created", actor=actor, organization=organization, ip=ip,
        summary=f"{organization.name} · {invitation.get_role_display()} · {email}",
        detail={"invitation": invitation.pk, "role": role},
    )
    return invitation, token


def find_invitation(token: str) -> Invitation | None:
    """A usable invitation for this token, or None (unknown, used, revoked or expired)."""
    invitation = (
        Invitation.objects.select_related("organization", "created_by").filter(token_hash=_hash(token)).first()
    )
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        return None
    if invitation.expires_at < timezone.now():
        return None
    return invitation


def accept_invitation(*, token: str, user=None, new_account: dict | None = None, ip=None):
    """Accept as an existing signed-in user, or create the account from `new_account`.

    Conditional update on accepted_at makes a double-click or a shared link single-use.
    """
    with transaction.atomic():
        invitation = find_invitation(token)
        if invitation is None:
            raise ValidationError(_("邀请链接无效、已使用或已过期。"))
        claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
            accepted_at=timezone.now()
        )
        if not claimed:
            raise ValidationError(_("邀请链接已被使用。"))
        if user is None:
            user = User(username=new_account["username"], full_name=new_account.get("full_name", ""),
                        email=invitation.email or new_account.get("email", ""))
            user.set_password(new_account["password"])
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError:
                raise ValidationError(_("该用户名已被使用。")) from None
        Invitation.objects.filter(pk=invitation.pk).update(accepted_by=user)
        membership, _created = Membership.objects.get_or_create(
            user=user, organization=invitation.organization, role=invitation.role,
            defaults={"created_by": invitation.created_by},
        )
        record(
            "invitation.accepted", actor=user, organization=invitation.organization, target_user=user, ip=ip,
            summary=f"{user.get_username()} · {invitation.get_role_display()}",
            detail={"invitation": invitation.pk},
        )
        record(
            "membership.granted", actor=invitation.created_by, organization=invitation.organization,
            target_user=user, ip=ip, summary=f"{user.get_username()} · {invitation.get_role_display()}",
            detail={"role": invitation.role, "via": "invitation"},
        )
    return membership


def revoke_invitation(*, actor, invitation, ip=None):
    policy.require(actor, "invitation.create", invitation.organization)
    updated = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if updated:
        record("invitation.revoked", actor=actor, organization=invitation.organization, ip=ip,
               summary=f"{invitation.get_role_display()} · {invitation.email}")
    return bool(updated)


def grant_role(*, actor, user, organization, role: str, ip=None) -> Membership:
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, role=role, defaults={"created_by": actor}
    )
    if created:
        record("membership.granted", actor=actor, organization=organization, target_user=user, ip=ip,
               summary=f"{user.get_username()} · {membership.get_role_display()}", detail={"role": role})
        policy.forget(user)
    return membership


def _keep_last_admin(actor, membership: Membership, message) -> None:
    """An admin may not take away their own organization's last admin role (by revoking or
    by changing it): someone must be left who can manage it."""
    if membership.role == Role.ADMIN and membership.user_id == actor.pk:
        others = Membership.objects.filter(organization=membership.organization, role=Role.ADMIN).exclude(
            pk=membership.pk
        )
        if not others.exists():
            raise ValidationError(message)


def revoke_role(*, actor, membership: Membership, ip=None) -> None:
    policy.require(actor, "membership.manage", membership.organization)
    _keep_last_admin(actor, membership, _("不能撤销本组织最后一位管理员的管理员角色。"))
    with transaction.atomic():
        deleted, _rows = Membership.objects.filter(pk=membership.pk).delete()
        if deleted:
            record("membership.revoked", actor=actor, organization=membership.organization,
                   target_user=membership.user, ip=ip,
                   summary=f"{membership.user.get_username()} · {membership.get_role_display()}",
                   detail={"role": membership.role})
    policy.forget(membership.user)
    policy.forget(actor)


def change_role(*, actor, membership: Membership, role: str, ip=None) -> Membership:
    """Change a membership's role in place (one conditional UPDATE, audited with both roles).
    Refused: an unknown role, the same role, a role the person already holds there, the
    actor's own last admin role, or a membership someone else changed or revoked first."""
    policy.require(actor, "membership.manage", membership.organization)
    if role not in Role.values:
        raise ValidationError(_("未知角色。"))
    old_role = membership.role
    if role == old_role:
        raise ValidationError(_("该成员已经是这个角色。"))
    if role != Role.ADMIN:
        _keep_last_admin(actor, membership, _("不能把本组织最后一位管理员改为其他角色：请先让另一位成员成为管理员。"))
    taken = Membership.objects.filter(user_id=membership.user_id, organization_id=membership.organization_id,
                                      role=role).exists()
    if taken:
        raise ValidationError(_("该成员在本组织已有这个角色。"))
    try:
        with transaction.atomic():
            updated = Membership.objects.filter(pk=membership.pk, role=old_role).update(role=role)
            if not updated:
                raise ValidationError(_("这个角色刚被其他人修改或撤销，请刷新页面后再试。"))
            membership.role = role
            record("membership.changed", actor=actor, organization=membership.organization,
                   target_user=membership.user, ip=ip,
                   summary=f"{membership.user.get_username()} · {Role(old_role).label} → {Role(role).label}",
                   detail={"from": old_role, "to": role})
    except IntegrityError:
        raise ValidationError(_("该成员在本组织已有这个角色。")) from None
    policy.forget(membership.user)
    policy.forget(actor)
    return membership


def record_failed_totp(user, ip=None) -> None:
    """A wrong TOTP code, filed under the user's home organization so its admins see it."""
    record("otp.failed", actor=user, organization=policy.home_organization(user), ip=ip)


def needs_two_factor(user) -> bool:
    """Admins (and superusers) must pass TOTP; other roles may enrol voluntarily."""
    return user.is_superuser or policy.is_admin_anywhere(user)


def start_totp_enrolment(user) -> TOTPDevice:
    """An unconfirmed device for the user (reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="SciWeek", confirmed=False)
    return device


def confirm_totp_enrolment(*, user, device: TOTPDevice, token: str, ip=None) -> bool:
    if not device.verify_token(token):
        record("otp.failed", actor=user, organization=policy.home_organization(user), ip=ip,
               summary=_("绑定时验证码错误"))
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    record("otp.enrolled", actor=user, ip=ip)
    return True
