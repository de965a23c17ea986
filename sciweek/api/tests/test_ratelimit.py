"""Fixed-window rate limits per client IP (per token when one is sent), fail-open on cache errors."""
import logging

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from sciweek.api import ratelimit
from sciweek.api.ratelimit import Rate, parse_rate

from .conftest import assert_error, bearer

pytestmark = pytest.mark.django_db

URL = "/api/v1/campaigns/current"
WINDOW_START = 1_700_000_040.0  # a minute boundary


@pytest.fixture
def limit_3(settings, monkeypatch):
    settings.SCIWEEK_API_RATE_LIMIT = "3/min"
    monkeypatch.setattr(ratelimit, "clock", lambda: WINDOW_START + 15)  # 45 s left in the window


def test_over_the_limit_is_429_with_retry_after(client, demo, limit_3):
    responses = [client.get(URL) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert [r["X-RateLimit-Remaining"] for r in responses] == ["2", "1", "0"]
    assert responses[0]["X-RateLimit-Limit"] == "3"
    response = client.get(URL)
    error = assert_error(response, 429, "rate_limited")
    assert response["Retry-After"] == "45"
    assert error["message"] == "请求过于频繁，请在 45 秒后重试。"
    assert error["details"] == {"limit": 3, "window": 60, "retry_after": 45}
    assert response["Cache-Control"] == "no-store"


def test_the_next_window_starts_afresh(client, demo, limit_3, monkeypatch):
    for _ in range(3):
        client.get(URL)
    assert client.get(URL).status_code == 429
    monkeypatch.setattr(ratelimit, "clock", lambda: WINDOW_START + 61)
    assert client.get(URL).status_code == 200


def test_invalid_and_unauthenticated_requests_count_too(client, demo, limit_3):
    assert client.get("/api/v1/campaigns/2020/activities?page=abc").status_code == 422
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/activities/0").status_code == 422
    assert_error(client.get("/api/v1/me"), 429, "rate_limited")


def test_limits_are_per_client_ip(client, demo, limit_3):
    for _ in range(3):
        client.get(URL, REMOTE_ADDR="10.0.0.1")
    assert client.get(URL, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert client.get(URL, REMOTE_ADDR="10.0.0.2").status_code == 200


def test_a_valid_token_has_its_own_budget(client, demo, limit_3, issue_token):
    _, key = issue_token()
    for _ in range(3):
        client.get(URL)
    assert client.get(URL).status_code == 429  # the shared IP is exhausted
    responses = [client.get(URL, **bearer(key)) for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    # An invalid token does not escape the IP's budget (and is refused anyway).
    assert_error(client.get(URL, **bearer("sw_not-a-real-token")), 429, "rate_limited")


def test_ipv6_clients_share_their_64(rf):
    first = rf.get("/", REMOTE_ADDR="2408:8207:1851:a8f0::1")
    second = rf.get("/", REMOTE_ADDR="2408:8207:1851:a8f0:1234:5678:9abc:def0")
    other = rf.get("/", REMOTE_ADDR="2408:8207:1851:a8f1::1")
    assert ratelimit.client_ip(first) == ratelimit.client_ip(second) == "2408:8207:1851:a8f0::/64"
    assert ratelimit.client_ip(other) != ratelimit.client_ip(first)
    assert ratelimit.client_ip(rf.get("/", REMOTE_ADDR="::ffff:10.1.2.3")) == "10.1.2.3"


def test_forwarded_for_is_trusted_only_behind_our_proxy(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7")
    settings.SECURE_PROXY_SSL_HEADER = None
    assert ratelimit.client_ip(request) == "10.0.0.9"
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert ratelimit.client_ip(request) == "203.0.113.7"  # the proxy's entry, not the client's claim


def test_a_failing_cache_lets_public_reads_through(client, demo, limit_3, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "add", broken)
    with caplog.at_level(logging.ERROR, logger="sciweek.api"):
        responses = [client.get(URL) for _ in range(5)]
    assert all(r.status_code == 200 for r in responses)
    assert "X-RateLimit-Remaining" not in responses[0]
    assert any("fail open" in r.getMessage() for r in caplog.records)


def test_a_cache_that_swallows_errors_also_fails_open(client, demo, limit_3, monkeypatch, caplog):
    monkeypatch.setattr(cache, "incr", lambda *args, **kwargs: None)  # django-redis with IGNORE_EXCEPTIONS
    assert all(client.get(URL).status_code == 200 for _ in range(5))
    assert any("fail open" in r.getMessage() for r in caplog.records)


def test_an_expired_counter_between_add_and_incr_restarts(demo, limit_3, monkeypatch):
    def vanished(*args, **kwargs):
        raise ValueError("Key not found")

    monkeypatch.setattr(cache, "incr", vanished)
    decision = ratelimit.hit(RequestFactory().get("/"))
    assert decision.allowed and decision.remaining == 2


@pytest.mark.parametrize(("value", "rate"), [
    ("120/min", Rate(120, 60)), ("10/s", Rate(10, 1)), ("1000/hour", Rate(1000, 3600)), ("5/10s", Rate(5, 10)),
    (" 60 / m ", Rate(60, 60)), ("20000/day", Rate(20000, 86400)), (90, Rate(90, 60)), ("90", Rate(90, 60)), (None, None), ("", None),
])
def test_rate_setting_formats(value, rate):
    assert parse_rate(value) == rate


@pytest.mark.parametrize("value", ["many", "10/fortnight", "0/min", "/min", "-5/min"])
def test_bad_rate_settings_fail_loudly(value):
    with pytest.raises(ImproperlyConfigured):
        parse_rate(value)


def test_limits_can_be_switched_off(client, demo, settings):
    settings.SCIWEEK_API_RATE_LIMIT = None
    response = client.get(URL)
    assert response.status_code == 200 and "X-RateLimit-Limit" not in response


def test_default_limit_is_120_per_minute(client, demo):
    assert client.get(URL)["X-RateLimit-Limit"] == "120"
