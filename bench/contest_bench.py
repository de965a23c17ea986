"""Contests (issue 13): a live final's ranking after the last mark, and a public-vote burst.

    .venv/bin/python bench/contest_bench.py                  # both phases (< 5 min)
    .venv/bin/python bench/contest_bench.py --vote-seconds 20 --voters 3000

Its own PostgreSQL database ``sciweek_bench_contest`` (created, migrated, dropped at the end).
Set-up: a province, 10 units, a campaign, a final of 250 entries in one category with a 50/40/10
rubric and prize tiers 10/20/30/rest, 30 judges (all judge every entry: 7,500 assignments), a
public vote (3 votes per person per entry per day, 15 per category per day, 10 % share), and
``--voters`` people with a profile and an API token.

Phase 1, the final's last marks (in one process, the production code path): 7,470 marks are
loaded as submitted (a bulk insert, then one full recompute), then the last 30 marks, one per
judge, are submitted through ``services.save_score`` by 30 threads at once, as 30 judges on
their phones pressing 提交 in the same second. For each: the time until the call returns,
when the ranking with prizes including that mark is written (what "ready" means: the live
board and the results pages read it from there). Then the server is started and the live
board's JSON is polled: the time from the last mark until the board shows every mark in.

Phase 2, the vote burst: ``--connections`` keep-alive connections post votes over the API for
``--vote-seconds`` (each voter votes for random entries until refused), as fast as the server
answers (closed loop: what is attempted is what one core serves; the target is 2,000/s).
Afterwards, in the database: no counter above its cap, every (voter, entry, day) and (voter,
category, day) within its cap counted from the votes themselves, and the counters equal to the
votes. Peak RSS of the workers sampled each second.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
DB_NAME = "sciweek_bench_contest"
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
ENTRIES, JUDGES = 250, 30


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def setup_data(voters: int) -> dict:
    import secrets
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from sciweek.accounts.models import Membership, Role, User
    from sciweek.api.models import ApiToken, hash_key
    from sciweek.campaigns.models import Campaign
    from sciweek.contests import scoring, services
    from sciweek.contests.models import (
        Assignment,
        Category,
        Contest,
        Criterion,
        Panel,
        PanelJudge,
        PrizeTier,
        Round,
        Score,
    )
    from sciweek.organizations.models import Organization
    from sciweek.participants.models import Profile

    root = Organization.objects.add_root({"name": "全国科技活动周组委会", "kind": "committee"})
    province = Organization.objects.add_child(root, {"name": "河北省", "kind": "region"})
    units = [Organization.objects.add_child(province, {"name": f"单位{i}", "kind": "museum"}) for i in range(10)]
    experts = Organization.objects.add_child(root, {"name": "评审专家库", "kind": "society"})
    today = timezone.localdate()
    campaign = Campaign.objects.create(year=today.year, name=f"{today.year}年全国科技活动周", theme="测试",
                                       starts_on=today, ends_on=today + timedelta(days=7), is_published=True)
    unusable = make_password(None)
    admin = User.objects.create(username="bench_contest_admin", password=unusable)
    Membership.objects.create(user=admin, organization=province, role=Role.ADMIN)
    now = timezone.now()
    contest = Contest.objects.create(
        campaign=campaign, organization=province, kind=Contest.Kind.SPEAKING, title="科普讲解大赛（压测）",
        slug="bench", status=Contest.Status.OPEN, judges_per_entry=JUDGES, vote_enabled=True, vote_share_percent=10,
        votes_per_entry_per_day=3, votes_per_category_per_day=15, entries_open_at=now - timedelta(days=1))
    category = Category.objects.create(contest=contest, name="综合组")
    final = Round.objects.create(contest=contest, kind=Round.Kind.FINAL, name="决赛", position=1, is_live=True)
    criteria = [Criterion.objects.create(round=final, name=n, weight=w, min_points=0, max_points=10, position=i)
                for i, (n, w) in enumerate((("讲解内容", 50), ("表达能力", 40), ("现场效果", 10)))]
    for i, (name, count) in enumerate((("一等奖", 10), ("二等奖", 20), ("三等奖", 30), ("优秀奖", None))):
        PrizeTier.objects.create(contest=contest, name=name, count=count, position=i)
    panel = Panel.objects.create(round=final, name="决赛评审组")
    judges = []
    for j in range(JUDGES):
        judge = User.objects.create(username=f"bench_judge_{j}", password=unusable)
        Membership.objects.create(user=judge, organization=experts, role=Role.JUDGE)
        PanelJudge.objects.create(panel=panel, judge=judge, is_chief=(j == 0))
        judges.append(judge)
    with services.results_deferred():
        for e in range(ENTRIES):
            services.submit_entry(contest, actor=admin, organization=units[e % 10], category=category,
                                  title=f"讲解作品{e + 1}", first_author=f"选手{e + 1}", attested=True)
        services.assign(final, actor=admin)
        services.open_round(final, actor=admin)
    rng = random.Random(13)
    rules = services.criterion_rules(final)
    assignments = list(Assignment.objects.filter(round=final).order_by("entry__number", "judge_id"))
    last = {}
    for a in assignments:  # each judge's last mark is the one they give the last entry
        last[a.judge_id] = a
    bulk = []
    for a in assignments:
        if last[a.judge_id] is a:
            continue
        points = {c.pk: rng.randint(5, 10) for c in criteria}
        bulk.append(Score(assignment=a, points={str(k): str(v) for k, v in points.items()},
                          total=scoring.weighted_total(points, rules), status="submitted", submitted_at=now))
    Score.objects.bulk_create(bulk, batch_size=2000)
    services.compute_results(final)
    people = User.objects.bulk_create([User(username=f"bench_voter_{i}", password=unusable) for i in range(voters)],
                                      batch_size=2000)
    Profile.objects.bulk_create([Profile(user=u, phone=f"15{i:09d}", consent_at=now) for i, u in enumerate(people)],
                                batch_size=2000)
    keys, tokens = [], []
    for u in people:
        key = "sw_" + secrets.token_urlsafe(24)
        keys.append(key)
        tokens.append(ApiToken(user=u, name="bench", prefix=key[:10], key_hash=hash_key(key), last_used_at=now))
    ApiToken.objects.bulk_create(tokens, batch_size=2000)
    return {"contest": contest.pk, "round": final.pk, "year": campaign.year, "keys": keys,
            "last": [a.pk for a in last.values()]}


def last_marks(setup) -> dict:
    """The 30 last marks, submitted at once by 30 threads: each call's time to the ranking."""
    from django.db import connection

    from sciweek.contests import services
    from sciweek.contests.models import Assignment, Criterion, Result

    criteria = list(Criterion.objects.filter(round_id=setup["round"]))
    assignments = list(Assignment.objects.select_related("round", "judge").filter(pk__in=setup["last"]))
    barrier = threading.Barrier(len(assignments))
    times, errors = [], []

    def mark(a):
        try:
            barrier.wait(timeout=30)
            started = time.perf_counter()
            services.save_score(a, judge=a.judge, points={c.pk: 8 for c in criteria}, submit=True)
            times.append(time.perf_counter() - started)
        except Exception as error:  # noqa: BLE001 — counted, reported
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=mark, args=(a,)) for a in assignments]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    wall = time.perf_counter() - started
    results = Result.objects.filter(round_id=setup["round"])
    complete = results.filter(scores_in=JUDGES).count()
    tiers = results.filter(prize_tier__isnull=False).count()
    return {"marks": len(times), "errors": errors[:3], "p50_ms": round(percentile(times, 50) * 1000),
            "p95_ms": round(percentile(times, 95) * 1000), "max_ms": round(max(times) * 1000),
            "all_30_ready_s": round(wall, 2), "entries_complete": complete, "with_prize": tiers}


