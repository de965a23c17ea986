"""F2 — a gunicorn worker killed in the middle of a reservation burst (RELIABILITY-PLAN §3.3).

No production fault switch: 1,000 people, 64 connections, a 300-place session; at t ≈ 1.5 s
one worker (a child of the master) gets SIGKILL while it holds requests in flight, so some are
inside their transaction. Checks: the invariant; the master respawns a worker ≤ 2 s; every
client without an answer retries with the same Idempotency-Key and ends with exactly one
outcome (one reservation per person, the one the retry returns).

    .venv/bin/python bench/faults/f2_worker_kill.py
"""
import asyncio
import os
import signal
import threading
import time

from harness import (
    Fault,
    db_reservations,
    main_exit,
    reserve_burst,
    reserve_once,
    status_counts,
    summarize_latency,
)

PEOPLE, CONNECTIONS, KILL_AT = 1000, 64, 1.5


def main():
    with Fault(2, "worker_kill", limit=120) as f:
        f.start_all()
        session = f.seed["sessions"]["small"]
        capacity = f.pg.sql(f"SELECT capacity FROM activities_session WHERE id={session}")[0][0]
        marks = {}

        def kill():
            time.sleep(KILL_AT)
            before = f.app.worker_pids()
            victim = before[0]
            marks["victim"], marks["kill"] = victim, time.monotonic()
            os.kill(victim, signal.SIGKILL)
            while time.monotonic() - marks["kill"] < 10:
                now = f.app.worker_pids()
                if len(now) == len(before) and victim not in now:
                    marks["respawned"] = time.monotonic()
                    break
                time.sleep(0.02)

        thread = threading.Thread(target=kill, daemon=True)
        thread.start()
        recs = asyncio.run(reserve_burst(f.app.url, session, f.people(0, PEOPLE), CONNECTIONS,
                                         time.monotonic() + 70))
        thread.join(15)
        respawn = marks["respawned"] - marks["kill"] if "respawned" in marks else None
        failed = [r for r in recs if r.status == 0 or r.status >= 500]

        async def retry_all():
            import httpx

            async with httpx.AsyncClient() as client:
                out = []
                for r in failed:
                    for _ in range(5):
                        again = await reserve_once(client, f.app.url, session, r.key, r.idem, kind="retry")
                        if again.status and again.status < 500:
                            break
                        await asyncio.sleep(0.3)
                    out.append((r, again))
                return out

        retries = asyncio.run(retry_all())
        users = {r[0]: r[1] for r in f.pg.sql("SELECT prefix, user_id FROM api_apitoken WHERE name='faults'")}
        truth = db_reservations(f.pg, session)
        per_person = {}
        for (person, _), _ in truth.items():
            per_person[person] = per_person.get(person, 0) + 1
        not_once = 0
        for r, again in retries:
            person = users[r.key[:10]]
            row = truth.get((person, r.idem))
            if again.status in (200, 201):
                ok = row is not None and row[0] == (again.body or {}).get("code") and per_person.get(person) == 1
            else:
                ok = again.status == 409 and row is None
            not_once += not ok
        confirmed = f.pg.sql(f"SELECT count(*) FROM reservations_reservation WHERE session_id={session} "
                             f"AND status='confirmed'")[0][0]
        integrity_ok, integrity = f.integrity()
        lat = summarize_latency(recs)
        figures = {"requests": len(recs), "failed": len(failed), "respawn_s": round(respawn, 2) if respawn else None,
                   "retried": len(retries), "retry_not_exactly_once": not_once, "confirmed": confirmed,
                   "capacity": capacity, "p95_ms": lat["p95_ms"], "integrity": "ok" if integrity_ok else "BROKEN"}
        checks = {"invariant": integrity_ok, "no_oversell": confirmed <= capacity,
                  "respawn_le_2s": respawn is not None and respawn <= 2.0,
                  "retries_exactly_once": not_once == 0, "killed_mid_burst": bool(failed) or "kill" in marks}
        f.finish(checks, figures, {"statuses": status_counts(recs),
                                   "retry_statuses": status_counts([a for _, a in retries]), "integrity": integrity})
    main_exit(f)


if __name__ == "__main__":
    main()
