"""Read queries over the organizer network. Subtree = one prefix scan on the materialized path."""
from django.db.models import Count, Q, QuerySet

from .models import Division, Organization

STEPLEN = Organization.steplen
ALPHABET = Organization.alphabet


def path_successor(path: str) -> str | None:
    """The smallest path of the same length after `path` ("0001" -> "0002", "000Z" -> "0010").
    Every descendant of `path` sorts between the two (digits before capitals, as in the C,
    en_US and zh_CN collations)."""
    digits = list(path)
    for i in range(len(digits) - 1, -1, -1):
        position = ALPHABET.index(digits[i])
        if position + 1 < len(ALPHABET):
            digits[i] = ALPHABET[position + 1]
            return "".join(digits)
        digits[i] = ALPHABET[0]
    return None


def within(path: str, field: str = "path") -> Q:
    """Rows whose `field` lies in the subtree rooted at `path` (itself included).

    The LIKE keeps the meaning exact; the range lets SQLite and PostgreSQL (any collation)
    answer from the path index instead of scanning it (see docs/benchmarks.md).
    """
    condition = Q(**{f"{field}__startswith": path, f"{field}__gte": path})
    upper = path_successor(path)
    if upper is not None:
        condition &= Q(**{f"{field}__lt": upper})
    return condition


def subtree(org: Organization, include_self: bool = True) -> QuerySet[Organization]:
    qs = Organization.objects.filter(within(org.path))
    return qs if include_self else qs.exclude(pk=org.pk)


def subtree_of_paths(paths: list[str]) -> QuerySet[Organization]:
    """Organizations lying in any of the subtrees rooted at `paths` (a user's scope)."""
    if not paths:
        return Organization.objects.none()
    condition = Q()
    for path in minimal_paths(paths):
        condition |= within(path)
    return Organization.objects.filter(condition)


def minimal_paths(paths) -> list[str]:
    """Drop paths that lie inside another path of the list: fewer OR-terms, same scope."""
    result: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(kept) for kept in result):
            result.append(path)
    return result


def ancestor_paths(org: Organization, include_self: bool = False) -> list[str]:
    depth = org.depth if include_self else org.depth - 1
    return [org.path[: STEPLEN * i] for i in range(1, depth + 1)]


def ancestors(org: Organization, include_self: bool = False) -> QuerySet[Organization]:
    return Organization.objects.filter(path__in=ancestor_paths(org, include_self)).order_by("depth")


def children(org: Organization) -> QuerySet[Organization]:
    return (
        Organization.objects.filter(within(org.path), depth=org.depth + 1)
        .select_related("division")
        .order_by("path")
    )


def subtree_sizes(children: list[Organization]) -> dict[int, int]:
    """Size of each child's subtree (excluding itself), one indexed count per child.

    Children lists are short (≤ a few hundred), so N small index-only counts beat a
    join on LIKE that neither SQLite nor PostgreSQL can plan well.
    """
    return {
        child.pk: Organization.objects.filter(within(child.path)).count() - 1 for child in children
    }


def search(scope: QuerySet[Organization], text: str = "", kind: str = "") -> QuerySet[Organization]:
    qs = scope
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(short_name__icontains=text))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("division").order_by("path")


def regions_under(org: Organization) -> QuerySet[Organization]:
    """Direct reporting regions (cities under a province; provinces under the committee)."""
    return Organization.objects.filter(within(org.path), depth=org.depth + 1, kind=Organization.Kind.REGION).order_by(
        "path"
    )


def national_committee() -> Organization | None:
    return Organization.objects.get_root_nodes().filter(kind=Organization.Kind.COMMITTEE).first()


def division_children(code: str | None) -> QuerySet[Division]:
    return Division.objects.filter(parent_id=code).order_by("code")


def count_by_kind(scope: QuerySet[Organization]) -> dict[str, int]:
    return {row["kind"]: row["n"] for row in scope.values("kind").annotate(n=Count("id")).order_by()}



def active_regions() -> QuerySet[Organization]:
    """Reporting organizations of kind "region" (a province, a city) that are in use."""
    return Organization.objects.filter(kind=Organization.Kind.REGION, is_active=True)


def region_organization(code: str) -> Organization | None:
    """The region organization for a division code (the highest one if several)."""
    return active_regions().filter(division_id=code).order_by("depth", "path").first()


def provinces() -> QuerySet[Division]:
    return Division.objects.filter(level=Division.Level.PROVINCE).order_by("code")


def division_with_parents(code: str) -> Division | None:
    """A division with its parent and grandparent loaded (province → city → county), or None."""
    return Division.objects.filter(code=code).select_related("parent__parent").first()
