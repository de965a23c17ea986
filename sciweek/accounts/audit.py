"""One way to write the audit log, so every event carries the same fields."""
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent

# Labels of audit actions, as the audit log shows them. Each app registers the labels of the
# actions it records (`register_labels` in its AppConfig.ready); these are the accounts' own.
ACTION_LABELS = {
    "login.succeeded": _("登录成功"),
    "login.failed": _("登录失败"),
    "login.locked_out": _("账号锁定"),
    "logout": _("退出登录"),
    "otp.enrolled": _("绑定双因素认证"),
    "otp.failed": _("双因素验证码错误"),
    "invitation.created": _("发出邀请"),
    "invitation.accepted": _("接受邀请"),
    "invitation.revoked": _("撤销邀请"),
    "membership.granted": _("授予角色"),
    "membership.revoked": _("撤销角色"),
    "membership.changed": _("变更角色"),
    "permission.denied": _("越权操作被拒绝"),
}


def register_labels(labels: dict) -> None:
    ACTION_LABELS.update(labels)


def record(action, *, actor=None, organization=None, target_user=None, ip=None, summary="", detail=None):
    return AuditEvent.objects.create(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=(actor.get_username() if actor is not None and actor.is_authenticated else ""),
        organization=organization,
        organization_path=organization.path if organization is not None else "",
        target_user=target_user,
        ip_address=ip,
        summary=str(summary)[:255],
        detail=detail or {},
    )


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None
