"""A quiz's leaderboards: the whole quiz, a province, a city, a school; top N and "my rank".

Every board reads the ``Standing`` rows (one per person and quiz, kept by ``services``) in one
order: score DESC, time_used_ms ASC, finished_at ASC, person_id ASC; a disqualified standing is
on no board. Each person has one rank per board (no shared places): the order is total.

Boards (``scope`` and its ``key``):

- ``"all"``: the whole quiz (no key);
- ``"province"``: key ``province_code``;
- ``"city"``: key ``city_code``;
- ``"school"``: key ``f"{city_code or province_code}|{school_name}"`` (school names repeat
  across cities); ``scopes_of(standing)`` gives a standing's boards and keys.

Two backends give the same results:

- **The database** (no ``REDIS_URL``, or a cache that is not django-redis): ``top`` is one
  indexed query (the ``standing_rank*`` indexes); ``rank_of`` counts the rows ahead of the
  person in each of their boards (one query per board, on the same indexes).
- **Redis sorted sets** where ``settings.REDIS_URL`` is set and ``CACHES["default"]`` is
  django-redis (its connection, with its short socket timeouts). One sorted set per board; a
  member's zset score is ``-score`` and the member itself is fixed-width hex of
  ``(time_used_ms, finished_at in µs, person_id)``, so members of equal score sort exactly as
  the database's tie-breaks (Redis orders equal scores by member bytes). Exact for every
  value the columns can hold (no packing into a double's 53 bits). A hash maps each person to
  their member and boards, so a standing that moves (a better attempt, a new school) leaves
  its old boards in the same Lua script that joins the new ones.

Redis is a copy the database can always rebuild, never the truth:

- The board's keys carry ``Quiz.leaderboard_version``, read from the database on every read
  and write (one primary-key query). A write that does not reach Redis (connection error,
  timeout, Redis answering with an error, or skipped while Redis is known to be away) bumps
  the version with a conditional ``UPDATE … WHERE leaderboard_version = v``: the board that
  missed it is never read again, whatever Redis holds when it comes back.
- A version's board is built lazily from the database by the reads that find it not
  ``ready``: one builder at a time (a lock in Redis), each for at most ``LAZY_BUILD_BUDGET``
  seconds (it keeps its place in a cursor, so a board of hundreds of thousands of standings
  is built across several reads and no request waits for all of it); until it is ready the
  database answers. The build marks the version ``alive`` first, then loads the standings in
  batches with "only if absent": a live write that landed meanwhile (always applied once the
  version is alive) is newer than the build's copy and wins; a write before ``alive`` is in
  the rows the build reads. Older versions' keys are deleted after a build.
- A Redis outage degrades to the database, never to an error: after a connection error or
  timeout this process stops asking Redis for the cache's ``CIRCUIT_COOLDOWN`` seconds (reads
  go to the database at once, writes bump the version), so a hung Redis costs one short
  socket timeout per process and cooldown, not one per call.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .models import Quiz, Standing

logger = logging.getLogger("sciweek.quiz.leaderboard")

SCOPES = ("all", "province", "city", "school")
ORDER = ("-score", "time_used_ms", "finished_at", "person_id")
MAX_TOP = 200  # the most rows `top` returns
BUILD_BATCH = 1000  # standings read from the database per step of a build
SCRIPT_BATCH = 200  # standings per Lua call (a few ms of Redis time: it serves nobody else meanwhile)
BUILD_LOCK_MS = 30_000
LAZY_BUILD_BUDGET = 0.2  # seconds of building per read that finds a board missing (then the database answers)
DEFAULT_COOLDOWN = 5.0
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, socket.timeout, OSError)

_FIELDS = ("person_id", "display_name", "score", "time_used_ms", "finished_at", "school_name",
           "province_code", "city_code")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_TOMBSTONE = "-"


@dataclass(frozen=True)
class Row:
    """One line of a board, as shown to the public (the name masked)."""

    rank: int
    person_id: int
    display_name: str
    score: int
    time_used_ms: int
    finished_at: datetime
    school_name: str
    province_code: str
    city_code: str


def mask_name(name: str) -> str:
    """A taker's name as a public board shows it: 张*明, 小*, 欧**锋 (first character, stars,
    and the last character for names of three characters or more)."""
    name = (name or "").strip()
    if not name:
        return ""
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * min(len(name) - 2, 3) + name[-1]


def scopes_of(standing) -> dict[str, str]:
    """The boards a standing (or any object with its region fields) is on: {scope: key}."""
    keys = {"all": ""}
    if standing.province_code:
        keys["province"] = standing.province_code
    if standing.city_code:
        keys["city"] = standing.city_code
    if standing.school_name:
        keys["school"] = f"{standing.city_code or standing.province_code}|{standing.school_name}"
    return keys


def backend() -> str:
    """"redis" when boards are kept in Redis (it may be away right now), else "database"."""
    return "redis" if _client() is not None else "database"


def top(quiz, scope: str = "all", key: str = "", n: int = 10) -> list[Row]:
    """The first `n` (at most MAX_TOP) of a board, best first."""
    _check_scope(scope)
    n = max(0, min(int(n), MAX_TOP))
    quiz_id = _pk(quiz)
    if n == 0 or (scope != "all" and not key):
        return []
    client = _usable_client()
    if client is not None:
        version = _version(quiz_id)
        entries = _redis_read(client, quiz_id, version, _top_in_redis, _suffix(scope, key), n)
        if entries is not None:
            return _rows_for(quiz_id, entries)
    board = _board_q(scope, key)
    if board is None:
        return []
    rows = (Standing.objects.filter(quiz_id=quiz_id, disqualified=False).filter(board)
            .order_by(*ORDER).values(*_FIELDS)[:n])
    return [_row(i + 1, row) for i, row in enumerate(rows)]


def rank_of(quiz, person) -> dict[str, tuple[int, int]]:
    """{scope: (rank, how many on that board)} for each board the person is on; {} without
    a standing (or a disqualified one)."""
    quiz_id, person_id = _pk(quiz), _pk(person)
    client = _usable_client()
    if client is not None:
        version = _version(quiz_id)
        ranks = _redis_read(client, quiz_id, version, _rank_in_redis, person_id)
        if ranks is not None:
            return ranks
    standing = Standing.objects.filter(quiz_id=quiz_id, person_id=person_id, disqualified=False).values(
        *_FIELDS).first()
    if standing is None:
        return {}
    score, used, finished = standing["score"], standing["time_used_ms"], standing["finished_at"]
    ahead = (Q(score__gt=score) | Q(score=score, time_used_ms__lt=used)
             | Q(score=score, time_used_ms=used, finished_at__lt=finished)
             | Q(score=score, time_used_ms=used, finished_at=finished, person_id__lt=person_id))
    ranks = {}
    for scope, key in scopes_of(_Fields(standing)).items():
        counts = Standing.objects.filter(quiz_id=quiz_id, disqualified=False).filter(_board_q(scope, key)).aggregate(
            total=Count("pk"), ahead=Count("pk", filter=ahead))
        ranks[scope] = (counts["ahead"] + 1, counts["total"])
    return ranks


def record(standing) -> None:
    """A standing changed (a new counted result, a new region or school): the Redis boards
    follow (called on commit by receivers). Nothing to do for the database backend."""
    _write(standing, removed=False)


def remove(standing) -> None:
    """A standing left the ranking (disqualified): off every Redis board."""
    _write(standing, removed=True)


def rebuild(quiz) -> bool:
    """Build the quiz's Redis boards afresh from the database (under a new version, so nothing
    is served half-built). False when boards are not in Redis or Redis is away (the new
    version is then built by the reads once it is back)."""
    client = _client()
    if client is None:
        return False
    quiz_id = _pk(quiz)
    Quiz.objects.filter(pk=quiz_id).update(leaderboard_version=F("leaderboard_version") + 1)
    version = _version(quiz_id)
    if isinstance(quiz, Quiz):
        quiz.leaderboard_version = version
    if _breaker.is_open():
        return False
    try:
        return _build(client, quiz_id, version)
    except (RedisError, *OUTAGE_ERRORS) as error:
        _failed(error)
        return False


def invalidate(quiz) -> None:
    """The Redis boards may have missed a change (a write that failed outside this module):
    move the version on, so they are rebuilt from the database on the next read."""
    if _client() is not None:
        Quiz.objects.filter(pk=_pk(quiz)).update(leaderboard_version=F("leaderboard_version") + 1)


# --- the database backend ---------------------------------------------------------------------

def _board_q(scope: str, key: str) -> Q | None:
    """The rows of one board (None: a board that cannot exist, such as a province without a code)."""
    if scope == "all":
        return Q()
    if not key:
        return None
    if scope == "province":
        return Q(province_code=key)
    if scope == "city":
        return Q(city_code=key)
    code, sep, school = key.partition("|")
    if not sep or not school:
        return None
    # Exactly "(city_code or province_code) == code", as scopes_of builds the key.
    where = Q(city_code="", province_code=code)
    if code:
        where |= Q(city_code=code)
    return Q(school_name=school) & where


def _row(rank: int, row: dict) -> Row:
    return Row(rank=rank, person_id=row["person_id"], display_name=mask_name(row["display_name"]),
               score=row["score"], time_used_ms=row["time_used_ms"], finished_at=row["finished_at"],
               school_name=row["school_name"], province_code=row["province_code"], city_code=row["city_code"])


class _Fields:
    def __init__(self, values: dict):
        self.__dict__.update(values)


def _check_scope(scope: str) -> None:
    if scope not in SCOPES:
        raise ValueError(f"unknown leaderboard scope {scope!r}")


def _pk(obj) -> int:
    return int(getattr(obj, "pk", obj))


def _version(quiz_id: int) -> int:
    return Quiz.objects.filter(pk=quiz_id).values_list("leaderboard_version", flat=True).first() or 0


def _missed(quiz_id: int, version: int) -> None:
    """A write did not reach version `version`'s board: it must never be read again."""
    if Quiz.objects.filter(pk=quiz_id, leaderboard_version=version).update(
            leaderboard_version=F("leaderboard_version") + 1):
        logger.info("quiz %s: leaderboard version %s missed a write; rebuilt from the database on next read",
                    quiz_id, version)


