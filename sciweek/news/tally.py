"""The news tally: the news clocks counted per subtree and start hour (``NewsTally``), kept in
the same transaction as every write to a clock, so the reporting dashboard of any level reads a
few hundred tally rows instead of every clock below it, and is still exact at every moment.

Every write to a ``NewsDue`` row calls ``apply(old, new)`` with the row's facts before and after
(deletions arrive through the post_delete receiver, cascades included); ``rebuild`` recounts a
campaign from its clocks (back-fill, ``rebuild_news_dues``). The counts move by upserts that add
a delta, in a fixed key order, so two writers never wait on each other in opposite orders."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from django.db import connection

from sciweek.organizations.models import Organization

from .models import NewsDue, NewsTally

COUNTS = ("clocks", "reported", "on_time", "complete")


class ClockFacts(NamedTuple):
    campaign_id: int
    org_path: str
    clock_starts_at: datetime
    within_days: int
    first_news_at: datetime | None
    on_time: bool
    with_images: bool

    @classmethod
    def of(cls, row: NewsDue | dict) -> ClockFacts:
        get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
        return cls(*(get(name) for name in cls._fields))

    def counts(self) -> tuple[int, int, int, int]:
        reported = self.first_news_at is not None
        return 1, int(reported), int(bool(self.on_time)), int(reported and bool(self.with_images))


def start_hour(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def subtrees(path: str) -> list[str]:
    """The paths of the subtrees a clock of `path` counts in: every ancestor below the root,
    and the organization itself."""
    step = Organization.steplen
    return [path[:end] for end in range(2 * step, len(path) + 1, step)]


def _deltas(old: Iterable[ClockFacts], new: Iterable[ClockFacts]) -> dict[tuple, list[int]]:
    deltas: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for sign, rows in ((-1, old), (1, new)):
        for facts in rows:
            hour = start_hour(facts.clock_starts_at)
            counts = facts.counts()
            for path in subtrees(facts.org_path):
                delta = deltas[(facts.campaign_id, path, hour, facts.within_days)]
                for i, n in enumerate(counts):
                    delta[i] += sign * n
    return {key: delta for key, delta in deltas.items() if any(delta)}


def apply(old: Iterable[NewsDue | dict | ClockFacts] = (), new: Iterable[NewsDue | dict | ClockFacts] = ()) -> None:
    """Move the tally from the clocks' `old` facts to their `new` ones (either may be empty)."""
    deltas = _deltas([f if isinstance(f, ClockFacts) else ClockFacts.of(f) for f in old],
                     [f if isinstance(f, ClockFacts) else ClockFacts.of(f) for f in new])
    if not deltas:
        return
    table = connection.ops.quote_name(NewsTally._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    adds = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in COUNTS)
    with connection.cursor() as cursor:
        for (campaign_id, path, hour, days), delta in sorted(deltas.items()):
            due = hour + timedelta(days=days)
            if all(n <= 0 for n in delta):
                # A row that only loses never needs making (and a deleted campaign's is gone).
                cursor.execute(
                    f"UPDATE {table} SET clocks = clocks + %s, reported = reported + %s, "  # noqa: S608
                    f"on_time = on_time + %s, complete = complete + %s "
                    f"WHERE campaign_id = %s AND path = %s AND start_hour = %s AND within_days = %s",
                    [*delta, campaign_id, path, adapt(hour), days])
                continue
            cursor.execute(
                f"INSERT INTO {table} (campaign_id, path, depth, start_hour, within_days, due_hour, "  # noqa: S608
                f"clocks, reported, on_time, complete) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                f"ON CONFLICT (campaign_id, path, start_hour, within_days) DO UPDATE SET {adds}",
                [campaign_id, path, len(path) // Organization.steplen, adapt(hour), days, adapt(due), *delta])


def rebuild(campaign_id: int) -> int:
    """Recount the tally of a campaign from its clocks (caller holds the transaction)."""
    NewsTally.objects.filter(campaign_id=campaign_id).delete()
    rows = (NewsDue.objects.filter(campaign_id=campaign_id)
            .values_list(*ClockFacts._fields).order_by().iterator(chunk_size=5000))
    deltas = _deltas((), (ClockFacts(*row) for row in rows))
    NewsTally.objects.bulk_create(
        [NewsTally(campaign_id=campaign_id, path=path, depth=len(path) // Organization.steplen, start_hour=hour,
                   within_days=days, due_hour=hour + timedelta(days=days), **dict(zip(COUNTS, delta, strict=True)))
         for (campaign_id, path, hour, days), delta in sorted(deltas.items())], batch_size=1000)
    return len(deltas)


def clock_deleted(sender, instance: NewsDue, **kwargs) -> None:
    """post_delete receiver: a clock deleted any way (a filing withdrawn, a cascade) leaves the
    tally."""
    apply(old=[instance])
