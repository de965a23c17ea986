"""Burst reservation benchmark (RELIABILITY-PLAN L1, issue 5).

A bounded burst of reservation attempts over HTTP (the JSON API, bearer tokens made
beforehand, one distinct person per attempt) against one session, on a production-like
server: gunicorn on 127.0.0.1, DEBUG off, PostgreSQL. Afterwards the database must hold
exactly `capacity` confirmed reservations and the invariants must hold.

The figure is read against two baselines measured in the same run on the same machine
(issue 11): the database's own ceiling for the same transaction (pgbench: the conditional
UPDATE of the seat counter and the INSERT of the row), and a bare Django view doing only
that transaction through the ORM (bench/bare/, served by the same gunicorn, measured before
and after SciWeek's burst). SciWeek's rate is reported as a share of the bare view's.

    .venv/bin/python bench/reserve_burst.py                     # 10,000 attempts, 500 places, 64 connections
    .venv/bin/python bench/reserve_burst.py --attempts 2000 --capacity 50 --connections 200
    .venv/bin/python bench/reserve_burst.py --no-baselines      # SciWeek's burst only

The server is pinned to core 0 and the load generator to core 1 (taskset / sched_setaffinity)
so they do not fight over one core. Results: bench/results/reserve-burst-<date>.json.
"""
import argparse
import asyncio
import json
import os
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
from sciweek.participants.models import Profile
from sciweek.api.models import ApiToken, hash_key
import secrets, json
load_demo()
activity = Activity.objects.filter(kind="open_day", status="approved").first()
start = timezone.now() + timedelta(days=7)
session = Session.objects.create(activity=activity, starts_at=start, ends_at=start + timedelta(hours=2),
                                 capacity={args.capacity})
bare = [Session.objects.create(activity=activity, starts_at=start, ends_at=start + timedelta(hours=2),
                               capacity={args.capacity}).pk for _ in range(2)]
ceiling = Session.objects.create(activity=activity, starts_at=start, ends_at=start + timedelta(hours=2),
                                 capacity=10**9)
pgbench_person = User.objects.create(username="bench_pgbench", password="!")
now = timezone.now()
users = User.objects.bulk_create([User(username=f"bench_{{i}}", password="!") for i in range({args.attempts})],
                                 batch_size=2000)
Profile.objects.bulk_create([Profile(user=u, phone=f"17{{i:09d}}", consent_at=now) for i, u in enumerate(users)],
                            batch_size=2000)
keys, tokens = [], []
for u in users:
    key = "sw_" + secrets.token_urlsafe(24)
    keys.append(key)
    # As issue_token leaves a token just issued at sign-in (last used now).
    tokens.append(ApiToken(user=u, name="bench", prefix=key[:10], key_hash=hash_key(key), last_used_at=now))
ApiToken.objects.bulk_create(tokens, batch_size=2000)
print(json.dumps({{"session": session.pk, "bare": bare, "ceiling": ceiling.pk, "pgbench_person": pgbench_person.pk,
                  "keys": keys,
                  "people": [u.pk for u in users]}}))
