from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from sciweek.core.http import current_request

from .audit import client_ip, record
from .policy import access_refused


def _home_org(user):
    """Events about a user are filed under the user's topmost organization so its admins
    (and those above) see them."""
    from . import policy

    return policy.home_organization(user)


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    record("login.succeeded", actor=user, organization=_home_org(user), ip=client_ip(request))


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        record("logout", actor=user, organization=_home_org(user), ip=client_ip(request))


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    # Never store the attempted password; the username is needed to investigate attacks.
    from .models import User

    username = str(credentials.get("username", ""))[:150]
    known = User.objects.filter(username=username).first()
    record("login.failed", organization=_home_org(known) if known else None, target_user=known,
           ip=client_ip(request), summary=username)


@receiver(user_locked_out)
def audit_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    from .models import User

    known = User.objects.filter(username=str(username or "")).first()
    record("login.locked_out", organization=_home_org(known) if known else None, target_user=known,
           ip=ip_address, summary=str(username or "")[:150])


@receiver(access_refused)
def audit_refusal(sender, user, action, organization, obj, status, **kwargs):
    """A refused access is filed under the organization of the object refused: the admins
    whose subtree was probed (and those above) see who tried."""
    request = current_request()
    label = str(obj)[:120]
    record("permission.denied", actor=user, organization=organization, ip=client_ip(request),
           summary=f"{action} · {label}",
           detail={"action": action, "status": status, "object": f"{type(obj).__name__}:{getattr(obj, 'pk', '')}",
                   "path": request.path[:200] if request is not None else "",
                   "home": getattr(_home_org(user), "name", "")})
