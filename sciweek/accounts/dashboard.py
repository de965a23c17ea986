"""The accounts app's cards on the console home: where the user works (their home
organizations with their roles) and, for admins, the latest account and permission events."""
from . import policy, selectors
from .audit import ACTION_LABELS
from .models import Role


def home_organizations(request) -> list:
    """The user's topmost organizations, read once per request: several cards list them."""
    if not hasattr(request, "_home_organizations"):
        request._home_organizations = policy.home_organizations(request.user)
    return request._home_organizations


def memberships(request):
    roles_by_org: dict[int, list] = {}
    for grant in policy.grants(request.user):
        roles_by_org.setdefault(grant.organization_id, []).append(Role(grant.role).label)
    return {"homes": [(org, roles_by_org.get(org.pk, [])) for org in home_organizations(request)]}


def recent_audit(request):
    if not selectors.may_view_audit(request.user):
        return None
    events = selectors.recent_audit(request.user)
    if not events:
        return None
    return {"events": events, "action_labels": ACTION_LABELS}
