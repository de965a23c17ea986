"""The permission policy: may this user do this to that object?

Every view and API endpoint asks here. A membership grants its role over the member's
organization *and its whole subtree* of reporting lines. Outside a user's subtrees an object
does not exist for them (404, so IDs cannot be probed); inside, a missing role is a 403.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.dispatch import Signal
from django.http import Http404

from sciweek.organizations.models import Organization
from sciweek.organizations.selectors import minimal_paths, within

from .models import Membership, Role

ALL_ROLES = frozenset(Role.values)

# action -> roles that grant it (over the object's organization subtree)
ACTIONS: dict[str, frozenset[str]] = {
    "organization.view": ALL_ROLES,
    "organization.manage": frozenset({Role.ADMIN}),
    "membership.view": frozenset({Role.ADMIN}),
    "membership.manage": frozenset({Role.ADMIN}),
    "invitation.create": frozenset({Role.ADMIN}),
    "audit.view": frozenset({Role.ADMIN}),
    "campaign.view": ALL_ROLES,
    "campaign.manage": frozenset({Role.ADMIN}),
    "regional_plan.manage": frozenset({Role.ADMIN}),
    "activity.view": ALL_ROLES,
    "activity.file": frozenset({Role.FILER, Role.ADMIN}),
    "activity.review": frozenset({Role.REVIEWER}),
    "activity.export": frozenset({Role.ADMIN, Role.REVIEWER, Role.STATISTICIAN, Role.FILER}),
    "statistics.view": frozenset({Role.ADMIN, Role.STATISTICIAN, Role.REVIEWER}),
    "statistics.publish": frozenset({Role.ADMIN, Role.STATISTICIAN}),
    "reservation.manage": frozenset({Role.ADMIN, Role.FILER, Role.LIAISON}),
    "reservation.checkin": frozenset({Role.ADMIN, Role.FILER, Role.LIAISON, Role.PUBLICITY}),
    "news.publish": frozenset({Role.ADMIN, Role.PUBLICITY, Role.LIAISON}),
    "news.review": frozenset({Role.ADMIN, Role.REVIEWER, Role.PUBLICITY}),
    "report.view": ALL_ROLES - {Role.JUDGE},
    "report.file": frozenset({Role.ADMIN, Role.PUBLICITY, Role.LIAISON}),
    "report.review": frozenset({Role.ADMIN, Role.REVIEWER}),
    # quiz: organizers write questions and run quizzes; reviewers approve questions and see results
    "quiz.manage": frozenset({Role.ADMIN, Role.PUBLICITY}),
    "quiz.question.write": frozenset({Role.ADMIN, Role.PUBLICITY, Role.FILER}),
    "quiz.question.review": frozenset({Role.REVIEWER}),
    "quiz.results": frozenset({Role.ADMIN, Role.PUBLICITY, Role.REVIEWER, Role.STATISTICIAN}),
    # contests: the organizer's admins run a contest; units enter works; an organization's admin
    # recommends its region's works upward. Judging is granted by a seat on a panel
    # (contests.services), not by the tree: a judge scores entries from anywhere.
    "contest.manage": frozenset({Role.ADMIN}),
    "contest.enter": frozenset({Role.ADMIN, Role.FILER}),
    "contest.recommend": frozenset({Role.ADMIN}),
    "contest.results": frozenset({Role.ADMIN, Role.REVIEWER, Role.STATISTICIAN, Role.PUBLICITY}),
    # evaluation (评估): the evaluating level's admins set the scheme and publish; its reviewers
    # score the indicators that need a judgement; statisticians read the scorecard.
    "evaluation.view": frozenset({Role.ADMIN, Role.REVIEWER, Role.STATISTICIAN}),
    "evaluation.manage": frozenset({Role.ADMIN}),
    "evaluation.score": frozenset({Role.ADMIN, Role.REVIEWER}),
    # commendation (表彰): drawn from the ranking, edited and approved by the evaluating level
    "commendation.view": frozenset({Role.ADMIN, Role.REVIEWER, Role.STATISTICIAN}),
    "commendation.manage": frozenset({Role.ADMIN}),
}


@dataclass(frozen=True)
class Grant:
    role: str
    organization_id: int
    path: str


def grants(user) -> list[Grant]:
    """The user's memberships, read once per request and cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_sciweek_grants", None)
    if cached is None:
        cached = [
            Grant(role, org_id, path)
            for role, org_id, path in Membership.objects.filter(user=user, organization__is_active=True)
            .values_list("role", "organization_id", "organization__path")
            .order_by("organization__path")
        ]
        user._sciweek_grants = cached
    return cached


