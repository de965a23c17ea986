"""Chinese full-text search over public activities, identical on SQLite and PostgreSQL.

Public text (title, hosts, areas, place, description) is segmented with jieba's search mode
into a token table with an index on (token, activity). A query is segmented too; an
activity matches when it carries every query word, or, for a word the index split further
(新冠肺炎 → 新冠, 肺炎), every piece of it. So 疫情 finds 新冠肺炎疫情防控知识科普讲座.
"""
import re
import threading

from django.db import transaction
from django.db.models import Q

from .models import Activity, SearchToken

TOKEN_MAX = 32
WORD = re.compile(r"[\w\u3400-\u9fff]+")
_jieba_lock = threading.Lock()
_jieba = None


def _segmenter():
    """jieba builds its dictionary on first use (about a second); do it once per process."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def _clean(tokens) -> list[str]:
    result = []
    for token in tokens:
        token = token.strip().lower()
        if token and WORD.fullmatch(token) and len(token) <= TOKEN_MAX:
            result.append(token)
    return result


def index_tokens(text: str) -> set[str]:
    return set(_clean(_segmenter().cut_for_search(text)))


def query_words(query: str) -> list[tuple[str, list[str]]]:
    """[(word, pieces)] for a user's query; pieces are what the index may hold instead."""
    jieba = _segmenter()
    words = []
    for word in _clean(jieba.cut(query[:100])):
        pieces = [p for p in _clean(jieba.cut_for_search(word)) if p != word]
        words.append((word, pieces))
    return words[:8]


def searchable_text(activity: Activity) -> str:
    parts = [activity.title, activity.hosts_display, activity.organizers_display, activity.organization.name,
             activity.address, activity.audience, activity.description[:500]]
    parts += [area.name for area in activity.content_areas.all()]
    if activity.division_id:
        parts.append(activity.division.full_name())
    if activity.flagship_id:
        parts.append(activity.flagship.name)
    return " ".join(p for p in parts if p)


def reindex(activity_ids) -> int:
    """Rebuild the tokens of these activities (public ones only; others lose their tokens)."""
    activity_ids = list(activity_ids)
    rows = []
    activities = (
        Activity.objects.filter(pk__in=activity_ids, status__in=(Activity.Status.APPROVED, Activity.Status.CANCELLED))
        .select_related("organization", "division__parent__parent", "flagship")
        .prefetch_related("host_links__organization", "content_areas")
    )
    for activity in activities:
        rows += [SearchToken(activity_id=activity.pk, token=t) for t in index_tokens(searchable_text(activity))]
    with transaction.atomic():
        SearchToken.objects.filter(activity_id__in=activity_ids).delete()
        SearchToken.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def reindex_all(batch: int = 2000) -> int:
    ids = list(Activity.objects.filter(status__in=(Activity.Status.APPROVED, Activity.Status.CANCELLED))
               .values_list("pk", flat=True).order_by("pk"))
    total = 0
    for start in range(0, len(ids), batch):
        total += reindex(ids[start:start + batch])
    return total


def matching(query: str) -> Q | None:
    """A filter for activities matching `query`, or None when the query has no words."""
    words = query_words(query)
    if not words:
        return None
    def carrying(token):
        # An IN over one index range: evaluated once, on SQLite and PostgreSQL alike.
        return Q(pk__in=SearchToken.objects.filter(token=token).values("activity_id"))

    condition = Q()
    for word, pieces in words:
        if pieces:
            all_pieces = Q()
            for piece in pieces:
                all_pieces &= carrying(piece)
            condition &= carrying(word) | all_pieces
        else:
            condition &= carrying(word)
    return condition
