"""L7 of RELIABILITY-PLAN §3.2: a sustained mixed load with locust, bounded (default 2 minutes).

Prepares its own PostgreSQL database (`sciweek_bench_l7`: migrate, the demo, one bookable
session with 100,000 places, 2,000 people with bearer tokens), starts its own Redis (the cache,
no persistence, a free port from 6420) and the production-like server of bench/reserve_burst.py
(gunicorn `reserve_burst.gunicorn_args`, pinned to core 0, DEBUG off, manifest static files,
API rate limit off: all load comes from one address), warms each page, then runs locust
headless on core 1 with bench/l7_locustfile.py (the users and the mix are described there):
`--users` (200) arriving at `--spawn-rate` (50/s), for `--run-time` seconds (120).

Target: error ratio < 0.1 %. Goals (reported, not required): p95 of the catalog < 300 ms, of a
reservation < 800 ms. Afterwards `check_integrity`. Writes bench/results/l7-<date>.json.

locust is a bench-only dependency, not one of the project's: install it (`pip install locust`)
into the project's .venv or anywhere, and name its executable with `--locust` (or `$LOCUST`)
when it is not `.venv/bin/locust` or on PATH.

    .venv/bin/python bench/l7_mixed.py                               # 200 users, 120 s
    .venv/bin/python bench/l7_mixed.py --users 50 --run-time 30 --locust /path/to/locust

Bounded: `--time-limit` (default 900 s) for everything; on SIGTERM, Ctrl-C or the limit, locust,
the server and Redis are stopped and the database dropped all the same.
"""
import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "bench" / "faults"))
from harness import Redis, free_port  # noqa: E402
from machine import machine_info  # noqa: E402
from reserve_burst import RssSampler, gunicorn_args, percentile, start_server  # noqa: E402, F401

PG_DB = "sciweek_bench_l7"
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
ERROR_RATIO_TARGET = 0.001
GOALS_MS = {"catalog": 300, "reserve": 800}

SEED = """
import json, random, secrets
from datetime import timedelta
from django.utils import timezone
from sciweek.demo.loader import load_demo
from sciweek.activities.models import Activity, Session
from sciweek.accounts.models import User
from sciweek.participants.models import Profile
from sciweek.api.models import ApiToken, hash_key
load_demo()
booked = Activity.objects.filter(kind="open_day", status="approved").order_by("pk").first()
start = timezone.now() + timedelta(days=7)
session = Session.objects.create(activity=booked, starts_at=start, ends_at=start + timedelta(hours=2),
                                 capacity=100000)
campaign = booked.campaign
activities = list(Activity.objects.filter(campaign=campaign, status="approved").order_by("pk")
                  .values_list("pk", "title"))
rng = random.Random(7)
sample = rng.sample(activities, min(200, len(activities)))
words = sorted({title[:2] for _, title in sample if len(title) >= 2} | {"科学", "机器人", "天文"})
now = timezone.now()
users = User.objects.bulk_create([User(username=f"l7_{i}", password="!") for i in range(PEOPLE)], batch_size=2000)
Profile.objects.bulk_create([Profile(user=u, phone=f"14{i:09d}", consent_at=now) for i, u in enumerate(users)],
                            batch_size=2000)
keys, tokens = [], []
for u in users:
    key = "sw_" + secrets.token_urlsafe(24)
    keys.append(key)
    tokens.append(ApiToken(user=u, name="l7", prefix=key[:10], key_hash=hash_key(key), last_used_at=now))
ApiToken.objects.bulk_create(tokens, batch_size=2000)
print("SEED" + json.dumps({"year": campaign.year, "session": session.pk, "activities": [pk for pk, _ in sample],
                           "words": words, "tokens": keys}, ensure_ascii=False))
"""

KINDS = {"[catalog]": "catalog", "[search]": "search", "[activity]": "activity", "[reserve]": "reserve",
         "[cancel]": "cancel", "[quiz]": "quiz"}


def manage(env, *args, timeout=600):
    out = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=timeout)
    if out.returncode:
        raise RuntimeError(f"manage.py {args[0]}: {out.stderr[-3000:]}")
    return out


