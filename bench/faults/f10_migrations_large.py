"""F10 — migrations on large data (RELIABILITY-PLAN §3.3; pretix's 2021 lesson).

Seeds 200,000 confirmed reservations with one INSERT … SELECT (2,500 people × 80 sessions,
counters set to match), then, for `reservations` and `activities`, migrates the latest
migration backwards and forwards and times it; and reads `sqlmigrate` of every migration of
both apps, flagging what rewrites or long-locks a hot table (reservations_reservation,
activities_session, activities_activity): ALTER COLUMN … TYPE and ADD COLUMN with a volatile
default rewrite the table (FAIL); SET NOT NULL (full scan under an exclusive lock) and CREATE
INDEX without CONCURRENTLY (writes blocked while it builds) are reported as warnings.
check_integrity after.

    .venv/bin/python bench/faults/f10_migrations_large.py
"""
import json
import re
import time

from harness import Fault, main_exit

ROWS, SESSIONS = 200_000, 80
APPS = ("reservations", "activities")
HOT = ("reservations_reservation", "activities_session", "activities_activity")

SQLMIGRATE = r"""
import io, json
from django.core.management import call_command
from django.db.migrations.loader import MigrationLoader
from django.db import connection
loader = MigrationLoader(connection)
out = {}
for app, name in sorted(k for k in loader.disk_migrations if k[0] in APPS):
    buf = io.StringIO()
    try:
        call_command("sqlmigrate", app, name, stdout=buf)
        out[f"{app}.{name}"] = buf.getvalue()
    except Exception as error:
        out[f"{app}.{name}"] = f"-- sqlmigrate failed: {error}"
leaves = {app: sorted(n for a, n in loader.graph.leaf_nodes() if a == app) for app in APPS}
chains = {app: [n for a, n in loader.graph.forwards_plan(loader.graph.leaf_nodes(app)[0]) if a == app] for app in APPS}
print("SQL" + json.dumps({"sql": out, "chains": chains}))
"""

REWRITE = [
    (r'ALTER TABLE "({hot})" ALTER COLUMN "[^"]+" TYPE', "ALTER COLUMN TYPE (table rewrite)"),
    (r'ALTER TABLE "({hot})" ADD COLUMN [^;]*DEFAULT[^;]*(now\(\)|random\(|gen_random_uuid|clock_timestamp|'
     r'statement_timestamp|uuid_generate)', "ADD COLUMN with a volatile default (table rewrite)"),
]
WARN = [
    (r'ALTER TABLE "({hot})" ALTER COLUMN "[^"]+" SET NOT NULL', "SET NOT NULL (full scan, exclusive lock)"),
    (r'CREATE (UNIQUE )?INDEX (?!CONCURRENTLY)[^;]* ON "({hot})"', "CREATE INDEX without CONCURRENTLY"),
]


def seed(f):
    """ROWS reservations over the first SESSIONS sessions: each (session, person) pair once as
    confirmed, the rest as cancelled history (the partial unique index allows that)."""
    t = time.monotonic()
    f.pg.sql(f"""
        WITH s AS (SELECT array_agg(id ORDER BY id) AS a FROM
                     (SELECT id FROM activities_session ORDER BY id LIMIT {SESSIONS}) x),
             p AS (SELECT array_agg(user_id ORDER BY user_id) AS a FROM api_apitoken WHERE name = 'faults'),
             g AS (SELECT n, n < array_length(s.a, 1) * array_length(p.a, 1) AS active,
                          s.a[1 + n % array_length(s.a, 1)] AS session_id,
                          p.a[1 + (n / array_length(s.a, 1)) % array_length(p.a, 1)] AS person_id
                   FROM generate_series(0, {ROWS - 1}) n, s, p)
        INSERT INTO reservations_reservation
            (session_id, person_id, seats, group_name, status, code, idempotency_key, created_at,
             confirmed_at, cancelled_at, cancel_reason, checked_in_by_name)
        SELECT session_id, person_id, 1, '', CASE WHEN active THEN 'confirmed' ELSE 'cancelled' END,
               'M' || lpad(n::text, 9, '0'), '', now(), now(), CASE WHEN active THEN NULL ELSE now() END,
               '', ''
        FROM g
    """)
    f.pg.sql("""
        UPDATE activities_session s SET capacity = greatest(coalesce(s.capacity, 0), c.n), seats_taken = c.n
        FROM (SELECT session_id, sum(seats) AS n FROM reservations_reservation WHERE status = 'confirmed'
              GROUP BY session_id) c
        WHERE c.session_id = s.id
    """)
    f.pg.sql("ANALYZE")
    return time.monotonic() - t


def main():
    with Fault(10, "migrations_large", limit=240) as f:
        f.start_pg()  # no server needed: migrations run from manage.py
        f.redis = None
        seed_s = seed(f)
        rows = f.pg.sql("SELECT count(*) FROM reservations_reservation")[0][0]
        out = f.manage("shell", "-c", SQLMIGRATE.replace("APPS", repr(APPS))).stdout
        info = json.loads(next(line for line in out.splitlines() if line.startswith("SQL"))[3:])
        hot = "|".join(HOT)
        rewrites, warnings = [], []
        for migration, sql in info["sql"].items():
            for pattern, label in REWRITE:
                if re.search(pattern.format(hot=hot), sql):
                    rewrites.append(f"{migration}: {label}")
            created = set(re.findall(r'CREATE TABLE "([^"]+)"', sql))  # a new, empty table: nothing to lock
            for pattern, label in WARN:
                for match in re.finditer(pattern.format(hot=hot), sql):
                    if match.groups()[-1] not in created:
                        warnings.append(f"{migration}: {label}")
                        break
        timings, failures = {}, []
        for app in APPS:
            chain = info["chains"][app]
            if len(chain) < 2:
                continue
            latest, previous = chain[-1], chain[-2]
            for direction, target in (("back", previous), ("forward", latest)):
                t = time.monotonic()
                run = f.manage("migrate", app, target, "-v0", check=False, timeout=180)
                timings[f"{app}.{latest}.{direction}"] = round(time.monotonic() - t, 2)
                if run.returncode:
                    failures.append(f"{app} {direction} to {target}: {run.stderr.strip().splitlines()[-1][:200]}")
        integrity_ok, integrity = f.integrity()
        after = f.pg.sql("SELECT count(*) FROM reservations_reservation")[0][0]
        figures = {"reservations": rows, "seed_s": round(seed_s, 1), "migrations_read": len(info["sql"]),
                   "rewrites": len(rewrites), "warnings": len(warnings),
                   **{f"t_{k}": v for k, v in timings.items()}, "migrate_failures": len(failures),
                   "rows_after": after, "integrity": "ok" if integrity_ok else "BROKEN"}
        checks = {"seeded_200k": rows >= ROWS, "no_hot_table_rewrite": not rewrites,
                  "migrations_back_and_forth": not failures and bool(timings), "rows_kept": after == rows,
                  "invariant": integrity_ok}
        f.finish(checks, figures, {"rewrites": rewrites, "warnings": warnings, "failures": failures,
                                   "timings_s": timings, "integrity": integrity, "chains_tail": {a: c[-3:] for a, c in info["chains"].items()}})
    main_exit(f)


if __name__ == "__main__":
    main()
