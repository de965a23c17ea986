"""Statistics (issue 15): the national statistics page on the national data, with a million
check-ins.

    .venv/bin/python bench/statistics_bench.py                 # full run (~10 min, most of it the data)
    .venv/bin/python bench/statistics_bench.py --keep-db       # keep (and reuse) the database
    .venv/bin/python bench/statistics_bench.py --keep-db --prepare-only
    .venv/bin/python bench/statistics_bench.py --rounds 60

Its own PostgreSQL database ``sciweek_bench_statistics``: migrate, the 2020 demo, then
``generate_national`` (>= 20,000 organizations, >= 200,000 approved activities). Then, in bulk
SQL (generate_series), ``--people`` public accounts (default 250,000) and their reservations on
the sessions of the 2020 campaign's approved activities: ``--check-ins`` (default 1,000,000)
confirmed and checked in, a fifth as many confirmed and not (yet) checked in, every 40th a group
of 5 seats. The sessions' ``seats_taken`` counters are not moved (the bench measures reads).
With a kept database the people and reservations are made once (the rows carry a ``bench-``
username / ``SB`` code prefix).

Then over HTTP (gunicorn ``reserve_burst.gunicorn_args``, pinned to core 0; the client on core
1), ``--rounds`` reads each, one after another: the national statistics page (national-
statistician), by activity kind and by date; Hebei's page (hebei-statistician); the API's
published national figures; Hebei's scorecard of its cities (the demo's frozen evaluation, and a
live copy of its scheme computed from the data on every read) and of its departments; and, as
the baseline measured in the same run, the console home page of the same user. p50/p95/max per page, HTTP statuses, peak worker RSS.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
DB_NAME = "sciweek_bench_statistics"

from reporting_bench import ADMIN_URL, session_cookie, summary  # noqa: E402


def prepare(env, keep):
    """The national data; a kept database that already holds it is only migrated (and the
    static files collected into this run's directory)."""
    import subprocess

    import psycopg
    import reporting_bench

    if keep:
        try:
            with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}") as conn:
                organizations = conn.execute("SELECT count(*) FROM organizations_organization").fetchone()[0]
        except psycopg.Error:
            organizations = 0
        if organizations >= 20_000:
            started = time.perf_counter()
            for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
                subprocess.run([sys.executable, str(ROOT / "manage.py"), *command], env=env, check=True,
                               capture_output=True)
            return {"kept": True, "organizations": organizations, "migrate_s": round(time.perf_counter() - started, 1)}
    reporting_bench.DB_NAME = DB_NAME
    return reporting_bench.prepare(env, keep)


PEOPLE_SQL = """
INSERT INTO accounts_user (password, username, first_name, last_name, email, is_superuser, is_staff, is_active,
                           date_joined, full_name, is_demo)
SELECT '!', 'bench-p-' || g, '', '', '', false, false, true, now(), '', true
FROM generate_series(1, %(people)s) AS g
ON CONFLICT DO NOTHING
"""

# Reservations on the campaign's approved activities' sessions: row g goes to session
# (g mod S) and person (g * 48271 mod P), so a (session, person) pair never repeats.
RESERVATIONS_SQL = """
WITH s AS (
    SELECT row_number() OVER (ORDER BY s.id) - 1 AS n, s.id, s.starts_at
    FROM activities_session s JOIN activities_activity a ON a.id = s.activity_id
    WHERE a.campaign_id = %(campaign)s AND a.status = 'approved'
), p AS (
    SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM accounts_user WHERE username LIKE 'bench-p-%%'
), sc AS (SELECT count(*) AS c FROM s), pc AS (SELECT count(*) AS c FROM p)
INSERT INTO reservations_reservation (session_id, person_id, seats, group_name, status, code, idempotency_key,
                                      created_at, confirmed_at, checked_in_at, checked_in_by_name, cancel_reason)
SELECT s.id, p.id, CASE WHEN g %% 40 = 0 THEN 5 ELSE 1 END, '', 'confirmed', 'SB' || g, '',
       s.starts_at - interval '2 days', s.starts_at - interval '2 days',
       CASE WHEN g <= %(check_ins)s THEN s.starts_at + interval '5 minutes' END, '', ''
FROM generate_series(1, %(total)s) AS g
CROSS JOIN sc CROSS JOIN pc
JOIN s ON s.n = g %% sc.c
JOIN p ON p.n = (g::bigint * 48271) %% pc.c
ON CONFLICT DO NOTHING
"""


