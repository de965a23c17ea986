"""F6 — graceful reload under a mixed load (RELIABILITY-PLAN §3.3).

16 connections (pages, API list, reservations, sign-ins), from before the first signal until
5 s after the old master has exited (at most 90 s). At 3 s a `kill -HUP` of the
gunicorn master (new configuration, workers replaced); at 7 s the zero-downtime upgrade that
loads new code: `kill -USR2` (the old master forks a new master that imports the app afresh
and starts its own workers on the same inherited listening socket), and once the new master's
workers all run, `kill -TERM` of the old master (its workers finish what they started and
exit). Checks: 0 failed requests (no 5xx, no dropped connection, every reservation 201), the
workers were replaced both times, the new master serves after the old one is gone,
check_integrity.

The server runs with `--preload` (bench/reserve_burst.gunicorn_args): the master imports the
app once, so workers fork ready. Without it a HUP stopped the old workers at once and the new
ones took ~1.6 s of CPU each to import the app, three at once on the one pinned core, while
every connection waited in the listen queue (23.9 s with no answer at load average 14, see
docs/reliability.md). With it a HUP no longer loads new code, which is why a deploy upgrades
with USR2 + TERM, measured here too.

    .venv/bin/python bench/faults/f6_graceful_reload.py
"""
import asyncio
import contextlib
import os
import signal
import threading
import time
from pathlib import Path

from harness import Fault, Mixed, main_exit

SECONDS, CONNECTIONS, HUP_AT, UPGRADE_AT, AFTER = 90, 16, 3, 7, 5


def children(pid: int) -> list[int]:
    pids = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            pids += [int(p) for p in (task / "children").read_text().split()]
    return sorted(pids)



def main():
    with Fault(6, "graceful_reload", limit=150) as f:
        f.start_all()
        load = Mixed(f.app.url, f.seed, "big", f.people(0, 2400))
        old_master = f.app.master
        before = f.app.worker_pids()
        t0 = time.monotonic()
        steps: dict = {}

        def signals():
            time.sleep(max(0, t0 + HUP_AT - time.monotonic()))
            os.kill(old_master, signal.SIGHUP)
            # New workers fork at once; the old ones finish the requests they hold, then exit.
            deadline = time.monotonic() + 25
            while time.monotonic() < deadline and len(set(f.app.worker_pids()) - set(before)) < f.app.workers:
                time.sleep(0.02)
            steps["hup_spawned_s"] = round(time.monotonic() - t0 - HUP_AT, 2)
            while time.monotonic() < deadline and set(f.app.worker_pids()) & set(before):
                time.sleep(0.05)
            steps["after_hup"] = f.app.worker_pids()
            steps["hup_replaced_s"] = round(time.monotonic() - t0 - HUP_AT, 2)

            time.sleep(max(0, t0 + UPGRADE_AT - time.monotonic()))
            known = set(f.app.worker_pids()) | set(before)
            os.kill(old_master, signal.SIGUSR2)
            # The new master is the old master's child that is not one of its workers; it is
            # ready when it has all its workers (they fork ready: it preloads the app itself).
            deadline = time.monotonic() + 60
            new_master = None
            while time.monotonic() < deadline:
                fresh = [p for p in children(old_master) if p not in known]
                new_master = next((p for p in fresh if len(children(p)) >= f.app.workers), None)
                if new_master:
                    break
                time.sleep(0.05)
            steps["new_master"] = new_master
            steps["upgrade_ready_s"] = round(time.monotonic() - t0 - UPGRADE_AT, 2)
            if new_master:
                steps["new_workers"] = children(new_master)
                os.kill(old_master, signal.SIGTERM)
                steps["term_at_s"] = round(time.monotonic() - t0, 2)
                deadline = time.monotonic() + 25
                while time.monotonic() < deadline and f.app.proc.poll() is None:
                    time.sleep(0.05)
                steps["old_master_exit_s"] = round(time.monotonic() - t0 - steps["term_at_s"], 2)
            load.stop_at = min(load.stop_at, time.monotonic() + AFTER)  # then the new master alone

        thread = threading.Thread(target=signals, daemon=True)
        thread.start()
        asyncio.run(load.run(CONNECTIONS, SECONDS))
        thread.join(30)
        new_master = steps.get("new_master")
        # The old master is gone (it waited for its workers' last requests); the new one serves.
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline and f.app.proc.poll() is None:
            time.sleep(0.1)
        old_master_gone = f.app.proc.poll() is not None
        import httpx

        try:
            serves_after = httpx.get(f.app.url + "/", timeout=10).status_code
        except httpx.HTTPError as error:
            serves_after = type(error).__name__
        hup_replaced = bool(steps.get("after_hup")) and not set(before) & set(steps["after_hup"])
        upgraded = bool(new_master) and not set(steps.get("after_hup", [])) & set(steps.get("new_workers", []))
        summary = load.summary()
        ends = sorted(r.end for r in load.records)
        gap = max((b - a for a, b in zip([t0, *ends], ends, strict=False)), default=None)
        integrity_ok, integrity = f.integrity()
        after_exit = [r for r in load.records if steps.get("term_at_s") and
                      r.start > t0 + steps["term_at_s"] + (steps.get("old_master_exit_s") or 0)]
        figures = {"requests": summary["requests"], "failed": summary["failed"], "p95_ms": summary["p95_ms"],
                   "max_ms": summary["max_ms"], "longest_gap_s": round(gap, 2) if gap is not None else None,
                   "hup_spawned_s": steps.get("hup_spawned_s"),
                   "hup_replaced_s": steps.get("hup_replaced_s"), "upgrade_ready_s": steps.get("upgrade_ready_s"),
                   "old_master_exit_s": steps.get("old_master_exit_s"),
                   "old_master_gone": old_master_gone,
                   "requests_after_old_exit": len(after_exit), "serves_after": serves_after,
                   "statuses": "/".join(f"{k}:{v}" for k, v in summary["statuses"].items()),
                   "loadavg_1m": round(os.getloadavg()[0], 1), "integrity": "ok" if integrity_ok else "BROKEN"}
        checks = {"zero_failed": summary["failed"] == 0, "hup_replaced_workers": hup_replaced,
                  "upgrade_replaced_master": upgraded and old_master_gone, "serves_after": serves_after == 200,
                  "load_outlived_old_master": len(after_exit) > 0,
                  "invariant": integrity_ok}
        f.finish(checks, figures, {"summary": summary, "integrity": integrity, "steps": steps})
    main_exit(f)


if __name__ == "__main__":
    main()
