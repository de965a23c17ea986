"""F3 — Redis shut down (`redis-cli shutdown nosave`) under a mixed load (RELIABILITY-PLAN §3.3).

16 connections in a closed loop: catalog page, activity page, API list, reservations by fresh
people, and every 20th request a staff sign-in through the real form. 4 s of warm-up (not
counted: a fresh server renders every page once), 8 s with Redis (the baseline, same run), then
Redis is shut down and the load goes on for 10 s. Checks, for the
Redis-down phase: pages 200, sign-in works, reservations 201, error ratio < 0.5 %, p95 < 2×
the baseline p95; sign-in once more after the load; check_integrity.

    .venv/bin/python bench/faults/f3_redis_down.py
"""
import asyncio
import threading
import time

from harness import DEMO_PASSWORD, Fault, Mixed, main_exit, staff_login_sync

WARMUP_S, BASELINE_S, DOWN_S, CONNECTIONS = 4, 8, 10, 16


def main():
    with Fault(3, "redis_down", limit=110) as f:
        f.start_all()
        load = Mixed(f.app.url, f.seed, "big", f.people(0, 2400))
        marks = {}

        def shutdown():
            marks["warm"] = time.monotonic() + WARMUP_S
            time.sleep(WARMUP_S + BASELINE_S)
            marks["down"] = time.monotonic()
            f.redis.shutdown_nosave()
            marks["gone"] = time.monotonic()

        thread = threading.Thread(target=shutdown, daemon=True)
        thread.start()
        asyncio.run(load.run(CONNECTIONS, WARMUP_S + BASELINE_S + DOWN_S))
        thread.join(10)
        for r in load.records:
            # By when a request started: classed by its end, the slow sign-ins that overlap the
            # switch fell out of the baseline and none out of the last phase.
            r.phase = ("down" if r.start >= marks["gone"] else "warmup" if r.start < marks["warm"]
                       else "baseline" if r.start < marks["down"] else "switch")
        base, down = load.summary("baseline"), load.summary("down")
        login_ok, _, login_s = staff_login_sync(f.app.url, f.seed["filer"], DEMO_PASSWORD)
        redis_gone = f.redis.proc.poll() is not None
        integrity_ok, integrity = f.integrity()
        kinds = down["by_kind"]
        figures = {"baseline_requests": base["requests"], "down_requests": down["requests"],
                   "down_failed": down["failed"], "down_error_ratio_pct": round(100 * (down["error_ratio"] or 0), 3),
                   "baseline_p95_ms": base["p95_ms"], "down_p95_ms": down["p95_ms"],
                   "p95_ratio": round(down["p95_ms"] / base["p95_ms"], 2) if base["p95_ms"] else None,
                   "down_logins": kinds.get("login", {}).get("n", 0), "down_reservations": kinds.get("reserve", {}).get("n", 0),
                   "login_after_s": round(login_s, 2), "integrity": "ok" if integrity_ok else "BROKEN"}
        checks = {
            "redis_really_down": redis_gone,
            "pages_200": all(kinds.get(k, {}).get("n", 0) > 0 and kinds[k]["failed"] == 0
                             for k in ("catalog", "activity", "api_list")),
            "sign_in_works": login_ok and kinds.get("login", {}).get("n", 0) > 0 and kinds["login"]["failed"] == 0,
            "reservations_work": kinds.get("reserve", {}).get("n", 0) > 0 and kinds["reserve"]["failed"] == 0,
            "error_ratio_lt_0.5pct": down["error_ratio"] is not None and down["error_ratio"] < 0.005,
            "p95_lt_2x_baseline": bool(base["p95_ms"]) and down["p95_ms"] < 2 * base["p95_ms"],
            "invariant": integrity_ok,
        }
        f.finish(checks, figures, {"baseline": base, "down": down, "switch": load.summary("switch"),
                                   "integrity": integrity})
    main_exit(f)


if __name__ == "__main__":
    main()
