"""F6 — graceful reload (`kill -HUP` the gunicorn master) under a mixed load (RELIABILITY-PLAN §3.3).

16 connections (pages, API list, reservations, sign-ins) for 12 s; HUP at 3 s and again at
7 s. Checks: 0 failed requests (no 5xx, no dropped connection, every reservation 201), the
workers were really replaced, check_integrity.

    .venv/bin/python bench/faults/f6_graceful_reload.py
"""
import asyncio
import os
import signal
import threading
import time

from harness import Fault, Mixed, main_exit

SECONDS, CONNECTIONS, HUP_AT = 12, 16, (3, 7)


def main():
    with Fault(6, "graceful_reload", limit=90) as f:
        f.start_all()
        load = Mixed(f.app.url, f.seed, "big", f.people(0, 2400))
        before = f.app.worker_pids()
        t0 = time.monotonic()

        def hup():
            for at in HUP_AT:
                time.sleep(max(0, t0 + at - time.monotonic()))
                os.kill(f.app.master, signal.SIGHUP)

        thread = threading.Thread(target=hup, daemon=True)
        thread.start()
        asyncio.run(load.run(CONNECTIONS, SECONDS))
        thread.join(5)
        after = f.app.worker_pids()
        summary = load.summary()
        # The longest time with no answer completing: a HUP starts new workers and stops the old
        # ones at once, so connections wait in the listen queue while the new workers import
        # the app (about 1.6 s of CPU each, on the one pinned core).
        ends = sorted(r.end for r in load.records)
        gap = max((b - a for a, b in zip([t0, *ends], ends, strict=False)), default=None)
        integrity_ok, integrity = f.integrity()
        figures = {"requests": summary["requests"], "failed": summary["failed"], "hups": len(HUP_AT),
                   "workers_replaced": not set(before) & set(after), "p95_ms": summary["p95_ms"],
                   "max_ms": summary["max_ms"], "longest_gap_s": round(gap, 2) if gap is not None else None,
                   "statuses": "/".join(f"{k}:{v}" for k, v in summary["statuses"].items()),
                   "loadavg_1m": round(os.getloadavg()[0], 1), "integrity": "ok" if integrity_ok else "BROKEN"}
        checks = {"zero_failed": summary["failed"] == 0, "workers_replaced": not set(before) & set(after),
                  "invariant": integrity_ok}
        f.finish(checks, figures, {"summary": summary, "integrity": integrity})
    main_exit(f)


if __name__ == "__main__":
    main()
