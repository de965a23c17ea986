"""Writes to the organizer network. Each write by a person checks accounts.policy itself
(the loaders of divisions and demo data write as the system, with no actor)."""
import json
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction

from sciweek.accounts import policy
from sciweek.accounts.audit import record

from .models import Division, Organization

DATA_DIR = Path(__file__).resolve().parent / "data"
DIVISION_SOURCE = "china-division 2.7.0 (npm, modood/Administrative-divisions-of-China)"


@transaction.atomic
def load_divisions() -> dict[str, int]:
    """Upsert every province, prefecture and county division from the vendored registry data."""
    provinces = json.loads((DATA_DIR / "provinces.json").read_text(encoding="utf-8"))
    cities = json.loads((DATA_DIR / "cities.json").read_text(encoding="utf-8"))
    areas = json.loads((DATA_DIR / "areas.json").read_text(encoding="utf-8"))

    rows = [Division(code=p["code"].ljust(6, "0"), name=p["name"], level=1, parent_id=None) for p in provinces]
    rows += [
        Division(code=c["code"].ljust(6, "0"), name=c["name"], level=2, parent_id=c["provinceCode"].ljust(6, "0"))
        for c in cities
    ]
    # Prefecture cities without counties (东莞, 中山, 儋州) repeat themselves as an "area": skip those.
    rows += [
        Division(code=a["code"], name=a["name"], level=3, parent_id=a["cityCode"].ljust(6, "0"))
        for a in areas
        if a["code"] != a["cityCode"].ljust(6, "0")
    ]
    existing = set(Division.objects.values_list("code", flat=True))
    for level in (1, 2, 3):  # parents before children
        level_rows = [r for r in rows if r.level == level]
        Division.objects.bulk_create([r for r in level_rows if r.code not in existing], batch_size=1000)
        Division.objects.bulk_update(
            [r for r in level_rows if r.code in existing], ["name", "level", "parent"], batch_size=1000
        )
    return {"provinces": len(provinces), "prefectures": len(cities), "counties": sum(1 for r in rows if r.level == 3)}


def add_organization(*, parent: Organization | None, actor=None, **fields) -> Organization:
    """Create an organization under `parent` (a root when None) and audit it."""
    if actor is not None:
        if parent is None:
            if not actor.is_superuser:  # a new root is a new network: platform operators only
                raise PermissionDenied
        else:
            policy.require(actor, "organization.manage", parent)
    with transaction.atomic():
        if parent is None:
            org = Organization.objects.add_root(fields)
        else:
            # treebeard locks the parent row and computes the next child path under the lock.
            org = Organization.objects.add_child(parent, fields)
        if actor is not None:
            record("organization.created", actor=actor, organization=org, summary=org.name)
    return org


def update_organization(org: Organization, *, actor, **fields) -> Organization:
    policy.require(actor, "organization.manage", org)
    changed = {k: v for k, v in fields.items() if getattr(org, k) != v}
    for key, value in changed.items():
        setattr(org, key, value)
    if changed:
        org.save(update_fields=[*changed, "updated_at"])
        record(
            "organization.updated", actor=actor, organization=org, summary=org.name,
            detail={k: str(v) for k, v in changed.items()},
        )
    return org
