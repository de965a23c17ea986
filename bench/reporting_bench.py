"""Reporting up the tree (issue 14): the live reporting dashboard on the national data, and what
recording one submission costs.

    .venv/bin/python bench/reporting_bench.py                 # full run (~10 min, most of it the data)
    .venv/bin/python bench/reporting_bench.py --keep-db       # keep (and reuse) the database
    .venv/bin/python bench/reporting_bench.py --rounds 20

Its own PostgreSQL database ``sciweek_bench_reporting``: migrate, the 2020 demo, then
``generate_national`` (>= 20,000 organizations, >= 200,000 approved activities), then the
reporting rows of the 2020 campaign as the platform keeps them (``reports.services.
sync_expected_reports``: a summary row per participating organization and the levels above it;
``news.services.rebuild_news_dues``: a news clock per approved activity), both timed. Then, to
make the figures realistic, about half of the summaries are marked in and a third of the
activities as reported (direct UPDATEs: the bench measures reads, not how the data got there).

Phase 1, in process: ``--rounds`` units each submit their summary through
``reports.services.submit`` (text, three pictures, everything a real submission does: checks,
the conditional UPDATE, the trail, the audit record, the receiver's notification) and a news
item through ``news.services.submit``; each call timed. The dashboard's own upkeep is nothing
beyond the rows those calls write (the dashboard counts rows), so the submission's cost is the
whole of the "extra".

Phase 2, over HTTP (gunicorn ``reserve_burst.gunicorn_args``, pinned to core 0; the client on
core 1): for each round, one submission, then at once the national dashboard and Hebei's, as
the console page (national-reviewer and hebei-reviewer signed in) and as the API; the
latency of each first read after a submission. Baseline in the same run: the same reads with
no submission before them. Peak RSS of the workers.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
DB_NAME = "sciweek_bench_reporting"
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def pct(values, p):
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))], 1) if ordered else None


def summary(values):
    return {"n": len(values), "p50_ms": pct(values, 50), "p95_ms": pct(values, 95), "max_ms": round(max(values), 1)}


def prepare(env, keep):
    import psycopg

    admin = ADMIN_URL.replace("postgres://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if exists and not keep:
            conn.execute(f'DROP DATABASE "{DB_NAME}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    manage = [sys.executable, str(ROOT / "manage.py")]
    timings = {}
    for label, command in (("migrate", ["migrate", "-v0"]), ("collectstatic", ["collectstatic", "--noinput", "-v0"]),
                           ("load_divisions", ["load_divisions"]), ("load_demo", ["load_demo", "--quiet"]),
                           ("generate_national", ["generate_national"])):
        started = time.perf_counter()
        subprocess.run(manage + command, env=env, check=True, capture_output=True)
        timings[label + "_s"] = round(time.perf_counter() - started, 1)
        print(f"  {label}: {timings[label + '_s']} s", flush=True)
    return timings


def reporting_rows(campaign) -> dict:
    import random

    from sciweek.activities.models import Activity
    from sciweek.news import services as news_services
    from sciweek.news.models import NewsDue
    from sciweek.reports import services
    from sciweek.reports.models import ReportStatus, SummaryReport

    out = {}
    # From nothing, as after a bulk import (a kept database is measured the same way again).
    SummaryReport.objects.filter(campaign=campaign).delete()
    # Past the per-clock delete receiver (it keeps the tally, recounted below anyway).
    clocks = NewsDue.objects.filter(campaign=campaign)
    clocks._raw_delete(clocks.db)
    started = time.perf_counter()
    made = services.sync_expected_reports(campaign)
    out["sync_expected_reports_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    news_services.rebuild_news_dues(campaign)
    out["rebuild_news_dues_s"] = round(time.perf_counter() - started, 1)
    out["summary_rows"] = SummaryReport.objects.filter(campaign=campaign, expected=True).count()
    out["news_clocks"] = NewsDue.objects.filter(campaign=campaign).count()
    out["approved_activities"] = Activity.objects.filter(campaign=campaign, status="approved").count()
    rng = random.Random(14)
    ids = list(SummaryReport.objects.filter(campaign=campaign, expected=True, status=ReportStatus.DRAFT)
               .values_list("pk", flat=True))
    chosen = rng.sample(ids, len(ids) // 2)
    from datetime import datetime
    from zoneinfo import ZoneInfo

    at = datetime(2020, 9, 8, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    for start in range(0, len(chosen), 2000):
        SummaryReport.objects.filter(pk__in=chosen[start:start + 2000]).update(
            status=ReportStatus.ACCEPTED, first_submitted_at=at, submitted_at=at, on_time=True, complete=True)
    dues = list(NewsDue.objects.filter(campaign=campaign).values_list("pk", flat=True))
    reported = rng.sample(dues, len(dues) // 3)
    for start in range(0, len(reported), 5000):
        NewsDue.objects.filter(pk__in=reported[start:start + 5000]).update(first_news_at=at, on_time=True,
                                                                            with_images=True)
    from sciweek.news import tally

    tally.rebuild(campaign.pk)  # the UPDATEs above went past the services, so recount the tally
    from django.db import connection

    with connection.cursor() as cursor:
        # Fresh planner statistics after the bulk rewrite, as autovacuum's analyze would give a
        # live database (stale ones had the planner sort every open clock of the nation).
        cursor.execute("ANALYZE news_newsdue, news_newstally, reports_summaryreport")
    out["made"] = made
    return out


def candidates(campaign, n):
    """Draft summaries of units (depth >= 4, no units below them: none waits on another) ready to submit: text and three shared pictures."""
    import io

    from PIL import Image

    from sciweek.accounts.models import User
    from sciweek.media import services as media
    from sciweek.media.requirements import IMAGE
    from sciweek.reports.models import ReportImage, ReportStatus, SummaryReport

    admin = User.objects.get(username="national-admin")
    assets = []
    for color in ((11, 79, 156), (23, 107, 44), (154, 103, 0)):  # the campaign's minimum of pictures
        buffer = io.BytesIO()
        Image.new("RGB", (640, 480), color).save(buffer, "JPEG")
        with tempfile.NamedTemporaryFile(suffix=".jpg", delete=False) as file:
            file.write(buffer.getvalue())
        assets.append(media.intake(file.name, original_name="bench.jpg", requirements=IMAGE, actor=admin,
                                   purpose="reports.summary_image"))
    body = "<div>" + "本单位在科技活动周期间组织开展了形式多样的科普活动，受到公众欢迎。" * 3 + "</div>"
    reports = list(SummaryReport.objects.filter(campaign=campaign, expected=True, status=ReportStatus.DRAFT,
                                                org_path__regex=r"^.{16,}$", organization__numchild=0)
                   .select_related("organization", "campaign", "receiver").order_by("?")[:n])
    for report in reports:
        # 2020's deadlines are long past: an extension lets them in (what a receiver would grant).
        SummaryReport.objects.filter(pk=report.pk).update(body=body, extended_until="2099-12-31")
        ReportImage.objects.bulk_create([ReportImage(report=report, asset=asset) for asset in assets])
    return admin, reports


def news_targets(campaign, n):
    from sciweek.news.models import NewsDue

    return list(NewsDue.objects.filter(campaign=campaign, first_news_at__isnull=True)
                .select_related("activity", "organization").order_by("?")[:n])


def submit_one(report, news_due, admin, timings):
    from sciweek.news import services as news_services
    from sciweek.reports import services

    started = time.perf_counter()
    services.submit(report, actor=admin)
    timings["summary_submit"].append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    news_services.submit(actor=admin, organization=news_due.organization, campaign=news_due.campaign,
                         title="活动顺利举行", body="活动顺利举行，公众积极参与。（基准测试）", activity=news_due.activity)
    timings["news_submit"].append((time.perf_counter() - started) * 1000)


def session_cookie(username):
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from sciweek.accounts.models import User

    user = User.objects.get(username=username)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return {settings.SESSION_COOKIE_NAME: store.session_key}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--port", type=int, default=8014)
    parser.add_argument("--out", default="")
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="sciweek-bench-")
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}", "SCIWEEK_VAR_DIR": var_dir,
           "SCIWEEK_DEBUG": "false", "SCIWEEK_API_RATE_LIMIT": "", "DJANGO_SETTINGS_MODULE": "sciweek.settings",
           "SCIWEEK_LOG_LEVEL": "ERROR"}
    env.pop("REDIS_URL", None)  # sessions in the database: the bench makes them in process
    print("preparing the national data …", flush=True)
    report = {"prepare": prepare(env, args.keep_db)}
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import httpx
    from machine import machine_info
    from quiz_start import RssSampler
    from reserve_burst import gunicorn_args, start_server

    from sciweek.campaigns.models import Campaign
    from sciweek.organizations.models import Organization

    report["machine"] = machine_info()
    campaign = Campaign.objects.get(year=2020)
    print("reporting rows …", flush=True)
    report["rows"] = reporting_rows(campaign)
    print("  ", report["rows"], flush=True)
    admin, reports = candidates(campaign, 2 * args.rounds)
    dues = news_targets(campaign, 2 * args.rounds)
    root = Organization.objects.get(depth=1, name="全国科技活动周组委会") if Organization.objects.filter(
        depth=1, name="全国科技活动周组委会").exists() else Organization.objects.filter(depth=1).first()
    hebei = Organization.objects.get(name="河北省")

    print("phase 1: submissions in process …", flush=True)
    timings = {"summary_submit": [], "news_submit": []}
    for report_row, due in zip(reports[: args.rounds], dues[: args.rounds], strict=False):
        submit_one(report_row, due, admin, timings)
    report["submission_in_process"] = {k: summary(v) for k, v in timings.items()}
    print("  ", report["submission_in_process"], flush=True)

    server = start_server(env, args.port, 3, 4, log_path=Path(var_dir) / "server.log")
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})
    sampler = RssSampler(server.pid)
    from django.db import connections

    connections.close_all()
    from sciweek.accounts.models import User
    from sciweek.api.models import ApiToken

    _token, key = ApiToken.issue(User.objects.get(username="national-reviewer"), name="bench")
    pages = {
        "national_page": (f"/console/reports/dashboard/?year=2020&org={root.pk}", session_cookie("national-reviewer"), {}),
        "hebei_page": (f"/console/reports/dashboard/?year=2020&org={hebei.pk}", session_cookie("hebei-reviewer"), {}),
        "national_api": (f"/api/v1/campaigns/2020/reporting?organization_id={root.pk}", {},
                         {"Authorization": f"Bearer {key}"}),
        "hebei_api": (f"/api/v1/campaigns/2020/reporting?organization_id={hebei.pk}", {},
                      {"Authorization": f"Bearer {key}"}),
    }
    after, baseline = {k: [] for k in pages}, {k: [] for k in pages}
    statuses = {}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{args.port}", timeout=30) as client:
            def read(name):
                path, cookies, headers = pages[name]
                started = time.perf_counter()
                response = client.get(path, cookies=cookies, headers=headers)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                return (time.perf_counter() - started) * 1000

            for name in pages:  # warm-up: one read each
                read(name)
            print("phase 2: the dashboards after each submission …", flush=True)
            extra = {"summary_submit": [], "news_submit": []}
            for report_row, due in zip(reports[args.rounds:], dues[args.rounds:], strict=False):
                for name in pages:
                    baseline[name].append(read(name))
                submit_one(report_row, due, admin, extra)
                for name in pages:
                    after[name].append(read(name))
                sampler.sample()
            connections.close_all()
    finally:
        server.terminate()
        server.wait(timeout=30)
    report["dashboard_after_submission"] = {k: summary(v) for k, v in after.items()}
    report["dashboard_baseline_same_run"] = {k: summary(v) for k, v in baseline.items()}
    report["http_statuses"] = {str(k): v for k, v in statuses.items()}
    report["peak_worker_rss_mb"] = round(sampler.peak_kb / 1024, 1)
    report["server"] = " ".join(gunicorn_args(3, 4))
    print("  after:", report["dashboard_after_submission"], flush=True)
    print("  baseline:", report["dashboard_baseline_same_run"], flush=True)
    print("  statuses:", report["http_statuses"], "peak RSS", report["peak_worker_rss_mb"], flush=True)
    if not args.keep_db:
        import psycopg

        with psycopg.connect(ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    out = Path(args.out or ROOT / "bench" / "results" / f"reporting-{time.strftime('%Y-%m-%d')}.json")
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    print(f"written {out}")


if __name__ == "__main__":
    main()