# --- the Redis backend ------------------------------------------------------------------------

@lru_cache(maxsize=8)
def _is_django_redis(backend_path: str) -> bool:
    try:
        cls = import_string(backend_path)
        from django_redis.cache import RedisCache
    except ImportError:
        return False
    return isinstance(cls, type) and issubclass(cls, RedisCache)


def _client():
    """The raw Redis client of the default cache, when boards live in Redis; else None."""
    if not getattr(settings, "REDIS_URL", ""):
        return None
    if not _is_django_redis(settings.CACHES.get("default", {}).get("BACKEND", "")):
        return None
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def _usable_client():
    """The client, unless Redis is off or known to be away (then the database answers)."""
    client = _client()
    if client is None or _breaker.is_open():
        return None
    return client


class _Breaker:
    """After a connection error or timeout, leave Redis alone for a cooldown (per process)."""

    def __init__(self):
        self._until = 0.0
        self._lock = threading.Lock()

    def is_open(self) -> bool:
        return self._until > time.monotonic()

    def trip(self, error: BaseException) -> None:
        options = settings.CACHES.get("default", {}).get("OPTIONS", {})
        cooldown = float(options.get("CIRCUIT_COOLDOWN", DEFAULT_COOLDOWN))
        with self._lock:
            was_open = self.is_open()
            self._until = time.monotonic() + cooldown
        if not was_open:
            logger.warning("Redis unavailable for leaderboards (%s: %s): the database answers for %g s",
                           type(error).__name__, error, cooldown)

    def reset(self) -> None:
        self._until = 0.0


