"""L1 of RELIABILITY-PLAN §3.2: burst reservations, zero oversell, on PostgreSQL and SQLite.

For each database: 1,000 distinct people (bearer tokens made beforehand), sessions of
capacity 1, 2 and 50 (waiting list off, so everyone after the last place gets a clean 409
"full"), 20 runs per capacity. A run: 200 client connections wait on a barrier, are released
at once, and each sends one `POST /api/v1/sessions/<id>/reservations` (one person, an
`Idempotency-Key` each) after the other until all 1,000 people have tried (closed loop). The
server is the production-like one of bench/reserve_burst.py (gunicorn `reserve_burst.gunicorn_args`,
pinned to core 0, DEBUG off, API rate limit off); the load generator runs here, on core 1.

Must hold in every run: exactly `capacity` answered 201 and exactly `capacity` confirmed rows
with `seats_taken` = capacity in the database, 0 × 5xx, 0 dropped connections (no answer: the
connection failed, or no answer within the client's 30 s, counted apart as "timed out");
over all runs of a capacity: p95 < 1.5 s. After each database, `check_integrity`.

    .venv/bin/python bench/l1_burst.py                          # both databases (≈ 20 min on a quiet machine)
    .venv/bin/python bench/l1_burst.py --db sqlite --runs 3     # a quick look
    .venv/bin/python bench/l1_burst.py --compare worker_connections=1000,keep_alive=75   # A/B, same run
    .venv/bin/python bench/l1_burst.py --report bench/results/l1-2026-12-01.json

Bounded: `--time-limit` (default 1,800 s) for everything, each database half of it,
`--run-limit` (default 120 s) per run; runs go run-major (run 1 of each capacity, then run 2 …),
so what does not fit is left off evenly and reported as skipped; the server is stopped and the
PostgreSQL database dropped all the same (also on SIGTERM). Writes bench/results/l1-<date>.json
(`--output` to change).
"""
import argparse
import asyncio
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from machine import machine_info  # noqa: E402
from reserve_burst import RssSampler, gunicorn_args, percentile, start_server  # noqa: E402

PG_DB = "sciweek_bench_l1"
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
P95_TARGET_MS = 1500

SEED = """
import json, secrets
from datetime import timedelta
from django.utils import timezone
from sciweek.demo.loader import load_demo
from sciweek.activities.models import Activity, Session
from sciweek.accounts.models import User
from sciweek.participants.models import Profile
from sciweek.api.models import ApiToken, hash_key
load_demo()
activity = Activity.objects.filter(kind="open_day", status="approved").order_by("pk").first()
start = timezone.now() + timedelta(days=7)
sessions = {}
for capacity in CAPACITIES:
    sessions[str(capacity)] = [
        Session.objects.create(activity=activity, starts_at=start + timedelta(hours=run % 8),
                               ends_at=start + timedelta(hours=run % 8 + 1), capacity=capacity,
                               waitlist_enabled=False).pk
        for run in range(RUNS)]
now = timezone.now()
users = User.objects.bulk_create([User(username=f"l1_{i}", password="!") for i in range(PEOPLE)], batch_size=2000)
Profile.objects.bulk_create([Profile(user=u, phone=f"15{i:09d}", consent_at=now) for i, u in enumerate(users)],
                            batch_size=2000)
keys, tokens = [], []
for u in users:
    key = "sw_" + secrets.token_urlsafe(24)
    keys.append(key)
    tokens.append(ApiToken(user=u, name="l1", prefix=key[:10], key_hash=hash_key(key), last_used_at=now))
ApiToken.objects.bulk_create(tokens, batch_size=2000)
print("SEED" + json.dumps({"sessions": sessions, "keys": keys}))
"""


def manage(env, *args, timeout=600):
    out = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=timeout)
    if out.returncode:
        raise RuntimeError(f"manage.py {args[0]}: {out.stderr[-3000:]}")
    return out


