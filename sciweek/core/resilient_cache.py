"""django-redis with a circuit breaker: a hung or absent Redis costs a request at most one
short timeout, not one per cache call.

django-redis with ``IGNORE_EXCEPTIONS`` already turns a Redis error into a cache miss, but
every call still waits out its socket timeout: with Redis hung (SIGSTOP) a page making six
cache calls waited 6 × 0.5 s. Here the first connection error or timeout *opens* the breaker
(one per Redis server, shared by every thread of the process): for ``CIRCUIT_COOLDOWN``
seconds every cache call answers at once as django-redis answers a failed one (a miss, a
no-op, ``{}`` for ``get_many``). After the cooldown one call is let through as a probe
(half-open) while the others keep answering at once; its success closes the breaker, its
failure opens it for another cooldown. Opening and closing are logged once each.

Writes that did not reach Redis while it was away (a session deleted at sign-out, a
counter bumped, a value replaced) would leave Redis holding an older value once it is back:
the breaker remembers those keys (bounded) and deletes them when it closes, so a signed-out
session cannot come back from the cache. A process that restarts during an outage forgets
its list; the values then live until their timeout.

While the breaker is open, plain values are kept in a small memory cache of the process
(``FallbackCache``: get, set, delete and their ``_many`` forms, each value for at most
``FALLBACK_SECONDS``), so pages still find what they computed a moment ago instead of
rendering everything whole on every request (F3 in docs/reliability.md: 10× the p95 on one
core without it). Counters, ``add`` (used as a lock) and the rest still fail as misses, so
security limits and locks fall back to the database as before; a value kept there is seen by
this process only and is dropped when the breaker closes (the keys written meanwhile are
deleted in Redis too), so no process reads a value the outage left behind.

Settings (``CACHES[...]["OPTIONS"]``): ``IGNORE_EXCEPTIONS`` as django-redis;
``CIRCUIT_COOLDOWN`` (seconds, default 5). Pick short ``SOCKET_CONNECT_TIMEOUT`` and
``SOCKET_TIMEOUT``: they are what the first failing request pays.
"""
import contextvars
import logging
import socket
import threading
import time
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("sciweek.cache")

DEFAULT_COOLDOWN = 5.0
FALLBACK_SECONDS = 30  # the longest a value lives in the process while Redis is away
FALLBACK_ENTRIES = 2_000
MAX_UNSYNCED_KEYS = 20_000  # keys remembered for repair per server and process (~2 MB at most)
REPAIR_BATCH = 500

# The client methods django-redis guards with `omit_exception` (its cache methods of the same
# name call them; `_get` calls `get`). Derived, so a django-redis upgrade that adds one is
# covered; `close` is left out: closing must work with the breaker open.
GUARDED = frozenset(
    {"get" if name == "_get" else name for name, value in vars(RedisCache).items()
     if callable(value) and hasattr(value, "__wrapped__")} - {"close"}
)
# Guarded calls that change a key: when one fails or is skipped, Redis may keep an older value.
WRITES_ONE = frozenset({"set", "add", "delete", "incr", "decr", "incr_version", "touch", "expire", "expire_at",
                        "pexpire", "pexpire_at", "persist", "sadd", "srem", "smove", "spop", "hset", "hdel",
                        "zadd", "zincrby", "zpopmax", "zpopmin", "zrem", "zremrangebyscore", "sdiffstore",
                        "sinterstore", "sunionstore"})
WRITES_MANY = frozenset({"set_many", "delete_many", "delete_pattern", "clear"})
# What counts as "Redis is not answering": not a ResponseError (Redis answered, e.g. WRONGTYPE).
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, socket.timeout, OSError)


# The time the current request spent waiting on Redis (core.middleware.ServerTimingMiddleware
# starts it; None outside a timed request). Per thread and per task, as contextvars are.
_waited: contextvars.ContextVar = contextvars.ContextVar("sciweek_cache_waited", default=None)


def start_timing() -> contextvars.Token:
    return _waited.set([0.0])


def stop_timing(token: contextvars.Token) -> float:
    """Seconds spent in Redis calls since `start_timing` (skipped calls cost nothing)."""
    holder = _waited.get()
    _waited.reset(token)
    return holder[0] if holder else 0.0


class CircuitOpen(RedisConnectionError):
    """Raised (inside django-redis' ConnectionInterrupted) instead of calling Redis while the
    breaker is open; with IGNORE_EXCEPTIONS it becomes a miss like any connection error."""


def _where(server) -> str:
    """host:port of the server(s), without any password in the URL, for the logs."""
    servers = server if isinstance(server, list | tuple) else str(server).split(",")
    places = []
    for url in servers:
        parts = urlsplit(url.strip())
        places.append(f"{parts.hostname}:{parts.port or 6379}" if parts.hostname else (parts.path or "?"))
    return ", ".join(places)