_breaker = _Breaker()


def _failed(error: BaseException) -> None:
    if isinstance(error, OUTAGE_ERRORS):
        _breaker.trip(error)
    else:  # Redis answered with an error (out of memory, a script error): not an outage
        logger.error("leaderboard: Redis refused a command (%s: %s)", type(error).__name__, error)


def _base(quiz_id: int) -> str:
    prefix = settings.CACHES.get("default", {}).get("KEY_PREFIX", "")
    return f"{prefix + ':' if prefix else ''}sciweek:quiz:lb:{{{quiz_id}}}:"


def _prefix(quiz_id: int, version: int) -> str:
    return f"{_base(quiz_id)}v{version}:"


def _suffix(scope: str, key: str) -> str:
    """The sorted set's name within a version: a, p:<code>, c:<code>, s:<digest of the key>."""
    if scope == "all":
        return "a"
    if scope in ("province", "city") and key.isascii() and key.isalnum():
        return f"{scope[0]}:{key}"
    return f"{scope[0]}:" + hashlib.blake2b(key.encode(), digest_size=12).hexdigest()


_SCOPE_OF = {"a": "all", "p": "province", "c": "city", "s": "school"}


def _member(time_used_ms: int, finished_at: datetime, person_id: int) -> str:
    """Fixed-width hex, so byte order is the database's tie order."""
    if timezone.is_naive(finished_at):
        finished_at = timezone.make_aware(finished_at, UTC)
    micros = (finished_at - _EPOCH) // _US
    return f"{time_used_ms:012x}{micros:014x}{person_id:016x}"


