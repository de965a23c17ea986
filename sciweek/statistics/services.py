"""Publishing a level's statistics (统计数据发布): the figures as counted now are frozen into
a StatisticsPublication; the public region page and the API show only that snapshot.
Publishing again replaces it; unpublishing removes it. Both are audited."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sciweek.accounts import audit, policy

from . import selectors, snapshots
from .models import StatisticsPublication


def _bump():
    # now (this process reads its own write at once) and after the commit (no reader in between
    # keeps the old answer cached)
    selectors.PUBLISHED_GENERATION.bump()
    transaction.on_commit(selectors.PUBLISHED_GENERATION.bump)


@transaction.atomic
def publish(campaign, organization, *, actor) -> StatisticsPublication:
    policy.require(actor, "statistics.publish", organization)
    now = timezone.now()
    snapshot = snapshots.recount(campaign, organization).figures  # counted now, and kept for the page
    publication, created = StatisticsPublication.objects.update_or_create(
        campaign=campaign, organization=organization,
        defaults={"org_path": organization.path, "published_at": now, "published_by": actor, "figures": snapshot})
    audit.record("statistics.published", actor=actor, organization=organization,
                 summary=_("发布%(year)s年统计数据：%(org)s") % {"year": campaign.year, "org": organization.name},
                 detail={"campaign": campaign.year, "replaced": not created,
                         "activities": snapshot["total"].get("activities", 0)})
    _bump()
    return publication


@transaction.atomic
def unpublish(campaign, organization, *, actor) -> None:
    policy.require(actor, "statistics.publish", organization)
    deleted, _rows = StatisticsPublication.objects.filter(campaign=campaign, organization=organization).delete()
    if not deleted:
        raise ValidationError(_("这一级的统计数据尚未发布。"))
    audit.record("statistics.unpublished", actor=actor, organization=organization,
                 summary=_("撤回%(year)s年统计数据：%(org)s") % {"year": campaign.year, "org": organization.name},
                 detail={"campaign": campaign.year})
    _bump()