def find_locust(given: str | None) -> str | None:
    for candidate in (given, os.environ.get("LOCUST"), str(ROOT / ".venv/bin/locust"), shutil.which("locust")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def pg_admin(statement: str):
    import psycopg

    with psycopg.connect(ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(statement)


def _number(row, key):
    return float(row[key]) if row.get(key) not in (None, "", "N/A") else 0.0


def read_stats(prefix: Path) -> dict:
    """locust's --csv files: per request name and the aggregate, and the failures."""
    rows = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            kind = next((k for tag, k in KINDS.items() if tag in row["Name"]), "total" if row["Name"] == "Aggregated"
                        else row["Name"])
            rows[kind] = {"name": row["Name"], "requests": int(row["Request Count"]),
                          "failures": int(row["Failure Count"]), "rps": round(_number(row, "Requests/s"), 1),
                          "p50_ms": _number(row, "50%"), "p95_ms": _number(row, "95%"), "p99_ms": _number(row, "99%"),
                          "max_ms": round(_number(row, "Max Response Time"), 1),
                          "avg_ms": round(_number(row, "Average Response Time"), 1)}
    failures = []
    if Path(f"{prefix}_failures.csv").exists():
        with open(f"{prefix}_failures.csv", encoding="utf-8") as handle:
            failures = [{"name": r["Name"], "error": r["Error"][:300], "occurrences": int(r["Occurrences"])}
                        for r in csv.DictReader(handle)]
    return {"kinds": rows, "failures": failures}


def warm(base: str, seed: dict):
    """Each page once per worker thread or so: a server in service has built its caches."""
    import httpx

    with httpx.Client(base_url=base, timeout=60, headers={"Accept-Language": "zh-CN"}) as client:
        for _ in range(4):
            client.get(f"/{seed['year']}/activities/")
            client.get(f"/{seed['year']}/activities/", params={"q": seed["words"][0]})
            for activity in seed["activities"][:5]:
                client.get(f"/{seed['year']}/activities/{activity}/")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=50)
    parser.add_argument("--run-time", type=int, default=120, help="seconds of load")
    parser.add_argument("--wait", default="2,6", help="each user's think time between actions, min,max seconds")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8015)
    parser.add_argument("--locust", help="the locust executable (default: .venv/bin/locust, $LOCUST, PATH)")
    parser.add_argument("--time-limit", type=float, default=900)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    locust = find_locust(args.locust)
    if locust is None:
        raise SystemExit("locust not found: pip install locust (a bench-only dependency), or --locust PATH")

    def stop(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGALRM, stop)
    signal.alarm(int(args.time_limit))
    started = time.monotonic()

    def log(message):
        print(f"{time.monotonic() - started:7.1f}s {message}", file=sys.stderr, flush=True)

    base_dir = Path(tempfile.mkdtemp(prefix="sciweek-l7-"))
    var_dir = base_dir / "var"
    var_dir.mkdir()
    result = {"machine": machine_info(), "loadavg_before": os.getloadavg(), "users": args.users,
              "spawn_rate": args.spawn_rate, "run_time_s": args.run_time, "wait_s": args.wait,
              "mix": "catalog 30, search 15, activity page 25, reserve+cancel 20, quiz 0 (not written yet; "
                     "bench/l7_locustfile.py QUIZ_WEIGHT)"}
    redis = server = load = None
    cleanups = []
    try:
        redis = Redis(base_dir, free_port(6420))
        redis.start()
        cleanups.append(redis.stop)
        url = ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_DB
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SCIWEEK_", "DATABASE_URL", "REDIS_URL"))}
        env.update({"DATABASE_URL": url, "REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
                    "SCIWEEK_VAR_DIR": str(var_dir), "SCIWEEK_DEBUG": "false", "SCIWEEK_API_RATE_LIMIT": "",
                    "DJANGO_SETTINGS_MODULE": "sciweek.settings", "SCIWEEK_LOG_LEVEL": "WARNING",
                    "SCIWEEK_ALLOWED_HOSTS": "127.0.0.1,localhost"})
        log(f"preparing {PG_DB}: migrate, the demo, {args.people} people …")
        pg_admin(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        pg_admin(f'CREATE DATABASE "{PG_DB}"')
        cleanups.append(lambda: pg_admin(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        manage(env, "migrate", "-v0")
        manage(env, "collectstatic", "--noinput", "-v0")
        out = manage(env, "shell", "-c", SEED.replace("PEOPLE", str(args.people)))
        seed = json.loads(next(line for line in out.stdout.splitlines() if line.startswith("SEED"))[4:])
        seed_path = base_dir / "seed.json"
        seed_path.write_text(json.dumps(seed, ensure_ascii=False))
        result.update(year=seed["year"], activities=len(seed["activities"]), words=seed["words"])
        port = free_port(args.port)
        server_log = base_dir / "gunicorn.log"
        server = start_server(env, port, args.workers, args.threads, log_path=server_log)
        result["server"] = "gunicorn " + " ".join(gunicorn_args(args.workers, args.threads)) + " (core 0), PostgreSQL, Redis"
        warm(f"http://127.0.0.1:{port}", seed)
        log(f"locust: {args.users} users for {args.run_time} s …")
        prefix = base_dir / "l7"
        cmd = [locust, "-f", str(ROOT / "bench" / "l7_locustfile.py"), "--headless", "-u", str(args.users),
               "-r", str(args.spawn_rate), "--run-time", f"{args.run_time}s", "--host", f"http://127.0.0.1:{port}",
               "--csv", str(prefix), "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"]
        if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
            cmd = ["taskset", "-c", "1", *cmd]
        result["client"] = f"locust {subprocess.run([locust, '--version'], capture_output=True, text=True).stdout.split()[1]}" \
                           f" headless on core 1, FastHttpUser, think time {args.wait} s"
        sampler = RssSampler(server.pid)
        sampling = threading.Thread(target=lambda: __import__("asyncio").run(sampler.run()), daemon=True)
        sampling.start()
        load_started = time.monotonic()
        load = subprocess.Popen(cmd, env={**os.environ, "L7_SEED": str(seed_path), "L7_WAIT": args.wait}, cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        output, _ = load.communicate(timeout=args.run_time + 120)
        result["load_wall_s"] = round(time.monotonic() - load_started, 1)
        sampler.stop()
        sampling.join(5)
        result["locust_exit"] = load.returncode
        result["locust_tail"] = output[-3000:]
        load = None
        stats = read_stats(prefix)
        result.update(stats)
        total = stats["kinds"].get("total", {})
        result["requests"], result["failures"] = total.get("requests", 0), total.get("failures", 0)
        result["error_ratio"] = round(result["failures"] / result["requests"], 5) if result["requests"] else None
        result["server_5xx"] = sum(f["occurrences"] for f in stats["failures"]
                                   if any(f"{code}" in f["error"] for code in range(500, 600)))
        result["worker_peak_rss_mb"] = round(sampler.peak_kb / 1024, 1)
        text = server_log.read_text(errors="replace")
        result["server_log"] = {"tracebacks": text.count("Traceback"), "worker_timeouts": text.count("WORKER TIMEOUT"),
                                "tail": text[-2000:]}
        out = subprocess.run([sys.executable, str(ROOT / "manage.py"), "check_integrity"], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=300)
        result["integrity"] = "ok" if out.returncode == 0 else (out.stdout + out.stderr)[-500:]
    except KeyboardInterrupt as stopped:
        result["interrupted"] = str(stopped)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if load is not None and load.poll() is None:
            os.killpg(load.pid, signal.SIGTERM)
            try:
                load.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(load.pid, signal.SIGKILL)
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        for cleanup in reversed(cleanups):
            try:
                cleanup()
            except Exception as error:  # noqa: BLE001 — keep cleaning up
                print(f"cleanup: {error}", file=sys.stderr)
        shutil.rmtree(base_dir, ignore_errors=True)
    result["loadavg_after"] = os.getloadavg()
    result["wall_s"] = round(time.monotonic() - started, 1)
    kinds = result.get("kinds", {})
    result["checks"] = {"error_ratio_under_0_1_pct": result.get("error_ratio") is not None
                        and result["error_ratio"] < ERROR_RATIO_TARGET,
                        "no_5xx": result.get("server_5xx", 1) == 0, "integrity": result.get("integrity") == "ok"}
    result["goals"] = {f"p95_{kind}_under_{limit}_ms": (kinds.get(kind, {}).get("p95_ms") or 10**9) < limit
                       for kind, limit in GOALS_MS.items()}
    result["passed"] = all(result["checks"].values()) and "interrupted" not in result
    out_path = args.output or ROOT / "bench" / "results" / f"l7-{date.today().isoformat()}.json"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(report(result))
    print(("PASS" if result["passed"] else "FAIL " + ", ".join(k for k, v in result["checks"].items() if not v))
          + f" ({result['wall_s']} s) → {out_path}")
    sys.exit(0 if result["passed"] else 1)


def report(result) -> str:
    lines = ["| request | n | failures | req/s | p50 / p95 / p99 / max ms |", "| --- | ---: | ---: | ---: | --- |"]
    for kind, s in result.get("kinds", {}).items():
        lines.append(f"| {kind} | {s['requests']} | {s['failures']} | {s['rps']} | "
                     f"{s['p50_ms']} / **{s['p95_ms']}** / {s['p99_ms']} / {s['max_ms']} |")
    lines.append(f"\nerror ratio {result.get('error_ratio')}, 5xx {result.get('server_5xx')}, worker peak RSS "
                 f"{result.get('worker_peak_rss_mb')} MB, integrity {result.get('integrity')}, "
                 f"load average {result.get('loadavg_before')} → {result.get('loadavg_after')}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
