"""Public pages under load: demo data vs the national dataset (bounded benchmark).

Starts a production-like server on 127.0.0.1 for each dataset -- gunicorn ``sciweek.wsgi``,
DEBUG off, manifest static files (``collectstatic`` into a temporary ``SCIWEEK_VAR_DIR``,
served and compressed by WhiteNoise), PostgreSQL through ``DATABASE_URL``, Redis as the
cache -- and drives each page with a closed-loop HTTP/1.1 keep-alive client written here
(asyncio, no dependencies): ``--connections`` (default 16) connections, each sending its
next request as soon as the previous answer is read. Following docs RELIABILITY-PLAN 3.1,
the server is pinned to CPU 0 (``taskset -c 0``; gunicorn ``-w 3 -k gthread --threads 4``)
and the load generator to CPU 1; PostgreSQL and Redis are not pinned.

Pages: the home page, the catalog unfiltered, with a search and a region filter, at page
200, an activity page, and the API list (``/api/v1/campaigns/2020/activities``; when that
URL answers 404 the run measures ``/api/v1/campaigns/current`` instead and says so). For each:
requests/s, p50/p95/p99/max latency, status counts, the server's CPU per request (user +
system time of the gunicorn master and workers over the page's run, from ``/proc``) and the
workers' peak resident memory (the largest ``VmHWM`` among them after the page: a high-water
mark since the server started). Also the catalog page's transferred size with its CSS and JS
(as a browser asks: ``Accept-Encoding: gzip, br``). ``--pages`` runs only some of them (by
label: ``home,catalog,catalog_search_region,catalog_page_200,activity,api_list,
catalog_uncached_pages``).

Datasets, each in its own PostgreSQL database on ``--pg-admin-url``:

* ``demo``: ``sciweek_bench_public_demo`` -- migrate + ``load_demo`` (the 2020 demo, 643 public activities);
* ``national``: ``sciweek_bench_public`` -- migrate + ``generate_national`` (>= 20,000
  organizations, >= 200,000 approved activities; takes about 5 minutes here).

By default the databases are created for the run and dropped at the end. ``--keep-db``
reuses them when they already hold the data (only ``migrate`` runs, so new indexes apply)
and keeps them afterwards. It never touches ``var/sciweek.sqlite3``.

Bounds: each page runs at most ``--duration`` seconds (default 20) and ``--max-requests``
requests (default 20,000) after a warm-up (``--warmup`` seconds, default 3); the whole run
stops at ``--time-limit`` (default 1,800 s) -- the server is stopped and databases are
dropped (unless kept) all the same.

Run from the repository root::

    .venv/bin/python bench/public_bench.py                         # both datasets, drop the DBs after
    .venv/bin/python bench/public_bench.py --keep-db               # keep (and reuse) the databases
    .venv/bin/python bench/public_bench.py --datasets national --keep-db --duration 10
    .venv/bin/python bench/public_bench.py --datasets national --keep-db --pages catalog,activity,api_list
    .venv/bin/python bench/public_bench.py --report bench/results/public-2026-11-24.json

Writes ``bench/results/public-<date>.json`` (or ``--output``). Figures are only comparable between runs on the
same machine.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "bench" / "results"
PYTHON = sys.executable
DEFAULT_PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DATABASES = {"demo": "sciweek_bench_public_demo", "national": "sciweek_bench_public"}
NATIONAL_ACTIVITIES = 200_000
NATIONAL_ORGANIZATIONS = 20_000
API_LIST = "/api/v1/campaigns/2020/activities"
API_FALLBACK = "/api/v1/campaigns/current"
TARGET_P95_MS = 100.0
TARGET_CATALOG_RATIO = 0.8
CATALOG_SIZE_LIMIT = 300 * 1024
# The pages with a p95 target (the uncached-pages run is there to show what a cache miss costs).
TARGET_PAGES = ("home", "catalog", "catalog_search_region", "catalog_page_200", "activity", "api_list")


def pages(activity_id: int, api_path: str, dataset: str) -> list[tuple[str, str | list[str]]]:
    result = [
        ("home", "/"),
        ("catalog", "/2020/activities/"),
        ("catalog_search_region", "/2020/activities/?q=%E7%96%AB%E6%83%85&p=130000"),  # q=疫情&p=130000
        ("catalog_page_200", "/2020/activities/?page=200"),
        ("activity", f"/2020/activities/{activity_id}/"),
        ("api_list", api_path),
    ]
    if dataset == "national":
        # Every request a page nobody asked for yet: the cost of a cache miss (a crawler).
        # A random start, so a rerun within the cache's 5 minutes does not find them cached.
        start = random.randrange(300, 5_000)  # noqa: S311 — not for security
        result.append(("catalog_uncached_pages", [f"/2020/activities/?page={n}" for n in range(start, start + 5_000)]))
    return result


# --- orchestration -------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report:
        print(markdown_report(json.loads(Path(args.report).read_text())))
        return 0
    deadline = time.monotonic() + args.time_limit
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(int(args.time_limit) + 60)  # last resort if a step hangs past every timeout
    result = {"machine": machine_facts(args), "datasets": {}}
    output = args.output or args.results_dir / f"public-{dt.date.today().isoformat()}.json"
    status = 0
    try:
        for name in args.datasets:
            if time.monotonic() > deadline - 30:
                print(f"[{name}] skipped: time limit reached", file=sys.stderr)
                status = 1
                continue
            result["datasets"][name] = run_dataset(args, name, deadline)
            write(output, result)
    finally:
        if not args.keep_db:
            for name in args.datasets:
                drop_database(args, DATABASES[name])
    result["targets"] = check_targets(result)
    write(output, result)
    print(markdown_report(result))
    print(f"wrote {output}", file=sys.stderr)
    return status


def _on_alarm(signum, frame):
    raise TimeoutError("hard wall-clock limit reached")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=lambda s: [x for x in s.split(",") if x], default=["demo", "national"],
                        help="comma-separated: demo,national (default both)")
    parser.add_argument("--keep-db", action="store_true", help="reuse the databases if loaded, keep them after")
    parser.add_argument("--pg-admin-url", default=os.environ.get("BENCH_PG_ADMIN_URL", DEFAULT_PG_ADMIN_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per page (default 20)")
    parser.add_argument("--max-requests", type=int, default=20_000, help="requests per page at most")
    parser.add_argument("--warmup", type=float, default=3.0, help="untimed seconds per page first (default 3)")
    parser.add_argument("--time-limit", type=float, default=1800.0, help="hard limit for the whole run, s")
    parser.add_argument("--pages", type=lambda s: [x for x in s.split(",") if x], default=[],
                        help="comma-separated page labels to run (default all), e.g. activity,api_list")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--output", type=Path, help="result file (default bench/results/public-<date>.json)")
    parser.add_argument("--report", metavar="JSON", help="print the Markdown table of a result file")
    args = parser.parse_args(argv)
    unknown = set(args.datasets) - set(DATABASES)
    if unknown:
        parser.error(f"unknown datasets: {', '.join(sorted(unknown))}")
    return args


def machine_facts(args) -> dict:
    def run(command):
        try:
            return subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, timeout=10).stdout.strip()  # noqa: S603
        except (OSError, subprocess.SubprocessError):
            return ""

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from machine import machine_info  # bench/machine.py: CPU, RAM, kernel, git SHA read from .git

    machine = machine_info()
    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "nproc": machine["nproc"],
        "cpu": machine["cpu"],
        "ram_mb": machine["ram_mb"],
        "kernel": machine["kernel"],
        "git_sha": run(["git", "rev-parse", "--short", "HEAD"]) or machine["git"],
        "git_dirty": bool(run(["git", "status", "--porcelain", "--untracked-files=no"])),
        "python": platform.python_version(),
        "postgresql": _pg_version(args.pg_admin_url),
        "backend": "postgresql",
        "cache": f"django-redis ({args.redis_url})",
        "server": (f"taskset -c 0 gunicorn sciweek.wsgi -w {args.workers} -k gthread --threads {args.threads} "
                   f"--worker-connections {args.threads} --keep-alive 0 --timeout 30 --graceful-timeout 20; DEBUG off; "
                   "manifest static via WhiteNoise"),
        "client": f"taskset -c 1 closed loop, {args.connections} keep-alive connections (bench/public_bench.py)",
        "bounds": {"duration_s": args.duration, "max_requests": args.max_requests, "warmup_s": args.warmup,
                   "time_limit_s": args.time_limit},
        "loadavg_before": os.getloadavg(),
    }


def _pg_version(admin_url: str) -> str:
    import psycopg

    with psycopg.connect(admin_url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def database_url(args, name: str) -> str:
    parts = urlsplit(args.pg_admin_url)
    return urlunsplit(parts._replace(path="/" + name))


def drop_database(args, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(args.pg_admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def prepare_database(args, dataset: str, env: dict, deadline: float) -> dict:
    """Create (or reuse with --keep-db), migrate and load; returns what was done and how long it took."""
    import psycopg
    from psycopg import sql

    name = DATABASES[dataset]
    with psycopg.connect(args.pg_admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if exists and not args.keep_db:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = False
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    info = {"database": name, "reused": exists}
    started = time.monotonic()
    manage(["migrate", "--noinput", "-v", "0"], env, deadline)
    info["migrate_s"] = round(time.monotonic() - started, 1)
    loaded = _counts(env["DATABASE_URL"])
    wanted = NATIONAL_ACTIVITIES if dataset == "national" else 1
    if loaded["approved"] < wanted or (dataset == "national" and loaded["organizations"] < NATIONAL_ORGANIZATIONS):
        started = time.monotonic()
        if dataset == "national":
            manage(["generate_national", "--activities", str(NATIONAL_ACTIVITIES),
                    "--organizations", str(NATIONAL_ORGANIZATIONS)], env, deadline)
        else:
            manage(["load_demo", "--quiet"], env, deadline)
        info["load_s"] = round(time.monotonic() - started, 1)
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    info.update(_counts(env["DATABASE_URL"]))
    return info


def _counts(url: str) -> dict:
    import psycopg

    with psycopg.connect(url) as conn:
        def scalar(query):
            try:
                return conn.execute(query).fetchone()[0]
            except psycopg.Error:
                conn.rollback()
                return 0
        return {
            "organizations": scalar("SELECT count(*) FROM organizations_organization"),
            "approved": scalar("SELECT count(*) FROM activities_activity a JOIN campaigns_campaign c "
                               "ON c.id = a.campaign_id WHERE c.year = 2020 AND a.status = 'approved'"),
            "sessions": scalar("SELECT count(*) FROM activities_session"),
            "search_tokens": scalar("SELECT count(*) FROM activities_searchtoken"),
        }


def manage(command: list[str], env: dict, deadline: float) -> None:
    remaining = deadline - time.monotonic()
    if remaining <= 5:
        raise TimeoutError(f"no time left for manage.py {command[0]}")
    subprocess.run([PYTHON, "manage.py", *command], env=env, cwd=REPO_ROOT, check=True,  # noqa: S603
                   timeout=remaining)


def run_dataset(args, dataset: str, deadline: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="sciweek-bench-public-") as var_dir:
        env = {**os.environ, "DATABASE_URL": database_url(args, DATABASES[dataset]), "SCIWEEK_VAR_DIR": var_dir,
               "SCIWEEK_DEBUG": "false", "REDIS_URL": args.redis_url, "SCIWEEK_LOG_LEVEL": "WARNING"}
        env.pop("SCIWEEK_MANIFEST_STATIC", None)  # the default: manifest storage
        # All load comes from one address: lift the API's per-client rate limit (it is still
        # counted in Redis on every request, so its cost stays in the figures).
        (Path(var_dir) / "sciweek_bench_settings.py").write_text(
            "from sciweek.settings import *  # noqa: F403\nSCIWEEK_API_RATE_LIMIT = '1000000/min'\n")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [var_dir, env.get("PYTHONPATH", "")]))
        env["DJANGO_SETTINGS_MODULE"] = "sciweek_bench_settings"
        info = {"data": prepare_database(args, dataset, env, deadline)}
        manage(["collectstatic", "--noinput", "-v", "0"], env, deadline)
        activity_id = pick_activity(env["DATABASE_URL"])
        server = start_server(args, env, Path(var_dir))
        try:
            base = f"http://127.0.0.1:{args.port}"
            api_path = API_LIST if http_status(base + API_LIST) != 404 else API_FALLBACK
            info["api_path"] = api_path
            info["activity_id"] = activity_id
            info["catalog_transfer"] = transfer_size(base, "/2020/activities/")
            info["pages"] = {}
            pin_to_cpu(1)
            for label, path in pages(activity_id, api_path, dataset):
                if args.pages and label not in args.pages:
                    continue
                if time.monotonic() > deadline - args.duration - args.warmup - 10:
                    info["pages"][label] = {"path": path, "skipped": "time limit"}
                    continue
                if isinstance(path, str):
                    asyncio.run(load(args.port, path, args.connections, args.warmup, 10**9))  # warm-up, untimed
                cpu_before, load_before = server_cpu_seconds(server.pid), os.getloadavg()[0]
                stats = asyncio.run(load(args.port, path, args.connections, args.duration, args.max_requests))
                cpu = server_cpu_seconds(server.pid) - cpu_before
                stats["server_cpu_ms_per_request"] = round(cpu * 1000 / stats["requests"], 2) if stats["requests"] else None
                stats["worker_peak_rss_mb"] = worker_peak_rss_mb(server.pid)
                stats["loadavg_1m"] = [load_before, os.getloadavg()[0]]
                stats["path"] = path if isinstance(path, str) else f"{path[0]} … {path[-1]} (each once)"
                info["pages"][label] = stats
                print(f"[{dataset}] {label:<22} {stats['rps']:7.1f} req/s  p50 {stats['p50_ms']:6.1f}  "
                      f"p95 {stats['p95_ms']:6.1f}  p99 {stats['p99_ms']:6.1f} ms  server CPU "
                      f"{stats['server_cpu_ms_per_request']} ms/req  load {stats['loadavg_1m']}  {stats['status']}",
                      file=sys.stderr)
        finally:
            pin_to_cpu(None)
            stop_server(server)
            info["server_log_tail"] = (Path(var_dir) / "gunicorn.log").read_text(errors="replace")[-2000:] \
                if (Path(var_dir) / "gunicorn.log").exists() else ""
    return info


def pick_activity(url: str) -> int:
    """A public on-site activity with sessions, in the middle of the id range (as a typical visit)."""
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT a.id FROM activities_activity a WHERE a.status = 'approved' AND a.format <> 'online' "
            "AND EXISTS (SELECT 1 FROM activities_session s WHERE s.activity_id = a.id) "
            "AND a.id >= (SELECT (min(id) + max(id)) / 2 FROM activities_activity) ORDER BY a.id LIMIT 1"
        ).fetchone() or conn.execute("SELECT min(id) FROM activities_activity WHERE status = 'approved'").fetchone()
        return row[0]


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its descendants (gunicorn master and workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        stats[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        total += stats.get(current, 0.0)
        stack.extend(children.get(current, []))
    return total


def worker_peak_rss_mb(pid: int) -> float | None:
    """The largest peak resident set (VmHWM) among the gunicorn master's child processes (the
    workers), in MiB: each worker's high-water mark since it started."""
    peaks = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(pid) and "VmHWM" in fields:
            peaks.append(int(fields["VmHWM"].split()[0]) / 1024)
    return round(max(peaks), 1) if peaks else None


