"""Excel import of 10,000 filings: parse + validate + bulk insert (bounded benchmark).

Generates a 《重点项目备案表》 workbook of N rows (default 10,000) the way an official fills it
(hosts by name, content areas, sessions, divisions, dates as text and as date cells), then
times the real code path of an import job in a throwaway database:

1. the upload check (`services.start_import`: zip checks, openpyxl read-only open, finding the form),
2. the preview (`services.run_check`: read every row, validate, store errors — saves no filing),
3. the import (`services.run_import`: read and validate again, then `bulk_create` activities,
   hosts, content-area links and sessions in one transaction),

with the time spent reading (openpyxl), validating and writing measured inside (2) and (3).
The target is (2) + (3) < 15 s for 10,000 rows on a 2-core machine.

It never touches your database: SQLite runs in a temporary directory; PostgreSQL in a
database ``sciweek_bench_import`` that is created for the run and dropped at the end. Each
worker migrates the empty database and loads the 2020 demo (``sciweek.demo.loader.load_demo``).

Run from the repository root::

    .venv/bin/python bench/import_bench.py                        # both backends, 10,000 rows, <= 300 s
    .venv/bin/python bench/import_bench.py --backend sqlite --rows 2000
    .venv/bin/python bench/import_bench.py --report bench/results/import-*.json

PostgreSQL is reached through ``--pg-admin-url`` (default ``$BENCH_PG_ADMIN_URL`` or
``postgres://postgres@127.0.0.1:5432/postgres``); that role must be allowed to create databases.
Figures are only comparable between runs on the same machine.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from machine import cpu_model  # bench/machine.py: one machine-info helper for all benchmarks

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "bench" / "results"
BACKENDS = ("sqlite", "postgresql")
DEFAULT_PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "sciweek_bench_import"
WORKER_GRACE_SECONDS = 30
STATEMENT_TIMEOUT_MS = 120_000
TARGET_SECONDS = 15.0
IMPORTER = "hebei-filer"   # files for the whole province: rows name units all over Hebei
FILING_ORG = "河北省"


# --- orchestrator (no Django here: each backend runs in its own process) ------------------

def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return run_worker_process(args)
    if args.report:
        print(markdown_report([Path(p) for p in args.report]))
        return 0
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    deadline = time.monotonic() + args.time_limit
    today = dt.date.today().isoformat()
    status = 0
    for index, backend in enumerate(backends):
        budget = (deadline - time.monotonic()) / (len(backends) - index)
        if budget <= 5:
            print(f"[{backend}] skipped: time limit reached", file=sys.stderr)
            status = 1
            continue
        output = args.results_dir / f"import-{backend}-{today}.json"
        runner = run_sqlite if backend == "sqlite" else run_postgresql
        ok = runner(args, budget, output)
        print(f"[{backend}] {'wrote' if ok else 'FAILED, partial results in'} {output}", file=sys.stderr)
        status = status or (0 if ok else 1)
    return status


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=(*BACKENDS, "both"), default="both")
    parser.add_argument("--rows", type=int, default=10_000, help="data rows in the workbook (default 10,000)")
    parser.add_argument("--time-limit", type=float, default=300.0,
                        help="wall-clock limit in seconds for the whole run (default 300)")
    parser.add_argument("--pg-admin-url", default=os.environ.get("BENCH_PG_ADMIN_URL", DEFAULT_PG_ADMIN_URL))
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--report", nargs="+", metavar="JSON", help="print a Markdown table for result files")
    parser.add_argument("--worker", choices=BACKENDS, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not 1 <= args.rows <= 20_000:
        parser.error("--rows must be between 1 and 20,000 (the import's own limit)")
    return args


def worker(args, backend: str, budget: float, output: Path, env: dict[str, str]) -> bool:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", backend, "--output", str(output),
               "--rows", str(args.rows)]
    try:
        completed = subprocess.run(command, env={**os.environ, **env}, cwd=REPO_ROOT,  # noqa: S603
                                   timeout=budget + WORKER_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        print("worker exceeded the time limit and was killed", file=sys.stderr)
        return False
    return completed.returncode == 0


def run_sqlite(args, budget, output) -> bool:
    with tempfile.TemporaryDirectory(prefix="sciweek-bench-import-") as var_dir:
        return worker(args, "sqlite", budget, output,
                      {"DATABASE_URL": f"sqlite:///{Path(var_dir) / 'bench.sqlite3'}", "SCIWEEK_VAR_DIR": var_dir})


def run_postgresql(args, budget, output) -> bool:
    import psycopg
    from psycopg import sql

    parts = urlsplit(args.pg_admin_url)
    database_url = urlunsplit(parts._replace(path="/" + BENCH_DB))
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(BENCH_DB))
    with psycopg.connect(args.pg_admin_url, autocommit=True) as admin:
        admin.execute(drop)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DB)))
    try:
        with tempfile.TemporaryDirectory(prefix="sciweek-bench-import-") as var_dir:
            return worker(args, "postgresql", budget, output,
                          {"DATABASE_URL": database_url, "SCIWEEK_VAR_DIR": var_dir})
    finally:
        with psycopg.connect(args.pg_admin_url, autocommit=True) as admin:
            admin.execute(drop)


# --- worker (inside Django, against the throwaway database) -------------------------------

def setup_django(backend: str) -> None:
    sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sciweek.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db.backends.signals import connection_created

    database = settings.DATABASES["default"]
    name = str(database["NAME"])
    safe = (database["ENGINE"].endswith("sqlite3") and name.startswith(tempfile.gettempdir())) if backend == "sqlite" \
        else (database["ENGINE"].endswith("postgresql") and name == BENCH_DB)
    if not safe:
        raise SystemExit(f"refusing to run against {database['ENGINE']} {name!r}: not a benchmark database")

    def limit_statements(sender, connection, **kwargs):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")

    connection_created.connect(limit_statements, weak=False)


def generate_workbook(rows: int, campaign, organization) -> tuple[bytes, dict]:
    """The official template's first sheet, filled with `rows` realistic rows (openpyxl write-only)."""
    from io import BytesIO

    from openpyxl import Workbook

    from sciweek.organizations.models import Organization
    from sciweek.spreadsheets import selectors
    from sciweek.spreadsheets.columns import FORM_TITLES, PROJECT_COLUMNS

    rng = random.Random(2020)  # noqa: S311 — synthetic data
    options = selectors.template_options(campaign, organization)
    units = list(Organization.objects.filter(path__startswith=organization.path, depth__gt=organization.depth)
                 .values_list("name", "short_name"))
    unit_names = [short or name for name, short in units]
    divisions = [d for d in options["divisions"] if d[2:6] != "0000"]
    areas = options["areas"]
    formats = ["线上", "线上", "线下", "线上线下结合"]
    start = campaign.starts_on
    headers = [str(c.header) for c in PROJECT_COLUMNS]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(FORM_TITLES["project"]))
    sheet.append(headers)
    mix = {"onsite_or_hybrid": 0, "sessions": 0, "host_names": 0, "off_platform_hosts": 0}
    for number in range(1, rows + 1):
        fmt = rng.choice(formats)
        day = start + dt.timedelta(days=rng.randrange(7))
        hosts = rng.sample(unit_names, rng.randint(1, 3))
        if rng.random() < 0.2:
            hosts.append(f"平台外协办单位{number % 97}")
            mix["off_platform_hosts"] += 1
        mix["host_names"] += len(hosts)
        sessions = ""
        if fmt != "线上":
            mix["onsite_or_hybrid"] += 1
            count = rng.randint(1, 2)
            mix["sessions"] += count
            sessions = "；".join(f"{day + dt.timedelta(days=i):%Y-%m-%d} 09:30-11:30" for i in range(count))
        values = {
            "序号": number, "项目名称": f"科普活动第{number}号：{rng.choice(areas)}系列讲座",
            "填报单位": rng.choice(unit_names) if rng.random() < 0.5 else None,
            "级别": rng.choice(["单位", "市级", "省级"]), "是否重大示范活动": "否",
            "主办单位": "、".join(hosts), "承办单位": rng.choice(unit_names) if rng.random() < 0.3 else None,
            "内容方向": "、".join(rng.sample(areas, rng.randint(1, 2))), "举办形式": fmt,
            "开始日期": day if number % 2 else f"{day:%Y年%-m月%-d日}",
            "结束日期": (day + dt.timedelta(days=1)).isoformat(), "场次": sessions or None,
            "每场名额": 50 if sessions else None, "举办地": rng.choice(divisions),
            "详细地址": f"某路{number}号", "场馆额定容量": 300 if fmt != "线上" else None, "面向对象": "社会公众",
            "预计参与人数": rng.choice([100, 500, 1000]), "经费预算（万元）": round(rng.uniform(0.5, 20), 1),
            "活动内容": "通过讲座、展览和互动体验，普及科学知识，弘扬科学精神。" * 2,
            "直播链接": "https://live.example.cn/demo" if fmt != "线下" else None,
            "最大同时在场人数": 100 if fmt != "线上" else None,
            "安全和疫情防控措施": "预约、测温、间隔就座" if fmt != "线上" else None,
            "项目负责人": "负责人", "联系人": "联系人", "联系电话": f"0311-8{number:07d}",
        }
        sheet.append([values.get(h) for h in headers])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), mix


