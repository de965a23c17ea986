"""Shared harness of the fault scripts (RELIABILITY-PLAN §3.3, issue 11).

Each fault script runs inside `with Fault(n, name, limit) as f:`, which gives it, in a temp dir:
- its own PostgreSQL 15 cluster (`f.start_pg()`), copied from a cached seeded cluster so a
  rerun takes seconds (the cache is rebuilt when migrations, the demo data or the seed change);
- its own Redis (`f.start_redis()`), no persistence;
- the app under gunicorn pinned to core 0 (`f.start_app()`), DEBUG off, no API rate limit;
- load helpers (`reserve_burst`, `mixed_load`) run from this process pinned to core 1.

Every process is started in its own process group and stopped on exit, on an exception, on
Ctrl-C / SIGTERM and on the script's hard wall-clock limit (SIGALRM). The script ends with
`f.finish(checks, figures)`, which prints ONE line `F<n> <name>: PASS|FAIL <figures>
[failed_checks=…]` and, when
FAULT_RESULT_JSON is set (run_all sets it), writes the details there.
"""
import asyncio
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from machine import machine_info  # noqa: E402
from reserve_burst import gunicorn_args  # noqa: E402

PY = str(ROOT / ".venv/bin/python")
GUNICORN = str(ROOT / ".venv/bin/gunicorn")
PGBIN = Path("/usr/lib/postgresql/15/bin")
CACHE = Path(os.environ.get("SCIWEEK_FAULTS_CACHE", tempfile.gettempdir() + "/sciweek-faults-cache"))
SEED_VERSION = "3"
N_PEOPLE = 2500
DB = "sciweek"
CJK = re.compile(r"[\u4e00-\u9fff]")


def free_port(preferred: int) -> int:
    """`preferred` if nothing listens there, else the next free one (other helpers run benchmarks too)."""
    for port in range(preferred, preferred + 200):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port")


def as_postgres(*cmd, **kwargs):
    return subprocess.run(["runuser", "-u", "postgres", "--", *map(str, cmd)], capture_output=True, text=True,
                          **kwargs)


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))]


def ms(seconds):
    return None if seconds is None else round(seconds * 1000, 1)


class FaultTimeout(Exception):
    pass


# --- processes ------------------------------------------------------------------------

class Postgres:
    def __init__(self, base: Path, port: int):
        self.base, self.port = base, port
        self.data = base / "pgdata"
        self.log = base / "pg.log"
        self.started = False

    def opts(self, extra=""):
        return f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 {extra}".strip()

    def url(self, db=DB):
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def conninfo(self, db=DB):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def initdb(self):
        self.data.mkdir(parents=True)
        shutil.chown(self.base, "postgres")
        shutil.chown(self.data, "postgres")
        out = as_postgres(PGBIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                          "--locale=C.UTF-8")
        if out.returncode:
            raise RuntimeError("initdb: " + out.stderr[-2000:])

    def copy_from(self, cached: Path):
        shutil.copytree(cached, self.data, symlinks=True)
        subprocess.run(["chown", "-R", "postgres:postgres", str(self.base)], check=True)
        self.data.chmod(0o700)
        (self.data / "postmaster.pid").unlink(missing_ok=True)

    def ctl(self, *args, extra=""):
        return as_postgres(PGBIN / "pg_ctl", "-D", self.data, "-l", self.log, "-o", self.opts(extra), *args)

    def start(self, extra=""):
        out = self.ctl("start", "-w", "-t", "60", extra=extra)
        if out.returncode:
            raise RuntimeError("pg_ctl start: " + out.stderr[-2000:] + self.log.read_text()[-2000:])
        self.started = True

    def restart(self, mode="fast"):
        return self.ctl("restart", "-m", mode, "-w", "-t", "60")

    def stop(self):
        if not self.started:
            return
        if self.ctl("stop", "-m", "fast", "-w", "-t", "20").returncode:
            self.ctl("stop", "-m", "immediate", "-w", "-t", "10")
        pid_file = self.data / "postmaster.pid"
        if pid_file.exists():  # last resort: the postmaster ignored pg_ctl
            with contextlib.suppress(Exception):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
        self.started = False

    def accepting(self) -> bool:
        return as_postgres(PGBIN / "pg_isready", "-h", "127.0.0.1", "-p", self.port, "-t", "1").returncode == 0

    def sql(self, query, db=DB):
        import psycopg

        with psycopg.connect(self.conninfo(db), autocommit=True) as conn:
            cur = conn.execute(query)
            return cur.fetchall() if cur.description else None


