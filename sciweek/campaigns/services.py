from django.core.exceptions import PermissionDenied

from sciweek.accounts import policy
from sciweek.accounts.audit import record
from sciweek.organizations.selectors import national_committee

from .models import Campaign, RegionalPlan


def update_campaign(campaign: Campaign, *, actor, **fields) -> Campaign:
    """The week's own settings belong to the national committee's admins."""
    root = national_committee()
    if root is None:
        raise PermissionDenied
    policy.require(actor, "campaign.manage", root)
    changed = {k: v for k, v in fields.items() if getattr(campaign, k) != v}
    for key, value in changed.items():
        setattr(campaign, key, value)
    if changed:
        campaign.full_clean()
        campaign.save(update_fields=list(changed))
        record("campaign.updated", actor=actor, summary=campaign.name, detail={k: str(v) for k, v in changed.items()})
    return campaign


def save_regional_plan(*, actor, campaign: Campaign, organization, **fields) -> RegionalPlan:
    policy.require(actor, "regional_plan.manage", organization)
    plan, _created = RegionalPlan.objects.update_or_create(campaign=campaign, organization=organization, defaults=fields)
    record("campaign.updated", actor=actor, organization=organization,
           summary=f"{campaign.year} {organization.name}", detail={k: str(v) for k, v in fields.items()})
    return plan
