"""The review path of a filing (which levels of the reporting line review it, and in what
order) and the state machine's answer to "what may this user do to it now".

A city- or unit-level activity stops at its city, a provincial one at its province, a
national flagship at the national committee. Levels below the final one review only when
they have reviewers (a county without review staff does not block its units).
"""
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sciweek.accounts import policy
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


# --- what a user may do now ------------------------------------------------------------

@dataclass(frozen=True)
class Action:
    """A step a user may take on a filing: its name (what the action view accepts), its
    button label, and how the page offers it."""

    name: str
    label: str | Promise
    group: str  # "review" (decisions, one form with the comment) or "file" (the filer's steps)
    style: str = ""  # button class: "", "secondary" or "danger"
    reason: str | Promise = ""  # label of the reason it asks for (shown to the public)
    bulk_label: str | Promise = ""  # offered in the review inbox for many filings at once


S = Activity.Status
APPROVE = Action("approve", _("审核通过"), "review", bulk_label=_("批量通过所选"))
RETURN = Action("return", _("退回修改"), "review", "secondary", bulk_label=_("批量退回所选"))
REJECT = Action("reject", _("不予通过"), "review", "danger")
SUBMIT = Action("submit", _("提交审核"), "file")
WITHDRAW = Action("withdraw", _("撤回"), "file", "secondary")
REOPEN = Action("reopen", _("重新编辑"), "file", "secondary")
PROPOSE_CHANGE = Action("propose_change", _("发起变更"), "file")
CANCEL = Action("cancel", _("取消活动"), "file", "danger", reason=_("取消原因（将向公众显示）"))
ACTIONS = {a.name: a for a in (APPROVE, RETURN, REJECT, SUBMIT, WITHDRAW, REOPEN, PROPOSE_CHANGE, CANCEL)}
# The filer's steps by state (the services check the same states again when they run).
FILER_STEPS = {
    S.DRAFT: [SUBMIT], S.RETURNED: [SUBMIT, WITHDRAW], S.SUBMITTED: [WITHDRAW], S.WITHDRAWN: [REOPEN],
    S.APPROVED: [PROPOSE_CHANGE, CANCEL],
}


def available_actions(activity: Activity, user) -> list[Action]:
    """What `user` may do to `activity` in its current state, decisions first."""
    actions = []
    if activity.status == S.SUBMITTED and policy.can_review(user, activity):
        actions += [APPROVE, RETURN, REJECT]
    if policy.can(user, "activity.file", activity):
        actions += FILER_STEPS.get(activity.status, [])
    return actions


def bulk_actions(user) -> list[Action]:
    """The decisions the review inbox offers for many filings at once (each filing is still
    checked on its own when the decision runs)."""
    if policy.review_level_ids(user) == set():
        return []
    return [a for a in (APPROVE, RETURN) if a.bulk_label]
