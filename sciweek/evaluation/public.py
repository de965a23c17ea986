"""What a level's published evaluation shows the public: its ranking per peer group (rank,
name, total, band) as a block of the region's page, read from the frozen snapshot and cached
under a generation that publishing moves."""
from sciweek.core import cache as public_cache

from .models import Evaluation
from .selectors import peer_groups, standings

# Publishing bumps it (on commit): the cached blocks of every region move on; a generation in the
# cache rather than a version source, so no other public page pays a query for it.
PUBLISHED_GENERATION = public_cache.Generation("sciweek:evaluation:published")


def published_evaluation(campaign, region) -> Evaluation | None:
    return (Evaluation.objects.filter(campaign=campaign, organization=region, status=Evaluation.Status.PUBLISHED)
            .order_by("-published_at", "-id").first())


def region_section(campaign, region) -> dict | None:
    def compute():
        evaluation = published_evaluation(campaign, region)
        if evaluation is None:
            return {"none": True}
        groups = []
        for key, label in peer_groups(evaluation):
            rows = [{"rank": s.rank, "organization_id": s.organization_id, "name": s.organization_name,
                     "total": s.total, "band": s.band}
                    for s in standings(evaluation, key)]
            if rows:
                groups.append({"key": key, "label": label, "rows": rows})
        return {"name": evaluation.name, "evaluated_on": evaluation.evaluated_on,
                "published_at": evaluation.published_at, "groups": groups}

    data = public_cache.cached("evaluation-region", campaign, compute, region.pk,
                               version=f"{campaign.pk}:{PUBLISHED_GENERATION.current()}")
    return None if data.get("none") else {"evaluation": data}
