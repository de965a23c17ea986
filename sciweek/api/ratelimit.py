"""Fixed-window rate limits in Django's cache (Redis in production, local memory otherwise),
falling back to a counter in the database when the cache cannot count.

One counter per client and window: ``cache.add(key, 0)`` starts it, ``cache.incr(key)`` counts.
The client is a valid bearer token when one is sent (so people behind one school NAT who
sign in do not share a budget), else the client IP (an IPv6 client by its /64 network, which
one device can rotate through). Limit: ``settings.SCIWEEK_API_RATE_LIMIT`` ("120/min").

When the cache fails (Redis down or hung: django-redis answers None, or raises), the limit
fails *closed* for what abuse would use: a token client and every write (POST, PUT, PATCH,
DELETE) are counted in the database (`RateCounter`, one atomic upsert per request). Anonymous
reads pass (fail open, logged): the public catalog must not go down with Redis, nor put a
database write on every page view. The cache and the database count separately, so in the
window where Redis fails or returns a client may get up to twice its limit.
"""
import ipaddress
import logging
import math
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http import HttpRequest

from . import auth
from .models import RateCounter

logger = logging.getLogger("sciweek.api")

PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
           "d": 86400, "day": 86400}
RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SWEEP_EVERY = 60.0  # seconds between sweeps of ended windows, per process
# Valid on PostgreSQL and SQLite >= 3.35 (double-quoted identifiers, ON CONFLICT ... RETURNING).
UPSERT_SQL = (
    'INSERT INTO "api_ratecounter" ("key", "window_start", "hits", "expires_at") VALUES (%s, %s, 1, %s) '
    'ON CONFLICT ("key", "window_start") DO UPDATE SET "hits" = "api_ratecounter"."hits" + 1 '
    'RETURNING "hits"'
)


@dataclass(frozen=True)
class Rate:
    limit: int
    window: int  # seconds


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    window: int
    remaining: int
    retry_after: int  # seconds until the window ends

    def headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Reset": str(self.retry_after)}


def parse_rate(value) -> Rate | None:
    """'120/min', '10/s', '1000/h', '5/10s' or a number per minute; None, '' or 0 turns limits off."""
    if value in (None, "", 0, "0"):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        return Rate(int(value), 60)
    match = RATE.match(str(value).lower())
    if not match or match.group(3) not in PERIODS or int(match.group(1)) < 1:
        raise ImproperlyConfigured(f"SCIWEEK_API_RATE_LIMIT: expected e.g. '120/min', got {value!r}")
    return Rate(int(match.group(1)), int(match.group(2) or 1) * PERIODS[match.group(3)])


def clock() -> float:
    return time.time()


def current_rate() -> Rate | None:
    return parse_rate(getattr(settings, "SCIWEEK_API_RATE_LIMIT", "120/min"))


def client_ip(request: HttpRequest) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    if settings.SECURE_PROXY_SSL_HEADER:
        # Behind our own reverse proxy (SCIWEEK_BEHIND_PROXY): the proxy appends the address it
        # saw as the last X-Forwarded-For entry; earlier entries come from the client and lie.
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        address = forwarded or address
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return f"{ipaddress.ip_network(f'{ip}/64', strict=False).network_address}/64"
    return str(ip)


def client_key(request: HttpRequest) -> str:
    token = auth.credentials(request).token
    return f"token:{token.pk}" if token is not None else f"ip:{client_ip(request)}"


def must_count(request: HttpRequest, client: str) -> bool:
    """Whether this request is limited even when the cache is down: a token client or a write."""
    return client.startswith("token:") or request.method not in SAFE_METHODS


def count_in_db(key: str, window_start: int, window: int) -> int:
    """Count one hit of `key` in the window starting at `window_start` (Unix seconds); returns
    the window's count including this hit.

    One statement, so concurrent hits never lose a count: the unique (key, window_start) row is
    inserted, or incremented in place under the row lock the database takes for the update
    (PostgreSQL; SQLite ≥ 3.35 writes one at a time). Django has no portable upsert that
    returns the new value, hence the raw SQL. Inside a transaction the row stays locked until
    commit, which callers may use to serialize their own check-then-insert
    (`participants.services.request_code`)."""
    expires_at = datetime.fromtimestamp(window_start + window, tz=UTC)
    with connection.cursor() as cursor:
        cursor.execute(UPSERT_SQL, [key, int(window_start), connection.ops.adapt_datetimefield_value(expires_at)])
        count = cursor.fetchone()[0]
    _sweep_now_and_then()
    return count


def sweep_expired(now: datetime | None = None) -> int:
    """Delete counters whose window has ended (one indexed DELETE); returns how many."""
    now = now or datetime.fromtimestamp(clock(), tz=UTC)  # the clock windows are cut by
    deleted, _ = RateCounter.objects.filter(expires_at__lte=now).delete()
    return deleted


_sweep_lock = threading.Lock()
_next_sweep = 0.0


def _sweep_now_and_then() -> None:
    """Sweep on the side of counting, at most once a minute per process: the table only grows
    while the cache is down, which is exactly when this runs."""
    global _next_sweep
    with _sweep_lock:
        if time.monotonic() < _next_sweep:
            return
        _next_sweep = time.monotonic() + SWEEP_EVERY
    sweep_expired()


def _count_in_cache(key: str, rate: Rate) -> int | None:
    """The window's count in the cache, or None when the cache did not count."""
    if cache.add(key, 0, timeout=rate.window + 1) is None:  # django-redis swallowed an error
        return None
    try:
        return cache.incr(key)
    except ValueError:  # the counter expired between add and incr: start it again
        cache.set(key, 1, timeout=rate.window + 1)
        return 1


def hit(request: HttpRequest) -> Decision | None:
    """Count this request. None when limits are off, or when the cache failed for a request
    that may pass uncounted (an anonymous read: fail open)."""
    rate = current_rate()
    if rate is None:
        return None
    now = clock()
    window_start = int(now // rate.window) * rate.window
    client = client_key(request)
    failure = None
    try:
        count = _count_in_cache(f"sciweek:api:ratelimit:{client}:{rate.window}:{window_start}", rate)
    except Exception as error:  # a cache that raises (not django-redis with IGNORE_EXCEPTIONS)
        count, failure = None, error
    if count is None:
        if not must_count(request, client):
            if failure is not None:
                logger.error("API rate limit: cache unavailable, request allowed (fail open)", exc_info=failure)
            else:
                logger.warning("API rate limit: cache returned no count, request allowed (fail open)")
            return None
        if failure is not None:
            logger.error("API rate limit: cache unavailable, counted in the database", exc_info=failure)
        # Redis being away is logged once by the cache's circuit breaker, not here per request.
        count = count_in_db(f"api:{client}:{rate.window}", window_start, rate.window)
    retry_after = max(1, math.ceil(window_start + rate.window - now))
    return Decision(allowed=count <= rate.limit, limit=rate.limit, window=rate.window, remaining=max(0, rate.limit - count),
                    retry_after=retry_after)
