"""The activities app's cards on the console home: filings waiting for the user's review,
unread notifications, filing counts of each home organization's subtree (with the work-plan
counts of a region) and the filings changed last."""
from sciweek.accounts import policy
from sciweek.accounts.dashboard import home_organizations
from sciweek.campaigns import selectors as campaign_selectors
from sciweek.organizations.models import Organization
from sciweek.organizations.selectors import within

from . import selectors
from .models import Activity


def review_waiting(request):
    user = request.user
    if not (user.is_superuser or policy.review_level_ids(user)):
        return None
    inbox = selectors.review_inbox(user, campaign_selectors.current_campaign_of(request))
    return {"count": inbox.count(), "late": inbox.filter(is_late=True).count(),
            "oldest": inbox.values_list("waiting_since", flat=True).first()}


def notifications(request):
    unread = selectors.unread_notification_count(request.user)
    return {"unread": unread} if unread else None


def filing_counts(request):
    campaign = campaign_selectors.current_campaign_of(request)
    if campaign is None:
        return None
    homes = home_organizations(request)
    organizations = []
    for org in homes:
        item = {"organization": org,
                "status_counts": selectors.status_counts(campaign, within(org.path, "organization__path"))}
        if org.kind == Organization.Kind.REGION:
            item["plan_counts"] = selectors.plan_counts(campaign, org)
            item["plan"] = campaign_selectors.plan_for(campaign, org)
        organizations.append(item)
    return {"organizations": organizations, "several": len(homes) > 1,
            "status_labels": dict(Activity.Status.choices)}


def recent_filings(request):
    return {"activities": selectors.recently_changed(request.user)}
