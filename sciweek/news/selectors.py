from .models import NewsItem


def public_news(campaign):
    return (NewsItem.objects.filter(campaign=campaign, status=NewsItem.Status.PUBLISHED)
            .select_related("organization", "activity").order_by("-published_at", "-id"))


def latest(campaign, *, activity_id: int | None = None, limit: int = 5) -> list[dict]:
    """The newest public news (of one activity, or of the campaign) for busy public pages,
    cached for a minute: news may show a minute late, the home page stays cheap."""
    from django.core.cache import cache

    key = f"sciweek:news:{campaign.pk}:{activity_id or 0}:{limit}"
    rows = cache.get(key)
    if rows is None:
        qs = public_news(campaign)
        if activity_id is not None:
            qs = qs.filter(activity_id=activity_id)
        rows = [{"pk": n.pk, "title": n.title, "published_at": n.published_at,
                 "organization": n.organization.display_name} for n in qs[:limit]]
        cache.set(key, rows, 60)
    return rows