class FallbackCache:
    """The process's memory cache for plain values while the breaker is open. Only reads and
    plain writes are served: `incr`, `add` and the rest keep failing, so what must be shared
    (rate limits, locks) never counts on one process's memory."""

    SERVED = frozenset({"get", "set", "delete", "get_many", "set_many", "delete_many", "has_key"})

    def __init__(self, name: str):
        self._cache = LocMemCache(f"sciweek-fallback-{name}", {
            "TIMEOUT": FALLBACK_SECONDS, "OPTIONS": {"MAX_ENTRIES": FALLBACK_ENTRIES, "CULL_FREQUENCY": 4}})

    @staticmethod
    def _timeout(timeout):
        if timeout is DEFAULT_TIMEOUT or timeout is None:
            return FALLBACK_SECONDS
        return max(0, min(float(timeout), FALLBACK_SECONDS))

    def serves(self, name: str, kwargs: dict) -> bool:
        return name in self.SERVED and not kwargs.get("nx") and not kwargs.get("xx")

    def call(self, name: str, args: tuple, kwargs: dict):
        """The django-redis client method `name`, answered from memory (its positional order)."""
        c = self._cache

        def arg(position, keyword, default=None):
            return args[position] if len(args) > position else kwargs.get(keyword, default)

        if name == "get":
            return c.get(arg(0, "key"), arg(1, "default"), version=arg(2, "version"))
        if name == "set":
            c.set(arg(0, "key"), arg(1, "value"), self._timeout(arg(2, "timeout", DEFAULT_TIMEOUT)),
                  version=arg(3, "version"))
            return True
        if name == "delete":
            return int(c.delete(arg(0, "key"), version=arg(1, "version")))
        if name == "get_many":
            return c.get_many(arg(0, "keys", ()), version=arg(1, "version"))
        if name == "set_many":
            c.set_many(arg(0, "data", {}), self._timeout(arg(1, "timeout", DEFAULT_TIMEOUT)), version=arg(2, "version"))
            return None
        if name == "delete_many":
            keys = list(arg(0, "keys", ()))
            c.delete_many(keys, version=arg(1, "version"))
            return len(keys)
        if name == "has_key":
            return c.has_key(arg(0, "key"), version=arg(1, "version"))
        raise KeyError(name)

    def clear(self) -> None:
        self._cache.clear()


class CircuitBreaker:
    """Closed → (failure) → open → (cooldown) → half-open: one probe → closed or open again.

    Also keeps the keys whose writes did not reach Redis (skipped while open, or failed): the
    probe deletes them before anything else is read, and the breaker closes only when none
    are left, so no caller ever reads a value the outage left stale."""

    CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"

    def __init__(self, name: str, cooldown: float = DEFAULT_COOLDOWN, clock=time.monotonic):
        self.name = name
        self.cooldown = cooldown
        self.clock = clock
        self.state = self.CLOSED
        self._lock = threading.Lock()
        self._opened_at = 0.0
        self._outage_started = 0.0
        self._failed_probes = 0
        self._unsynced: set = set()
        self._overflow = False
        self.fallback = FallbackCache(name)

    def allow(self, writes: list | None = None) -> str | None:
        """The kind of call this may be ("closed" or "probe"), or None: answer without Redis
        (and remember `writes`, the (key, version) pairs the skipped call would have written)."""
        if self.state == self.CLOSED:  # the hot path: one attribute read, no lock
            return "closed"
        with self._lock:
            if self.state == self.CLOSED:
                return "closed"
            if self.state == self.OPEN and self.clock() - self._opened_at >= self.cooldown:
                self.state = self.HALF_OPEN  # this caller probes; everyone else still skips
                return "probe"
            self._remember(writes)
            return None

    def failed(self, kind: str, error: BaseException, writes: list | None = None) -> None:
        with self._lock:
            self._remember(writes)  # a failed write may or may not have reached Redis
            if kind == "probe":
                self._failed_probes += 1
                logger.debug("Redis at %s still unavailable (%s)", self.name, error)
            elif self.state != self.CLOSED:
                return  # a call started before the breaker opened: it is open already
            else:
                self._outage_started = self.clock()
                self._failed_probes = 0
                logger.warning("Redis at %s unavailable (%s: %s): the cache answers as a miss, retrying every %g s",
                               self.name, type(error).__name__, error, self.cooldown)
            self.state = self.OPEN
            self._opened_at = self.clock()

    def close_or_take(self) -> list | None:
        """For the probe, after Redis answered: None once closed, or the keys still to delete
        first (the breaker stays half-open until they are gone)."""
        with self._lock:
            if self._unsynced:
                keys, self._unsynced = list(self._unsynced), set()
                return keys
            self.state = self.CLOSED
            overflow, self._overflow = self._overflow, False
            self.fallback.clear()  # what the process kept meanwhile never reached Redis
        logger.warning("Redis at %s is back after %.1f s (%d failed probes): cache in use again",
                       self.name, self.clock() - self._outage_started, self._failed_probes)
        if overflow:
            logger.warning("Redis at %s: more than %d keys were written during the outage; the others keep their "
                           "old value until it expires", self.name, MAX_UNSYNCED_KEYS)
        return None

    def remember(self, writes: list | None) -> None:
        with self._lock:
            self._remember(writes)

    def has_unsynced(self) -> bool:
        return bool(self._unsynced)

    def released(self, kind: str) -> None:
        """The probe ended without a verdict (e.g. the worker was interrupted): the next call probes."""
        if kind == "probe":
            with self._lock:
                if self.state == self.HALF_OPEN:
                    self.state = self.OPEN

    def _remember(self, writes) -> None:
        if writes is UNKNOWN_WRITES:
            logger.warning("Redis at %s: a pattern delete or clear was not applied and cannot be repaired", self.name)
            return
        for key in writes or ():
            if len(self._unsynced) >= MAX_UNSYNCED_KEYS:
                self._overflow = True
                return
            self._unsynced.add(key)