"""
    out = run(manage + ["shell", "-c", script], env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def gunicorn_args(workers=3, threads=4, worker_connections=None, keep_alive=0):
    """The production-like server's flags: bench/faults/harness.py, bench/l1_burst.py and
    bench/l7_mixed.py take them from here; bench/public_bench.py and bin/demo spell out the same.

    A worker accepts no more connections than it has threads (`--worker-connections` =
    `--threads`), so a connection it accepts always starts at once; the others wait in the
    shared listening queue for whichever worker frees a thread first. Otherwise the one awake
    worker on a busy core accepts everything (gthread's default is 1,000 per worker) and queues
    it behind its own threads, which may all be waiting on a row lock while the other workers
    idle (F8 in docs/reliability.md). Keep-alive is off (`--keep-alive 0`: every answer says
    `Connection: close`): a kept-alive idle connection would hold one of those few slots, and
    behind nginx (production) each proxied request is its own connection anyway.

    `--preload`: the master imports the app once and workers fork ready, so a worker replaced
    after a crash (F2) or a HUP (F6) serves at once instead of after ~1.6 s of imports each,
    and the workers share the imported code's memory. New code is then loaded by the
    re-exec upgrade (USR2, then TERM the old master), not by HUP (F6 measures both)."""
    return ["--preload", "-w", str(workers), "-k", "gthread", "--threads", str(threads),
            "--worker-connections", str(worker_connections or threads), "--keep-alive", str(keep_alive),
            "--timeout", "30", "--graceful-timeout", "20"]


def start_server(env, port, workers, threads, log_path=None, **flags):
    """gunicorn on 127.0.0.1:`port`, pinned to core 0; its log to `log_path` (else a pipe,
    read when it fails to start)."""
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "sciweek.wsgi", "-b", f"127.0.0.1:{port}",
           *gunicorn_args(workers, threads, **flags)]
    if Path("/usr/bin/taskset").exists():
        cmd = ["taskset", "-c", "0"] + cmd
    log = open(log_path, "ab") if log_path else subprocess.PIPE  # noqa: SIM115 — the server's log, kept open
    server = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    import httpx

    for _ in range(100):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.terminate()
    text = Path(log_path).read_text(errors="replace") if log_path else server.stderr.read().decode()
    raise SystemExit("server did not start: " + text[-2000:])


async def burst(port, requests, connections, deadline):
    """Send `requests` ((path, json, headers) each, one per person) over `connections`
    keep-alive connections as fast as the server answers; (seconds, status, outcome) each."""
    import httpx

    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    results = []
    queue = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30) as client:
        async def worker():
            while not queue.empty() and time.monotonic() < deadline:
                path, body, headers = queue.get_nowait()
                started = time.perf_counter()
                try:
                    response = await client.post(path, json=body, headers=headers)
                    status = response.status_code
                    state = response.json().get("status") if status == 201 else response.json()["error"]["code"]
                except (httpx.HTTPError, ValueError, KeyError) as error:
                    status, state = 0, type(error).__name__
                results.append((time.perf_counter() - started, status, state))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    return results, elapsed


def sciweek_requests(setup):
    path = f"/api/v1/sessions/{setup['session']}/reservations"
    return [(path, {"seats": 1}, {"Authorization": f"Bearer {key}", "Idempotency-Key": key[-12:]})
            for key in setup["keys"]]


def bare_requests(setup, run):
    return [(f"/bench/bare/{setup['bare'][run]}/{person}/", None, {}) for person in setup["people"]]


def phase_summary(results, elapsed):
    latencies = [r[0] * 1000 for r in results]
    outcomes = {}
    for _, status, state in results:
        outcomes[f"{status} {state}"] = outcomes.get(f"{status} {state}", 0) + 1
    return {"attempts": len(results), "seconds": round(elapsed, 2), "attempts_per_s": round(len(results) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies), 1), "p95_ms": round(percentile(latencies, 95), 1),
            "p99_ms": round(percentile(latencies, 99), 1), "outcomes": outcomes}


class RssSampler:
    """Peak resident memory of the gunicorn workers (children of the master), sampled."""

    def __init__(self, master_pid):
        self.master, self.peak_kb, self._stop = master_pid, 0, False

    def _workers(self):
        children = Path(f"/proc/{self.master}/task/{self.master}/children")
        try:
            return [int(p) for p in children.read_text().split()]
        except OSError:
            return []

    def sample(self):
        for pid in self._workers():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        self.peak_kb = max(self.peak_kb, int(line.split()[1]))
            except OSError:
                pass

    async def run(self):
        while not self._stop:
            self.sample()
            await asyncio.sleep(0.5)

    def stop(self):
        self._stop = True


async def measured(port, requests, connections, deadline, sampler):
    task = asyncio.create_task(sampler.run())
    try:
        return await burst(port, requests, connections, deadline)
    finally:
        sampler.stop()
        await task


PGBENCH_SCRIPT = """\\set n random(1, 1000000000)
BEGIN;
UPDATE activities_session SET seats_taken = seats_taken + 1 WHERE id = {session} AND seats_taken + 1 <= capacity;
INSERT INTO reservations_reservation ({columns}) VALUES ({values});
COMMIT;
"""


def pgbench_ceiling(setup, connections, seconds, env):
    """The database's own rate for the same transaction, from pgbench on core 1 (rows go in as
    cancelled, which no uniqueness rule counts, with a fresh code each)."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from sciweek.reservations.models import Reservation

    values = {"session_id": str(setup["ceiling"]), "person_id": str(setup["pgbench_person"]), "seats": "1",
              "status": "'cancelled'", "code": "substr(md5(:n::text), 1, 10)", "created_at": "now()",
              "cancelled_at": "now()"}
    columns = []
    for field in Reservation._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.column not in values:
            values[field.column] = "NULL" if field.null else "''"
    script = PGBENCH_SCRIPT.format(session=setup["ceiling"], columns=", ".join(columns),
                                   values=", ".join(values[c] for c in columns))
    path = Path(tempfile.mkdtemp(prefix="sciweek-pgbench-")) / "reserve.sql"
    path.write_text(script)
    cmd = ["pgbench", "-n", "-h", "127.0.0.1", "-U", "postgres", "-c", str(connections), "-j", "1",
           "-T", str(int(seconds)), "-f", str(path), DB_NAME]
    if Path("/usr/bin/taskset").exists():
        cmd = ["taskset", "-c", "1"] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    tps = latency = None
    for line in out.stdout.splitlines():
        if line.startswith("tps"):
            tps = float(line.split("=")[1].split()[0])
        if line.startswith("latency average"):
            latency = float(line.split("=")[1].split()[0])
    # pgbench's rows are not reservations anyone made: gone before the invariants are checked.
    from sciweek.activities.models import Session

    Reservation.objects.filter(session_id=setup["ceiling"]).delete()
    Session.objects.filter(pk=setup["ceiling"]).update(seats_taken=0)
    from django.db import connection

    connection.close()
    return {"tps": tps, "latency_avg_ms": latency, "connections": connections, "seconds": seconds,
            "error": out.stderr[-500:] if out.returncode else ""}


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

    parser.add_argument("--no-baselines", action="store_true", help="skip pgbench and the bare view")
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="sciweek-bench-")
    settings_module = "sciweek.settings" if args.no_baselines else "bench.bare.settings"
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
           "SCIWEEK_VAR_DIR": var_dir, "SCIWEEK_DEBUG": "false", "SCIWEEK_API_RATE_LIMIT": "",
           "DJANGO_SETTINGS_MODULE": settings_module, "SCIWEEK_LOG_LEVEL": "ERROR"}
    print(f"preparing {args.attempts} people and a {args.capacity}-place session …", flush=True)
    setup = prepare(args, {**env, "DJANGO_SETTINGS_MODULE": "sciweek.settings"})
    phases = {}
    if not args.no_baselines:
        print("pgbench: the same transaction, the database alone …", flush=True)
        phases["pgbench"] = pgbench_ceiling(setup, args.connections, 15, {**env, "DJANGO_SETTINGS_MODULE": "sciweek.settings"})
    server = start_server(env, args.port, args.workers, args.threads)
    sampler_peaks = {}
    try:
        if hasattr(os, "sched_setaffinity") and os.cpu_count() and os.cpu_count() > 1:
            os.sched_setaffinity(0, {1})
        order = [("sciweek", sciweek_requests(setup))]
        if not args.no_baselines:  # the bare view before and after: the machine is shared and noisy
            order = [("bare_before", bare_requests(setup, 0))] + order + [("bare_after", bare_requests(setup, 1))]
        for name, requests in order:
            print(f"{name}: {len(requests)} attempts over {args.connections} connections …", flush=True)
            sampler = RssSampler(server.pid)
            results, elapsed = asyncio.run(measured(args.port, requests, args.connections,
                                                    time.monotonic() + args.time_limit, sampler))
            phases[name] = {**phase_summary(results, elapsed), "peak_worker_rss_mb": round(sampler.peak_kb / 1024, 1)}
            sampler_peaks[name] = sampler.peak_kb
    finally:
        server.terminate()
        server.wait(timeout=30)
    os.environ.update({**env, "DJANGO_SETTINGS_MODULE": "sciweek.settings"})
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    from machine import machine_info

    from sciweek.activities.models import Session
    from sciweek.reservations.integrity import violations
    from sciweek.reservations.models import Reservation

    confirmed = Reservation.objects.filter(session_id=setup["session"], status="confirmed").count()
    waiting = Reservation.objects.filter(session_id=setup["session"], status="waiting").count()
    seats_taken = Session.objects.get(pk=setup["session"]).seats_taken
    problems = violations()
    from django.db import connection

    connection.close()
    ours = phases["sciweek"]
    summary = {
        "machine": machine_info(),
        "server": "gunicorn " + " ".join(gunicorn_args(args.workers, args.threads)) + " (core 0), PostgreSQL",
        "attempts": ours["attempts"], "capacity": args.capacity, "connections": args.connections,
        "phases": phases, "confirmed": confirmed, "waiting": waiting, "seats_taken": seats_taken,
        "invariant_problems": problems, "exactly_capacity_confirmed": confirmed == args.capacity == seats_taken,
    }
    if not args.no_baselines:
        bare_rate = statistics.mean([phases["bare_before"]["attempts_per_s"], phases["bare_after"]["attempts_per_s"]])
        summary["share_of_bare_view"] = round(ours["attempts_per_s"] / bare_rate, 3)
        if phases["pgbench"].get("tps"):
            summary["share_of_pgbench"] = round(ours["attempts_per_s"] / phases["pgbench"]["tps"], 3)
    out = ROOT / "bench" / "results" / f"reserve-burst-{date.today().isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    print(json.dumps({k: v for k, v in summary.items()}, ensure_ascii=False, indent=2))
    import psycopg

    with psycopg.connect(ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    if not summary["exactly_capacity_confirmed"] or problems:
        raise SystemExit("FAILED: oversold or invariants broken")


if __name__ == "__main__":
    main()
