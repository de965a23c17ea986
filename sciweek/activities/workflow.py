"""The review path of a filing (which levels of the reporting line review it, and in what
order) and the state machine's answer to "what may this user do to it now".

A city- or unit-level activity stops at its city, a provincial one at its province, a
national flagship at the national committee. Levels below the final one review only when
they have reviewers (a county without review staff does not block its units).
"""
from dataclasses import dataclass, replace

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sciweek.accounts import policy
from sciweek.accounts.models import Membership, Role
from sciweek.organizations.models import Organization
from sciweek.organizations.selectors import ancestor_paths, ancestors

from .models import Activity

REVIEWING_KINDS = (Organization.Kind.REGION, Organization.Kind.COMMITTEE)


def final_level_for(organization: Organization, level: str) -> Organization:
    return _final_level(list(ancestors(organization, include_self=True)), level)  # root first


def _final_level(line: list[Organization], level: str) -> Organization:
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


def _candidates(line: list[Organization], level: str) -> tuple[Organization, list[Organization], list[Organization]]:
    """The final level, the reporting line from there down, and the levels that review when staffed."""
    final = _final_level(line, level)
    below = [o for o in line if o.depth >= final.depth]
    return final, below, [o for o in below if o.kind in REVIEWING_KINDS and o.pk != final.pk]


def _chain(line: list[Organization], level: str, staffed: set[int]) -> list[Organization]:
    final, below, candidates = _candidates(line, level)
    chain = [o for o in reversed(below) if o.pk in staffed and o in candidates]
    chain.append(final)
    return chain


def _staffed(organizations) -> set[int]:
    """Those of `organizations` that have an active reviewer (one query)."""
    return set(Membership.objects.filter(organization__in=list(organizations), role=Role.REVIEWER,
                                         user__is_active=True).values_list("organization_id", flat=True))


def review_chain(organization: Organization, level: str) -> list[Organization]:
    """Levels that review, from the first (nearest the filer) to the final one."""
    line = list(ancestors(organization, include_self=True))
    return _chain(line, level, _staffed(_candidates(line, level)[2]))


def _following(chain: list[Organization], current_id: int | None) -> Organization | None:
    ids = [o.pk for o in chain]
    if current_id not in ids:
        return None
    index = ids.index(current_id)
    return chain[index + 1] if index + 1 < len(chain) else None


def next_level(activity: Activity) -> Organization | None:
    """The level after the current one, or None when the current level is the final one."""
    return _following(review_chain(activity.organization, activity.level), activity.review_level_id)


def next_levels(activities) -> dict[int, Organization | None]:
    """next_level for many filings at once (the review inbox): two queries, whatever their number."""
    activities = list(activities)
    paths = {p for a in activities for p in ancestor_paths(a.organization, include_self=True)}
    by_path = {o.path: o for o in Organization.objects.filter(path__in=paths)}
    lines = {a.pk: [by_path[p] for p in ancestor_paths(a.organization, include_self=True) if p in by_path]
             for a in activities}
    staffed = _staffed({o for a in activities for o in _candidates(lines[a.pk], a.level)[2]}) if activities else set()
    return {a.pk: _following(_chain(lines[a.pk], a.level, staffed), a.review_level_id) for a in activities}


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
    blocked: bool = False  # the step exists but would be refused now (shown disabled; the page says why)


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


def approve_label(following: Organization | None) -> str:
    """What approving does, in the button's words: forward to the next level, or decide."""
    if following is None:
        return str(APPROVE.label)
    return _("转报%(level)s审核") % {"level": following.name}


def available_actions(activity: Activity, user, check=None) -> list[Action]:
    """What `user` may do to `activity` in its current state, decisions first. Approving says
    where the filing goes next ("转报河北省审核") unless this level decides. `check` (a
    services.SubmissionCheck the page already holds) marks submission blocked while it would
    be refused."""
    actions = []
    if activity.status == S.SUBMITTED and policy.can_review(user, activity):
        actions += [replace(APPROVE, label=approve_label(next_level(activity))), RETURN, REJECT]
    if policy.can(user, "activity.file", activity):
        steps = FILER_STEPS.get(activity.status, [])
        if check is not None and not check.ready:
            steps = [replace(a, blocked=True) if a is SUBMIT else a for a in steps]
        actions += steps
    return actions


def bulk_actions(user, following: list[Organization | None] | None = None) -> list[Action]:
    """The decisions the review inbox offers for many filings at once (each filing is still
    checked on its own when the decision runs). `following`: where approving sends each listed
    filing (next_levels; None = this level decides), so the button says whether it forwards."""
    if policy.review_level_ids(user) == set():
        return []
    approve = APPROVE
    forwarded = [level for level in following or [] if level is not None]
    if forwarded and len(forwarded) == len(following):
        approve = replace(APPROVE, bulk_label=_("通过并转报所选"))
    elif forwarded:
        approve = replace(APPROVE, bulk_label=_("通过所选（需上级审核的转报上级）"))
    return [a for a in (approve, RETURN) if a.bulk_label]
