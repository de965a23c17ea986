"""F1 — PostgreSQL restart in the middle of a reservation burst (RELIABILITY-PLAN §3.3).

2,000 distinct people (bearer tokens, one Idempotency-Key each), 200 connections, one session
with 1,000 places (so seats are still free when the database comes back); at t ≈ 2 s
`pg_ctl restart -m fast`. Checks: 0 oversell and the invariant (check_integrity); failed
requests ≤ requests in flight at the restart, every one JSON in the API's shape with a
localized message; first successful reservation ≤ 10 s after PostgreSQL accepts again; every
acknowledged reservation is in the database; every client whose request failed retries with
the same key and learns the true outcome (a reservation committed before is returned as is).

    .venv/bin/python bench/faults/f1_pg_restart.py
"""
import asyncio
import threading
import time

from harness import (
    Fault,
    db_reservations,
    main_exit,
    ms,
    reserve_burst,
    reserve_once,
    status_counts,
    summarize_latency,
)

PEOPLE, CONNECTIONS, RESTART_AT = 2000, 200, 2.0


def main():
    with Fault(1, "pg_restart", limit=170) as f:
        f.start_all()
        session = f.seed["sessions"]["burst"]
        capacity = f.pg.sql(f"SELECT capacity FROM activities_session WHERE id={session}")[0][0]
        people = f.people(0, PEOPLE)
        marks = {}

        def restart():
            time.sleep(RESTART_AT)
            marks["restart"] = time.monotonic()
            out = f.pg.restart("fast")
            while not f.pg.accepting():
                time.sleep(0.05)
            marks["accepting"] = time.monotonic()
            marks["restart_rc"] = out.returncode

        started = time.monotonic()
        thread = threading.Thread(target=restart, daemon=True)
        thread.start()
        recs = asyncio.run(reserve_burst(f.app.url, session, people, CONNECTIONS, time.monotonic() + 100))
        thread.join(60)
        t_restart, t_accept = marks.get("restart"), marks.get("accepting")

        failed = [r for r in recs if r.status == 0 or r.status >= 500]
        bad_shape = [r for r in recs if r.status >= 400 and not r.api_shape]
        in_flight = sum(1 for r in recs if r.start <= t_restart <= r.end) if t_restart else None
        ok = [r for r in recs if r.status in (200, 201)]
        after = sorted((r for r in ok if r.end >= t_accept), key=lambda r: r.end) if t_accept else []
        first_ok = after[0].end - t_accept if after else None
        seats_left_at_accept = capacity - sum(1 for r in ok if r.end < t_accept and r.code == "confirmed")

        # The database's truth, before any retry.
        users = {r[0]: r[1] for r in f.pg.sql("SELECT prefix, user_id FROM api_apitoken WHERE name='faults'")}
        truth = db_reservations(f.pg, session)
        codes_in_db = {code for code, _ in truth.values()}
        lost_acks = [r for r in ok if r.body and r.body.get("code") not in codes_in_db]
        committed_but_failed = [r for r in recs if r.status not in (200, 201)
                                and (users[r.key[:10]], r.idem) in truth]
        not_answered = [r for r in recs if r.status == 0 or r.status >= 500 or r.status == 503]

        # Every client without a clear answer retries with the same key.
        async def retry_all():
            import httpx

            async with httpx.AsyncClient() as client:
                out = []
                for r in not_answered:
                    for _ in range(5):
                        again = await reserve_once(client, f.app.url, session, r.key, r.idem, kind="retry")
                        if again.status and again.status < 500:
                            break
                        await asyncio.sleep(0.5)
                    out.append((r, again))
                return out

        retries = asyncio.run(retry_all())
        retry_mismatch = 0
        retry_unresolved = 0
        for r, again in retries:
            before = truth.get((users[r.key[:10]], r.idem))
            if again.status not in (200, 201, 409):
                retry_unresolved += 1
            elif before is not None and (again.status == 409 or (again.body or {}).get("code") != before[0]):
                retry_mismatch += 1  # committed, yet the retry did not return that reservation
        confirmed = f.pg.sql(f"SELECT count(*) FROM reservations_reservation WHERE session_id={session} "
                             f"AND status='confirmed'")[0][0]
        integrity_ok, integrity = f.integrity()

        lat = summarize_latency(recs)
        figures = {"requests": len(recs), "in_flight_at_restart": in_flight, "failed": len(failed),
                   "non_api_shape": len(bad_shape), "html_500": sum(1 for r in recs if r.status >= 500
                                                                   and r.code == "non-json"),
                   "pg_down_s": round(t_accept - t_restart, 2) if t_accept else None,
                   "first_success_after_accept_s": round(first_ok, 2) if first_ok is not None else None,
                   "confirmed": confirmed, "capacity": capacity, "lost_acks": len(lost_acks),
                   "committed_but_reported_failed": len(committed_but_failed), "retried": len(retries),
                   "retry_mismatch": retry_mismatch, "retry_unresolved": retry_unresolved,
                   "p50_ms": lat["p50_ms"], "p95_ms": lat["p95_ms"], "integrity": "ok" if integrity_ok else "BROKEN"}
        checks = {
            "restart_done": marks.get("restart_rc") == 0,
            "no_oversell": confirmed <= capacity,
            "invariant": integrity_ok,
            "failed_le_in_flight": in_flight is not None and len(failed) <= in_flight,
            "errors_in_api_shape": not bad_shape,
            "first_success_le_10s": first_ok is not None and first_ok <= 10 if seats_left_at_accept > 0 else True,
            "acks_present": not lost_acks,
            "retry_learns_truth": retry_mismatch == 0 and retry_unresolved == 0,
        }
        f.finish(checks, figures, {"statuses": status_counts(recs), "integrity": integrity,
                                   "codes": sorted({r.code for r in recs}),
                                   "restart_at_s": round(t_restart - started, 2) if t_restart else None,
                                   "latency_ms": {k: v for k, v in lat.items()},
                                   "samples_bad_shape": [(r.status, r.code) for r in bad_shape[:5]],
                                   "seats_left_at_accept": seats_left_at_accept,
                                   "max_ms": ms(max(r.seconds for r in recs))})
    main_exit(f)


if __name__ == "__main__":
    main()
