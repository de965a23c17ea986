"""Leaderboards: the database and Redis give the same boards as a plain Python model of the
ranking order, on random data full of ties, through builds and live updates; "my rank";
disqualification; a Redis that hangs or refuses mid-way degrades to the database (one short
timeout), and the board it missed writes for is rebuilt, not served stale, once it is back;
bounded query counts.

The Redis tests run a private redis-server (core/tests/redis_helpers); they skip when
redis-server is not installed (and fail under CI)."""
import random
import time
from datetime import UTC, datetime, timedelta

import pytest
import redis
from django.db import connection
from django.utils import timezone

from sciweek.accounts.models import User
from sciweek.core.tests import redis_helpers
from sciweek.core.tests.redis_helpers import COOLDOWN, READ_TIMEOUT, cache_options
from sciweek.organizations.models import Division, Organization
from sciweek.quiz import leaderboard, receivers, services
from sciweek.quiz.leaderboard import MAX_TOP, Row, mask_name, scopes_of
from sciweek.quiz.models import Attempt, Question, Quiz, Standing

pytestmark = pytest.mark.django_db

_fresh_breakers, dead_redis_url, redis_server = (redis_helpers._fresh_breakers, redis_helpers.dead_redis_url,
                                                 redis_helpers.redis_server)  # fixtures

BASE = datetime(2020, 5, 23, 9, 0, tzinfo=UTC)
PROVINCES = {"130000": ["130100", "130200", ""], "110000": ["110100", ""], "": [""]}
SCHOOLS = ["", "第一中学", "第一中学", "实验小学", "育才学校"]


# --- fixtures -------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _closed_breaker():
    leaderboard._breaker.reset()
    yield
    leaderboard._breaker.reset()


@pytest.fixture
def quiz(demo):
    """A small published quiz built through the services (5 single-choice questions × 20 points)."""
    admin = User.objects.get(username="hebei-admin")
    reviewer = User.objects.get(username="hebei-reviewer")
    hebei = Organization.objects.get(name="河北省")
    questions = [services.save_question(
        actor=admin, organization=hebei, kind=Question.Kind.SINGLE, stem=f"排行榜测试题{i}？", submit=True,
        options=[services.OptionIn("甲", True), services.OptionIn("乙", False), services.OptionIn("丙", False)])
        for i in range(6)]
    services.review_questions(questions, actor=reviewer, approve=True)
    now = timezone.now()
    quiz = services.save_quiz(
        Quiz(campaign=demo, organization=hebei, slug="lb-test", title="排行榜测试", opens_at=now - timedelta(hours=1),
             closes_at=now + timedelta(days=1), seconds_per_question=60, scored_attempts_per_day=None,
             min_seconds_per_answer=0),
        actor=admin, rules=[{"kind": Question.Kind.SINGLE, "count": 5, "points": 20}])
    services.set_pool(quiz, questions, actor=admin)
    services.publish_quiz(quiz, actor=admin)
    quiz.refresh_from_db()
    return quiz


@pytest.fixture
def use_redis(settings, redis_server):
    """Boards in the private Redis (as production: REDIS_URL and a django-redis cache)."""
    settings.REDIS_URL = redis_server.url
    settings.CACHES = {"default": cache_options(redis_server.url)}
    return redis_server


def raw(server) -> redis.Redis:
    return redis.Redis(port=server.port, socket_timeout=2)


class Backends:
    """Run the same read on the database and on Redis (toggling REDIS_URL)."""

    def __init__(self, settings, url):
        self.settings, self.url = settings, url

    def db(self, fn, *args, **kwargs):
        self.settings.REDIS_URL = ""
        try:
            assert leaderboard.backend() == "database"
            return fn(*args, **kwargs)
        finally:
            self.settings.REDIS_URL = self.url

    def redis(self, fn, *args, **kwargs):
        assert leaderboard.backend() == "redis"
        return fn(*args, **kwargs)


@pytest.fixture
def backends(settings, use_redis):
    return Backends(settings, use_redis.url)


# --- data ---------------------------------------------------------------------------------------

