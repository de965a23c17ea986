"""Reads of news items: the public feed (published only), the filer's list, the receiving
level's review queue, one item for the console; bounded and scoped."""
from datetime import timedelta

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from sciweek.accounts import policy
from sciweek.organizations.models import Organization
from sciweek.organizations.selectors import within

from .models import NewsDue, NewsImage, NewsItem, NewsTally
from .tally import start_hour

FEED_THUMBNAILS = 3  # pictures shown per item on the feed


def public_news(campaign) -> QuerySet[NewsItem]:
    """Published items of the campaign, newest first (organization and activity joined)."""
    return (NewsItem.objects.filter(campaign=campaign, status=NewsItem.Status.PUBLISHED)
            .select_related("organization", "activity").order_by("-published_at", "-id"))


def _images() -> Prefetch:
    return Prefetch("images", queryset=NewsImage.objects.select_related("asset").order_by("position", "id"))


def public_feed(campaign) -> QuerySet[NewsItem]:
    """public_news with what the feed, the detail page and the API show: pictures (one query
    for a page of items) and the video."""
    return public_news(campaign).select_related("video").prefetch_related(_images())


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


def filed_items(user, campaign) -> QuerySet[NewsItem]:
    """Items of the user's subtrees (any role), newest first: the filer's list."""
    return (policy.scoped(NewsItem.objects.filter(campaign=campaign), user, "organization.view", "organization__path")
            .select_related("organization", "activity", "decided_by").order_by("-id"))


def review_queue(user, campaign) -> QuerySet[NewsItem]:
    """Items waiting for a level the user decides for (its children's items), oldest first."""
    levels = policy.receiving_level_ids(user, "news.review")
    waiting = NewsItem.objects.filter(campaign=campaign, status=NewsItem.Status.SUBMITTED)
    if levels is not None:
        condition = Q(pk__in=[])
        for path, depth in Organization.objects.filter(pk__in=levels).values_list("path", "depth"):
            condition |= within(path, "organization__path") & Q(organization__depth=depth + 1)
        waiting = waiting.filter(condition)
    return (waiting.select_related("organization", "activity", "created_by").prefetch_related(_images())
            .order_by("waiting_since", "id"))


def console_item(pk: int) -> NewsItem | None:
    return (NewsItem.objects.select_related("campaign", "organization", "activity", "video", "decided_by",
                                            "created_by")
            .prefetch_related(_images()).filter(pk=pk).first())


# --- what the public pages and the API show of a published item -------------------------------

def public_images(item: NewsItem) -> list[dict]:
    """The published item's pictures: full size and thumbnail addresses, caption, size."""
    from sciweek.media import services as media_services

    rows = []
    for n, image in enumerate(item.images.all(), start=1):
        asset = image.asset
        if not asset.is_public:
            continue
        full = media_services.public_url(asset)
        rows.append({"full": full, "thumb": media_services.public_url(asset, part="poster") if asset.poster else full,
                     "caption": image.caption, "n": n, "width": asset.width, "height": asset.height})
    return rows


def public_video(item: NewsItem) -> dict | None:
    """The published item's video (player and poster addresses), None without one."""
    from sciweek.media import services as media_services

    asset = item.video if item.video_id else None
    if asset is None or not asset.is_public:
        return None
    return {"url": media_services.public_url(asset),
            "poster": media_services.public_url(asset, part="poster") if asset.poster else ""}


# --- the news clocks, counted for the reporting dashboard ------------------------------------------

CLOCK_FIGURES = ("expected", "reported", "on_time", "complete", "due_soon")


def _clock_counts(now) -> dict:
    """The figures of a set of clocks that have started: how many, with news, on time, with
    pictures, and still running without news."""
    return {"expected": Count("id"), "reported": Count("id", filter=Q(first_news_at__isnull=False)),
            "on_time": Count("id", filter=Q(on_time=True)),
            "complete": Count("id", filter=Q(first_news_at__isnull=False, with_images=True)),
            "due_soon": Count("id", filter=Q(first_news_at__isnull=True, due_at__gte=now))}


def clock_figures(campaign, level: Organization, now=None) -> dict[str, dict[str, int]]:
    """The news clocks that have started by `now`, per child subtree of `level` (keyed by the
    child's path) and for the level's own activities (keyed by its path), exact at `now`.

    The children's figures come from the tally (``news.tally``: a few rows per child and start
    hour); the clocks that started or fall due within the current hour, which no hourly row can
    judge, and the level's own clocks are counted one by one."""
    now = now or timezone.now()
    hour = start_hour(now)
    figures: dict[str, dict[str, int]] = {}

    def add(key, row):
        into = figures.setdefault(key, dict.fromkeys(CLOCK_FIGURES, 0))
        for name in CLOCK_FIGURES:
            into[name] += row[name] or 0

    settled = (NewsTally.objects.filter(campaign=campaign, depth=level.depth + 1, path__startswith=level.path,
                                        start_hour__lt=hour).exclude(due_hour=hour)
               .values("path")
               .annotate(n_clocks=Sum("clocks"), n_reported=Sum("reported"), n_on_time=Sum("on_time"),
                         n_complete=Sum("complete"), n_running=Sum(F("clocks") - F("reported"),
                                                                   filter=Q(due_hour__gt=hour)))
               .order_by())
    for row in settled:
        add(row["path"], {"expected": row["n_clocks"], "reported": row["n_reported"], "on_time": row["n_on_time"],
                          "complete": row["n_complete"], "due_soon": row["n_running"]})
    this_hour = Q(clock_starts_at__gte=hour, clock_starts_at__lt=hour + timedelta(hours=1)) | Q(
        due_at__gte=hour, due_at__lt=hour + timedelta(hours=1))
    live = (NewsDue.objects.filter(this_hour, within(level.path, "org_path"), campaign=campaign,
                                   clock_starts_at__lte=now).exclude(org_path=level.path)
            .annotate(child=Substr("org_path", 1, len(level.path) + Organization.steplen)).values("child")
            .annotate(**_clock_counts(now)).order_by())
    for row in live:
        add(row["child"], row)
    own = NewsDue.objects.filter(campaign=campaign, org_path=level.path, clock_starts_at__lte=now).aggregate(
        **_clock_counts(now))
    if own["expected"]:
        add(level.path, own)
    return figures


def clock_figures_counted(campaign, level: Organization, now=None) -> dict[str, dict[str, int]]:
    """The same figures counted from every clock: what ``clock_figures`` must always equal (the
    tally tests compare them after every kind of write)."""
    now = now or timezone.now()
    figures = {}
    rows = (NewsDue.objects.filter(within(level.path, "org_path"), campaign=campaign, clock_starts_at__lte=now)
            .annotate(child=Substr("org_path", 1, len(level.path) + Organization.steplen)).values("child")
            .annotate(**_clock_counts(now)).order_by())
    for row in rows:
        figures[row.pop("child")] = row
    return figures


def receives_news(user) -> bool:
    """Does the user decide on news for some level with organizations below it? (The review
    queue's nav entry shows only then: a unit's publicity officer receives nothing.) Once per
    request (`policy.remembered`, so a role change followed by `policy.forget` is seen)."""
    def compute():
        levels = policy.receiving_level_ids(user, "news.review")
        return levels is None or (bool(levels) and Organization.objects.filter(pk__in=levels, numchild__gt=0).exists())

    return policy.remembered(user, "news.receives_news", compute)