class Redis:
    def __init__(self, base: Path, port: int):
        self.base, self.port, self.proc = base, port, None
        self.log = base / "redis.log"

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.base), "--logfile", str(self.log)], start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if self.cli("ping").stdout.strip() == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("redis did not start")

    def cli(self, *args):
        return subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True, timeout=5)

    def shutdown_nosave(self):
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.cli("shutdown", "nosave")
        if self.proc:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)

    def pause(self):
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self):
        os.kill(self.proc.pid, signal.SIGCONT)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGCONT)
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)


class App:
    """gunicorn as the plan runs it (3 gthread workers × 4 threads, timeout 30 s, at most 4
    connections per worker), pinned to core 0."""

    def __init__(self, base: Path, port: int, env: dict, name="app", workers=3, threads=4):
        self.base, self.port, self.env, self.name = base, port, env, name
        self.workers, self.threads = workers, threads
        self.log = base / f"{name}.log"
        self.proc = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        # The production-like flags (bench/reserve_burst.gunicorn_args): each worker accepts no
        # more connections than it has threads, keep-alive off (docs/reliability.md, F8).
        cmd = [GUNICORN, "sciweek.wsgi", "-b", f"127.0.0.1:{self.port}", *gunicorn_args(self.workers, self.threads),
               "--error-logfile", "-", "--log-level", "info"]
        if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
            cmd = ["taskset", "-c", "0"] + cmd
        self.logfile = open(self.log, "ab")
        self.proc = subprocess.Popen(cmd, env=self.env, cwd=ROOT, stdout=self.logfile, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        import httpx

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/", timeout=2).status_code < 500 and len(self.worker_pids()) == self.workers:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer: {self.log.read_text()[-3000:]}")

    @property
    def master(self) -> int:
        return self.proc.pid

    def worker_pids(self) -> list[int]:
        pids = []
        for task in Path(f"/proc/{self.master}/task").glob("*"):
            with contextlib.suppress(OSError):
                pids += [int(p) for p in (task / "children").read_text().split()]
        return sorted(pids)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(8)
            except subprocess.TimeoutExpired:
                pass
        if self.proc:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)
            self.logfile.close()


# --- the seeded cluster (cached) ------------------------------------------------------

SEED_SCRIPT = r"""
import json, secrets
from datetime import timedelta
from django.utils import timezone
from sciweek.activities.models import Activity, Session
from sciweek.accounts.models import User
from sciweek.accounts import policy
from sciweek.participants.models import Profile
from sciweek.api.models import ApiToken, hash_key

activity = Activity.objects.filter(kind="open_day", status="approved").order_by("pk").first()
start = timezone.now() + timedelta(days=60)
def session(capacity, hour):
    return Session.objects.create(activity=activity, starts_at=start + timedelta(hours=hour),
                                  ends_at=start + timedelta(hours=hour + 1), capacity=capacity).pk
sessions = {"burst": session(1000, 0), "small": session(300, 2), "big": session(100000, 4),
            "lock": session(100, 6), "spare": session(100000, 8)}
now = timezone.now()
users = User.objects.bulk_create([User(username=f"fault_{i}", password="!") for i in range(N_PEOPLE)], batch_size=2000)
Profile.objects.bulk_create([Profile(user=u, phone=f"16{i:09d}", consent_at=now) for i, u in enumerate(users)],
                            batch_size=2000)
keys, tokens = [], []
for u in users:
    key = "sw_" + secrets.token_urlsafe(24)
    keys.append(key)
    tokens.append(ApiToken(user=u, name="faults", prefix=key[:10], key_hash=hash_key(key)))
ApiToken.objects.bulk_create(tokens, batch_size=2000)
filer = User.objects.get(username="unit-filer")
filing = next(a for a in Activity.objects.filter(organization__memberships__user=filer).order_by("status", "pk")
              if policy.can(filer, "activity.file", a))
print("SEED" + json.dumps({"sessions": sessions, "keys": keys, "activity": activity.pk,
                           "year": activity.campaign.year, "filer": "unit-filer", "filing": filing.pk,
                           "filer_org": filing.organization_id}))
"""


