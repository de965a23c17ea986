from django_tasks import task


@task()
def recount_statistics(campaign_id: int, organization_id: int) -> bool:
    """Recount one level's statistics and keep the count (snapshots.recount): the nation takes
    seconds, so a page that finds its count out of date asks for this instead of waiting."""
    from . import snapshots

    return snapshots.recount_by_id(campaign_id, organization_id)