class Timer:
    def __init__(self):
        self.seconds = {}

    def wrap(self, owner, name, label):
        original = getattr(owner, name)
        timer = self

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                timer.seconds[label] = timer.seconds.get(label, 0.0) + time.perf_counter() - started

        setattr(owner, name, timed)

    def take(self) -> dict:
        result = {k: round(v, 3) for k, v in self.seconds.items()}
        self.seconds = {}
        return result


def run_worker_process(args) -> int:
    started = time.perf_counter()
    setup_django(args.worker)
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection

    from sciweek.accounts.models import User
    from sciweek.activities.models import Activity, ActivityHost, Session
    from sciweek.demo.loader import load_demo
    from sciweek.organizations.models import Organization
    from sciweek.spreadsheets import excel, importer, services
    from sciweek.spreadsheets.models import ImportJob

    report = {"benchmark": "excel-import", "backend": args.worker, "rows": args.rows, "complete": False,
              "target_seconds": TARGET_SECONDS, "environment": environment_info(connection)}
    call_command("migrate", verbosity=0)
    campaign, _accounts = load_demo()
    report["setup_seconds"] = round(time.perf_counter() - started, 2)
    write_json(args.output, report)

    user = User.objects.get(username=IMPORTER)
    organization = Organization.objects.get(name=FILING_ORG, depth=2)
    generated = time.perf_counter()
    data, mix = generate_workbook(args.rows, campaign, organization)
    report["workbook"] = {"bytes": len(data), "generate_seconds": round(time.perf_counter() - generated, 2), **mix}

    timer = Timer()
    timer.wrap(excel, "read_rows", "read_openpyxl")
    timer.wrap(excel, "merged_ranges", "merged_cells_scan")
    timer.wrap(importer.Importer, "validate", "validate_rows")
    timer.wrap(importer.Importer, "_load", "lookups")
    timer.wrap(importer.Importer, "write", "bulk_insert")
    timer.wrap(services, "_save_rows", "keep_rows")
    timer.wrap(services, "_stored_rows", "load_kept_rows")
    before = {model.__name__: model.objects.count() for model in (Activity, ActivityHost, Session)}

    # The phases run here one at a time (what the upload view and the two background tasks do),
    # so that each can be timed on its own.
    upload = SimpleUploadedFile("bench.xlsx", data)
    t0 = time.perf_counter()
    workbook = excel.open_workbook(upload)  # zip checks, then openpyxl read-only
    excel.locate(workbook)
    workbook.close()
    upload_seconds = time.perf_counter() - t0
    upload.seek(0)
    job = ImportJob(campaign=campaign, organization=organization, created_by=user, kind="project",
                    original_name="bench.xlsx", file_size=len(data))
    job.file.save("bench.xlsx", upload, save=False)
    job.save()
    timer.take()
    t1 = time.perf_counter()
    services.run_check(job.pk)
    check_seconds = time.perf_counter() - t1
    check_parts = timer.take()
    job.refresh_from_db()
    if job.status != ImportJob.Status.PREVIEW:
        report["error"] = f"check ended {job.status}: {job.message} {job.errors[:5]}"
        write_json(args.output, report)
        return 1
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING)  # as services.confirm does
    t2 = time.perf_counter()
    services.run_import(job.pk)
    import_seconds = time.perf_counter() - t2
    import_parts = timer.take()
    job.refresh_from_db()
    after = {model.__name__: model.objects.count() for model in (Activity, ActivityHost, Session)}
    created = {name: after[name] - before[name] for name in after}
    report.update({
        "job": {"status": job.status, "total": job.total, "valid": job.valid_count, "invalid": job.invalid_count,
                "imported": job.imported_count, "first_errors": job.errors[:5]},
        "created": created,
        "seconds": {
            "upload_check": round(upload_seconds, 3), "preview": round(check_seconds, 3),
            "import": round(import_seconds, 3), "preview_plus_import": round(check_seconds + import_seconds, 3),
        },
        "preview_parts": check_parts, "import_parts": import_parts,
        "rows_per_second": round(args.rows / (check_seconds + import_seconds), 1),
    })
    report["within_target"] = report["seconds"]["preview_plus_import"] < TARGET_SECONDS
    report["complete"] = job.status == ImportJob.Status.DONE and created["Activity"] == args.rows
    report["environment"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    write_json(args.output, report)
    print(f"[{args.worker}] {args.rows} rows: upload check {upload_seconds:.2f} s, preview {check_seconds:.2f} s, "
          f"import {import_seconds:.2f} s (created {created})", file=sys.stderr)
    return 0 if report["complete"] else 1


def environment_info(connection) -> dict:
    import django
    import openpyxl

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        database = cursor.fetchone()[0]
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(), "cpu_model": cpu_model(),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(), "django": django.get_version(), "openpyxl": openpyxl.__version__,
        "database": database, "git_sha": git("rev-parse", "--short", "HEAD"),
        "git_tracked_changes": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def git(*arguments: str) -> str:
    try:
        completed = subprocess.run(["git", *arguments], cwd=REPO_ROOT, capture_output=True, text=True,  # noqa: S603, S607
                                   check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return completed.stdout.strip()


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    temporary.replace(path)


def markdown_report(paths: list[Path]) -> str:
    lines = ["| backend | rows | upload check, s | preview, s (read · validate · keep rows) | "
             "import, s (load rows · validate · bulk insert) | **preview + import, s** | rows/s | within 15 s |",
             "| --- | ---: | ---: | --- | --- | ---: | ---: | --- |"]
    for path in paths:
        data = json.loads(path.read_text())
        if "seconds" not in data:
            lines.append(f"| {data['backend']} | {data['rows']} | failed: {data.get('error', 'incomplete')} |")
            continue
        s, p, i = data["seconds"], data["preview_parts"], data["import_parts"]
        database = data["environment"]["database"].split(" on ")[0]
        lines.append(
            f"| {data['backend']} ({database}) | {data['rows']:,} | {s['upload_check']:.2f} | "
            f"{s['preview']:.2f} ({p.get('read_openpyxl', 0):.2f} · {p.get('validate_rows', 0):.2f} · "
            f"{p.get('keep_rows', 0):.2f}) | {s['import']:.2f} ({i.get('load_kept_rows', 0):.2f} · "
            f"{i.get('validate_rows', 0):.2f} · {i.get('bulk_insert', 0):.2f}) | **{s['preview_plus_import']:.2f}** | "
            f"{data['rows_per_second']:,.0f} | {'yes' if data.get('within_target') else 'NO'} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