def people(n: int, tag: str) -> list[User]:
    User.objects.bulk_create([User(username=f"lb-{tag}-{i}") for i in range(n)])
    return list(User.objects.filter(username__startswith=f"lb-{tag}-").order_by("pk"))


def region(rng: random.Random) -> dict:
    province = rng.choice(list(PROVINCES))
    return {"province_code": province, "city_code": rng.choice(PROVINCES[province]),
            "school_name": rng.choice(SCHOOLS)}


def result(rng: random.Random) -> dict:
    """Few distinct values, so scores, times and finishing instants tie often (to the µs)."""
    return {"score": rng.choice([0, 40, 60, 60, 80, 80, 100]),
            "time_used_ms": rng.choice([30_000, 30_001, 45_500, 45_500, 60_000]),
            "finished_at": BASE + timedelta(minutes=rng.choice([0, 0, 1, 7]), microseconds=rng.choice([0, 1, 999_999]))}


def bulk_standings(quiz: Quiz, rng: random.Random, n: int, tag: str) -> list[Standing]:
    """n people with a finished attempt and a standing each (written directly: fast, and no
    signal, as a bulk load would)."""
    persons = people(n, tag)
    results = {person.pk: result(rng) for person in persons}
    Attempt.objects.bulk_create(Attempt(
        quiz=quiz, person=person, status=Attempt.Status.FINISHED, day=r["finished_at"].date(), day_slot=1, number=1,
        started_at=r["finished_at"] - timedelta(milliseconds=r["time_used_ms"]),
        deadline_at=r["finished_at"] + timedelta(hours=1), finished_at=r["finished_at"], score=r["score"],
        max_score=100, correct_count=r["score"] // 20, question_count=5, time_used_ms=r["time_used_ms"])
        for person in persons for r in [results[person.pk]])
    Standing.objects.bulk_create(Standing(
        quiz=quiz, person_id=attempt.person_id, attempt=attempt, score=attempt.score,
        time_used_ms=attempt.time_used_ms, finished_at=attempt.finished_at,
        display_name=rng.choice(["张三明", "李四", "王", "欧阳小锋", "Alexander"]), disqualified=rng.random() < 0.1,
        **region(rng)) for attempt in Attempt.objects.filter(quiz=quiz, person__in=persons).order_by("person_id"))
    return list(Standing.objects.filter(quiz=quiz, person__in=persons))


# --- the model ----------------------------------------------------------------------------------

def model_order(standings) -> list[Standing]:
    live = [s for s in standings if not s.disqualified]
    return sorted(live, key=lambda s: (-s.score, s.time_used_ms, s.finished_at, s.person_id))


def model_boards(standings) -> dict[tuple[str, str], list[int]]:
    boards: dict[tuple[str, str], list[int]] = {}
    for s in model_order(standings):
        for scope, key in scopes_of(s).items():
            boards.setdefault((scope, key), []).append(s.person_id)
    return boards


def model_top(standings, scope, key, n, boards=None) -> list[Row]:
    order = {s.person_id: s for s in standings}
    boards = model_boards(standings) if boards is None else boards
    ids = boards.get((scope, "" if scope == "all" else key), [])[:n]
    if scope != "all" and not key:
        ids = []
    return [Row(rank=i + 1, person_id=pid, display_name=mask_name(order[pid].display_name), score=order[pid].score,
                time_used_ms=order[pid].time_used_ms, finished_at=order[pid].finished_at,
                school_name=order[pid].school_name, province_code=order[pid].province_code,
                city_code=order[pid].city_code) for i, pid in enumerate(ids)]


def model_rank(standings, person_id, boards=None) -> dict:
    boards = model_boards(standings) if boards is None else boards
    mine = next((s for s in standings if s.person_id == person_id and not s.disqualified), None)
    if mine is None:
        return {}
    return {scope: (boards[(scope, key)].index(person_id) + 1, len(boards[(scope, key)]))
            for scope, key in scopes_of(mine).items()}


def every_board(standings) -> list[tuple[str, str]]:
    boards = sorted({(scope, key) for s in standings for scope, key in scopes_of(s).items()})
    return boards + [("province", "990000"), ("city", "130900"), ("school", "130100|无此学校"),
                     ("school", "|第一中学"), ("province", ""), ("school", "")]


def all_reads(quiz, standings, sizes=(1, 3, 10, MAX_TOP), persons=None):
    """Every board's top at each size, and every person's (or `persons`') ranks."""
    tops = {(scope, key, n): leaderboard.top(quiz, scope, key, n)
            for scope, key in every_board(standings) for n in sizes}
    ranks = {s.person_id: leaderboard.rank_of(quiz, s.person_id) for s in (persons or standings)}
    return tops, ranks


def assert_model(quiz, standings, tops, ranks):
    boards = model_boards(standings)
    for (scope, key, n), rows in tops.items():
        assert rows == model_top(standings, scope, key, n, boards), (scope, key, n)
    for person_id, rank in ranks.items():
        assert rank == model_rank(standings, person_id, boards), person_id


def fresh(quiz) -> list[Standing]:
    return list(Standing.objects.filter(quiz=quiz))


# --- small pieces ------------------------------------------------------------------------------

def test_names_are_masked_for_the_public():
    assert [mask_name(n) for n in ["张三明", "李四", "王", "欧阳小锋", "Alexander", "", "  赵钱孙  "]] == [
        "张*明", "李*", "王*", "欧**锋", "A***r", "", "赵*孙"]


def test_a_standing_is_on_the_boards_of_its_region_and_school():
    class S:
        province_code, city_code, school_name = "130000", "130100", "第一中学"

    assert scopes_of(S) == {"all": "", "province": "130000", "city": "130100", "school": "130100|第一中学"}
    S.city_code = ""
    assert scopes_of(S) == {"all": "", "province": "130000", "school": "130000|第一中学"}
    S.province_code, S.school_name = "", ""
    assert scopes_of(S) == {"all": ""}


def test_an_unknown_scope_is_refused(quiz):
    with pytest.raises(ValueError):
        leaderboard.top(quiz, "country")


def test_the_receiver_is_connected_and_never_raises(quiz, monkeypatch, caplog):
    assert any(key[0] == "sciweek.quiz.leaderboard" for key, *_rest in services.standing_changed.receivers)
    assert receivers.follow_standing in services.standing_changed._live_receivers(Standing)[0]

    def broken(standing):
        raise RuntimeError("boom")

    monkeypatch.setattr(leaderboard, "record", broken)
    invalidated = []
    monkeypatch.setattr(leaderboard, "invalidate", lambda q: invalidated.append(q.pk))
    standing = bulk_standings(quiz, random.Random(1), 1, "recv")[0]
    services.standing_changed.send(Standing, quiz=quiz, standing=standing, removed=False)
    assert invalidated == [quiz.pk] and "leaderboard update failed" in caplog.text


# --- the database backend alone -------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(3))
def test_the_database_backend_matches_the_model(quiz, seed):
    standings = bulk_standings(quiz, random.Random(seed), 60, f"db{seed}")
    assert leaderboard.backend() == "database"
    assert_model(quiz, standings, *all_reads(quiz, standings))


def test_database_queries_are_bounded(quiz, django_assert_num_queries, django_assert_max_num_queries):
    standings = bulk_standings(quiz, random.Random(7), 80, "dbq")
    person = next(s for s in standings if not s.disqualified and s.school_name and s.city_code)
    with django_assert_num_queries(1):
        assert len(leaderboard.top(quiz, "all", "", 50)) == 50
    with django_assert_num_queries(1):
        leaderboard.top(quiz, "school", scopes_of(person)["school"], 10)
    with django_assert_num_queries(5):  # the standing, then one count per board (4)
        assert set(leaderboard.rank_of(quiz, person.person_id)) == {"all", "province", "city", "school"}
    with django_assert_num_queries(0):
        leaderboard.record(person)  # the table is the board: nothing to do
    with django_assert_max_num_queries(1):
        assert leaderboard.rank_of(quiz, 10**9) == {}


def test_the_counts_use_the_rank_indexes_on_postgresql(quiz):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    bulk_standings(quiz, random.Random(3), 300, "plan")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE quiz_standing")
        cursor.execute("SET enable_seqscan = off")
        try:
            query = Standing.objects.filter(quiz=quiz, disqualified=False, province_code="130000").order_by(
                "-score", "time_used_ms", "finished_at", "person_id")[:10]
            plan = query.explain()
        finally:
            cursor.execute("SET enable_seqscan = on")
    assert "standing_rank_province" in plan


# --- both backends agree -----------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(6))
def test_both_backends_give_the_same_boards_on_random_data(quiz, backends, seed):
    rng = random.Random(seed)
    standings = bulk_standings(quiz, rng, rng.randint(30, 120), f"p{seed}")
    db = backends.db(all_reads, quiz, standings)
    assert_model(quiz, standings, *db)
    in_redis = backends.redis(all_reads, quiz, standings)  # the first read builds the boards
    assert in_redis == db


@pytest.mark.parametrize("seed", range(4))
def test_live_updates_keep_redis_equal_to_the_database(quiz, backends, seed):
    """Changes applied as the receivers apply them (record / remove after each write): better
    and worse results, moves between regions and schools, disqualifications, newcomers."""
    rng = random.Random(100 + seed)
    bulk_standings(quiz, rng, 50, f"live{seed}")
    backends.redis(all_reads, quiz, fresh(quiz), sizes=(MAX_TOP,))  # built
    newcomers = bulk_standings_later(quiz, rng, 10, f"new{seed}")
    for step in range(60):
        standings = fresh(quiz)
        standing = rng.choice(standings)
        move = rng.choice(["result", "region", "both", "disqualify", "newcomer"])
        if move == "newcomer" and newcomers:
            standing = newcomers.pop()
            standing.save()
            leaderboard.record(standing)
        elif move == "disqualify":
            Standing.objects.filter(pk=standing.pk).update(disqualified=True)
            leaderboard.remove(standing)
        else:
            changes = {**(result(rng) if move in ("result", "both") else {}),
                       **(region(rng) if move in ("region", "both") else {})}
            Standing.objects.filter(pk=standing.pk).update(**changes)
            leaderboard.record(standing)
        if step % 15 == 14:
            standings = fresh(quiz)
            sample = rng.sample(standings, 15) + [standing]
            assert backends.redis(all_reads, quiz, standings, sizes=(3, MAX_TOP), persons=sample) == backends.db(
                all_reads, quiz, standings, sizes=(3, MAX_TOP), persons=sample)
    assert Quiz.objects.get(pk=quiz.pk).leaderboard_version == quiz.leaderboard_version  # no write missed


def bulk_standings_later(quiz, rng, n, tag) -> list[Standing]:
    """Unsaved standings (with saved attempts) of new people, to add one by one."""
    rows = bulk_standings(quiz, rng, n, tag)
    Standing.objects.filter(pk__in=[s.pk for s in rows]).delete()
    for s in rows:
        s.pk = None
        s.disqualified = False
    return rows


def test_a_board_racing_a_live_write_keeps_the_newer_value(quiz, backends, monkeypatch):
    """A write that lands while the board is being built wins over the (older) copy the build
    read before it, and a removal during the build is not undone by the build."""
    standings = bulk_standings(quiz, random.Random(5), 30, "race")
    Standing.objects.filter(quiz=quiz).update(disqualified=False)
    standings = sorted(fresh(quiz), key=lambda s: s.pk)
    monkeypatch.setattr(leaderboard, "BUILD_BATCH", 10)
    monkeypatch.setattr(leaderboard, "LAZY_BUILD_BUDGET", 60)  # all three batches in this one read
    real_run = leaderboard._run
    calls = []
    changed, removed = standings[12], standings[25]  # in the second and third batches

    def run(client, source, keys, args):
        if source == leaderboard._APPLY and "nx" in args:
            calls.append(1)
            if len(calls) == 2:  # the second batch was read from the database already
                Standing.objects.filter(pk=changed.pk).update(score=100, time_used_ms=1, finished_at=BASE)
                leaderboard.record(changed)
                Standing.objects.filter(pk=removed.pk).update(disqualified=True)
                leaderboard.remove(removed)
        return real_run(client, source, keys, args)

    monkeypatch.setattr(leaderboard, "_run", run)
    in_redis = backends.redis(leaderboard.top, quiz, "all", "", MAX_TOP)  # builds (3 batches)
    assert len(calls) == 3
    assert in_redis[0].person_id == changed.person_id
    assert removed.person_id not in [row.person_id for row in in_redis]
    assert in_redis == backends.db(leaderboard.top, quiz, "all", "", MAX_TOP)


def test_a_big_board_is_built_across_reads_and_the_database_answers_meanwhile(quiz, backends, use_redis,
                                                                             monkeypatch):
    bulk_standings(quiz, random.Random(6), 35, "steps")
    Standing.objects.filter(quiz=quiz).update(disqualified=False)
    monkeypatch.setattr(leaderboard, "BUILD_BATCH", 10)
    monkeypatch.setattr(leaderboard, "LAZY_BUILD_BUDGET", 0)  # one batch per read
    ready = f"sciweek:quiz:lb:{{{quiz.pk}}}:v{quiz.leaderboard_version}:ready"
    nx_calls = []
    real_run = leaderboard._run

    def run(client, source, keys, args):
        if source == leaderboard._APPLY and "nx" in args:
            nx_calls.append(1)
        return real_run(client, source, keys, args)

    monkeypatch.setattr(leaderboard, "_run", run)
    expected = backends.db(leaderboard.top, quiz, "all", "", MAX_TOP)
    for step in range(3):  # batches of 10, 10, 10: not ready yet, the database answers
        assert backends.redis(leaderboard.top, quiz, "all", "", MAX_TOP) == expected
        assert len(nx_calls) == step + 1 and not raw(use_redis).exists(ready)
        if step == 1:  # a live write in the middle of the build is kept
            changed = fresh(quiz)[0]
            Standing.objects.filter(pk=changed.pk).update(score=100, time_used_ms=1)
            leaderboard.record(changed)
            expected = backends.db(leaderboard.top, quiz, "all", "", MAX_TOP)
            assert expected[0].person_id == changed.person_id
    assert backends.redis(leaderboard.top, quiz, "all", "", MAX_TOP) == expected  # the last 5: ready, from Redis
    assert len(nx_calls) == 4 and raw(use_redis).exists(ready)
    assert not raw(use_redis).exists(ready.replace(":ready", ":cursor"))
    standings = fresh(quiz)
    assert backends.redis(all_reads, quiz, standings) == backends.db(all_reads, quiz, standings)
    assert len(nx_calls) == 4


def test_my_rank_on_every_board(quiz, backends):
    standings = bulk_standings(quiz, random.Random(11), 40, "mine")
    Standing.objects.filter(quiz=quiz).update(disqualified=False, score=60, time_used_ms=50_000, finished_at=BASE)
    me = sorted(fresh(quiz), key=lambda s: s.person_id)[-1]  # all tied: the highest id ranks last
    Standing.objects.filter(pk=me.pk).update(province_code="130000", city_code="130100", school_name="第一中学")
    expected = model_rank(fresh(quiz), me.person_id)
    assert expected["all"] == (40, 40)
    for read in (backends.db, backends.redis):
        assert read(leaderboard.rank_of, quiz, me.person_id) == expected
    Standing.objects.filter(pk=me.pk).update(time_used_ms=49_999)  # a millisecond faster: first everywhere
    leaderboard.record(me)
    for read in (backends.db, backends.redis):
        ranks = read(leaderboard.rank_of, quiz, me.person_id)
        assert {scope: rank for scope, (rank, _total) in ranks.items()} == {
            "all": 1, "province": 1, "city": 1, "school": 1}
    assert standings  # built through bulk_standings


def test_disqualified_standings_are_on_no_board(quiz, backends):
    standings = bulk_standings(quiz, random.Random(12), 30, "dq")
    Standing.objects.filter(quiz=quiz).update(disqualified=False)
    best = model_order(fresh(quiz))[0]
    backends.redis(leaderboard.top, quiz)  # built
    Standing.objects.filter(pk=best.pk).update(disqualified=True)
    leaderboard.remove(best)
    for read in (backends.db, backends.redis):
        assert best.person_id not in [r.person_id for r in read(leaderboard.top, quiz, "all", "", MAX_TOP)]
        assert read(leaderboard.rank_of, quiz, best.person_id) == {}
        for scope, key in scopes_of(best).items():
            assert best.person_id not in [r.person_id for r in read(leaderboard.top, quiz, scope, key, MAX_TOP)]
    # A record() of a disqualified standing (a late signal) does not bring it back.
    leaderboard.record(best)
    assert backends.redis(leaderboard.rank_of, quiz, best.person_id) == {}
    assert len(standings) == 30


def test_redis_queries_are_bounded(quiz, backends, django_assert_num_queries):
    standings = bulk_standings(quiz, random.Random(13), 60, "rq")
    person = next(s for s in standings if not s.disqualified)
    backends.redis(leaderboard.top, quiz)  # built
    with django_assert_num_queries(2):  # the board's version, the rows' names
        assert len(leaderboard.top(quiz, "all", "", 20)) == 20
    with django_assert_num_queries(1):  # the board's version
        assert leaderboard.rank_of(quiz, person.person_id)["all"][1] == len(model_order(standings))
    with django_assert_num_queries(1):  # the standing and the version, in one
        leaderboard.record(person)


# --- through the services ------------------------------------------------------------------------------

def take(quiz, person, correct: int, division=None, school=""):
    services.register(quiz, person, display_name=f"选手{person.pk}", division=division, school_name=school)
    attempt = services.start_attempt(quiz, person)
    for i in range(5):
        item = services.serve(attempt)
        key = services.bank.question_info(quiz, item.question_id)["key"]
        wrong = [o for o in item.option_order if o not in key][:1]
        services.answer(attempt, person, position=item.position, option_ids=key if i < correct else wrong)
    return services.finish(attempt, person)


def test_finishing_registering_and_disqualifying_move_the_redis_boards(quiz, backends,
                                                                       django_capture_on_commit_callbacks):
    cities = list(Division.objects.filter(code__startswith="13", code__endswith="00").exclude(
        code__endswith="0000").order_by("code")[:2])
    takers = people(6, "svc")
    assert backends.redis(leaderboard.top, quiz) == []  # built, empty
    with django_capture_on_commit_callbacks(execute=True):
        done = [take(quiz, person, correct=i % 5, division=cities[i % 2], school="第一中学")
                for i, person in enumerate(takers)]
    assert all(a.status == "finished" for a in done)

    def same():
        standings = fresh(quiz)
        assert backends.redis(all_reads, quiz, standings, sizes=(10,)) == backends.db(
            all_reads, quiz, standings, sizes=(10,))
        return standings

    standings = same()
    assert len(leaderboard.top(quiz, "school", f"{cities[0].code}|第一中学", 10)) == 3
    mover = takers[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.register(quiz, mover, display_name="新名字", division=cities[1], school_name="实验小学")
    same()
    assert mover.pk not in [r.person_id for r in leaderboard.top(quiz, "school", f"{cities[0].code}|第一中学")]
    assert [r.person_id for r in leaderboard.top(quiz, "school", f"{cities[1].code}|实验小学")] == [mover.pk]
    cheat = max(standings, key=lambda s: s.score)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_attempt(cheat.attempt, actor=User.objects.get(username="hebei-admin"), disqualify=True,
                                note="代答")
    same()
    assert leaderboard.rank_of(quiz, cheat.person_id) == {}
    with django_capture_on_commit_callbacks(execute=True):  # cleared on a second look: back on the boards
        services.review_attempt(cheat.attempt, actor=User.objects.get(username="hebei-admin"), disqualify=False)
    same()
    assert leaderboard.rank_of(quiz, cheat.person_id)["all"][0] == 1
    assert Quiz.objects.get(pk=quiz.pk).leaderboard_version == quiz.leaderboard_version


# --- Redis away ------------------------------------------------------------------------------------------

class Clock:
    """leaderboard's monotonic clock, moved forward by the test (a cooldown without the wait)."""

    def __init__(self):
        self.offset = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.offset


def test_a_hung_redis_degrades_to_the_database_and_the_missed_board_is_rebuilt(quiz, backends, use_redis,
                                                                               settings, monkeypatch, caplog):
    cooldown = 30.0  # longer than the reads below take, however slow the machine: they pay one timeout
    settings.CACHES = {"default": cache_options(use_redis.url, cooldown=cooldown)}
    clock = Clock()
    monkeypatch.setattr(leaderboard, "time", clock)
    standings = bulk_standings(quiz, random.Random(21), 50, "hang")
    Standing.objects.filter(quiz=quiz).update(disqualified=False)
    standings = fresh(quiz)
    before = backends.redis(all_reads, quiz, standings, sizes=(MAX_TOP,))
    version = Quiz.objects.get(pk=quiz.pk).leaderboard_version
    last = model_order(standings)[-1]

    use_redis.hang()
    start = time.perf_counter()
    assert leaderboard.top(quiz, "all", "", 10) == before[0][("all", "", MAX_TOP)][:10]  # the one timeout
    assert time.perf_counter() - start < READ_TIMEOUT + 1.5
    tops, ranks = all_reads(quiz, standings, sizes=(MAX_TOP,))  # dozens more reads, none waits for Redis
    assert (tops, ranks) == before
    outages = [r for r in caplog.records if r.getMessage().startswith("Redis unavailable for leaderboards")]
    assert len(outages) == 1  # one timeout in all: every later call skipped Redis
    # The last becomes the first while Redis is away: the write cannot reach the board.
    Standing.objects.filter(pk=last.pk).update(score=100, time_used_ms=1)
    leaderboard.record(last)
    assert Quiz.objects.get(pk=quiz.pk).leaderboard_version == version + 1
    assert leaderboard.top(quiz, "all", "", 1)[0].person_id == last.person_id  # from the database

    use_redis.resume()
    stale = raw(use_redis).zrange(f"sciweek:quiz:lb:{{{quiz.pk}}}:v{version}:z:a", 0, 0)
    assert stale and not stale[0].decode().endswith(f"{last.person_id:016x}")  # Redis kept the old board
    clock.offset += cooldown + 1  # the cooldown is over
    standings = fresh(quiz)
    after = all_reads(quiz, standings, sizes=(MAX_TOP,))  # in Redis again: the new version, built afresh
    assert leaderboard.top(quiz, "all", "", 1)[0].person_id == last.person_id
    assert after == backends.db(all_reads, quiz, standings, sizes=(MAX_TOP,))
    assert raw(use_redis).exists(f"sciweek:quiz:lb:{{{quiz.pk}}}:v{version + 1}:ready")
    assert raw(use_redis).keys(f"sciweek:quiz:lb:{{{quiz.pk}}}:v{version}:*") == []  # the stale one dropped


def test_writes_skipped_while_redis_is_away_are_not_lost(quiz, backends, use_redis):
    """After the first failure the breaker skips Redis: every skipped write still moves the
    version on (from the version it read), so a board built in between is not trusted."""
    bulk_standings(quiz, random.Random(22), 20, "skip")
    Standing.objects.filter(quiz=quiz).update(disqualified=False)
    backends.redis(leaderboard.top, quiz)  # built
    first, second = fresh(quiz)[:2]
    version = Quiz.objects.get(pk=quiz.pk).leaderboard_version
    use_redis.hang()
    for standing, score in ((first, 100), (second, 100)):
        Standing.objects.filter(pk=standing.pk).update(score=score, time_used_ms=standing.pk)
        leaderboard.record(standing)
    assert Quiz.objects.get(pk=quiz.pk).leaderboard_version == version + 2
    leaderboard._missed(quiz.pk, version + 1)  # a writer that read an older version: no second bump
    assert Quiz.objects.get(pk=quiz.pk).leaderboard_version == version + 2
    use_redis.resume()
    time.sleep(COOLDOWN + 0.1)
    standings = fresh(quiz)
    assert backends.redis(all_reads, quiz, standings) == backends.db(all_reads, quiz, standings)


def test_a_redis_that_refuses_connections_is_the_database(quiz, settings, dead_redis_url):
    settings.REDIS_URL = dead_redis_url
    settings.CACHES = {"default": cache_options(dead_redis_url)}
    standings = bulk_standings(quiz, random.Random(23), 40, "dead")
    assert leaderboard.backend() == "redis"
    assert_model(quiz, standings, *all_reads(quiz, standings))
    version = Quiz.objects.get(pk=quiz.pk).leaderboard_version
    leaderboard.record(standings[0])
    assert Quiz.objects.get(pk=quiz.pk).leaderboard_version == version + 1
    assert leaderboard.rebuild(quiz) is False  # nothing to build on: the next read does it


def test_redis_stopped_mid_way(quiz, backends, use_redis):
    standings = bulk_standings(quiz, random.Random(24), 30, "stop")
    before = backends.redis(all_reads, quiz, standings)
    use_redis.process.terminate()
    use_redis.process.wait(timeout=10)
    assert all_reads(quiz, standings) == before
    leaderboard.record(standings[0])  # no error
    assert leaderboard.rank_of(quiz, standings[0].person_id) == before[1][standings[0].person_id]


def test_rebuild_replaces_the_board_and_drops_the_old_one(quiz, backends, use_redis):
    standings = bulk_standings(quiz, random.Random(25), 40, "rebuild")
    backends.redis(leaderboard.top, quiz)  # built as version v
    version = Quiz.objects.get(pk=quiz.pk).leaderboard_version
    # A bulk change that sent no signal (as a data repair would): Redis does not know it.
    Standing.objects.filter(quiz=quiz).update(score=0)
    Standing.objects.filter(pk=standings[-1].pk).update(score=100, disqualified=False)
    assert backends.redis(leaderboard.top, quiz, "all", "", 1) != backends.db(leaderboard.top, quiz, "all", "", 1)
    assert leaderboard.rebuild(quiz) is True
    assert quiz.leaderboard_version == version + 1
    standings = fresh(quiz)
    assert backends.redis(all_reads, quiz, standings) == backends.db(all_reads, quiz, standings)
    assert raw(use_redis).keys(f"sciweek:quiz:lb:{{{quiz.pk}}}:v{version}:*") == []
    assert leaderboard.top(quiz, "all", "", 1)[0].person_id == max(
        standings, key=lambda s: (not s.disqualified, s.score)).person_id


def test_rebuild_without_redis_does_nothing(quiz):
    assert leaderboard.rebuild(quiz) is False
    assert Quiz.objects.get(pk=quiz.pk).leaderboard_version == quiz.leaderboard_version


def test_a_board_being_built_elsewhere_is_read_from_the_database(quiz, backends, use_redis,
                                                                 django_assert_num_queries):
    standings = bulk_standings(quiz, random.Random(26), 20, "lock")
    raw(use_redis).set(f"sciweek:quiz:lb:{{{quiz.pk}}}:lock", "someone", px=60_000)
    assert backends.redis(all_reads, quiz, standings) == backends.db(all_reads, quiz, standings)
    assert not raw(use_redis).exists(f"sciweek:quiz:lb:{{{quiz.pk}}}:v{quiz.leaderboard_version}:ready")
    raw(use_redis).delete(f"sciweek:quiz:lb:{{{quiz.pk}}}:lock")
    leaderboard.top(quiz)
    assert raw(use_redis).exists(f"sciweek:quiz:lb:{{{quiz.pk}}}:v{quiz.leaderboard_version}:ready")
