from django.core.exceptions import PermissionDenied
from django.db import transaction

from sciweek.accounts import policy
from sciweek.accounts.audit import record
from sciweek.core.signals import news_days_changed, went_online_only
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
        with transaction.atomic():
            campaign.save(update_fields=list(changed))
            record("campaign.updated", actor=actor, summary=campaign.name,
                   detail={k: str(v) for k, v in changed.items()})
            if changed.get("online_only") is True:
                _announce_online_only(campaign, None, actor)
            if "news_within_days" in changed:
                _announce_news_days(campaign, None)
    return campaign


def save_regional_plan(*, actor, campaign: Campaign, organization, **fields) -> RegionalPlan:
    policy.require(actor, "regional_plan.manage", organization)
    with transaction.atomic():
        was_online = RegionalPlan.objects.filter(campaign=campaign, organization=organization,
                                                 online_only=True).exists()
        days_before = RegionalPlan.objects.filter(campaign=campaign, organization=organization).values_list(
            "news_within_days", flat=True).first()
        plan, _created = RegionalPlan.objects.update_or_create(campaign=campaign, organization=organization,
                                                               defaults=fields)
        record("campaign.updated", actor=actor, organization=organization,
               summary=f"{campaign.year} {organization.name}", detail={k: str(v) for k, v in fields.items()})
        if plan.online_only and not was_online:
            _announce_online_only(campaign, organization, actor)
        if plan.news_within_days != days_before:
            _announce_news_days(campaign, organization)
    return plan


def _announce_online_only(campaign: Campaign, organization, actor) -> None:
    """went_online_only, once committed: activities tells the organizers of the on-site
    sessions concerned (their bookings stop: activities.selectors.booking_state)."""
    transaction.on_commit(lambda: went_online_only.send(
        sender=Campaign, campaign=campaign, organization=organization, actor=actor))


def _announce_news_days(campaign: Campaign, organization) -> None:
    """news_days_changed, once committed: news moves the clocks the new days bind."""
    transaction.on_commit(lambda: news_days_changed.send(sender=Campaign, campaign=campaign,
                                                         organization=organization))
