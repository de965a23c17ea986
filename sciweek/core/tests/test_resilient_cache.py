"""The cache's circuit breaker: a Redis that is down or hung costs at most one short timeout,
then nothing until it is back; then the breaker closes and what the outage left stale is gone.

Timings are behavioural bounds, generous for a noisy machine (without the breaker every call
would wait the 0.3 s timeout: 10 calls 3 s), not benchmarks."""
import logging
import threading
import time

import pytest
from django.urls import reverse

from sciweek.accounts.models import User
from sciweek.core import resilient_cache
from sciweek.core.resilient_cache import CircuitBreaker, ResilientRedisCache
from sciweek.demo.demo_data import DEMO_PASSWORD

from . import redis_helpers
from .redis_helpers import COOLDOWN, READ_TIMEOUT, cache_options

_fresh_breakers, dead_redis_url, redis_server = (redis_helpers._fresh_breakers, redis_helpers.dead_redis_url,
                                                 redis_helpers.redis_server)  # fixtures

ONE_TIMEOUT = READ_TIMEOUT + 0.7  # what one failing call may cost here, with room for noise
TEN_CALLS_SKIPPED = 0.05


def make_cache(url, cooldown=COOLDOWN):
    return ResilientRedisCache(url, cache_options(url, cooldown))


def timed(call):
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


# What ten_calls answers while the breaker is open: plain values from the process's memory
# (FallbackCache), `add` refused (a lock must not count on one process).
OPEN_ANSWERS = ["miss", True, {"a": 1}, None, True] * 2


def ten_calls(cache):
    """Ten cache calls of the kinds pages make, none of which may reach Redis while it is away."""
    answers = []
    for _ in range(2):
        answers += [cache.get("a", "miss"), cache.set("a", 1), cache.get_many(["a", "b"]), cache.add("c", 1),
                    cache.delete("a")]
    return answers


def breaker_messages(caplog, text):
    return [r for r in caplog.records if r.name == "sciweek.cache" and text in r.getMessage()]


def test_a_down_redis_costs_one_refused_connect_then_is_not_asked(dead_redis_url, caplog, monkeypatch):
    cache = make_cache(dead_redis_url)
    value, first = timed(lambda: cache.get("a", "miss"))
    assert value == "miss" and first < ONE_TIMEOUT
    assert cache.breaker.state == CircuitBreaker.OPEN
    asked = []
    real = cache.client._client
    monkeypatch.setattr(real, "get", lambda *a, **k: asked.append(a))
    answers, elapsed = timed(lambda: ten_calls(cache))
    assert answers == OPEN_ANSWERS
    assert asked == [] and elapsed < TEN_CALLS_SKIPPED
    assert len(breaker_messages(caplog, "unavailable")) == 1  # logged once, not per call


def test_a_hung_redis_costs_one_read_timeout_then_nothing_until_it_is_back(redis_server, caplog):
    cache = make_cache(redis_server.url)
    cache.set("kept", "v")
    assert cache.get("kept") == "v" and cache.breaker.state == CircuitBreaker.CLOSED
    redis_server.hang()
    value, first = timed(lambda: cache.get("kept", "miss"))
    assert value == "miss" and READ_TIMEOUT * 0.8 < first < ONE_TIMEOUT
    answers, elapsed = timed(lambda: ten_calls(cache))
    assert answers == OPEN_ANSWERS and elapsed < TEN_CALLS_SKIPPED
    time.sleep(COOLDOWN + 0.1)
    _, probe = timed(lambda: cache.get("kept"))  # the probe: still hung, one more timeout
    assert probe < ONE_TIMEOUT and cache.breaker.state == CircuitBreaker.OPEN
    redis_server.resume()
    assert cache.get("kept", "miss") == "miss"  # inside the new cooldown: not asked yet
    time.sleep(COOLDOWN + 0.1)
    assert cache.get("kept") == "v"  # the probe reaches Redis and closes the breaker
    assert cache.breaker.state == CircuitBreaker.CLOSED
    cache.set("after", 2)
    assert cache.get("after") == 2
    assert len(breaker_messages(caplog, "unavailable")) == 1
    assert len(breaker_messages(caplog, "is back")) == 1


def test_writes_lost_in_the_outage_are_deleted_before_anything_is_read(redis_server):
    """A session deleted at sign-out while Redis was away must not come back from the cache."""
    cache = make_cache(redis_server.url)
    cache.set_many({"session": "signed-in", "counter": 5, "timed-out": "old", "untouched": "same"})
    redis_server.hang()
    cache.set("timed-out", "new")  # the first call: waits its timeout, may or may not be applied
    cache.delete("session")  # skipped: Redis keeps the signed-in session
    cache.incr("counter")  # skipped
    assert cache.breaker.state == CircuitBreaker.OPEN
    redis_server.resume()
    time.sleep(COOLDOWN + 0.1)
    assert cache.get("session") is None  # the probe deleted it first
    assert cache.get_many(["counter", "timed-out", "untouched"]) == {"untouched": "same"}
    assert cache.breaker.state == CircuitBreaker.CLOSED