def _unpack(member: bytes | str) -> tuple[int, int, datetime]:
    member = member.decode() if isinstance(member, bytes) else member
    used, micros, person_id = int(member[:12], 16), int(member[12:26], 16), int(member[26:42], 16)
    return person_id, used, _EPOCH + micros * _US


def _entry(row: dict, removed: bool = False) -> list:
    """The four script arguments for one person: id, zset score, member, boards."""
    if removed:
        return [row["person_id"], "", "", ""]
    boards = " ".join(_suffix(scope, key) for scope, key in scopes_of(_Fields(row)).items())
    return [row["person_id"], -int(row["score"]),
            _member(row["time_used_ms"], row["finished_at"], row["person_id"]), boards]


# KEYS: alive, people, registry. ARGV: zset prefix, "live" | "nx", the boards written (for the
# registry of the version's keys, space-separated), then per person: id, zset score ("" to
# remove), member, boards (space-separated). Nothing is written to a version that is not alive
# (not being built or built, or already dropped). "nx" (a build) leaves alone a person a live
# write already placed (or removed).
_APPLY = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local nx = ARGV[2] == 'nx'
for part in string.gmatch(ARGV[3], '%S+') do redis.call('SADD', KEYS[3], part) end
local n = 0
for i = 4, #ARGV, 4 do
  local pid, z, member, boards = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local old = redis.call('HGET', KEYS[2], pid)
  if not (nx and old) then
    if old and old ~= '-' then
      local was = nil
      for part in string.gmatch(old, '%S+') do
        if was == nil then was = part else redis.call('ZREM', ARGV[1] .. part, was) end
      end
    end
    if z == '' then
      redis.call('HSET', KEYS[2], pid, '-')
    else
      for part in string.gmatch(boards, '%S+') do
        redis.call('ZADD', ARGV[1] .. part, z, member)
      end
      redis.call('HSET', KEYS[2], pid, member .. ' ' .. boards)
    end
    n = n + 1
  end
end
return n
"""

# KEYS: ready, people. ARGV: zset prefix, person id. nil when the board is not ready; else
# {1, board, rank (0-based), size, board, rank, size, ...}.
_RANK = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local out = {1}
local v = redis.call('HGET', KEYS[2], ARGV[2])
if (not v) or v == '-' then return out end
local member = nil
for part in string.gmatch(v, '%S+') do
  if member == nil then member = part else
    local r = redis.call('ZRANK', ARGV[1] .. part, member)
    if r then
      table.insert(out, part)
      table.insert(out, r)
      table.insert(out, redis.call('ZCARD', ARGV[1] .. part))
    end
  end
end
return out
"""

# KEYS: alive, ready. Mark a build done, unless its version was dropped meanwhile.
_FINISH = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SET', KEYS[2], '1')
return 1
"""

# KEYS: lock. ARGV: token. Release the build lock only if it is still ours.
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def _run(client, source: str, keys: list, args: list):
    return client.register_script(source)(keys=keys, args=args)


def _redis_read(client, quiz_id: int, version: int, read, *args):
    """`read` against the version's board. A board not ready is built by the reads that get
    the build lock, LAZY_BUILD_BUDGET seconds each (a big board takes several reads, so no
    request waits for a whole build). None: the database must answer (not ready yet, or Redis
    away)."""
    prefix = _prefix(quiz_id, version)
    try:
        result = read(client, prefix, *args)
        if result is not None:
            return result
        token = secrets.token_hex(8)
        lock = _base(quiz_id) + "lock"
        if not client.set(lock, token, nx=True, px=BUILD_LOCK_MS):
            return None  # someone is building it: the database answers meanwhile
        try:
            done = _build(client, quiz_id, version, budget=LAZY_BUILD_BUDGET)
        finally:
            _run(client, _UNLOCK, [lock], [token])
        return read(client, prefix, *args) if done else None
    except (RedisError, *OUTAGE_ERRORS) as error:
        _failed(error)
        return None


def _top_in_redis(client, prefix: str, suffix: str, n: int):
    pipe = client.pipeline(transaction=False)
    pipe.exists(prefix + "ready")
    pipe.zrange(prefix + "z:" + suffix, 0, n - 1, withscores=True)
    ready, entries = pipe.execute()
    if not ready:
        return None
    return [(*_unpack(member), -int(score)) for member, score in entries]


def _rank_in_redis(client, prefix: str, person_id: int):
    out = _run(client, _RANK, [prefix + "ready", prefix + "people"], [prefix + "z:", person_id])
    if out is None:
        return None
    ranks = {}
    for i in range(1, len(out), 3):
        part = out[i].decode() if isinstance(out[i], bytes) else out[i]
        ranks[_SCOPE_OF[part[0]]] = (int(out[i + 1]) + 1, int(out[i + 2]))
    return ranks


def _rows_for(quiz_id: int, entries: list) -> list[Row]:
    """Rows in Redis' order, with names and schools from the database (one query)."""
    details = {row["person_id"]: row for row in Standing.objects.filter(
        quiz_id=quiz_id, person_id__in=[entry[0] for entry in entries], disqualified=False).values(*_FIELDS)}
    rows = []
    for rank, (person_id, _used, _finished, _score) in enumerate(entries, start=1):
        row = details.get(person_id)
        if row is not None:  # else it left the board an instant ago
            rows.append(_row(rank, row))
    return rows


