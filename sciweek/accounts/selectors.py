"""Read queries over memberships, invitations and the audit log."""
from django.db.models import QuerySet

from sciweek.organizations.models import Organization

from . import policy
from .audit import ACTION_LABELS
from .models import AuditEvent, Invitation, Membership


def memberships_of(org: Organization) -> QuerySet[Membership]:
    return Membership.objects.filter(organization=org).select_related("user").order_by("role")


def open_invitations(org: Organization) -> QuerySet[Invitation]:
    """Invitations to `org` neither accepted nor revoked yet."""
    return Invitation.objects.filter(
        organization=org, accepted_at__isnull=True, revoked_at__isnull=True
    ).select_related("created_by")


def may_view_audit(user) -> bool:
    return user.is_superuser or bool(policy.scope_paths(user, "audit.view"))


def audit_events(user, action: str = "") -> QuerySet[AuditEvent]:
    """The audit events of the user's subtrees, newest first; only `action`'s when it is a
    known action."""
    events = policy.scoped(AuditEvent.objects.select_related("actor", "organization", "target_user"),
                           user, "audit.view", "organization_path")
    if action in ACTION_LABELS:
        events = events.filter(action=action)
    return events.order_by("-created_at", "-id")


def recent_audit(user, limit: int = 8) -> list[AuditEvent]:
    return list(policy.scoped(AuditEvent.objects.select_related("organization"), user, "audit.view",
                              "organization_path").order_by("-created_at")[:limit])
