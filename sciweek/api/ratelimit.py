"""Fixed-window rate limits in Django's cache (Redis in production, local memory otherwise).

One counter per client and window: ``cache.add(key, 0)`` starts it, ``cache.incr(key)`` counts.
The client is a valid bearer token when one is sent (so people behind one school NAT who
sign in do not share a budget), else the client IP (an IPv6 client by its /64 network, which
one device can rotate through). Limit: ``settings.SCIWEEK_API_RATE_LIMIT`` ("120/min").
If the cache fails, requests pass (fail open) and the failure is logged: public reads must
not go down with Redis.
"""
import ipaddress
import logging
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from . import auth

logger = logging.getLogger("sciweek.api")

PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
           "d": 86400, "day": 86400}
RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$")


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


def hit(request: HttpRequest) -> Decision | None:
    """Count this request. None when limits are off or the cache failed (fail open)."""
    rate = current_rate()
    if rate is None:
        return None
    now = clock()
    window_start = int(now // rate.window) * rate.window
    key = f"sciweek:api:ratelimit:{client_key(request)}:{rate.window}:{window_start}"
    try:
        cache.add(key, 0, timeout=rate.window + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # the counter expired between add and incr: start it again
            cache.set(key, 1, timeout=rate.window + 1)
            count = 1
    except Exception:  # Redis down or misconfigured: serve the read, but say so in the logs
        logger.exception("API rate limit: cache unavailable, request allowed (fail open)")
        return None
    if count is None:  # django-redis with IGNORE_EXCEPTIONS swallows errors and answers None
        logger.warning("API rate limit: cache returned no count, request allowed (fail open)")
        return None
    retry_after = max(1, math.ceil(window_start + rate.window - now))
    return Decision(allowed=count <= rate.limit, limit=rate.limit, window=rate.window, remaining=max(0, rate.limit - count),
                    retry_after=retry_after)
