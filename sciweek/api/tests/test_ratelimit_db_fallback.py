"""With the cache down or hung, the API rate limit keeps counting token clients and writes in
the database (fails closed); anonymous reads pass. The database counter is one atomic upsert:
N concurrent hits count N (its read-then-write twin loses counts). Phone sign-in codes are
limited in the database under a per-phone lock (its unlocked twin sends two codes)."""
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from sciweek.api import ratelimit
from sciweek.api.models import RateCounter
from sciweek.core.tests import redis_helpers
from sciweek.core.tests.redis_helpers import READ_TIMEOUT, cache_options
from sciweek.participants import services as participants
from sciweek.participants.models import OneTimeCode

from .conftest import assert_error, bearer

_fresh_breakers, dead_redis_url, redis_server = (redis_helpers._fresh_breakers, redis_helpers.dead_redis_url,
                                                 redis_helpers.redis_server)  # fixtures

URL = "/api/v1/campaigns/current"
TOKEN_URL = "/api/v1/auth/token"
WINDOW_START = 1_700_000_040  # a minute boundary
WRONG_CODE = {"phone": "13800138000", "code": "000000", "consent": True}


@pytest.fixture
def limit_3(settings, monkeypatch):
    settings.SCIWEEK_API_RATE_LIMIT = "3/min"
    monkeypatch.setattr(ratelimit, "clock", lambda: WINDOW_START + 15)


@pytest.fixture
def cache_down(settings, dead_redis_url):
    settings.CACHES = {"default": cache_options(dead_redis_url)}


def db_hits(client_key):
    return RateCounter.objects.filter(key=f"api:{client_key}:60", window_start=WINDOW_START).values_list(
        "hits", flat=True).first()