def check_ins(campaign, people: int, count: int) -> dict:
    from django.db import connection

    out = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reservations_reservation WHERE code LIKE 'SB%%'")
        existing = cursor.fetchone()[0]
        if existing == 0:
            started = time.perf_counter()
            cursor.execute(PEOPLE_SQL, {"people": people})
            cursor.execute(RESERVATIONS_SQL, {"campaign": campaign.pk, "check_ins": count,
                                              "total": count + count // 5})
            cursor.execute("ANALYZE reservations_reservation")
            cursor.execute("ANALYZE accounts_user")
            out["generate_s"] = round(time.perf_counter() - started, 1)
        cursor.execute("SELECT count(*), count(checked_in_at), count(DISTINCT person_id) FROM reservations_reservation")
        total, checked, persons = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM activities_session s JOIN activities_activity a ON a.id = s.activity_id "
                       "WHERE a.campaign_id = %s AND a.status = 'approved'", [campaign.pk])
        sessions = cursor.fetchone()[0]
    out.update({"reservations": total, "checked_in": checked, "distinct_people": persons, "sessions": sessions})
    return out


def first_counts(read, campaign, root, hebei) -> dict:
    """The read that finds no kept count at all (after a deploy that emptied the table, or a new
    campaign's first look) counts in the request: once per level, not once per change."""
    from sciweek.statistics.models import StatisticsSnapshot

    out = {}
    for name, level in (("hebei_page", hebei), ("national_page", root)):
        StatisticsSnapshot.objects.filter(campaign=campaign, organization=level).delete()
        out[f"{name}_ms"] = round(read(name), 1)
        out[f"{name}_count_ms"] = StatisticsSnapshot.objects.get(campaign=campaign, organization=level).count_ms
    return out


def filing_season(env, var_dir, client, pages, campaign, root, hebei, sampler, seconds, every) -> dict:
    """Filings change every `every` seconds (a new approved activity in Hebei: the data version
    moves and the counts grow by one) while the national and Hebei pages are read back to back,
    with the database task worker running (as in production). Per page: read p50/p95, and how
    far behind the shown count was (the read's moment minus the count's moment, and filings made
    since the count was taken). The baseline, the console home, is read in the same loop."""
    import re
    import subprocess
    import threading
    from datetime import datetime

    from django.db import connections

    from sciweek.activities.models import Activity
    from sciweek.organizations.models import Organization

    worker_log = open(Path(var_dir) / "worker.log", "ab")  # noqa: SIM115 — kept open while it runs
    worker = subprocess.Popen([str(ROOT / ".venv/bin/sciweek"), "db_worker"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=worker_log)
    unit = Organization.objects.filter(path__startswith=hebei.path, numchild=0).exclude(pk=hebei.pk) \
        .order_by("path").first()
    filed: list[tuple[float, int]] = []  # (wall clock, pk)
    stop = threading.Event()

    def file_filings():
        n = 0
        while not stop.is_set():
            n += 1
            activity = Activity.objects.create(campaign=campaign, organization=unit, title=f"bench-season-{n}",
                                               status=Activity.Status.APPROVED, kind=Activity.Kind.PROJECT)
            filed.append((time.time(), activity.pk))
            stop.wait(every)
        connections.close_all()

    stamp = re.compile(r'data-counted-at="([^"]+)"')
    names = ("baseline_console_home", "national_page", "hebei_page")
    times = {name: [] for name in names}
    lag_s = {name: [] for name in names[1:]}
    behind = {name: [] for name in names[1:]}
    recounting = {name: 0 for name in names[1:]}
    statuses: dict = {}
    writer = threading.Thread(target=file_filings, daemon=True)
    writer.start()
    deadline = time.time() + seconds
    try:
        while time.time() < deadline:
            for name in names:
                path, cookies = pages[name]
                started = time.perf_counter()
                response = client.get(path, cookies=cookies)
                times[name].append((time.perf_counter() - started) * 1000)
                statuses.setdefault(name, {}).setdefault(response.status_code, 0)
                statuses[name][response.status_code] += 1
                if name in lag_s and (found := stamp.search(response.text)):
                    counted = datetime.fromisoformat(found.group(1)).timestamp()
                    lag_s[name].append(max(0.0, time.time() - counted))
                    behind[name].append(sum(1 for moment, _pk in filed if moment > counted))
                    recounting[name] += "data-recounting" in response.text
            sampler.sample()
    finally:
        stop.set()
        writer.join(timeout=30)
        worker.terminate()
        worker.wait(timeout=30)
        Activity.objects.filter(title__startswith="bench-season-", campaign=campaign).delete()
        connections.close_all()
    from sciweek.statistics.models import StatisticsSnapshot

    counts = dict(StatisticsSnapshot.objects.filter(campaign=campaign, organization__in=[root, hebei])
                  .values_list("organization__name", "count_ms"))
    return {
        "seconds": seconds, "filings_made": len(filed), "file_every_s": every,
        "reads": {name: summary(values) for name, values in times.items()},
        "lag": {name: summary([v * 1000 for v in values]) for name, values in lag_s.items() if values},
        "filings_not_yet_counted": {name: {"p50": sorted(v)[len(v) // 2] if v else None, "max": max(v, default=None)}
                                    for name, v in behind.items()},
        "reads_showing_last_count": recounting, "http_statuses": statuses, "last_count_ms": counts,
    }


def scorecard_evaluations(campaign, hebei):
    """Hebei's scorecards on the national data: the demo's 2020 evaluation (frozen: read from its
    snapshot) and a live copy of its scheme (computed from the filed data on every read, the
    figure issue 15 sets: p95 < 500 ms)."""
    from datetime import date

    from sciweek.evaluation import services as evaluation_services
    from sciweek.evaluation.demo import LABELS
    from sciweek.evaluation.models import Evaluation
    from sciweek.evaluation.schemes import build_default

    frozen = Evaluation.objects.get(campaign=campaign, organization=hebei, frozen_at__isnull=False, is_demo=True)
    live = Evaluation.objects.filter(campaign=campaign, organization=hebei, name="bench live scorecard").first()
    if live is None:
        live = evaluation_services.create_evaluation(None, campaign, hebei, "bench live scorecard", date(2020, 9, 30))
        build_default(None, live, LABELS)
    return frozen, live


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--people", type=int, default=250_000)
    parser.add_argument("--check-ins", type=int, default=1_000_000)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--prepare-only", action="store_true")
    parser.add_argument("--port", type=int, default=8015)
    parser.add_argument("--out", default="")
    parser.add_argument("--season-seconds", type=float, default=120,
                        help="how long the filing-season phase reads while filings change")
    parser.add_argument("--file-every", type=float, default=1.0, help="seconds between two filings in that phase")
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

    from sciweek.accounts.models import User
    from sciweek.campaigns.models import Campaign
    from sciweek.organizations.models import Organization

    report["machine"] = machine_info()
    campaign = Campaign.objects.get(year=2020)
    print("check-ins …", flush=True)
    report["data"] = check_ins(campaign, args.people, args.check_ins)
    print("  ", report["data"], flush=True)
    if args.prepare_only:
        return
    from sciweek.statistics import services

    root = Organization.objects.get(depth=1, kind=Organization.Kind.COMMITTEE, is_demo=True) \
        if Organization.objects.filter(depth=1, kind="committee", is_demo=True).count() == 1 \
        else Organization.objects.filter(depth=1).order_by("path").first()
    hebei = Organization.objects.get(name="河北省")
    statistician = User.objects.get(username="national-statistician")
    started = time.perf_counter()
    services.publish(campaign, root, actor=statistician)
    report["publish_national_s"] = round(time.perf_counter() - started, 2)

    frozen, live = scorecard_evaluations(campaign, hebei)

    server = start_server(env, args.port, 3, 4, log_path=Path(var_dir) / "server.log")
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})
    sampler = RssSampler(server.pid)
    from django.db import connections

    connections.close_all()
    national, provincial = session_cookie("national-statistician"), session_cookie("hebei-statistician")
    pages = {
        "baseline_console_home": ("/console/", national),
        "national_page": (f"/console/statistics/?year=2020&org={root.pk}", national),
        "national_page_by_date": (f"/console/statistics/?year=2020&org={root.pk}&by=date", national),
        "hebei_page": (f"/console/statistics/?year=2020&org={hebei.pk}&by=org_kind", provincial),
        "national_api": (f"/api/v1/campaigns/2020/statistics/{root.pk}", {}),
        "national_export": (f"/console/statistics/export/{root.pk}.xlsx?year=2020", national),
        "hebei_scorecard_frozen": (f"/console/evaluation/{frozen.pk}/?group=cities", provincial),
        "hebei_scorecard_live": (f"/console/evaluation/{live.pk}/?group=cities", provincial),
        "hebei_scorecard_live_departments": (f"/console/evaluation/{live.pk}/?group=departments", provincial),
    }
    timings = {k: [] for k in pages}
    statuses = {}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{args.port}", timeout=60) as client:
            def read(name):
                path, cookies = pages[name]
                started = time.perf_counter()
                response = client.get(path, cookies=cookies)
                statuses.setdefault(name, {}).setdefault(response.status_code, 0)
                statuses[name][response.status_code] += 1
                return (time.perf_counter() - started) * 1000

            for name in pages:  # warm-up: one read each
                read(name)
            print("reads …", flush=True)
            for _ in range(args.rounds):
                for name in pages:
                    timings[name].append(read(name))
                sampler.sample()
            connections.close_all()
            print("first count ever (no snapshot) …", flush=True)
            report["first_count"] = first_counts(read, campaign, root, hebei)
            print("  ", report["first_count"], flush=True)
            print("filing season …", flush=True)
            report["filing_season"] = filing_season(env, var_dir, client, pages, campaign, root, hebei, sampler,
                                                    args.season_seconds, args.file_every)
            print("  ", json.dumps(report["filing_season"], ensure_ascii=False), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    report["reads"] = {k: summary(v) for k, v in timings.items()}
    report["http_statuses"] = {k: {str(s): n for s, n in v.items()} for k, v in statuses.items()}
    report["peak_worker_rss_mb"] = round(sampler.peak_kb / 1024, 1)
    report["server"] = " ".join(gunicorn_args(3, 4))
    for name, figures in report["reads"].items():
        print(f"  {name}: {figures}", flush=True)
    print("  statuses:", report["http_statuses"], "peak RSS", report["peak_worker_rss_mb"], flush=True)
    if not args.keep_db:
        import psycopg

        with psycopg.connect(ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    out = Path(args.out or ROOT / "bench" / "results" / f"statistics-{time.strftime('%Y-%m-%d')}.json")
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    print(f"written {out}")


if __name__ == "__main__":
    main()
