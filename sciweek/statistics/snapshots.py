"""The figures a statistics page shows: the last count of the level, kept (StatisticsSnapshot)
and recounted when it is out of date, in the background for a large level.

Counting the nation over 200,000 filings and a million check-ins takes seconds (the distinct
people alone about two), too long for a page, and a count kept only in the cache is lost on
every filing change, which in filing season is every few seconds. So, as analytics systems do
(DHIS2's analytics tables), the page reads a stored count and says when it was made:

* a snapshot is **current** while the campaign's data version is the one it was counted under
  and it is younger than FIGURES_SECONDS (check-ins and quiz attempts do not move the version);
* a level that counts quickly (its last count took under SYNC_COUNT_MS: a city, a unit, most
  provinces) is recounted in the request when out of date: its page is always current;
* a large level is served its last count at once, marked as being recounted, and one recount
  task is asked for (a conditional update lets only one request enqueue it; a task that was
  lost is asked for again after RECOUNT_RETRY_SECONDS). The page polls and reloads when the
  new count is stored;
* a count is stored only over an older one (two recounts finishing out of order keep the newer).

Exports read the same snapshot as the page, so the file equals what was on the screen.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from sciweek.core import cache as public_cache

from . import selectors
from .models import StatisticsSnapshot

FIGURES_SECONDS = selectors.FIGURES_SECONDS
SYNC_COUNT_MS = 300  # a level counted faster than this is recounted in the request
RECOUNT_RETRY_SECONDS = 120  # a requested recount not stored by then is asked for again
RECOUNT_TASK = "sciweek.statistics.tasks.recount_statistics"


@dataclass(frozen=True)
class Counted:
    figures: dict
    counted_at: datetime
    current: bool  # False: these are the last figures; a recount is under way


def _is_current(snapshot: StatisticsSnapshot, version: str, now: datetime) -> bool:
    return snapshot.data_version == version and now - snapshot.counted_at < timedelta(seconds=FIGURES_SECONDS)


def current(campaign, level, now=None) -> Counted:
    """The figures of `level` for `campaign` to show now (see the module docstring)."""
    now = now or timezone.now()
    version = public_cache.data_version(campaign)
    snapshot = StatisticsSnapshot.objects.filter(campaign=campaign, organization=level).first()
    if snapshot is not None and _is_current(snapshot, version, now):
        return Counted(snapshot.figures, snapshot.counted_at, True)
    if snapshot is None or snapshot.count_ms < SYNC_COUNT_MS:
        return recount(campaign, level, version=version, first=snapshot is None)
    request_recount(snapshot, now)
    return Counted(snapshot.figures, snapshot.counted_at, False)


def request_recount(snapshot: StatisticsSnapshot, now: datetime) -> bool:
    """Ask once for a background recount of `snapshot`'s level; True if this call asked."""
    asked = (StatisticsSnapshot.objects.filter(pk=snapshot.pk)
             .filter(Q(recount_requested_at__isnull=True)
                     | Q(recount_requested_at__lt=now - timedelta(seconds=RECOUNT_RETRY_SECONDS)))
             .update(recount_requested_at=now))
    if asked:
        campaign_id, organization_id = snapshot.campaign_id, snapshot.organization_id
        transaction.on_commit(lambda: import_string(RECOUNT_TASK).enqueue(campaign_id, organization_id))
    return bool(asked)


def recount(campaign, level, version: str | None = None, first: bool = False) -> Counted:
    """Count `level` now and keep the count (unless a newer one was stored meanwhile);
    `first`: no snapshot was found, so try to insert before updating."""
    version = version or public_cache.data_version(campaign)
    started = timezone.now()
    clock = time.perf_counter()
    figures = selectors.figures(campaign, level, now=started)
    count_ms = int((time.perf_counter() - clock) * 1000)
    # what the database hands back later (lists, string keys), so every reader sees the same
    figures = json.loads(json.dumps(figures, cls=DjangoJSONEncoder))
    fields = {"figures": figures, "data_version": version[:255], "counted_at": started, "count_ms": count_ms,
              "recount_requested_at": None}
    older = StatisticsSnapshot.objects.filter(campaign=campaign, organization=level, counted_at__lt=started)
    if first and _insert(campaign, level, fields):
        return Counted(figures, started, True)
    if not older.update(**fields) and not first:
        _insert(campaign, level, fields)  # else a count that began later is stored: it stays
    return Counted(figures, started, True)


def _insert(campaign, level, fields) -> bool:
    try:
        with transaction.atomic():
            StatisticsSnapshot.objects.create(campaign=campaign, organization=level, **fields)
    except IntegrityError:  # another request stored the first count meanwhile
        return False
    return True


def recount_by_id(campaign_id: int, organization_id: int) -> bool:
    from sciweek.campaigns.models import Campaign
    from sciweek.organizations.models import Organization

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    level = Organization.objects.filter(pk=organization_id).first()
    if campaign is None or level is None:
        return False
    recount(campaign, level)
    return True