def _write(standing, *, removed: bool) -> None:
    client = _client()
    if client is None:
        return  # the database backend reads the table itself
    quiz_id = standing.quiz_id
    row = Standing.objects.filter(pk=standing.pk).values(
        *_FIELDS, "disqualified", version=F("quiz__leaderboard_version")).first()
    if row is None:  # the standing is gone
        row, removed = {"person_id": standing.person_id, "version": _version(quiz_id)}, True
    removed = removed or row.get("disqualified", False)
    version = row["version"]
    if _breaker.is_open():
        _missed(quiz_id, version)
        return
    prefix = _prefix(quiz_id, version)
    entry = _entry(row, removed)
    try:
        _run(client, _APPLY, [prefix + "alive", prefix + "people", prefix + "keys"],
             [prefix + "z:", "live", entry[3], *entry])
    except (RedisError, *OUTAGE_ERRORS) as error:
        _failed(error)
        _missed(quiz_id, version)


def _build(client, quiz_id: int, version: int, budget: float | None = None) -> bool:
    """Load a version's boards from the database (see the module's docstring for why a write
    racing with it is never lost), then drop older versions. With a `budget` (seconds), stop
    after the batch that exhausts it and keep the place (the next read goes on from there):
    False until the board is complete."""
    prefix = _prefix(quiz_id, version)
    versions = _base(quiz_id) + "versions"
    pipe = client.pipeline(transaction=False)
    pipe.set(prefix + "alive", "1")
    pipe.sadd(versions, version)
    pipe.get(prefix + "cursor")
    _alive, _added, cursor = pipe.execute()
    deadline = None if budget is None else time.monotonic() + budget
    keys = [prefix + "alive", prefix + "people", prefix + "keys"]
    last = int(cursor or 0)
    while True:
        batch = list(Standing.objects.filter(quiz_id=quiz_id, disqualified=False, pk__gt=last)
                     .order_by("pk").values("pk", *_FIELDS)[:BUILD_BATCH])
        if not batch:
            break
        for start in range(0, len(batch), SCRIPT_BATCH):  # short scripts: Redis serves others in between
            entries, boards = [], set()
            for row in batch[start:start + SCRIPT_BATCH]:
                entry = _entry(row)
                entries.extend(entry)
                boards.update(entry[3].split())
            if _run(client, _APPLY, keys, [prefix + "z:", "nx", " ".join(sorted(boards)), *entries]) == -1:
                return False  # this version was dropped meanwhile (a newer one is being built)
        last = batch[-1]["pk"]
        if len(batch) < BUILD_BATCH:
            break  # that was the last
        if deadline is not None and time.monotonic() >= deadline:
            client.set(prefix + "cursor", last)
            return False
    _run(client, _FINISH, [prefix + "alive", prefix + "ready"], [])
    client.delete(prefix + "cursor")
    for old in client.smembers(versions):
        old = int(old)
        if old < version:
            _drop(client, quiz_id, old)
    return True


def _drop(client, quiz_id: int, version: int) -> None:
    prefix = _prefix(quiz_id, version)
    client.delete(prefix + "alive", prefix + "ready")  # first: no write lands there any more
    names = [prefix + "z:" + part.decode() for part in client.smembers(prefix + "keys")]
    names += [prefix + "people", prefix + "keys", prefix + "cursor"]
    for start in range(0, len(names), 500):
        client.unlink(*names[start:start + 500])
    client.srem(_base(quiz_id) + "versions", version)
