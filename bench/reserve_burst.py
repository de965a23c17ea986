"""Burst reservation benchmark (RELIABILITY-PLAN L1, issue 5).

A bounded burst of reservation attempts over HTTP (the JSON API, bearer tokens made
beforehand, one distinct person per attempt) against one session, on a production-like
server: gunicorn on 127.0.0.1, DEBUG off, PostgreSQL. Afterwards the database must hold
exactly `capacity` confirmed reservations and the invariants must hold.

    .venv/bin/python bench/reserve_burst.py                     # 10,000 attempts, 500 places, 64 connections
    .venv/bin/python bench/reserve_burst.py --attempts 2000 --capacity 50 --connections 200

The server is pinned to core 0 and the load generator to core 1 (taskset / sched_setaffinity)
so they do not fight over one core. Results: bench/results/reserve-burst-<date>.json.
"""
import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "sciweek_bench_reserve"
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)


def prepare(args, env):
    """Fresh database: migrate, demo, one session, N people with tokens."""
    import psycopg

    with psycopg.connect(ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    manage = [sys.executable, str(ROOT / "manage.py")]
    run(manage + ["migrate", "-v0"], env=env)
    run(manage + ["collectstatic", "--noinput", "-v0"], env=env)
    script = f"""
from datetime import timedelta
from django.utils import timezone
from sciweek.demo.loader import load_demo
from sciweek.activities.models import Activity, Session
from sciweek.accounts.models import User
from sciweek.reservations.models import Profile
from sciweek.api.models import ApiToken, hash_key
import secrets, json
load_demo()
activity = Activity.objects.filter(kind="open_day", status="approved").first()
start = timezone.now() + timedelta(days=7)
session = Session.objects.create(activity=activity, starts_at=start, ends_at=start + timedelta(hours=2),
                                 capacity={args.capacity})
now = timezone.now()
users = User.objects.bulk_create([User(username=f"bench_{{i}}", password="!") for i in range({args.attempts})],
                                 batch_size=2000)
Profile.objects.bulk_create([Profile(user=u, phone=f"17{{i:09d}}", consent_at=now) for i, u in enumerate(users)],
                            batch_size=2000)
keys, tokens = [], []
for u in users:
    key = "sw_" + secrets.token_urlsafe(24)
    keys.append(key)
    tokens.append(ApiToken(user=u, name="bench", prefix=key[:10], key_hash=hash_key(key)))
ApiToken.objects.bulk_create(tokens, batch_size=2000)
print(json.dumps({{"session": session.pk, "keys": keys}}))
"""
    out = run(manage + ["shell", "-c", script], env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def start_server(env, port, workers, threads):
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "sciweek.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers),
           "-k", "gthread", "--threads", str(threads), "--timeout", "30", "--graceful-timeout", "20"]
    if Path("/usr/bin/taskset").exists():
        cmd = ["taskset", "-c", "0"] + cmd
    server = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    import httpx

    for _ in range(100):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise SystemExit("server did not start: " + server.stderr.read().decode()[-2000:])


async def burst(port, session_id, keys, connections, deadline):
    import httpx

    url = f"http://127.0.0.1:{port}/api/v1/sessions/{session_id}/reservations"
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    results = []
    queue = asyncio.Queue()
    for key in keys:
        queue.put_nowait(key)

    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        async def worker():
            while not queue.empty() and time.monotonic() < deadline:
                key = queue.get_nowait()
                started = time.perf_counter()
                try:
                    response = await client.post(url, json={"seats": 1}, headers={
                        "Authorization": f"Bearer {key}", "Idempotency-Key": key[-12:]})
                    status = response.status_code
                    state = response.json().get("status") if status == 201 else response.json()["error"]["code"]
                except httpx.HTTPError as error:
                    status, state = 0, type(error).__name__
                results.append((time.perf_counter() - started, status, state))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    return results, elapsed


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument("--capacity", type=int, default=500)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8011)
    parser.add_argument("--time-limit", type=float, default=240, help="hard limit for the burst, seconds")
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="sciweek-bench-")
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
           "SCIWEEK_VAR_DIR": var_dir, "SCIWEEK_DEBUG": "false", "SCIWEEK_API_RATE_LIMIT": "",
           "DJANGO_SETTINGS_MODULE": "sciweek.settings", "SCIWEEK_LOG_LEVEL": "ERROR"}
    print(f"preparing {args.attempts} people and a {args.capacity}-place session …", flush=True)
    setup = prepare(args, env)
    server = start_server(env, args.port, args.workers, args.threads)
    try:
        if hasattr(os, "sched_setaffinity") and os.cpu_count() and os.cpu_count() > 1:
            os.sched_setaffinity(0, {1})
        results, elapsed = asyncio.run(burst(args.port, setup["session"], setup["keys"], args.connections,
                                             time.monotonic() + args.time_limit))
    finally:
        server.terminate()
        server.wait(timeout=30)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from sciweek.activities.models import Session
    from sciweek.reservations.integrity import violations
    from sciweek.reservations.models import Reservation

    confirmed = Reservation.objects.filter(session_id=setup["session"], status="confirmed").count()
    waiting = Reservation.objects.filter(session_id=setup["session"], status="waiting").count()
    seats_taken = Session.objects.get(pk=setup["session"]).seats_taken
    problems = violations()
    latencies = [r[0] * 1000 for r in results]
    statuses = {}
    for _, status, state in results:
        statuses[f"{status} {state}"] = statuses.get(f"{status} {state}", 0) + 1
    from django.db import connection

    connection.close()
    summary = {
        "date": date.today().isoformat(), "git": run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT).stdout.strip(),
        "machine": {"nproc": os.cpu_count(), "cpu": _cpu(), "python": platform.python_version()},
        "server": f"gunicorn -w {args.workers} -k gthread --threads {args.threads} (core 0), PostgreSQL",
        "attempts": len(results), "capacity": args.capacity, "connections": args.connections,
        "seconds": round(elapsed, 2), "attempts_per_s": round(len(results) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1), "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1), "outcomes": statuses,
        "confirmed": confirmed, "waiting": waiting, "seats_taken": seats_taken, "invariant_problems": problems,
        "exactly_capacity_confirmed": confirmed == args.capacity == seats_taken,
    }
    out = ROOT / "bench" / "results" / f"reserve-burst-{date.today().isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    import psycopg

    with psycopg.connect(ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    if not summary["exactly_capacity_confirmed"] or problems:
        raise SystemExit("FAILED: oversold or invariants broken")


def _cpu():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    main()