def board_after_last_mark(setup, port) -> dict:
    """One more mark (a reopened one, resubmitted), then poll the live board until it shows it."""
    import httpx
    from django.db import connection

    from sciweek.contests import services
    from sciweek.contests.models import Assignment, Criterion, Score

    a = Assignment.objects.select_related("round", "judge").get(pk=setup["last"][0])
    chief = Assignment.objects.select_related("judge").filter(round_id=setup["round"], judge__username="bench_judge_0"
                                                              ).first().judge
    services.reopen_score(Score.objects.get(assignment=a), actor=chief, reason="压测：重新提交")
    criteria = list(Criterion.objects.filter(round_id=setup["round"]))
    url = f"http://127.0.0.1:{port}/{setup['year']}/contests/bench/live/data/"
    with httpx.Client(timeout=10) as http:
        assert not _row_complete(http.get(url).json(), a.entry.number)  # reopened: off the board
        started = time.perf_counter()
        services.save_score(a, judge=a.judge, points={c.pk: 9 for c in criteria}, submit=True)
        saved = time.perf_counter() - started
        polls = 0
        while polls < 1000:
            polls += 1
            if _row_complete(http.get(url).json(), a.entry.number):
                break
        seen = time.perf_counter() - started
    connection.close()
    return {"mark_saved_ms": round(saved * 1000), "board_shows_it_ms": round(seen * 1000), "polls": polls}


