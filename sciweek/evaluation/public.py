"""What a level's published evaluation shows the public: its ranking per peer group (rank,
name, total, band) as a block of the region's page, read from the frozen snapshot and cached
under the campaign's data version (publishing moves the version)."""
from django.db.models import Count, Max

from sciweek.core import cache as public_cache

from .models import Evaluation
from .selectors import peer_groups, standings


def version_token(campaign) -> str:
    """Changes when an evaluation of the campaign is published (the only public change)."""
    seen = Evaluation.objects.filter(campaign=campaign, status=Evaluation.Status.PUBLISHED).aggregate(
        n=Count("id"), last=Max("published_at"))
    return f"{seen['n']}:{seen['last'].timestamp() if seen['last'] else ''}"


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
            rows = [{"rank": s.rank, "name": s.organization_name, "total": s.total, "band": s.band}
                    for s in standings(evaluation, key)]
            if rows:
                groups.append({"key": key, "label": label, "rows": rows})
        return {"name": evaluation.name, "evaluated_on": evaluation.evaluated_on,
                "published_at": evaluation.published_at, "groups": groups}

    data = public_cache.cached("evaluation-region", campaign, compute, region.pk)
    return None if data.get("none") else {"evaluation": data}
