"""Reads of the commendations: the console's lists and page, the public list (only on notice
or final, never a draft), what a user may do now, and the region each candidate lies in."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q

from sciweek.accounts import policy
from sciweek.core import cache as public_cache
from sciweek.organizations.models import Organization

from .models import Candidate, Commendation, CommendationCategory, CommendationStatus, Kind, Objection


def visible(user, campaign):
    """The lists of the campaign the user may see (their subtrees, "commendation.view")."""
    return policy.scoped(Commendation.objects.filter(campaign=campaign), user, "commendation.view",
                         "organization__path").select_related("organization", "evaluation").order_by(
        "organization__path", "-id")


def commendable_evaluations(user, campaign):
    """Frozen or published evaluations of the user's tree that have no live list yet."""
    from sciweek.evaluation.models import Evaluation

    live = Commendation.objects.filter(status__in=list(CommendationStatus.LIVE)).values("evaluation_id")
    return policy.scoped(Evaluation.objects.filter(
        campaign=campaign, status__in=[Evaluation.Status.FROZEN, Evaluation.Status.PUBLISHED]),
        user, "commendation.manage", "organization__path").exclude(pk__in=live).select_related(
        "organization").order_by("organization__path", "id")


def detail(commendation_id: int) -> Commendation | None:
    return (Commendation.objects.select_related("organization", "evaluation", "campaign", "proposed_by",
                                                "approved_by").filter(pk=commendation_id).first())


def candidate(candidate_id: int) -> Candidate | None:
    return (Candidate.objects.select_related("commendation__organization", "commendation__campaign",
                                             "organization", "category").filter(pk=candidate_id).first())


def category(category_id: int) -> CommendationCategory | None:
    return CommendationCategory.objects.select_related("commendation__organization").filter(pk=category_id).first()


def objection(objection_id: int) -> Objection | None:
    return Objection.objects.select_related("commendation__organization", "candidate__organization").filter(
        pk=objection_id).first()


def region_labels(organizations) -> dict[int, str]:
    """Each organization's region (所属地区): the nearest region at or above it. One query."""
    step = Organization.steplen
    paths = {o.pk: o.path for o in organizations}
    wanted = {p[:end] for p in paths.values() for end in range(step, len(p) + 1, step)}
    regions = dict(Organization.objects.filter(path__in=wanted, kind=Organization.Kind.REGION)
                   .values_list("path", "name"))
    labels = {}
    for pk, path in paths.items():
        for end in range(len(path), 0, -step):
            if path[:end] in regions:
                labels[pk] = regions[path[:end]]
                break
        else:
            labels[pk] = ""
    return labels


@dataclass
class CategoryRows:
    category: CommendationCategory
    candidates: list[Candidate]
    removed: list[Candidate] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.candidates)

    @property
    def over_quota(self) -> bool:
        return self.count > self.category.quota


def categories(commendation: Commendation, *, with_removed: bool = False) -> list[CategoryRows]:
    """The categories in order, each with its candidates in order (and the removed ones), each
    candidate carrying ``region`` (所属地区). Three queries whatever the size."""
    queryset = Candidate.objects.select_related("organization").order_by("position", "id")
    if not with_removed:
        queryset = queryset.filter(removed=False)
    cats = list(CommendationCategory.objects.filter(commendation=commendation).order_by("position", "id")
                .prefetch_related(Prefetch("candidates", queryset=queryset)))
    everyone = [c for cat in cats for c in cat.candidates.all()]
    labels = region_labels({c.organization for c in everyone})
    rows = []
    for cat in cats:
        active, removed = [], []
        for c in cat.candidates.all():
            c.region = labels.get(c.organization_id, "")
            (removed if c.removed else active).append(c)
        rows.append(CategoryRows(cat, active, removed))
    return rows


def public_rows(commendation: Commendation) -> list[dict]:
    """The public list (plain data, cacheable): category name and kind, and each awardee's
    name, unit, role and region."""
    return [{"name": rows.category.name, "kind": rows.category.kind,
             "candidates": [{"id": c.pk, "name": c.display_name, "unit": c.organization.name, "role": c.person_role,
                             "region": c.region, "individual": c.kind == Kind.INDIVIDUAL}
                            for c in rows.candidates]}
            for rows in categories(commendation) if rows.candidates]