def prepare(db, env, args):
    """Fresh database: migrate, the demo, the sessions, the people and their tokens."""
    started = time.monotonic()
    if db == "postgresql":
        import psycopg

        with psycopg.connect(ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{PG_DB}"')
    manage(env, "migrate", "-v0")
    script = (SEED.replace("CAPACITIES", repr(args.capacities)).replace("RUNS", str(args.runs * (2 if args.compare else 1)))
              .replace("PEOPLE", str(args.people)))
    out = manage(env, "shell", "-c", script)
    seed = json.loads(next(line for line in out.stdout.splitlines() if line.startswith("SEED"))[4:])
    seed["prepare_s"] = round(time.monotonic() - started, 1)
    return seed


class Counts:
    """confirmed rows and seats_taken of one session, read straight from the database."""

    def __init__(self, db, url):
        self.db, self.url = db, url

    def __call__(self, session_id):
        query = ("SELECT (SELECT count(*) FROM reservations_reservation WHERE session_id = {0} AND status = "
                 "'confirmed'), (SELECT seats_taken FROM activities_session WHERE id = {0})").format(int(session_id))
        if self.db == "postgresql":
            import psycopg

            with psycopg.connect(self.url.replace("postgres://", "postgresql://")) as conn:
                return conn.execute(query).fetchone()
        with sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30) as conn:
            return conn.execute(query).fetchone()


async def barrier_burst(port, requests, connections, deadline, timeout=30):
    """`connections` client tasks wait on one barrier, are released together, and send the
    requests one after the other (closed loop) until all are sent or `deadline`.
    Returns [(seconds, status, code)], the burst's wall time."""
    import httpx

    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    pending = list(reversed(requests))
    results = []
    gate = asyncio.Event()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=timeout) as client:
        async def worker():
            await gate.wait()
            while pending and time.monotonic() < deadline:
                path, body, headers = pending.pop()
                started = time.perf_counter()
                try:
                    response = await client.post(path, json=body, headers=headers)
                    status = response.status_code
                    payload = response.json()
                    code = payload.get("status") if status == 201 else payload["error"]["code"]
                except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
                    status, code = (0, type(error).__name__) if isinstance(error, httpx.HTTPError) else (status, "bad-body")
                results.append((time.perf_counter() - started, status, code))

        tasks = [asyncio.create_task(worker()) for _ in range(connections)]
        await asyncio.sleep(0.2)  # every task is waiting at the gate
        started = time.perf_counter()
        gate.set()
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    return results, elapsed


async def with_sampler(sampler, coroutine):
    task = asyncio.create_task(sampler.run())
    try:
        return await coroutine
    finally:
        sampler.stop()
        await task


def one_run(port, session_id, keys, capacity, connections, run_limit, counts, rng, sampler):
    order = list(keys)
    # A fresh order each run, so the winners differ (the per-person limit of 20 reservations in
    # 10 minutes must not be what refuses anyone).
    rng.shuffle(order)
    path = f"/api/v1/sessions/{session_id}/reservations"
    requests = [(path, {"seats": 1}, {"Authorization": f"Bearer {key}", "Idempotency-Key": os.urandom(8).hex()})
                for key in order]
    results, elapsed = asyncio.run(with_sampler(sampler, barrier_burst(
        port, requests, connections, time.monotonic() + run_limit)))
    confirmed, seats_taken = counts(session_id)
    statuses = {}
    for _, status, code in results:
        label = f"{status} {code}"
        statuses[label] = statuses.get(label, 0) + 1
    latencies = [r[0] * 1000 for r in results]
    created = sum(1 for r in results if r[1] == 201)
    return {
        "session": session_id, "attempts": len(results), "seconds": round(elapsed, 2),
        "attempts_per_s": round(len(results) / elapsed, 1) if elapsed else None,
        "p50_ms": round(statistics.median(latencies), 1), "p95_ms": round(percentile(latencies, 95), 1),
        "max_ms": round(max(latencies), 1), "answered_201": created, "confirmed_db": confirmed,
        "seats_taken": seats_taken, "server_errors": sum(1 for r in results if r[1] >= 500),
        # No answer: "dropped" (the connection failed or closed), "timed_out" (no answer within
        # the client's 30 s; the server may still have answered later).
        "dropped": sum(1 for r in results if r[1] == 0 and "Timeout" not in r[2]),
        "timed_out": sum(1 for r in results if r[1] == 0 and "Timeout" in r[2]), "statuses": statuses,
        "exact": created == capacity == confirmed == seats_taken and len(results) == len(keys),
        "latencies_ms": [round(x, 1) for x in latencies],
    }


