"""Leaderboard timings on a large board, for the record (not a pass/fail test): skipped unless
SCIWEEK_LB_BENCH is set to the number of standings, e.g.

    SCIWEEK_LB_BENCH=50000 DATABASE_URL=postgres://… pytest sciweek/quiz/tests/test_leaderboard_bench.py -s

Prints the median time of top(10) and rank_of on the database and on Redis, the time of a
record(), and of a full build from the database."""
import os
import random
import statistics
import time
from datetime import timedelta

import pytest
from django.db import connection

from sciweek.accounts.models import User
from sciweek.core.tests import redis_helpers
from sciweek.core.tests.redis_helpers import cache_options
from sciweek.quiz import leaderboard
from sciweek.quiz.models import Attempt, Quiz, Standing

from .test_leaderboard import BASE, quiz, region  # noqa: F401 - the quiz fixture

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(not os.environ.get("SCIWEEK_LB_BENCH"), reason="set SCIWEEK_LB_BENCH=<standings>")]

_fresh_breakers, redis_server = redis_helpers._fresh_breakers, redis_helpers.redis_server  # fixtures
BATCH = 5000


def load(target: Quiz, n: int, rng: random.Random) -> None:
    for start in range(0, n, BATCH):
        count = min(BATCH, n - start)
        users = User.objects.bulk_create([User(username=f"lbbench-{start + i}") for i in range(count)])
        if users[0].pk is None:
            users = list(User.objects.filter(username__startswith="lbbench-").order_by("-pk")[:count])
        attempts = []
        for user in users:
            finished = BASE + timedelta(seconds=rng.randrange(7 * 86400), microseconds=rng.randrange(10**6))
            used = rng.randrange(20_000, 300_000)
            attempts.append(Attempt(quiz=target, person=user, status=Attempt.Status.FINISHED, day=finished.date(),
                                    day_slot=1, number=1, started_at=finished - timedelta(milliseconds=used),
                                    deadline_at=finished, finished_at=finished, score=rng.randrange(0, 21) * 5,
                                    max_score=100, correct_count=0, question_count=20, time_used_ms=used))
        attempts = Attempt.objects.bulk_create(attempts)
        if attempts[0].pk is None:
            attempts = list(Attempt.objects.filter(quiz=target, person__in=users))
        Standing.objects.bulk_create(Standing(
            quiz=target, person_id=a.person_id, attempt_id=a.pk, score=a.score, time_used_ms=a.time_used_ms,
            finished_at=a.finished_at, display_name="选手", disqualified=rng.random() < 0.01, **region(rng))
            for a in attempts)


def median_ms(fn, times=30) -> float:
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def test_timings(quiz, settings, redis_server):  # noqa: F811 - the imported fixture
    n = int(os.environ["SCIWEEK_LB_BENCH"])
    rng = random.Random(1)
    load(quiz, n, rng)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the planner's statistics, as autovacuum would have them
            cursor.execute("ANALYZE quiz_standing")
    people = list(Standing.objects.filter(quiz=quiz, disqualified=False).values_list("person_id", flat=True)[:500])
    sample = iter(rng.choice(people) for _ in range(10**6))
    figures = {"standings": n}
    figures["db top(10) ms"] = median_ms(lambda: leaderboard.top(quiz, "all", "", 10))
    figures["db top(10) province ms"] = median_ms(lambda: leaderboard.top(quiz, "province", "130000", 10))
    figures["db rank_of ms"] = median_ms(lambda: leaderboard.rank_of(quiz, next(sample)), times=10)

    settings.REDIS_URL = redis_server.url
    settings.CACHES = {"default": cache_options(redis_server.url)}
    start = time.perf_counter()
    assert leaderboard.rebuild(quiz)
    figures["redis build s"] = round(time.perf_counter() - start, 2)
    figures["redis top(10) ms"] = median_ms(lambda: leaderboard.top(quiz, "all", "", 10))
    figures["redis rank_of ms"] = median_ms(lambda: leaderboard.rank_of(quiz, next(sample)))
    standing = Standing.objects.filter(quiz=quiz, disqualified=False).first()
    figures["redis record ms"] = median_ms(lambda: leaderboard.record(standing))
    figures["redis used MB"] = round(redis_helpers.redis.Redis(port=redis_server.port).info("memory")[
        "used_memory"] / 2**20, 1)
    print("\nleaderboard timings:", {k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()})
