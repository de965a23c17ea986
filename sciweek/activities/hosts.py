"""Host names as officials write them (顿号-separated) ↔ organizations on the platform.

One rule for every way in (console form, Excel import): a name is looked up among the
active organizations of the filer's provincial-level node (names repeat across provinces:
every city has a 科学技术局), and any of them may be linked as host or organizer —
co-hosting across the reporting lines is normal, and a host link grants its organization
no access to the filing. Names that match nothing are kept as text.
"""
import re

from django.db.models import Q

from sciweek.organizations.models import Organization
from sciweek.organizations.selectors import within as subtree_q

SEPARATORS = re.compile(r"[、，,;；\n]+")


def split_names(text: str) -> list[str]:
    return [name.strip() for name in SEPARATORS.split(text or "") if name.strip()]


def lookup_path(organization: Organization) -> str:
    """The subtree host names are looked up in: the filer's provincial-level node."""
    return organization.path[: Organization.steplen * min(2, organization.depth)]


def resolve(names: list[str], filer: Organization) -> tuple[list[Organization], list[str]]:
    """Match names (full or short) to active organizations where `filer`'s hosts are looked
    up, keeping order. Returns the matched organizations and the names that matched nothing."""
    if not names:
        return [], []
    candidates = Organization.objects.filter(
        Q(name__in=names) | Q(short_name__in=names), subtree_q(lookup_path(filer)), is_active=True
    ).order_by("depth", "path")
    by_name: dict[str, Organization] = {}
    for org in candidates:
        by_name.setdefault(org.name, org)
        if org.short_name:
            by_name.setdefault(org.short_name, org)
    matched, unmatched = [], []
    for name in names:
        org = by_name.get(name)
        if org is None:
            unmatched.append(name)
        elif org not in matched:
            matched.append(org)
    return matched, unmatched


def join_names(organizations, extra: str = "") -> str:
    names = [o.display_name for o in organizations] + split_names(extra)
    return "、".join(names)
