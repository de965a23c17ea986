"""Evaluations (issue 15): recomputing a whole evaluation of 3,000 organizations × 12
indicators, and a province's scorecard page, on PostgreSQL.

    .venv/bin/python bench/evaluation_bench.py              # ~1 min
    .venv/bin/python bench/evaluation_bench.py --rounds 100 --keep-db

Its own database ``sciweek_bench_evaluation``: migrate, then a lighter national tree built
here (not the 6-minute generator): 30 provinces × (10 cities × 10 units + 5 departments) =
3,480 organizations; per unit 10 filings (8 approved, 1 submitted, 1 cancelled) with a session
and two check-ins each, a news clock per approved filing (70 % on time), a summary per
organization (on time, complete and returned at random) with a media report; written with
bulk_create (the bench measures reads, not how the data got there), then ANALYZE (without
fresh statistics after the bulk load the planner picks a nested loop and the activities query
alone takes 6 s instead of 20 ms).

1. Recompute: the national committee's evaluation of its 3,000 units (one peer group, the
   units anywhere below, 9 computed + 3 scored indicators, every score given): the scheme,
   the raw values (the GROUP BY queries) and the scoring, timed over --rounds; then freeze
   (36,000 snapshot rows) once.
2. A province's scorecard: the console page (Django test client, in process: URL → view →
   selectors → template) of a province's evaluation of its 10 cities and 5 departments, as
   its statistician, live (draft) and frozen; p50/p95 over --rounds.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "sciweek_bench_evaluation"
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
TZ = ZoneInfo("Asia/Shanghai")
YEAR = 2020
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


sys.path.insert(0, str(ROOT / "bench"))
from reporting_bench import summary  # noqa: E402  (the percentiles every bench reports the same way)


def step(n: int) -> str:
    digits = ""
    for _ in range(4):
        n, r = divmod(n, 36)
        digits = ALPHABET[r] + digits
    return digits


def prepare(keep: bool) -> bool:
    """Create the database (dropped first unless --keep-db); True when it must be filled."""
    import psycopg

    admin = ADMIN_URL.replace("postgres://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if exists and not keep:
            conn.execute(f'DROP DATABASE "{DB_NAME}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return not exists


def build_data() -> dict:
    from sciweek.accounts.models import Membership, Role, User
    from sciweek.activities.models import Activity, Session
    from sciweek.campaigns.models import Campaign
    from sciweek.news.models import NewsDue
    from sciweek.organizations.models import Organization
    from sciweek.reports.models import MediaCoverage, SummaryReport
    from sciweek.reservations.models import Reservation

    rng = random.Random(15)
    started = time.perf_counter()
    campaign = Campaign.objects.create(year=YEAR, name="基准活动周", theme="基准", starts_on=date(YEAR, 8, 23),
                                       ends_on=date(YEAR, 8, 29))
    orgs: list[Organization] = []

    def org(path, name, kind, numchild=0):
        o = Organization(path=path, depth=len(path) // 4, numchild=numchild, name=name, kind=kind)
        orgs.append(o)
        return o

    org(step(1), "基准组委会", "committee", 30)
    for p in range(30):
        ppath = step(1) + step(p + 1)
        org(ppath, f"省{p:02d}", "region", 15)
        for c in range(10):
            cpath = ppath + step(c + 1)
            org(cpath, f"省{p:02d}市{c:02d}", "region", 10)
            for u in range(10):
                org(cpath + step(u + 1), f"省{p:02d}市{c:02d}科技馆{u:02d}", "museum")
        for d in range(5):
            org(ppath + step(11 + d), f"省{p:02d}厅{d:02d}", "department")
    Organization.objects.bulk_create(orgs, batch_size=2000)
    orgs = list(Organization.objects.order_by("path"))
    by_path = {o.path: o for o in orgs}
    units = [o for o in orgs if o.kind == "museum"]

    activities = []
    for unit in units:
        for n in range(10):
            status = "approved" if n < 8 else ("submitted" if n == 8 else "cancelled")
            activities.append(Activity(campaign=campaign, organization=unit, title=f"{unit.name}活动{n}", status=status,
                                       starts_on=date(YEAR, 8, 23 + n % 7), ends_on=date(YEAR, 8, 23 + n % 7)))
    Activity.objects.bulk_create(activities, batch_size=5000)
    activities = list(Activity.objects.filter(campaign=campaign).select_related("organization"))
    at = datetime(YEAR, 8, 25, 10, tzinfo=TZ)
    sessions = [Session(activity=a, starts_at=at, ends_at=at.replace(hour=12), capacity=100)
                for a in activities if a.status == "approved"]
    Session.objects.bulk_create(sessions, batch_size=5000)
    people = User.objects.bulk_create([User(username=f"bench-person-{n}") for n in range(2)])
    reservations, code = [], 0
    for session in Session.objects.filter(activity__campaign=campaign).only("id"):
        for person in people:
            code += 1
            reservations.append(Reservation(session=session, person=person, seats=rng.randint(1, 4),
                                            status="confirmed", code=f"B{code:08d}", checked_in_at=at))
    Reservation.objects.bulk_create(reservations, batch_size=5000)
    dues = []
    for a in activities:
        if a.status != "approved":
            continue
        on_time = rng.random() < 0.7
        dues.append(NewsDue(campaign=campaign, activity=a, organization=a.organization, org_path=a.organization.path,
                            clock_starts_at=at, within_days=3, due_at=at.replace(day=28),
                            first_news_at=at.replace(day=26) if on_time else None, on_time=on_time,
                            with_images=on_time and rng.random() < 0.8))
    NewsDue.objects.bulk_create(dues, batch_size=5000)
    reports = []
    for o in orgs:
        if o.depth == 1:
            continue
        submitted = rng.random() < 0.9
        reports.append(SummaryReport(
            campaign=campaign, organization=o, receiver=by_path[o.path[:-4]], org_path=o.path, expected=True,
            status="accepted" if submitted else "draft", on_time=(rng.random() < 0.8) if submitted else None,
            complete=submitted and rng.random() < 0.7, returns=rng.choice([0, 0, 0, 1, 2]),
            first_submitted_at=at.replace(month=9, day=5) if submitted else None))
    SummaryReport.objects.bulk_create(reports, batch_size=5000)
    MediaCoverage.objects.bulk_create([
        MediaCoverage(report=r, outlet="基准日报", title="报道", published_on=date(YEAR, 8, 26))
        for r in SummaryReport.objects.filter(campaign=campaign).only("id") if rng.random() < 0.5], batch_size=5000)

    statistician = User.objects.create(username="bench-province-statistician")
    province = by_path[step(1) + step(1)]
    Membership.objects.create(user=statistician, organization=province, role=Role.STATISTICIAN)
    return {"build_s": round(time.perf_counter() - started, 1), "organizations": len(orgs),
            "activities": len(activities), "reservations": len(reservations), "news_clocks": len(dues),
            "summaries": len(reports)}


def build_evaluations() -> dict:
    from sciweek.campaigns.models import Campaign
    from sciweek.evaluation import services
    from sciweek.evaluation.models import SCORED, Evaluation, ReviewerScore
    from sciweek.evaluation.schemes import DEFAULT_SCHEME, build_default
    from sciweek.organizations.models import Organization

    campaign = Campaign.objects.get(year=YEAR)
    root = Organization.objects.get(depth=1)
    province = Organization.objects.get(path=step(1) + step(1))
    Evaluation.objects.filter(campaign=campaign).delete()
    national = services.create_evaluation(None, campaign, root, "全国单位评估", date(YEAR, 9, 30))
    for pillar_code, pillar_name, indicators in DEFAULT_SCHEME:
        pillar = services.add_pillar(None, national, pillar_code, pillar_name)
        for code, source, weight, name in indicators:
            services.add_indicator(None, national, pillar, code, source=source, weight=Decimal(weight), name=name)
    services.add_peer_group(None, national, "units", "科技馆", ["museum"], None)
    services.sync_subjects(None, national)
    rng = random.Random(3)
    now = datetime(YEAR, 9, 20, tzinfo=TZ)
    ReviewerScore.objects.bulk_create([
        ReviewerScore(indicator=i, subject=s, score=Decimal(rng.randint(50, 100)), comment="基准", scored_at=now)
        for i in national.indicators.filter(source=SCORED) for s in national.subjects.all()], batch_size=5000)
    live = services.create_evaluation(None, campaign, province, "省级评估（评分中）", date(YEAR, 9, 30))
    build_default(None, live)
    frozen = services.create_evaluation(None, campaign, province, "省级评估（已定格）", date(YEAR, 9, 30))
    build_default(None, frozen)
    services.freeze(None, frozen)
    return {"national": national.pk, "live": live.pk, "frozen": frozen.pk,
            "national_subjects": national.subjects.count(), "national_indicators": national.indicators.count(),
            "province_subjects": live.subjects.count()}


def bench_recompute(evaluation_id: int, rounds: int) -> dict:
    from django.db import connection, reset_queries

    from sciweek.evaluation import selectors, services
    from sciweek.evaluation.models import Evaluation

    timings, queries = [], 0
    for _ in range(rounds):
        evaluation = Evaluation.objects.select_related("organization", "campaign").get(pk=evaluation_id)
        reset_queries()
        connection.force_debug_cursor = True
        started = time.perf_counter()
        sch = selectors.scheme(evaluation)
        result = selectors.compute(evaluation, sch)
        timings.append((time.perf_counter() - started) * 1000)
        queries = len(connection.queries)
        connection.force_debug_cursor = False
        assert len(result.totals) == len(sch.subjects)
    evaluation = Evaluation.objects.select_related("organization", "campaign").get(pk=evaluation_id)
    started = time.perf_counter()
    services.freeze(None, evaluation)
    freeze_ms = round((time.perf_counter() - started) * 1000, 1)
    started = time.perf_counter()
    standings = selectors.standings(evaluation)
    frozen_standings_ms = round((time.perf_counter() - started) * 1000, 1)
    return {"recompute": summary(timings), "recompute_queries": queries, "cells": len(sch.subjects) * len(
        sch.indicators), "freeze_ms": freeze_ms, "frozen_standings_ms": frozen_standings_ms,
        "standings": len(standings)}


def bench_scorecard(evaluation_id: int, rounds: int) -> dict:
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from sciweek.accounts.models import User

    # In process, without collectstatic's manifest; the templates render as in production.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    client = Client()
    client.force_login(User.objects.get(username="bench-province-statistician"),
                       backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("evaluation:scorecard", args=[evaluation_id])
    out = {}
    for group in ("cities", "departments"):
        assert client.get(f"{url}?group={group}").status_code == 200  # warm
        timings = []
        for _ in range(rounds):
            started = time.perf_counter()
            response = client.get(f"{url}?group={group}")
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        out[group] = summary(timings)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    fill = prepare(args.keep_db)
    os.environ.update({"DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}", "SCIWEEK_DEBUG": "false",
                       "DJANGO_SETTINGS_MODULE": "sciweek.settings", "SCIWEEK_LOG_LEVEL": "ERROR"})
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    report = {}
    if fill:
        print("building the data …", flush=True)
        report["data"] = build_data()
        print("  ", report["data"], flush=True)
    report["evaluations"] = ids = build_evaluations()
    print("  ", ids, flush=True)
    from django.db import connection

    with connection.cursor() as cursor:  # as autovacuum would after a bulk load: fresh planner statistics
        cursor.execute("ANALYZE")
    report["national_3000"] = bench_recompute(ids["national"], args.rounds)
    print("recompute:", report["national_3000"], flush=True)
    report["province_scorecard_live"] = bench_scorecard(ids["live"], args.rounds)
    print("province scorecard (live):", report["province_scorecard_live"], flush=True)
    report["province_scorecard_frozen"] = bench_scorecard(ids["frozen"], args.rounds)
    print("province scorecard (frozen):", report["province_scorecard_frozen"], flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
