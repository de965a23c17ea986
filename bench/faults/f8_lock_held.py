"""F8 — the session's row locked by someone else for 30 s (RELIABILITY-PLAN §3.3).

psql-style: `BEGIN; SELECT … FROM activities_session WHERE id = … FOR UPDATE;` held 30 s
on a separate connection, then 5 people reserve that session at once. Checks: every answer
within lock_timeout + 0.5 s (the lock timeout read from the settings that
reservations.services._lock_timeout uses), each a 503 JSON in the API's shape with a
localized "busy, retry" message (code `busy`), 0 × 500, no thread stuck (all five answered
long before the lock is released, and a reservation right after the release succeeds). Then,
the lock still held, as many reservations at once as the server has threads (3 workers × 4):
none may wait a second lock_timeout behind another (max < 2 × lock_timeout; this is what
failed while a gthread worker accepted more connections than it has threads).

    .venv/bin/python bench/faults/f8_lock_held.py
"""
import asyncio
import json
import re
import threading
import time

import httpx
import psycopg
from harness import Fault, main_exit, ms, reserve_once, status_counts

HOLD_S, PEOPLE = 30, 5

SETTINGS = ("from django.conf import settings; "
            "print('CFG' + str(getattr(settings, 'LOCK_TIMEOUT', '3s')))")


def seconds(value: str) -> float:
    number, unit = re.fullmatch(r"\s*([\d.]+)\s*(ms|s|min)?\s*", str(value)).groups()
    return float(number) * {"ms": 0.001, "s": 1, "min": 60, None: 0.001}[unit]


def main():
    with Fault(8, "lock_held", limit=100) as f:
        f.start_all()
        out = f.manage("shell", "-c", SETTINGS).stdout
        lock_timeout = seconds(next(line for line in out.splitlines() if line.startswith("CFG"))[3:])
        session = f.seed["sessions"]["lock"]
        held, release = threading.Event(), threading.Event()

        # A server in service is warm: every worker has handled reservations before (its first
        # request builds what each process builds once), so what is measured is the lock wait.
        async def warm():
            async with httpx.AsyncClient() as client:
                return await asyncio.gather(*(reserve_once(client, f.app.url, f.seed["sessions"]["big"], key, idem)
                                              for key, idem in f.people(PEOPLE + 1, 36)))

        asyncio.run(warm())

        def hold():
            with psycopg.connect(f.pg.conninfo()) as conn:
                conn.execute("SELECT id FROM activities_session WHERE id = %s FOR UPDATE", [session])
                held.set()
                release.wait(HOLD_S)
                conn.rollback()

        holder = threading.Thread(target=hold, daemon=True)
        holder.start()
        held.wait(10)
        locked_at = time.monotonic()

        async def five():
            async with httpx.AsyncClient() as client:
                return await asyncio.gather(*(reserve_once(client, f.app.url, session, key, idem, timeout=40)
                                              for key, idem in f.people(0, PEOPLE)))

        recs = asyncio.run(five())
        answered_within = time.monotonic() - locked_at

        # Then, the lock still held, as many at once as the server has threads (workers ×
        # threads): each must start at once and wait once. A worker that accepted more than it
        # has threads would make some wait a second lock_timeout behind the others.
        slots = f.app.workers * f.app.threads

        async def all_slots():
            async with httpx.AsyncClient(limits=httpx.Limits(max_connections=slots)) as client:
                return await asyncio.gather(*(reserve_once(client, f.app.url, session, key, idem, timeout=40)
                                              for key, idem in f.people(50, slots)))

        slot_recs = asyncio.run(all_slots())
        slot_times = [r.seconds for r in slot_recs]
        # Keep the lock for the rest of the 30 s (nothing stuck must wait for it), then release.
        release.wait(max(0, HOLD_S - answered_within))
        release.set()
        holder.join(10)

        async def after():
            async with httpx.AsyncClient() as client:
                key, idem = f.people(PEOPLE, 1)[0]
                return await reserve_once(client, f.app.url, session, key, idem)

        later = asyncio.run(after())
        limit = lock_timeout + 0.5
        times = [r.seconds for r in recs]
        busy = [r for r in recs if r.status == 503 and r.api_shape and r.code == "busy"]
        integrity_ok, integrity = f.integrity()
        figures = {"lock_timeout_s": lock_timeout, "limit_s": limit,
                   "times_s": "/".join(f"{t:.2f}" for t in sorted(times)), "max_s": round(max(times), 2),
                   "busy_503": len(busy), "http_500": sum(1 for r in recs if r.status >= 500 and r.status != 503),
                   "slots": slots, "slots_max_s": round(max(slot_times), 2),
                   "slots_busy_503": sum(1 for r in slot_recs if r.status == 503 and r.code == "busy"),
                   "after_release": later.status, "after_release_ms": ms(later.seconds),
                   "integrity": "ok" if integrity_ok else "BROKEN"}
        checks = {"all_within_limit": all(t <= limit for t in times),
                  "all_busy_503_localized": len(busy) == PEOPLE,
                  "no_500": not any(r.status >= 500 and r.status != 503 for r in recs + slot_recs),
                  # CPU contention adds fractions of a second; a queue behind another waiter adds
                  # a whole lock_timeout.
                  "slots_no_second_wait": max(slot_times) < 2 * lock_timeout
                  and all(r.status == 503 for r in slot_recs),
                  "no_thread_stuck": answered_within < HOLD_S and later.status == 201 and later.seconds < limit,
                  "invariant": integrity_ok}
        f.finish(checks, figures, {"statuses": status_counts(recs), "slot_statuses": status_counts(slot_recs),
                                   "slot_times_s": sorted(round(t, 2) for t in slot_times),
                                   "bodies": [json.dumps(r.body, ensure_ascii=False)[:200] for r in recs]})
    main_exit(f)


if __name__ == "__main__":
    main()