def pin_to_cpu(cpu: int | None) -> None:
    if not hasattr(os, "sched_setaffinity") or (os.cpu_count() or 1) < 2:
        return
    os.sched_setaffinity(0, {cpu} if cpu is not None else set(range(os.cpu_count())))


def start_server(args, env: dict, var_dir: Path) -> subprocess.Popen:
    gunicorn = str(Path(PYTHON).with_name("gunicorn"))
    command = [gunicorn, "sciweek.wsgi", "-b", f"127.0.0.1:{args.port}", "-w", str(args.workers),
               "-k", "gthread", "--threads", str(args.threads), "--timeout", "30", "--graceful-timeout", "20",
               # As bench/reserve_burst.gunicorn_args: a worker accepts no more connections than it
               # has threads, so no keep-alive (docs/reliability.md, F8).
               "--worker-connections", str(args.threads), "--keep-alive", "0"]
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        command = ["taskset", "-c", "0", *command]
    log = open(var_dir / "gunicorn.log", "wb")  # noqa: SIM115 — closed with the process
    process = subprocess.Popen(command, env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                               start_new_session=True)
    process.log = log
    base = f"http://127.0.0.1:{args.port}/"
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {(var_dir / 'gunicorn.log').read_text(errors='replace')[-2000:]}")
        if http_status(base) == 200:
            return process
        time.sleep(0.1)
    stop_server(process)
    raise RuntimeError("gunicorn did not answer within 30 s")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=25)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
    process.log.close()


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 — 127.0.0.1 only
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def transfer_size(base: str, path: str) -> dict:
    """Bytes on the wire for the page and its CSS/JS, as a browser asks (gzip/br accepted)."""
    def fetch(url):
        request = urllib.request.Request(url, headers={"Accept-Encoding": "br, gzip"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 — 127.0.0.1 only
            body = response.read()
            return body, response.headers.get("Content-Encoding", "identity"), response.headers.get("Cache-Control", "")

    html, encoding, _ = fetch(base + path)
    items = [{"url": path, "bytes": len(html), "encoding": encoding}]
    text = html.decode("utf-8", errors="replace")
    for asset in re.findall(r'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="([^"]+)"', text):
        body, encoding, cache_control = fetch(base + asset)
        items.append({"url": asset, "bytes": len(body), "encoding": encoding, "cache_control": cache_control})
    total = sum(item["bytes"] for item in items)
    return {"items": items, "total_bytes": total, "limit_bytes": CATALOG_SIZE_LIMIT, "ok": total < CATALOG_SIZE_LIMIT}


# --- load generator: closed loop over keep-alive connections --------------------------------

async def load(port: int, path: str | list[str], connections: int, duration: float, max_requests: int) -> dict:
    latencies: list[float] = []
    status: dict[str, int] = {}
    errors: list[str] = []
    sent = 0
    started = time.perf_counter()
    stop_at = started + duration
    paths = [path] if isinstance(path, str) else path
    requests = [(f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: sciweek-public-bench\r\n"
                 "Accept: text/html,application/json\r\nAccept-Encoding: gzip, br\r\nAccept-Language: zh-CN\r\n"
                 "Connection: keep-alive\r\n\r\n").encode() for p in paths]
    max_requests = min(max_requests, len(requests)) if len(requests) > 1 else max_requests

    async def worker():
        nonlocal sent
        reader = writer = None
        while time.perf_counter() < stop_at and sent < max_requests:
            sent += 1
            index = sent - 1  # taken before any await: each rotating path is asked once
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                t0 = time.perf_counter()
                writer.write(requests[index % len(requests)])
                code, keep_alive = await asyncio.wait_for(read_response(reader), timeout=35)
                latencies.append(time.perf_counter() - t0)
                status[str(code)] = status.get(str(code), 0) + 1
                if not keep_alive:
                    writer.close()
                    reader = writer = None
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as error:
                errors.append(type(error).__name__)
                if writer is not None:
                    writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000, 2) \
            if latencies else None

    return {"requests": len(latencies), "seconds": round(elapsed, 2),
            "rps": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
            "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
            "max_ms": round(latencies[-1] * 1000, 2) if latencies else None,
            "status": status, "errors": len(errors), "error_kinds": sorted(set(errors))}


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    code = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.read()  # until close
        return code, False
    return code, headers.get("connection", "").lower() != "close"


# --- targets and report -----------------------------------------------------------------------

def check_targets(result: dict) -> dict:
    national = result["datasets"].get("national", {}).get("pages", {})
    demo = result["datasets"].get("demo", {}).get("pages", {})
    targets = {}
    for label, stats in national.items():
        if "p95_ms" in stats and label in TARGET_PAGES:
            targets[f"{label}: p95 < {TARGET_P95_MS:.0f} ms"] = stats["p95_ms"] < TARGET_P95_MS
    if "rps" in national.get("catalog", {}) and "rps" in demo.get("catalog", {}):
        ratio = national["catalog"]["rps"] / demo["catalog"]["rps"]
        targets[f"catalog req/s national/demo >= {TARGET_CATALOG_RATIO:.0%} (is {ratio:.0%})"] = \
            ratio >= TARGET_CATALOG_RATIO
    transfer = result["datasets"].get("national", {}).get("catalog_transfer")
    if transfer:
        targets[f"catalog page + CSS/JS < 300 KB (is {transfer['total_bytes'] / 1024:.1f} KB)"] = transfer["ok"]
    return targets


def markdown_report(result: dict) -> str:
    m = result["machine"]
    lines = [f"Run {m['date']}, git `{m['git_sha']}`{' (uncommitted changes)' if m.get('git_dirty') else ''}, "
             f"nproc {m['nproc']}, {m['cpu']}" + (f", {m['ram_mb']:,} MiB RAM" if m.get("ram_mb") else "")
             + f", PostgreSQL {m['postgresql']}, {m['cache']}. Load average before the run: "
             f"{', '.join(f'{x:.1f}' for x in m.get('loadavg_before', []))}.",
             f"Server: `{m['server']}`. Client: {m['client']}.", ""]
    datasets = result["datasets"]
    labels = []
    for info in datasets.values():
        labels += [label for label in info.get("pages", {}) if label not in labels]
    header = "| page | path | " + " | ".join(
        f"{name} req/s | {name} p50 / p95 / p99 ms | {name} server CPU ms/req | {name} worker peak RSS MiB | "
        f"{name} load avg" for name in datasets) + " |"
    lines += [header, "| --- | --- |" + " ---: | ---: | ---: | ---: | ---: |" * len(datasets)]
    for label in labels:
        path = next(info["pages"][label]["path"] for info in datasets.values() if label in info.get("pages", {}))
        cells = []
        for info in datasets.values():
            stats = info.get("pages", {}).get(label, {})
            if "rps" not in stats:
                cells += ["—", stats.get("skipped", "—"), "—", "—", "—"]
                continue
            bad = sum(n for code, n in stats["status"].items() if not code.startswith("2")) + stats["errors"]
            cells += [f"{stats['rps']:.1f}", f"{stats['p50_ms']:.1f} / {stats['p95_ms']:.1f} / {stats['p99_ms']:.1f}"
                      + (f" ({bad} non-2xx/errors)" if bad else ""), f"{stats.get('server_cpu_ms_per_request')}",
                      f"{stats.get('worker_peak_rss_mb', '—')}",
                      " → ".join(f"{x:.1f}" for x in stats.get("loadavg_1m", [])) or "—"]
        lines.append(f"| {label} | `{path}` | " + " | ".join(cells) + " |")
    for name, info in datasets.items():
        data = info.get("data", {})
        lines.append("")
        lines.append(f"- {name}: database `{data.get('database')}`, {data.get('organizations', 0):,} organizations, "
                     f"{data.get('approved', 0):,} approved 2020 activities, {data.get('sessions', 0):,} sessions, "
                     f"{data.get('search_tokens', 0):,} search tokens; API path measured `{info.get('api_path')}`; "
                     f"activity page id {info.get('activity_id')}.")
        transfer = info.get("catalog_transfer")
        if transfer:
            parts = ", ".join(f"`{i['url']}` {i['bytes'] / 1024:.1f} KB ({i['encoding']})" for i in transfer["items"])
            lines.append(f"  Catalog transfer: {transfer['total_bytes'] / 1024:.1f} KB in all — {parts}.")
    targets = check_targets(result)
    if targets:
        lines.append("")
        lines += [f"- {'✅' if ok else '❌'} {name}" for name, ok in targets.items()]
    return "\n".join(lines)


def write(path: Path, result: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