def forget(user) -> None:
    """Drop the cached grants (after a role change within the same request)."""
    for cached in ("_sciweek_grants", "_sciweek_receiving", "_sciweek_memo"):
        user.__dict__.pop(cached, None)


def remembered(user, name: str, compute):
    """``compute()`` once per request for a figure derived from the user's grants (kept on the
    user object, like the grants themselves, and dropped with them by `forget`)."""
    memo = user.__dict__.setdefault("_sciweek_memo", {})
    if name not in memo:
        memo[name] = compute()
    return memo[name]


def roles_for(action: str) -> frozenset[str]:
    try:
        return ACTIONS[action]
    except KeyError:
        raise ValueError(f"unknown action {action!r}") from None


def scope_paths(user, action: str | None = None) -> list[str]:
    """Root paths of the subtrees where `user` may do `action` (any role when None)."""
    roles = ALL_ROLES if action is None else roles_for(action)
    return minimal_paths([g.path for g in grants(user) if g.role in roles])


def organization_of(obj) -> Organization:
    if isinstance(obj, Organization):
        return obj
    org = getattr(obj, "scope_organization", None)
    if org is None:
        raise TypeError(f"{type(obj).__name__} has no scope_organization")
    return org


def _within(path: str, paths: list[str]) -> bool:
    return any(path.startswith(p) for p in paths)


def can(user, action: str, obj) -> bool:
    """May `user` do `action` to `obj` (an Organization or anything with scope_organization)?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    roles_for(action)  # unknown actions are programming errors, not silent denials
    if user.is_superuser:
        return True
    return _within(organization_of(obj).path, scope_paths(user, action))


def can_see(user, obj) -> bool:
    """Is `obj` inside any of the user's subtrees (whatever the role)?"""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return _within(organization_of(obj).path, scope_paths(user))


# Sent when `require` (or `require_review`) refuses a signed-in user: kwargs user, action,
# organization (the refused object's) and status (403 inside the user's tree, 404 outside).
# accounts.signals records it in the audit log under that organization, so the admins whose
# subtree was probed see it.
access_refused = Signal()


def refused(user, action: str, obj, status: int) -> None:
    """Announce a refusal (the policy itself writes nothing)."""
    if getattr(user, "is_authenticated", False):
        access_refused.send(sender=None, user=user, action=action, organization=organization_of(obj),
                            obj=obj, status=status)


def home_organization(user) -> Organization | None:
    """The user's topmost organization (where events about the user are filed, so that
    organization's admins and those above see them); None for a superuser without one."""
    if getattr(user, "is_superuser", False) and not grants(user):
        return None
    homes = home_organizations(user)
    return homes[0] if homes else None


def refuse(user, action: str, obj):
    """Raise the refusal in the policy's shape: 403 inside the user's tree, 404 outside it (so
    ids cannot be probed); announced either way."""
    if can_see(user, obj):
        refused(user, action, obj, 403)
        raise PermissionDenied
    refused(user, action, obj, 404)
    raise Http404


def require(user, action: str, obj) -> None:
    """Raise 404 outside the user's tree, 403 inside it without the role."""
    if not can(user, action, obj):
        refuse(user, action, obj)


def scope_filter(user, action: str | None, path_field: str = "path") -> Q:
    """A Q limiting a queryset to rows whose organization path lies in the user's scope."""
    if getattr(user, "is_superuser", False):
        return Q()
    paths = scope_paths(user, action)
    if not paths:
        return Q(pk__in=[])
    condition = Q()
    for path in paths:
        condition |= within(path, path_field)
    return condition


def scoped(queryset: QuerySet, user, action: str | None, path_field: str = "path") -> QuerySet:
    return queryset.filter(scope_filter(user, action, path_field))