def test_threads_share_one_breaker_and_each_waits_at_most_once(redis_server):
    """gunicorn gthread: Django gives every thread its own cache object; they share the breaker."""
    make_cache(redis_server.url).set("a", 1)
    redis_server.hang()
    barrier = threading.Barrier(8)
    spent = []

    def worker():
        cache = make_cache(redis_server.url)
        barrier.wait(timeout=10)
        start = time.perf_counter()
        for _ in range(20):
            cache.get("a")
        spent.append(time.perf_counter() - start)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(spent) == 8
    assert max(spent) < ONE_TIMEOUT  # without the breaker: 20 × 0.3 s each
    assert len(resilient_cache._breakers) == 1


# --- the breaker on its own, with a clock the test moves -------------------------------------

class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def open_breaker(clock, caplog=None):
    breaker = CircuitBreaker("test:1", cooldown=5, clock=clock)
    assert breaker.allow() == "closed"
    breaker.failed("closed", TimeoutError("read"))
    return breaker


def test_half_open_lets_exactly_one_probe_through():
    clock = Clock()
    breaker = open_breaker(clock)
    assert breaker.allow() is None
    clock.now += 5
    kinds = []
    barrier = threading.Barrier(10)

    def ask():
        barrier.wait(timeout=10)
        kinds.append(breaker.allow())

    threads = [threading.Thread(target=ask) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(kinds, key=str) == [None] * 9 + ["probe"]
    assert breaker.state == CircuitBreaker.HALF_OPEN


def test_a_failed_probe_opens_again_quietly_and_a_good_one_closes(caplog):
    clock = Clock()
    with caplog.at_level(logging.DEBUG, logger="sciweek.cache"):
        breaker = open_breaker(clock)
        clock.now += 5
        assert breaker.allow() == "probe"
        breaker.failed("probe", TimeoutError("read"))
        assert breaker.state == CircuitBreaker.OPEN and breaker.allow() is None
        clock.now += 5
        assert breaker.allow() == "probe"
        assert breaker.close_or_take() is None
    assert breaker.state == CircuitBreaker.CLOSED
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 2 and "unavailable" in warnings[0] and "back after 10.0 s (1 failed probes)" in warnings[1]


def test_a_straggler_does_not_reopen_or_close_and_an_interrupted_probe_hands_back_its_turn():
    clock = Clock()
    breaker = open_breaker(clock)
    clock.now += 3
    breaker.failed("closed", TimeoutError("started before the breaker opened"))
    clock.now += 2
    assert breaker.allow() == "probe"  # the cooldown was not extended by the straggler
    breaker.released("probe")
    assert breaker.state == CircuitBreaker.OPEN and breaker.allow() == "probe"


def test_keys_skipped_while_open_are_handed_to_the_probe_until_none_are_left():
    clock = Clock()
    breaker = open_breaker(clock)
    assert breaker.allow([("session", None)]) is None
    clock.now += 5
    assert breaker.allow() == "probe"
    assert breaker.allow([("other", 2)]) is None  # skipped while the probe runs
    assert sorted(breaker.close_or_take()) == [("other", 2), ("session", None)]
    assert breaker.state == CircuitBreaker.HALF_OPEN  # not closed while keys remained
    assert breaker.close_or_take() is None and breaker.state == CircuitBreaker.CLOSED


def test_the_log_names_the_server_without_its_password():
    assert resilient_cache._where("redis://:s3cret@10.0.0.5:6380/1") == "10.0.0.5:6380"
    assert resilient_cache._where("rediss://user:pw@cache.internal/0") == "cache.internal:6379"


# --- pages and sign-in with Redis hung --------------------------------------------------------

@pytest.fixture
def hung_site_cache(settings, redis_server):
    """The site's cache and cached_db sessions on our Redis; returns the server to hang."""
    settings.CACHES = {"default": cache_options(redis_server.url)}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    return redis_server


@pytest.fixture
def redis_waits(monkeypatch):
    """Time spent in calls that reached Redis (not those the breaker answered)."""
    spent = []
    real_call = resilient_cache.GuardedClient.call

    def call(self, name, method, args, kwargs):
        def timed_method(*a, **k):
            start = time.perf_counter()
            try:
                return method(*a, **k)
            finally:
                spent.append(time.perf_counter() - start)

        return real_call(self, name, timed_method, args, kwargs)

    monkeypatch.setattr(resilient_cache.GuardedClient, "call", call)
    return spent


@pytest.mark.django_db
def test_public_pages_with_redis_hung_wait_for_it_once(client, demo, hung_site_cache, redis_waits):
    assert client.get("/").status_code == 200
    healthy_calls = len(redis_waits)
    assert healthy_calls >= 2  # the home page does use the cache
    redis_waits.clear()
    hung_site_cache.hang()
    responses = [client.get("/") for _ in range(5)]
    assert [r.status_code for r in responses] == [200] * 5
    assert len(redis_waits) == 1 and redis_waits[0] < ONE_TIMEOUT  # one call reached Redis, 5 pages


@pytest.mark.django_db
def test_staff_sign_in_and_sign_out_work_with_redis_hung(client, demo, hung_site_cache):
    response = client.post(reverse("accounts:login"), {"username": "sjz-filer", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    hung_site_cache.hang()
    assert client.get(reverse("console:home")).status_code == 200  # the session comes from the database
    cookie = client.cookies["sessionid"].value
    client.post(reverse("accounts:logout"))
    # django-axes counts in the database: a wrong password is recorded with Redis hung.
    client.post(reverse("accounts:login"), {"username": "sjz-filer", "password": "wrong-password-1"})
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.filter(username="sjz-filer", failures_since_start=1).exists()
    hung_site_cache.resume()
    time.sleep(COOLDOWN + 0.1)
    client.cookies["sessionid"] = cookie  # the signed-out session, replayed after Redis returns
    response = client.get(reverse("console:home"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert User.objects.filter(username="sjz-filer").exists()


@pytest.mark.django_db
def test_a_signed_in_session_works_with_redis_down(client, demo, settings, dead_redis_url):
    settings.CACHES = {"default": cache_options(dead_redis_url)}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    user = User.objects.get(username="sjz-filer")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("console:home")).status_code == 200


def server_timing_cache_ms(response) -> float:
    name, duration = response.headers["Server-Timing"].split(";")
    assert name == "cache" and duration.startswith("dur=")
    return float(duration[4:])


@pytest.mark.django_db
def test_server_timing_tells_each_request_its_wait_on_redis(demo, hung_site_cache, settings):
    """What bench/faults/f4 judges by: the first page after Redis hangs waits one read timeout,
    the next ones nothing (the breaker answers); without the setting there is no header."""
    from django.test import Client

    assert "Server-Timing" not in Client().get("/").headers
    settings.SCIWEEK_SERVER_TIMING = True
    client = Client()  # a new handler: the middleware is chosen when it loads
    healthy = client.get("/")
    assert healthy.status_code == 200 and server_timing_cache_ms(healthy) < READ_TIMEOUT * 1000
    hung_site_cache.hang()
    waits = [server_timing_cache_ms(client.get("/")) for _ in range(3)]
    assert READ_TIMEOUT * 800 < waits[0] < ONE_TIMEOUT * 1000
    assert all(w < 20 for w in waits[1:])


def test_while_redis_is_away_plain_values_are_kept_in_the_process_and_dropped_when_it_is_back(redis_server):
    """A page computed a moment ago is found again (F3: without it every page is rendered
    whole on every request); counters and `add` still fail, so rate limits and locks go to
    the database; nothing kept meanwhile outlives the outage."""
    cache = make_cache(redis_server.url)
    cache.set("shared", "before")
    redis_server.hang()
    assert cache.get("shared", "miss") == "miss"  # the call that opens the breaker: one timeout
    cache.set("page", "<html>")
    cache.set_many({"a": 1, "b": 2}, timeout=3600)
    assert cache.get("page") == "<html>" and cache.get_many(["a", "b", "c"]) == {"a": 1, "b": 2}
    assert cache.has_key("a") and not cache.has_key("c")
    cache.delete("a")
    assert cache.get("a") is None
    assert cache.add("lock", 1) is None and cache.get("lock") is None  # not taken in memory
    assert cache.incr("shared") is None  # a counter is not counted in one process's memory
    redis_server.resume()
    time.sleep(COOLDOWN + 0.1)
    assert cache.get("page") is None  # the probe: Redis never had it, the memory copy is gone
    assert cache.get("b") is None
    assert cache.breaker.state == CircuitBreaker.CLOSED


def test_a_value_kept_while_away_lives_no_longer_than_the_fallback_allows(dead_redis_url, monkeypatch):
    from sciweek.core.resilient_cache import FALLBACK_SECONDS, FallbackCache

    assert FallbackCache._timeout(3600) == FALLBACK_SECONDS and FallbackCache._timeout(5) == 5
    cache = make_cache(dead_redis_url)
    cache.get("x")  # opens the breaker
    cache.set("x", 1, timeout=0)
    assert cache.get("x") is None