def _row_complete(board, number) -> bool:
    """Is the contestant `number` on the board with every mark in (wherever the feed nests rows)?"""
    if isinstance(board, dict):
        if board.get("number") == number and "complete" in board:
            return bool(board["complete"])
        return any(_row_complete(v, number) for v in board.values())
    if isinstance(board, list):
        return any(_row_complete(v, number) for v in board)
    return False


async def vote_burst(port, setup, connections, seconds, sampler):
    import httpx

    path = f"/api/v1/campaigns/{setup['year']}/contests/bench/entries/{{n}}/vote"
    keys = list(setup["keys"])
    random.Random(5).shuffle(keys)
    queue = asyncio.Queue()
    for key in keys:
        queue.put_nowait(key)
    outcomes, times = {}, []
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30) as client:
        async def voter_loop():
            rng = random.Random()
            while time.monotonic() < deadline and not queue.empty():
                key = queue.get_nowait()
                headers = {"Authorization": f"Bearer {key}", "X-Device-Id": key[-12:]}
                refused_in_a_row = 0
                while time.monotonic() < deadline and refused_in_a_row < 4:
                    started = time.perf_counter()
                    try:
                        r = await client.post(path.format(n=rng.randint(1, 12)), headers=headers)
                        code = r.status_code
                    except httpx.HTTPError as error:
                        code = type(error).__name__
                    times.append(time.perf_counter() - started)
                    outcomes[code] = outcomes.get(code, 0) + 1
                    if code in (200, 201):
                        refused_in_a_row = 0
                    elif code == 409:  # a cap: another entry, until the category's cap refuses too
                        refused_in_a_row += 1
                    else:
                        break

        sampling = asyncio.create_task(sampler.run())
        started = time.perf_counter()
        await asyncio.gather(*(voter_loop() for _ in range(connections)))
        elapsed = time.perf_counter() - started
        sampler.stop()
        await sampling
    attempted = sum(outcomes.values())
    return {"seconds": round(elapsed, 1), "attempted": attempted, "attempted_per_s": round(attempted / elapsed, 1),
            "outcomes": {str(k): v for k, v in outcomes.items()},
            "accepted_per_s": round(sum(v for k, v in outcomes.items() if k in (200, 201)) / elapsed, 1),
            "p50_ms": round(percentile(times, 50) * 1000, 1), "p95_ms": round(percentile(times, 95) * 1000, 1),
            "peak_worker_rss_mb": round(sampler.peak_kb / 1024, 1)}