def _cache_key() -> str:
    digest = hashlib.sha256(SEED_VERSION.encode() + SEED_SCRIPT.encode())
    for pattern in ("sciweek/*/migrations/*.py", "sciweek/demo/*.py", "sciweek/*/demo.py", "sciweek/*/demo/*.py",
                    "sciweek/organizations/data/*"):  # the demo loader and every app's own demo part
        for path in sorted(ROOT.glob(pattern)):
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def app_env(var_dir: Path, database_url: str, redis_url: str = "", **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCIWEEK_", "DATABASE_URL", "REDIS_URL"))}
    env.update({"DATABASE_URL": database_url, "REDIS_URL": redis_url, "SCIWEEK_VAR_DIR": str(var_dir),
                "SCIWEEK_DEBUG": "false", "SCIWEEK_API_RATE_LIMIT": "", "DJANGO_SETTINGS_MODULE": "sciweek.settings",
                "SCIWEEK_LOG_LEVEL": "WARNING", "SCIWEEK_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "PYTHONUNBUFFERED": "1"})
    env.update({k: str(v) for k, v in extra.items()})
    return env


def manage(env, *args, timeout=600, check=True):
    out = subprocess.run([PY, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=timeout)
    if check and out.returncode:
        raise RuntimeError(f"manage.py {' '.join(args[:2])}: {out.stderr[-3000:]}")
    return out


def seeded_cache(log=print) -> Path:
    """The cached seeded cluster (built once: migrate, load_divisions, load_demo, people, tokens)."""
    key = _cache_key()
    target = CACHE / key
    if (target / "seed.json").exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix="build-", dir=CACHE))
    log(f"building the seeded cluster (once, cached in {target}) …")
    pg = Postgres(build, free_port(55480))
    var = build / "var"
    var.mkdir()
    try:
        pg.initdb()
        pg.start(extra="-c fsync=off -c synchronous_commit=off")
        pg.sql(f"CREATE DATABASE {DB}", db="postgres")
        env = app_env(var, pg.url())
        manage(env, "migrate", "-v0")
        manage(env, "load_divisions")
        manage(env, "load_demo")
        manage(env, "collectstatic", "--noinput", "-v0")
        out = manage(env, "shell", "-c", SEED_SCRIPT.replace("N_PEOPLE", str(N_PEOPLE)))
        seed = json.loads(next(line for line in out.stdout.splitlines() if line.startswith("SEED"))[4:])
        # The same data in SQLite, for F9's SQLite backup.
        sqlite_env = app_env(var, f"sqlite:///{build / 'sciweek.sqlite3'}")
        manage(sqlite_env, "migrate", "-v0")
        manage(sqlite_env, "load_divisions")
        manage(sqlite_env, "load_demo")
        pg.stop()
        (build / "pgdata" / "postmaster.pid").unlink(missing_ok=True)
        shutil.move(str(var / "static"), str(build / "static"))
        shutil.rmtree(var, ignore_errors=True)
        (build / "seed.json").write_text(json.dumps(seed))
        if target.exists():
            shutil.rmtree(target)
        build.rename(target)
    finally:
        pg.stop()
        shutil.rmtree(build, ignore_errors=True)
    return target


# --- load -----------------------------------------------------------------------------

@dataclass
class Rec:
    kind: str
    start: float  # monotonic
    end: float
    status: int  # 0: no response
    error: str = ""  # exception class when there was no response
    api_shape: bool | None = None  # for /api/ errors: JSON in the API's one shape, message localized
    code: str = ""  # API error code or reservation status
    body: dict | None = None
    cache_ms: float | None = None  # the server's own wait on Redis (Server-Timing), when it says
    key: str = ""  # token (the person)
    idem: str = ""
    phase: str = ""

    @property
    def seconds(self):
        return self.end - self.start


def api_shape(response) -> tuple[bool, str, dict | None]:
    """(is the error JSON in the API's shape with a localized message, code, body)."""
    try:
        body = response.json()
    except ValueError:
        return False, "non-json", None
    if response.status_code < 400:
        return True, str(body.get("status", "")) if isinstance(body, dict) else "", body
    error = body.get("error") if isinstance(body, dict) else None
    ok = isinstance(error, dict) and isinstance(error.get("code"), str) and isinstance(error.get("message"), str) \
        and bool(CJK.search(error["message"]))
    return ok, (error or {}).get("code", "bad-shape") if isinstance(error, dict) else "bad-shape", body


def cache_wait_ms(response) -> float | None:
    """`Server-Timing: cache;dur=<ms>` (SCIWEEK_SERVER_TIMING on): the request's wait on Redis."""
    for part in response.headers.get("server-timing", "").split(","):
        name, *params = [p.strip() for p in part.split(";")]
        if name == "cache":
            for param in params:
                if param.startswith("dur="):
                    return float(param[4:])
    return None


async def reserve_once(client, base, session_id, key, idem, kind="reserve", timeout=30) -> Rec:
    started = time.monotonic()
    try:
        response = await client.post(f"{base}/api/v1/sessions/{session_id}/reservations", json={"seats": 1},
                                     headers={"Authorization": f"Bearer {key}", "Idempotency-Key": idem},
                                     timeout=timeout)
    except Exception as error:  # noqa: BLE001 — any transport failure is a figure
        return Rec(kind, started, time.monotonic(), 0, type(error).__name__, key=key, idem=idem)
    shape, code, body = api_shape(response)
    return Rec(kind, started, time.monotonic(), response.status_code, api_shape=shape, code=code, body=body,
               key=key, idem=idem, cache_ms=cache_wait_ms(response))


async def reserve_burst(base, session_id, people, connections, deadline, timeout=30) -> list[Rec]:
    """Each (token, idempotency key) once, `connections` at a time, until done or `deadline`."""
    import httpx

    queue = list(people)
    queue.reverse()
    results = []
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits) as client:
        async def worker():
            while queue and time.monotonic() < deadline:
                key, idem = queue.pop()
                results.append(await reserve_once(client, base, session_id, key, idem, timeout=timeout))

        await asyncio.gather(*(worker() for _ in range(connections)))
    return results


def staff_login_sync(base, username, password, client=None):
    """Sign in through the real form; returns (ok, client, seconds)."""
    import httpx

    client = client or httpx.Client(timeout=30, follow_redirects=False)
    started = time.monotonic()
    page = client.get(f"{base}/accounts/login/")
    token = client.cookies.get("csrftoken") or ""
    response = client.post(f"{base}/accounts/login/", data={"username": username, "password": password,
                                                           "csrfmiddlewaretoken": token},
                           headers={"Referer": f"{base}/accounts/login/"})
    ok = page.status_code == 200 and response.status_code == 302 and "sessionid" in client.cookies
    return ok, client, time.monotonic() - started


async def staff_login(client, base, username, password) -> Rec:
    """The sign-in form: a GET and a POST. Its time is the slower of the two requests, so it is
    held to the same per-request limits as the others."""
    times, waits = [], []
    try:
        t = time.monotonic()
        page = await client.get(f"{base}/accounts/login/")
        times.append(time.monotonic() - t)
        waits.append(cache_wait_ms(page))
        token = client.cookies.get("csrftoken") or ""
        t = time.monotonic()
        response = await client.post(f"{base}/accounts/login/", data={
            "username": username, "password": password, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{base}/accounts/login/"})
        times.append(time.monotonic() - t)
        waits.append(cache_wait_ms(response))
    except Exception as error:  # noqa: BLE001
        end = time.monotonic()
        return Rec("login", end - sum(times), end, 0, type(error).__name__)
    end = time.monotonic()
    ok = response.status_code == 302 and "sessionid" in client.cookies
    known = [w for w in waits if w is not None]
    return Rec("login", end - max(times), end, response.status_code, code="ok" if ok else "refused",
               cache_ms=max(known) if known else None)


class Mixed:
    """A closed-loop mixed load: catalog, activity page, API list, reservations (fresh people),
    and now and then a staff sign-in. Records every request with its phase."""

    LOGIN_EVERY = 4.0  # seconds between two sign-ins (each ~0.7 s of CPU here), whatever the connections

    def __init__(self, base, seed, session_key="big", people=None, login=True):
        self.base, self.seed, self.login = base, seed, login
        self.session_id = seed["sessions"][session_key]
        self.people = list(people if people is not None else [])
        self.people.reverse()
        self.records: list[Rec] = []
        self.phase = "baseline"
        self.stop_at = 0.0
        year, activity = seed["year"], seed["activity"]
        self.pages = [("catalog", f"/{year}/activities/"), ("activity", f"/{year}/activities/{activity}/"),
                      ("api_list", f"/api/v1/campaigns/{year}/activities")]

    async def _page(self, client, kind, path):
        started = time.monotonic()
        try:
            response = await client.get(self.base + path, timeout=30)
        except Exception as error:  # noqa: BLE001
            return Rec(kind, started, time.monotonic(), 0, type(error).__name__)
        shape = None
        if path.startswith("/api/"):
            shape = api_shape(response)[0]
        return Rec(kind, started, time.monotonic(), response.status_code, api_shape=shape,
                   cache_ms=cache_wait_ms(response))

    async def run(self, connections, seconds):
        import httpx

        self.stop_at = time.monotonic() + seconds
        limits = httpx.Limits(max_connections=connections + 4, max_keepalive_connections=connections + 4)
        async with httpx.AsyncClient(limits=limits) as client:
            # Sign-ins (a password hash each, the costliest request) on a clock, one every
            # LOGIN_EVERY s for the whole load, so every phase of a run gets the same share:
            # counted per connection they all fell in its second half, and at random they
            # still came 1 against 7 (F3), either of which makes a later phase look slower.
            self._next_login = time.monotonic() + self.LOGIN_EVERY / 2

            async def worker(n):
                i = n
                while time.monotonic() < self.stop_at:
                    i += 1
                    if self.login and time.monotonic() >= self._next_login:
                        self._next_login += self.LOGIN_EVERY
                        async with httpx.AsyncClient(timeout=30) as own:
                            rec = await staff_login(own, self.base, self.seed["filer"], DEMO_PASSWORD)
                    elif i % 4 == 3 and self.people:
                        key, idem = self.people.pop()
                        rec = await reserve_once(client, self.base, self.session_id, key, idem)
                    else:
                        rec = await self._page(client, *self.pages[i % len(self.pages)])
                    rec.phase = self.phase
                    self.records.append(rec)

            await asyncio.gather(*(worker(n) for n in range(connections)))

    @staticmethod
    def failed(rec: Rec) -> bool:
        if rec.status == 0 or rec.status >= 500:
            return True
        if rec.kind == "reserve":
            return rec.status != 201
        if rec.kind == "login":
            return rec.code != "ok"
        return rec.status != 200

    def summary(self, phase=None):
        recs = [r for r in self.records if phase is None or r.phase == phase]
        lat = [r.seconds for r in recs]
        by_kind = {}
        for r in recs:
            entry = by_kind.setdefault(r.kind, {"n": 0, "failed": 0})
            entry["n"] += 1
            entry["failed"] += self.failed(r)
        for kind, entry in by_kind.items():
            kind_lat = [r.seconds for r in recs if r.kind == kind]
            entry.update(p95_ms=ms(percentile(kind_lat, 95)), max_ms=ms(max(kind_lat)))
        return {"requests": len(recs), "failed": sum(map(self.failed, recs)),
                "error_ratio": round(sum(map(self.failed, recs)) / len(recs), 5) if recs else None,
                "p50_ms": ms(percentile(lat, 50)), "p95_ms": ms(percentile(lat, 95)),
                "max_ms": ms(max(lat)) if lat else None, "by_kind": by_kind,
                "statuses": status_counts(recs)}


DEMO_PASSWORD = "SciWeek-demo-2020"  # noqa: S105 — the published demo password (sciweek/demo/demo_data.py)


def status_counts(recs) -> dict:
    counts = {}
    for r in recs:
        label = str(r.status) if r.status else f"conn:{r.error}"
        counts[label] = counts.get(label, 0) + 1
    return dict(sorted(counts.items()))


def pin_to_core1():
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})


# --- the fault context ----------------------------------------------------------------

class Fault:
    def __init__(self, number: int, name: str, limit: float):
        self.number, self.name, self.limit = number, name, limit
        self.cleanups = []
        self.started = time.monotonic()
        self.pg = self.redis = self.app = None
        self.seed = None
        self.finished = False
        self.notes = []

    # context -------------------------------------------------------------------------
    def __enter__(self):
        def on_alarm(signum, frame):
            raise FaultTimeout(f"hard limit {self.limit:.0f} s reached")

        def on_term(signum, frame):
            raise KeyboardInterrupt(f"signal {signum}")

        signal.signal(signal.SIGALRM, on_alarm)
        signal.signal(signal.SIGTERM, on_term)
        signal.alarm(int(self.limit))
        self.base = Path(tempfile.mkdtemp(prefix=f"sciweek-f{self.number}-"))
        self.base.chmod(0o755)
        self.var = self.base / "var"
        self.var.mkdir()
        self.cleanups.append(lambda: shutil.rmtree(self.base, ignore_errors=True))
        return self

    def __exit__(self, exc_type, exc, tb):
        signal.alarm(0)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the cleanup itself must not be interrupted
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if exc is not None and not self.finished:
            detail = "".join(traceback.format_exception(exc_type, exc, tb))[-4000:]
            self._emit(False, {"error": f"{exc_type.__name__}: {str(exc)[:300]}"}, {}, {"traceback": detail})
        for cleanup in reversed(self.cleanups):
            try:
                cleanup()
            except Exception as error:  # noqa: BLE001 — keep cleaning up
                print(f"cleanup: {error}", file=sys.stderr)
        return exc_type is not None and issubclass(exc_type, (FaultTimeout, KeyboardInterrupt, Exception))

    def remaining(self) -> float:
        return self.limit - (time.monotonic() - self.started)

    # parts ---------------------------------------------------------------------------
    def start_pg(self):
        # The one-off build of the seeded cluster (2–3 min) is not the fault's time: the hard limit
        # is paused while it runs and starts again after it.
        left = signal.alarm(0)
        built = time.monotonic()
        cache = seeded_cache(log=lambda m: print(m, file=sys.stderr, flush=True))
        signal.alarm(int(self.limit) if time.monotonic() - built > 5 else max(1, left))
        self.seed = json.loads((cache / "seed.json").read_text())
        self.cache = cache
        self.pg = Postgres(self.base, free_port(55433))
        self.pg.copy_from(cache / "pgdata")
        self.cleanups.append(self.pg.stop)
        self.pg.start()
        (self.var / "static").symlink_to(cache / "static")
        return self.pg

    def start_redis(self):
        self.redis = Redis(self.base, free_port(6392))
        self.cleanups.append(self.redis.stop)
        self.redis.start()
        return self.redis

    def env(self, **extra):
        return app_env(self.var, self.pg.url(), f"redis://127.0.0.1:{self.redis.port}/0" if self.redis else "",
                       **extra)

    def start_app(self, port=8031, name="app", env=None, **extra):
        app = App(self.base, free_port(port), env or self.env(**extra), name=name)
        self.cleanups.append(app.stop)
        app.start()
        if name == "app":
            self.app = app
        return app

    def start_all(self, **extra):
        self.start_pg()
        self.start_redis()
        self.start_app(**extra)
        pin_to_core1()

    def manage(self, *args, env=None, **kwargs):
        return manage(env or self.env(), *args, **kwargs)

    def integrity(self, env=None) -> tuple[bool, str]:
        out = manage(env or self.env(), "check_integrity", check=False, timeout=120)
        text = (out.stdout + out.stderr).strip().splitlines()
        return out.returncode == 0, (text[-1] if text else "")[:200]

    def people(self, start, count):
        """(token, fresh idempotency key) for seeded people start … start+count-1."""
        keys = self.seed["keys"][start:start + count]
        return [(k, uuid.uuid4().hex) for k in keys]

    def worker_timeouts(self) -> int:
        return self.app.log_text().count("WORKER TIMEOUT") if self.app else 0

    # result --------------------------------------------------------------------------
    def finish(self, checks: dict, figures: dict, details: dict | None = None):
        passed = all(checks.values())
        figures = {**figures, **({"failed_checks": ",".join(k for k, v in checks.items() if not v)} if not passed else {})}
        self._emit(passed, figures, checks, details or {})
        self.finished = True
        return passed

    def _emit(self, passed, figures, checks, details):
        line = f"F{self.number} {self.name}: {'PASS' if passed else 'FAIL'} " + " ".join(
            f"{k}={v}" for k, v in figures.items())
        print(line, flush=True)
        record = {"id": f"F{self.number}", "name": self.name, "passed": passed, "line": line, "figures": figures,
                  "checks": checks, "details": details, "notes": self.notes,
                  "seconds": round(time.monotonic() - self.started, 1), "machine": machine_info(),
                  # The machine is shared: how busy it was is part of every figure.
                  "loadavg": [round(x, 2) for x in os.getloadavg()]}
        target = os.environ.get("FAULT_RESULT_JSON")
        if target:
            Path(target).write_text(json.dumps(record, ensure_ascii=False, indent=2, default=str))
        self.passed = passed


def main_exit(fault: Fault):
    sys.exit(0 if getattr(fault, "passed", False) else 1)


def db_reservations(pg: Postgres, session_id=None) -> dict:
    """{(token-owner user id, idempotency key): (code, status)} straight from the database."""
    where = f"WHERE session_id = {int(session_id)}" if session_id else ""
    rows = pg.sql(f"SELECT person_id, idempotency_key, code, status FROM reservations_reservation {where}")
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def token_users(pg: Postgres) -> dict:
    """{token prefix: user id} for the seeded tokens (the prefix is the key's first 10 characters)."""
    return {r[0]: r[1] for r in pg.sql("SELECT prefix, user_id FROM api_apitoken WHERE name = 'faults'")}


def summarize_latency(recs):
    lat = [r.seconds for r in recs]
    return {"p50_ms": ms(percentile(lat, 50)), "p95_ms": ms(percentile(lat, 95)), "max_ms": ms(max(lat) if lat else None)}


def median(values):
    return statistics.median(values) if values else None