_breakers: dict[tuple, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(server, cooldown: float) -> CircuitBreaker:
    """One breaker per Redis server per process: Django gives each thread its own cache
    object, but they all talk to the same Redis and must stop asking together."""
    key = (str(server), cooldown)
    with _breakers_lock:
        if key not in _breakers:
            _breakers[key] = CircuitBreaker(_where(server), cooldown)
        return _breakers[key]


UNKNOWN_WRITES = ["*"]  # a write whose keys cannot be listed (delete_pattern, clear)


def written_keys(name: str, args: tuple, kwargs: dict) -> list | None:
    """The (key, version) pairs a guarded call writes: None for a read."""
    version = kwargs.get("version")
    if name in WRITES_ONE:
        key = args[0] if args else kwargs.get("key")
        return [(key, version)] if key is not None else []
    if name == "set_many":
        return [(key, version) for key in (args[0] if args else kwargs.get("data", {}))]
    if name == "delete_many":
        return [(key, version) for key in (args[0] if args else kwargs.get("keys", []))]
    if name in WRITES_MANY:
        return UNKNOWN_WRITES
    return None


class GuardedClient:
    """The django-redis client behind a breaker: guarded calls go through `call`, everything
    else (make_key, get_client, close, …) straight to the client."""

    def __init__(self, client, breaker: CircuitBreaker):
        self._client = client
        self._breaker = breaker

    def __getattr__(self, name):
        attribute = getattr(self._client, name)
        if name not in GUARDED:
            return attribute

        def guarded(*args, **kwargs):
            return self.call(name, attribute, args, kwargs)

        return guarded

    def call(self, name, method, args, kwargs):
        breaker = self._breaker
        writes = written_keys(name, args, kwargs)
        kind = breaker.allow(writes)
        if kind == "probe" and breaker.has_unsynced():
            # Redis may hold values the outage left stale: delete them before this call can read one.
            if self._recover():
                kind = "closed"
            else:
                breaker.remember(writes)
                kind = None
        if kind is None:
            if breaker.fallback.serves(name, kwargs):
                return breaker.fallback.call(name, args, kwargs)
            raise ConnectionInterrupted(connection=None) from CircuitOpen(f"circuit open for Redis at {breaker.name}")
        started = time.perf_counter()
        try:
            result = method(*args, **kwargs)
        except ConnectionInterrupted as interrupted:
            if isinstance(interrupted.__cause__, OUTAGE_ERRORS):
                breaker.failed(kind, interrupted.__cause__, writes)
            elif kind == "probe":  # Redis answered, with an error of the command
                self._recover()
            raise
        except BaseException:
            # Not a verdict on Redis (a value that would not pickle, incr of a missing key, the
            # worker interrupted): a probe hands its turn back, the next call probes again.
            breaker.released(kind)
            raise
        finally:
            holder = _waited.get()
            if holder is not None:
                holder[0] += time.perf_counter() - started
        if kind == "probe":
            self._recover()
        return result

    def _recover(self) -> bool:
        """The probe, once Redis answers: delete the keys written during the outage (those
        skipped meanwhile too), then close. False, and open again, if Redis fails meanwhile."""
        while (keys := self._breaker.close_or_take()) is not None:
            by_version: dict = {}
            for key, version in keys:
                by_version.setdefault(version, []).append(key)
            try:
                for version, names in by_version.items():
                    for start in range(0, len(names), REPAIR_BATCH):
                        self._client.delete_many(names[start:start + REPAIR_BATCH], version=version)
            except ConnectionInterrupted as interrupted:
                self._breaker.failed("probe", interrupted.__cause__ or interrupted, keys)
                return False
            logger.info("Redis at %s: %d keys written during the outage deleted", self._breaker.name, len(keys))
        return True


class ResilientRedisCache(RedisCache):
    """`django_redis.cache.RedisCache` whose client stops asking a failing Redis for a while."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._cooldown = float(params.get("OPTIONS", {}).get("CIRCUIT_COOLDOWN", DEFAULT_COOLDOWN))

    @property
    def breaker(self) -> CircuitBreaker:
        return breaker_for(self._server, self._cooldown)

    @property
    def client(self):
        if self._client is None:
            self._client = GuardedClient(self._client_cls(self._server, self._params, self), self.breaker)
        return self._client
