"""Chinese full-text search over public activities, identical on SQLite and PostgreSQL.

Public text (title, hosts, areas, place, description) is segmented with jieba's search mode
into a token table with an index on (token, activity). A query is segmented too; an
activity matches when it carries every query word, or, for a word the index split further
(新冠肺炎 → 新冠, 肺炎), every piece of it. So 疫情 finds 新冠肺炎疫情防控知识科普讲座.
"""
import functools
import re
import threading

from django.db import connection, transaction
from django.db.models import Q

from sciweek.core.cache import Generation
from sciweek.organizations.models import Division

from .models import Activity, ActivityHost, SearchToken

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
    """The tokens of `text`: jieba's search-mode words, cleaned.

    jieba segments each block of Han characters/letters/digits on its own (spaces and
    punctuation end a block), so the tokens of a text are the union of its blocks' tokens.
    Blocks are memoized: names, places and titles repeat across thousands of filings.
    """
    tokens: set[str] = set()
    for block in _segmenter().re_han_default.split(text):
        if block:
            tokens |= _block_tokens(block)
    return tokens


@functools.lru_cache(maxsize=200_000)
def _block_tokens(block: str) -> frozenset[str]:
    return frozenset(_clean(_segmenter().cut_for_search(block)))


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


def _public_texts(activity_ids: list[int]) -> dict[int, str]:
    """{id: text} for the public activities among `activity_ids`, read with a few flat
    queries (no model instances). Same tokens as `index_tokens(searchable_text(a))`:
    separators between names do not change jieba's blocks (tested)."""
    parts: dict[int, list[str]] = {}
    divisions: dict[int, str] = {}
    rows = (Activity.objects.filter(pk__in=activity_ids, status__in=Activity.Status.PUBLIC)
            .values_list("pk", "title", "other_hosts", "other_organizers", "organization__name", "address",
                         "audience", "description", "division_id", "flagship__name"))
    for pk, title, other_hosts, other_organizers, org_name, address, audience, description, division, flagship \
            in rows.iterator(chunk_size=2000):
        parts[pk] = [title, other_hosts, other_organizers, org_name, address, audience, description[:500],
                     flagship or ""]
        if division:
            divisions[pk] = division
    if not parts:
        return {}
    ids = list(parts)
    for activity_id, name, short_name in (ActivityHost.objects.filter(activity_id__in=ids)
                                          .values_list("activity_id", "organization__name",
                                                       "organization__short_name")):
        parts[activity_id].append(short_name or name)
    through = Activity.content_areas.through
    for activity_id, name in through.objects.filter(activity_id__in=ids).values_list("activity_id",
                                                                                      "contentarea__name"):
        parts[activity_id].append(name)
    full_names = {d.code: d.full_name() for d in
                  Division.objects.filter(code__in=set(divisions.values())).select_related("parent__parent")}
    for activity_id, code in divisions.items():
        parts[activity_id].append(full_names.get(code, ""))
    return {pk: " ".join(p for p in texts if p) for pk, texts in parts.items()}


def reindex(activity_ids) -> int:
    """Rebuild the tokens of these activities (public ones only; others lose their tokens)."""
    activity_ids = list(activity_ids)
    rows = [(pk, token) for pk, text in _public_texts(activity_ids).items() for token in index_tokens(text)]
    with transaction.atomic():
        SearchToken.objects.filter(activity_id__in=activity_ids).delete()
        _insert(rows)
    bump_generation()
    return len(rows)


def _insert(rows: list[tuple[int, str]]) -> None:
    if connection.vendor == "postgresql" and len(rows) > 5000:
        # COPY is several times faster than multi-row INSERTs for millions of tokens.
        table = connection.ops.quote_name(SearchToken._meta.db_table)
        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY {table} (activity_id, token) FROM STDIN") as copy:  # noqa: S608 — constant name
            for row in rows:
                copy.write_row(row)
        return
    SearchToken.objects.bulk_create([SearchToken(activity_id=pk, token=t) for pk, t in rows], batch_size=5000)


def reindex_all(batch: int = 5000) -> int:
    ids = list(Activity.objects.filter(status__in=Activity.Status.PUBLIC).values_list("pk", flat=True).order_by("pk"))
    total = 0
    for start in range(0, len(ids), batch):
        total += reindex(ids[start:start + batch])
    return total


# Bumped after a rebuild of the index: part of the campaign's data version (core.cache).
index_generation = Generation("sciweek:search:generation")


def bump_generation() -> None:
    """Tell cached catalog counts that the index changed."""
    index_generation.bump()


def generation() -> int:
    return index_generation.current()


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