def public_commendation(campaign, region) -> Commendation | None:
    """The region's list the public may see: on notice or final (the newest)."""
    return (Commendation.objects.filter(campaign=campaign, organization=region,
                                        status__in=list(CommendationStatus.PUBLIC))
            .select_related("organization", "campaign").order_by("-id").first())


def public_by_id(year: int, commendation_id: int) -> Commendation | None:
    return (Commendation.objects.filter(pk=commendation_id, campaign__year=year,
                                        status__in=list(CommendationStatus.PUBLIC))
            .select_related("organization", "campaign").first())


# Every write to a list bumps it (services._touch, on commit): the cached public blocks move on;
# a generation in the cache, so other public pages pay no query for it.
LISTS_GENERATION = public_cache.Generation("sciweek:commendations:lists")


def _version(campaign) -> str:
    return f"{campaign.pk}:{LISTS_GENERATION.current()}"


def region_section(campaign, region) -> dict | None:
    """The region page's block: the level's list on notice or final, cached."""
    def compute():
        commendation = public_commendation(campaign, region)
        if commendation is None:
            return {"none": True}
        return {"id": commendation.pk, "title": commendation.title, "status": commendation.status,
                "notice_starts_on": commendation.notice_starts_on, "notice_ends_on": commendation.notice_ends_on,
                "contact": commendation.notice_contact, "year": campaign.year,
                "categories": public_rows(commendation)}

    data = public_cache.cached("commendations-region", campaign, compute, region.pk, version=_version(campaign))
    if data.get("none"):
        return None
    return {"commendation": data}


def public_page(commendation: Commendation) -> dict:
    def compute():
        return {"categories": public_rows(commendation)}

    return public_cache.cached("commendations-public", commendation.campaign, compute, commendation.pk,
                               version=_version(commendation.campaign))


def open_objections(commendation: Commendation) -> int:
    return Objection.objects.filter(commendation=commendation, status=Objection.Status.OPEN).count()


# --- what the user may do now --------------------------------------------------------------------

def available_actions(user, commendation: Commendation, today=None) -> set[str]:
    """The buttons the console shows; the services enforce the same rules."""
    from django.utils import timezone

    if not policy.can(user, "commendation.manage", commendation):
        return set()
    today = today or timezone.localdate()
    status = commendation.status
    actions = set()
    if status == CommendationStatus.DRAFT:
        actions |= {"edit", "draw", "propose"}
    if status == CommendationStatus.PROPOSED:
        actions |= {"approve", "return"}
    if status == CommendationStatus.APPROVED:
        actions |= {"notice", "return"}
    if status == CommendationStatus.NOTICE:
        actions |= {"remove", "objection"}
        if commendation.notice_ends_on and today > commendation.notice_ends_on:
            actions.add("finalize")
    if status == CommendationStatus.FINAL:
        actions.add("support")
    if status != CommendationStatus.WITHDRAWN:
        actions.add("withdraw")
    return actions


def objections_of(commendation: Commendation):
    return Objection.objects.filter(commendation=commendation).select_related("candidate__organization", "handled_by")


def certificate_candidates(commendation: Commendation) -> list[Candidate]:
    """Who gets a certificate: every candidate of a final list."""
    if commendation.status != CommendationStatus.FINAL:
        return []
    return [c for rows in categories(commendation) for c in rows.candidates]


def by_certificate_code(code: str) -> Candidate | None:
    return (Candidate.objects.select_related("commendation__organization", "commendation__campaign", "organization",
                                             "category")
            .filter(certificate_code=code, removed=False, commendation__status=CommendationStatus.FINAL).first())


def units_supported(campaign, organization) -> list[Candidate]:
    """Awardee units a level's final lists mark for next year's key-project support."""
    return list(Candidate.objects.filter(Q(commendation__organization=organization), commendation__campaign=campaign,
                                         commendation__status=CommendationStatus.FINAL, removed=False,
                                         support_next_year=True).select_related("organization"))
