"""The review path of a filing: which levels of the reporting line review it, and in what order.

A city- or unit-level activity stops at its city, a provincial one at its province, a
national flagship at the national committee. Levels below the final one review only when
they have reviewers (a county without review staff does not block its units).
"""
from sciweek.accounts.models import Membership, Role
from sciweek.organizations.models import Organization
from sciweek.organizations.selectors import ancestors

from .models import Activity

REVIEWING_KINDS = (Organization.Kind.REGION, Organization.Kind.COMMITTEE)


def final_level_for(organization: Organization, level: str) -> Organization:
    line = list(ancestors(organization, include_self=True))  # root first
    root = line[0]
    if level == Activity.Level.NATIONAL or len(line) == 1:
        return root
    if level == Activity.Level.PROVINCIAL:
        return line[1]
    # City or unit level: the reporting city (third tier) when there is one, else the
    # provincial-level node (a separately planned city, a central department).
    if len(line) > 2 and line[2].kind == Organization.Kind.REGION:
        return line[2]
    return line[1]


def review_chain(organization: Organization, level: str) -> list[Organization]:
    """Levels that review, from the first (nearest the filer) to the final one."""
    final = final_level_for(organization, level)
    line = [o for o in ancestors(organization, include_self=True) if o.depth >= final.depth]
    candidates = [o for o in line if o.kind in REVIEWING_KINDS and o.pk != final.pk]
    staffed = set(
        Membership.objects.filter(organization__in=candidates, role=Role.REVIEWER, user__is_active=True)
        .values_list("organization_id", flat=True)
    )
    chain = [o for o in reversed(line) if o.pk in staffed]
    chain.append(final)
    return chain


def next_level(activity: Activity) -> Organization | None:
    """The level after the current one, or None when the current level is the final one."""
    chain = review_chain(activity.organization, activity.level)
    ids = [o.pk for o in chain]
    if activity.review_level_id not in ids:
        return None
    index = ids.index(activity.review_level_id)
    return chain[index + 1] if index + 1 < len(chain) else None