def home_organizations(user) -> list[Organization]:
    """The topmost organizations the user belongs to (their console's starting points)."""
    if getattr(user, "is_superuser", False) and not grants(user):
        return list(Organization.objects.get_root_nodes())
    return list(Organization.objects.filter(path__in=scope_paths(user)).order_by("path"))


def has_any_role(user) -> bool:
    return bool(grants(user)) or getattr(user, "is_superuser", False)


def is_admin_anywhere(user) -> bool:
    return user.is_superuser or any(g.role == Role.ADMIN for g in grants(user))


def review_level_ids(user) -> set[int] | None:
    """Organizations at whose level the user reviews filings; None means every level.

    A reviewer reviews at their own organization's level, and a reviewer in a level's lead
    department (the 科技厅 of a province, 科技局 of a city) reviews for that level too.
    """
    if getattr(user, "is_superuser", False):
        return None
    reviewer_grants = [g for g in grants(user) if g.role == Role.REVIEWER]
    if not reviewer_grants:
        return set()
    return _with_lead_parents({g.organization_id for g in reviewer_grants})


def _with_lead_parents(levels: set[int]) -> set[int]:
    """`levels` and the level each lead department among them acts for (its parent: the
    科技厅 for its province, the 科技局 for its city)."""
    lead_paths = Organization.objects.filter(
        pk__in=levels, committee_role=Organization.CommitteeRole.LEAD).values_list("path", flat=True)
    parent_paths = [path[: -Organization.steplen] for path in lead_paths if len(path) > Organization.steplen]
    if parent_paths:
        levels = levels | set(Organization.objects.filter(path__in=parent_paths).values_list("pk", flat=True))
    return levels


def can_review(user, activity) -> bool:
    """May the user act on this filing now (it waits at a level they review for)?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active or activity.review_level_id is None:
        return False
    levels = review_level_ids(user)
    return levels is None or activity.review_level_id in levels


def require_review(user, activity) -> None:
    """Raise unless the user may decide this filing now (policy.require's shape: 404 when the
    filing lies outside the user's tree and they do not review for its level, 403 inside)."""
    if not can_review(user, activity):
        refuse(user, "activity.review", activity)


def receiving_level_ids(user, action: str) -> set[int] | None:
    """Organizations at whose level the user receives what is reported to that level (news to
    review, summaries to accept); None means every level. Like review_level_ids: a role for
    `action` at the organization itself, or in its lead department (the city's 科技局 acts for
    the city). A grant higher up does not make its holder the receiver of a lower level."""
    if getattr(user, "is_superuser", False):
        return None
    roles = roles_for(action)
    levels = frozenset(g.organization_id for g in grants(user) if g.role in roles)
    if not levels:
        return set()
    # Asked several times per page (nav entries, cards, the page itself): once per request.
    known = user.__dict__.setdefault("_sciweek_receiving", {})
    if levels not in known:
        known[levels] = _with_lead_parents(set(levels))
    return set(known[levels])


def can_receive(user, action: str, receiver: Organization) -> bool:
    """May the user decide, for `receiver`'s level, on what was reported to it?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    levels = receiving_level_ids(user, action)
    return levels is None or receiver.pk in levels


def require_receive(user, action: str, receiver: Organization, obj) -> None:
    """Raise unless the user decides for the receiving level (404 when `obj` lies outside the
    user's tree, 403 inside: policy.require's shape)."""
    if not can_receive(user, action, receiver):
        refuse(user, action, obj)


def may_see_contact(user, activity) -> bool:
    """May the user read this filing's contact phone in full? Its own filers and admins, and
    reviewers above it; everyone else (liaisons, statisticians, …) sees it masked."""
    return can(user, "activity.file", activity) or can(user, "activity.review", activity)


def may_see_contacts_within(user, organization: Organization | None = None, action: str = "activity.export") -> bool:
    """The subtree form, for exports: may the user read in full the contacts of every filing
    within `organization` (None: within every subtree where the user may `action`)?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    paths = scope_paths(user, "activity.file") + scope_paths(user, "activity.review")
    wanted = [organization.path] if organization is not None else scope_paths(user, action)
    return all(_within(path, paths) for path in wanted)
