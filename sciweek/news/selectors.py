from .models import NewsItem


def public_news(campaign):
    return (NewsItem.objects.filter(campaign=campaign, status=NewsItem.Status.PUBLISHED)
            .select_related("organization", "activity").order_by("-published_at", "-id"))