def caps_held(setup) -> dict:
    from django.db.models import Count, Sum

    from sciweek.contests.models import Contest, Vote, VoteCounter

    contest = Contest.objects.get(pk=setup["contest"])
    per_entry = (Vote.objects.filter(contest=contest).values("voter_id", "entry_id", "day").annotate(n=Count("id"))
                 .order_by("-n").first())
    per_category = (Vote.objects.filter(contest=contest).values("voter_id", "entry__category_id", "day")
                    .annotate(n=Count("id")).order_by("-n").first())
    votes = Vote.objects.filter(contest=contest).count()
    entry_counters = VoteCounter.objects.filter(contest=contest, entry__isnull=False).aggregate(s=Sum("used"))["s"]
    category_counters = VoteCounter.objects.filter(contest=contest, entry__isnull=True).aggregate(s=Sum("used"))["s"]
    return {"votes": votes, "most_per_voter_entry_day": per_entry["n"] if per_entry else 0,
            "cap_entry": contest.votes_per_entry_per_day,
            "most_per_voter_category_day": per_category["n"] if per_category else 0,
            "cap_category": contest.votes_per_category_per_day,
            "counters_equal_votes": entry_counters == votes == category_counters,
            "held": bool((per_entry is None or per_entry["n"] <= contest.votes_per_entry_per_day)
                         and (per_category is None or per_category["n"] <= contest.votes_per_category_per_day)
                         and entry_counters == votes == category_counters)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voters", type=int, default=6000)
    parser.add_argument("--vote-seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8013)
    parser.add_argument("--out", default="")
    args = parser.parse_args()

    import psycopg

    var_dir = tempfile.mkdtemp(prefix="sciweek-bench-")
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
           "SCIWEEK_VAR_DIR": var_dir, "SCIWEEK_DEBUG": "false", "SCIWEEK_API_RATE_LIMIT": "",
           "DJANGO_SETTINGS_MODULE": "sciweek.settings", "SCIWEEK_LOG_LEVEL": "ERROR"}
    with psycopg.connect(ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run(manage + ["migrate", "-v0"], env=env, check=True)
    subprocess.run(manage + ["collectstatic", "--noinput", "-v0"], env=env, check=True, capture_output=True)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from machine import machine_info
    from quiz_start import RssSampler
    from reserve_burst import gunicorn_args, start_server

    print(f"setting up a final of {ENTRIES} entries × {JUDGES} judges and {args.voters} voters …", flush=True)
    t = time.perf_counter()
    setup = setup_data(args.voters)
    print(f"  set-up {time.perf_counter() - t:.0f} s", flush=True)
    report = {"machine": machine_info(), "entries": ENTRIES, "judges": JUDGES,
              "server": " ".join(gunicorn_args(args.workers, args.threads))}
    print("phase 1: the last 30 marks at once …", flush=True)
    report["last_marks"] = last_marks(setup)
    print("  ", report["last_marks"], flush=True)
    server = start_server(env, args.port, args.workers, args.threads, log_path=Path(var_dir) / "server.log")
    try:
        if hasattr(os, "sched_setaffinity") and os.cpu_count() and os.cpu_count() > 1:
            os.sched_setaffinity(0, {1})
        report["live_board"] = board_after_last_mark(setup, args.port)
        print("  ", report["live_board"], flush=True)
        print(f"phase 2: votes for {args.vote_seconds:.0f} s over {args.connections} connections …", flush=True)
        sampler = RssSampler(server.pid)
        report["vote_burst"] = asyncio.run(vote_burst(args.port, setup, args.connections, args.vote_seconds, sampler))
        print("  ", report["vote_burst"], flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    report["caps"] = caps_held(setup)
    print("  caps:", report["caps"], flush=True)
    from django.db import connections

    connections.close_all()
    with psycopg.connect(ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    out = Path(args.out or ROOT / "bench" / "results" / f"contest-{time.strftime('%Y-%m-%d')}.json")
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"written {out}")


if __name__ == "__main__":
    main()