@pytest.mark.django_db
def test_a_token_client_is_limited_in_the_database_with_the_cache_down(client, demo, limit_3, cache_down,
                                                                       issue_token):
    token, key = issue_token()
    responses = [client.get(URL, **bearer(key)) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert [r["X-RateLimit-Remaining"] for r in responses] == ["2", "1", "0"]
    response = client.get(URL, **bearer(key))
    error = assert_error(response, 429, "rate_limited")
    assert response["Retry-After"] == "45" and error["details"] == {"limit": 3, "window": 60, "retry_after": 45}
    assert db_hits(f"token:{token.pk}") == 4


@pytest.mark.django_db
def test_anonymous_writes_are_limited_in_the_database_and_reads_pass(client, demo, limit_3, cache_down):
    statuses = [client.post(TOKEN_URL, WRONG_CODE, content_type="application/json").status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]
    assert db_hits("ip:127.0.0.1") == 4
    reads = [client.get(URL) for _ in range(6)]  # a public read: fails open, uncounted
    assert all(r.status_code == 200 and "X-RateLimit-Remaining" not in r for r in reads)
    assert db_hits("ip:127.0.0.1") == 4


@pytest.mark.django_db
def test_with_a_working_cache_nothing_is_written_to_the_database(client, demo, limit_3, issue_token):
    _, key = issue_token()
    assert [client.get(URL, **bearer(key)).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert not RateCounter.objects.exists()


@pytest.mark.django_db
def test_a_hung_cache_costs_one_timeout_and_still_refuses(client, demo, limit_3, settings, redis_server,
                                                          issue_token):
    settings.CACHES = {"default": cache_options(redis_server.url)}
    _, key = issue_token()
    assert client.get(URL, **bearer(key)).status_code == 200  # counted in Redis
    redis_server.hang()
    start = time.perf_counter()
    statuses = [client.get(URL, **bearer(key)).status_code for _ in range(4)]
    elapsed = time.perf_counter() - start
    assert statuses == [200, 200, 200, 429]  # the database counts afresh: up to 2× the limit at the switch
    assert elapsed < READ_TIMEOUT + 2.0  # one read timeout, then the breaker answers (4 × 0.3 s without)


@pytest.mark.django_db
def test_expired_windows_are_swept(monkeypatch):
    now = timezone.now()
    RateCounter.objects.create(key="api:ip:10.0.0.1:60", window_start=1, hits=3, expires_at=now - timedelta(seconds=1))
    RateCounter.objects.create(key="api:ip:10.0.0.2:60", window_start=2, hits=1, expires_at=now + timedelta(seconds=30))
    monkeypatch.setattr(ratelimit, "_next_sweep", 0.0)
    assert ratelimit.count_in_db("api:ip:10.0.0.3:60", int(now.timestamp()) // 60 * 60, 60) == 1  # sweeps on the side
    assert sorted(RateCounter.objects.values_list("key", flat=True)) == ["api:ip:10.0.0.2:60", "api:ip:10.0.0.3:60"]
    assert ratelimit.sweep_expired(now + timedelta(minutes=2)) == 2


@pytest.mark.django_db
def test_the_upsert_names_the_models_table():
    assert RateCounter._meta.db_table == "api_ratecounter"
    assert ratelimit.count_in_db("k", 60, 60) == 1 and ratelimit.count_in_db("k", 60, 60) == 2
    assert ratelimit.count_in_db("k", 120, 60) == 1
    assert RateCounter.objects.get(key="k", window_start=60).expires_at.timestamp() == 120


# --- races ------------------------------------------------------------------------------------

THREADS = 30


def in_threads(work, n=THREADS):
    barrier = threading.Barrier(n)
    results, errors = [], []
    lock = threading.Lock()

    def run(i):
        try:
            barrier.wait(timeout=30)
            result = work(i)
            with lock:
                results.append(result)
        except Exception as error:  # noqa: BLE001 - reported by the test
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return results


def naive_count_in_db(key, window_start, window):
    """The bug the upsert prevents: read the count, then write it back plus one."""
    row, _ = RateCounter.objects.get_or_create(key=key, window_start=window_start, defaults={
        "expires_at": timezone.now() + timedelta(seconds=window)})
    time.sleep(0.005)  # the gap between read and write that concurrency falls into
    RateCounter.objects.filter(pk=row.pk).update(hits=row.hits + 1)
    return row.hits + 1


def post_request():
    return RequestFactory().post(TOKEN_URL, REMOTE_ADDR="10.9.9.9")


def burst_of_writes():
    """THREADS concurrent POSTs from one IP with the cache down; how many were allowed."""
    decisions = in_threads(lambda i: ratelimit.hit(post_request()))
    return sum(d.allowed for d in decisions), decisions


@pytest.fixture
def limit_10(settings, monkeypatch):
    settings.SCIWEEK_API_RATE_LIMIT = "10/min"
    monkeypatch.setattr(ratelimit, "clock", lambda: WINDOW_START + 15)


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_count_exactly_once_each(limit_10, cache_down):
    allowed, decisions = burst_of_writes()
    assert allowed == 10
    assert sorted(d.remaining for d in decisions) == [0] * (THREADS - 9) + list(range(1, 10))
    assert db_hits("ip:10.9.9.9") == THREADS


@pytest.mark.django_db(transaction=True)
def test_twin_read_then_write_loses_counts(limit_10, cache_down, monkeypatch):
    monkeypatch.setattr(ratelimit, "count_in_db", naive_count_in_db)
    allowed, _ = burst_of_writes()
    hits = db_hits("ip:10.9.9.9")
    assert hits < THREADS or allowed > 10  # the twin must fail: lost updates let more through


PHONE = "13800138077"


@pytest.mark.django_db(transaction=True)
def test_simultaneous_code_requests_send_one_code():
    outcomes = in_threads(lambda i: _request(PHONE, f"10.8.0.{i}"), n=12)
    assert outcomes.count("sent") == 1 and outcomes.count("refused") == 11
    assert OneTimeCode.objects.filter(phone=PHONE).count() == 1


@pytest.mark.django_db(transaction=True)
def test_twin_without_the_lock_sends_several_codes(monkeypatch):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's IMMEDIATE transactions serialize writers by themselves; the lock matters on PostgreSQL")
    monkeypatch.setattr(participants, "_hold_code_requests", lambda phone, ip, now: None)
    outcomes = in_threads(lambda i: _request(PHONE, f"10.8.1.{i}"), n=12)
    assert outcomes.count("sent") > 1  # the twin must fail: two requests both saw no recent code


def _request(phone, ip):
    try:
        participants.request_code(phone, ip=ip)
        return "sent"
    except participants.RateLimited:
        return "refused"