def summarize(capacity, runs):
    latencies = [x for run in runs for x in run["latencies_ms"]]
    seconds = sum(run["seconds"] for run in runs)
    attempts = sum(run["attempts"] for run in runs)
    return {
        "capacity": capacity, "runs": len(runs), "runs_exact": sum(run["exact"] for run in runs),
        "attempts": attempts, "server_errors": sum(run["server_errors"] for run in runs),
        "dropped": sum(run["dropped"] for run in runs), "timed_out": sum(run.get("timed_out", 0) for run in runs),
        "other_statuses": sorted({s for run in runs for s in run["statuses"]
                                  if not s.startswith(("201 confirmed", "409 full"))}),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 95), 1) if latencies else None,
        "max_ms": round(max(latencies), 1) if latencies else None,
        "worst_run_p95_ms": max((run["p95_ms"] for run in runs), default=None),
        "attempts_per_s": round(attempts / seconds, 1) if seconds else None,
    }


def run_database(db, args, deadline, log):
    var_dir = Path(tempfile.mkdtemp(prefix=f"sciweek-l1-{db}-"))
    if db == "postgresql":
        url = ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_DB
    else:
        url = f"sqlite:///{var_dir / 'sciweek.sqlite3'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCIWEEK_", "DATABASE_URL", "REDIS_URL"))}
    env.update({"DATABASE_URL": url, "REDIS_URL": args.redis_url, "SCIWEEK_VAR_DIR": str(var_dir),
                "SCIWEEK_DEBUG": "false", "SCIWEEK_API_RATE_LIMIT": "", "DJANGO_SETTINGS_MODULE": "sciweek.settings",
                "SCIWEEK_LOG_LEVEL": "ERROR"})
    info = {"db": db, "database_url": url.split("@")[-1], "loadavg_before": os.getloadavg()}
    try:
        return measure_database(db, url, env, var_dir, info, args, deadline, log)
    finally:
        if db == "postgresql":
            import psycopg

            with psycopg.connect(ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        subprocess.run(["rm", "-rf", str(var_dir)], check=False)


def measure_database(db, url, env, var_dir, info, args, deadline, log):
    log(f"[{db}] preparing {args.people} people and {len(args.capacities) * args.runs} sessions …")
    seed = prepare(db, env, args)
    info["prepare_s"] = seed["prepare_s"]
    # The production-like server, and with --compare a second one (other flags, next port, also
    # on core 0): runs alternate between them, so both see the same machine (it is shared).
    configs = [("production-like", dict(threads=args.threads, worker_connections=args.worker_connections,
                                         keep_alive=args.keep_alive))]
    if args.compare:
        configs.append(("compared", {**configs[0][1], **parse_flags(args.compare)}))
    servers = []
    try:
        for n, (name, flags) in enumerate(configs):
            flags = dict(flags)
            threads = flags.pop("threads")
            log_path = var_dir / f"gunicorn-{n}.log"
            process = start_server(env, args.port + n, args.workers, threads, log_path=log_path, **flags)
            servers.append({"name": name, "port": args.port + n, "process": process, "log": log_path,
                            "command": "gunicorn " + " ".join(gunicorn_args(args.workers, threads, **flags)),
                            "peak_kb": 0, "capacities": {}, "runs": {}})
        counts = Counts(db, url)
        rng = random.Random(f"l1-{db}")
        if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
            os.sched_setaffinity(0, {1})
        # Run-major (run 1 of every capacity, then run 2 …), so a time limit leaves every
        # capacity with the same number of runs.
        runs = {(s["name"], c): [] for s in servers for c in args.capacities}
        sessions = seed["sessions"]
        for n in range(max(len(v) for v in sessions.values())):
            for capacity in args.capacities:
                session_id = sessions[str(capacity)][n]
                server = servers[n % len(servers)]
                if time.monotonic() > deadline - args.run_limit:
                    info.setdefault("skipped", []).append(f"{server['name']} capacity {capacity} run "
                                                          f"{n // len(servers) + 1}: time limit")
                    continue
                sampler = RssSampler(server["process"].pid)
                run = one_run(server["port"], session_id, seed["keys"], capacity, args.connections, args.run_limit,
                              counts, rng, sampler)
                server["peak_kb"] = max(server["peak_kb"], sampler.peak_kb)
                run["loadavg_1m"] = os.getloadavg()[0]
                runs[server["name"], capacity].append(run)
                log(f"[{db}{'' if len(servers) == 1 else ' ' + server['name']}] capacity {capacity:>3} "
                    f"run {n // len(servers) + 1:>2}: {run['attempts']} in {run['seconds']} s "
                    f"({run['attempts_per_s']}/s) p95 {run['p95_ms']} ms max {run['max_ms']} ms "
                    f"201={run['answered_201']} db={run['confirmed_db']}/{run['seats_taken']} "
                    f"5xx={run['server_errors']} dropped={run['dropped']} timed_out={run['timed_out']} "
                    f"{'ok' if run['exact'] else 'NOT EXACT'} "
                    f"load {run['loadavg_1m']:.1f}"
                    + ("" if set(run["statuses"]) <= {"201 confirmed", "409 full"} else f" {run['statuses']}"))
        for server in servers:
            for capacity in args.capacities:
                mine = runs[server["name"], capacity]
                server["capacities"][str(capacity)] = {**summarize(capacity, mine),
                                                       "worker_peak_rss_mb": round(server["peak_kb"] / 1024, 1)}
                server["runs"][str(capacity)] = [{k: v for k, v in r.items() if k != "latencies_ms"} for r in mine]
    finally:
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
        for server in servers:
            process = server.pop("process")
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
            server["log_tail"] = server.pop("log").read_text(errors="replace")[-3000:]
            server["worker_peak_rss_mb"] = round(server.pop("peak_kb") / 1024, 1)
    main = servers[0]
    info.update(server=main["command"], capacities=main["capacities"], runs=main["runs"],
                worker_peak_rss_mb=main["worker_peak_rss_mb"], server_log_tail=main["log_tail"])
    if len(servers) > 1:
        info["compared"] = {k: v for k, v in servers[1].items() if k != "runs"}
    out = subprocess.run([sys.executable, str(ROOT / "manage.py"), "check_integrity"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    info["integrity"] = "ok" if out.returncode == 0 else (out.stdout + out.stderr)[-500:]
    info["loadavg_after"] = os.getloadavg()
    return info


def parse_flags(text):
    """"worker_connections=1000,keep_alive=75,threads=8" → the keyword arguments of gunicorn_args."""
    flags = {}
    for item in filter(None, text.split(",")):
        key, value = item.split("=")
        flags[key.strip().replace("-", "_")] = int(value)
    return flags


def verdict(result):
    """The plan's checks, per database and capacity."""
    checks = {}
    for db, info in result["databases"].items():
        for capacity, s in info.get("capacities", {}).items():
            checks[f"{db} capacity {capacity}"] = {
                "exact_every_run": s["runs"] == result["runs_wanted"] and s["runs_exact"] == s["runs"],
                "no_5xx": s["server_errors"] == 0, "no_dropped": s["dropped"] == 0 and s.get("timed_out", 0) == 0,
                "p95_under_1_5_s": s["p95_ms"] is not None and s["p95_ms"] < P95_TARGET_MS}
        checks[f"{db} integrity"] = {"check_integrity": info.get("integrity") == "ok"}
    return checks


def report(result) -> str:
    lines = ["| DB | capacity | runs exact | 5xx | dropped / timed out | p50 / p95 / max ms | worst run p95 | attempts/s | "
             "worker peak RSS |", "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |"]
    for db, info in result["databases"].items():
        rows = [(db, info.get("capacities", {}))]
        if info.get("compared"):
            rows.append((f"{db}, compared: {info['compared']['command']}", info["compared"]["capacities"]))
        for label, capacities in rows:
            for capacity, s in capacities.items():
                lines.append(row(label, capacity, s))
    return "\n".join(lines)


def row(db, capacity, s):
    return (f"| {db} | {capacity} | {s['runs_exact']}/{s['runs']} | {s['server_errors']} | "
            f"{s['dropped']} / {s.get('timed_out', 0)} "
            f"| {s['p50_ms']} / **{s['p95_ms']}** / {s['max_ms']} | {s['worst_run_p95_ms']} "
            f"| {s['attempts_per_s']} | {s['worker_peak_rss_mb']} MB |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="postgresql,sqlite", help="comma-separated: postgresql,sqlite")
    parser.add_argument("--capacities", default="1,2,50")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--worker-connections", type=int, default=None, help="default: = --threads")
    parser.add_argument("--keep-alive", type=int, default=0)
    parser.add_argument("--port", type=int, default=8013)
    parser.add_argument("--compare", metavar="FLAGS", default="",
                        help="also run a second server with these gunicorn_args, runs alternating "
                             "(e.g. worker_connections=1000,keep_alive=75: gunicorn's defaults before F8)")
    parser.add_argument("--redis-url", default="", help="cache (default: none, local memory)")
    parser.add_argument("--time-limit", type=float, default=1800)
    parser.add_argument("--run-limit", type=float, default=120)
    parser.add_argument("--output", type=Path)
    parser.add_argument("--report", metavar="JSON", help="print the Markdown table of a result file")
    args = parser.parse_args()
    if args.report:
        print(report(json.loads(Path(args.report).read_text())))
        return
    args.capacities = [int(c) for c in args.capacities.split(",")]
    started = time.monotonic()

    def stop(signum, frame):  # SIGTERM, or the hard limit: unwind, so servers stop and the DB is dropped
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGALRM, stop)
    signal.alarm(int(args.time_limit) + 180)
    deadline = started + args.time_limit

    def log(message):
        print(f"{time.monotonic() - started:7.1f}s {message}", file=sys.stderr, flush=True)

    result = {"machine": machine_info(), "loadavg_before": os.getloadavg(), "people": args.people,
              "connections": args.connections, "runs_wanted": args.runs, "capacities": args.capacities,
              "client": "asyncio + httpx on core 1, barrier release, closed loop (bench/l1_burst.py)",
              "databases": {}}
    databases = args.db.split(",")
    for db in databases:
        if time.monotonic() > deadline - 120:
            result["databases"][db] = {"skipped": "time limit"}
            continue
        left = [d for d in databases if d not in result["databases"]]
        share = started + args.time_limit - time.monotonic()
        own_deadline = time.monotonic() + share / len(left)  # each database its share of what is left
        try:
            result["databases"][db] = run_database(db, args, own_deadline, log)
        except KeyboardInterrupt as stopped:
            result["databases"][db] = {"interrupted": str(stopped)}
            break
    result["wall_s"] = round(time.monotonic() - started, 1)
    result["checks"] = verdict(result)
    result["passed"] = all(all(c.values()) for c in result["checks"].values())
    out = args.output or ROOT / "bench" / "results" / f"l1-{date.today().isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(report(result))
    failed = [f"{name}: {k}" for name, c in result["checks"].items() for k, v in c.items() if not v]
    print(("PASS" if result["passed"] else "FAIL " + "; ".join(failed)) + f" ({result['wall_s']} s) → {out}")
    sys.exit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
