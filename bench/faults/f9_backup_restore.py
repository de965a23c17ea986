"""F9 — backup and restore (RELIABILITY-PLAN §3.3, MLPS).

PostgreSQL: a few hundred reservations made through the API, then `pg_dump -Fc` →
`pg_restore` into a new database → check_integrity and identical row counts on every table,
and a second gunicorn on the restored database serves the catalog and the API list.
SQLite: the same data in a file, copied with `sqlite3.Connection.backup` (the online backup
API behind `.backup`), reopened: `PRAGMA integrity_check`, identical counts, check_integrity.
Times recorded.

    .venv/bin/python bench/faults/f9_backup_restore.py
"""
import asyncio
import shutil
import sqlite3
import subprocess
import time

import httpx
from harness import PGBIN, Fault, app_env, main_exit, reserve_burst

RESTORED = "sciweek_restored"


def pg_counts(pg, db):
    tables = [r[0] for r in pg.sql("SELECT tablename FROM pg_tables WHERE schemaname='public' ORDER BY 1", db=db)]
    return {t: pg.sql(f'SELECT count(*) FROM "{t}"', db=db)[0][0] for t in tables}


def sqlite_counts(path):
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                             "AND name NOT LIKE 'sqlite_%' ORDER BY 1")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def main():
    with Fault(9, "backup_restore", limit=150) as f:
        f.start_all()
        asyncio.run(reserve_burst(f.app.url, f.seed["sessions"]["small"], f.people(0, 400), 16,
                                  time.monotonic() + 30))
        f.app.stop()  # a quiet database: the counts compared are those of one moment
        before = pg_counts(f.pg, "sciweek")
        dump = f.base / "sciweek.dump"
        t = time.monotonic()
        out = subprocess.run([PGBIN / "pg_dump", "-Fc", "-h", "127.0.0.1", "-p", str(f.pg.port), "-U", "postgres",
                              "-f", dump, "sciweek"], capture_output=True, text=True)
        dump_s = time.monotonic() - t
        if out.returncode:
            raise RuntimeError("pg_dump: " + out.stderr[-1000:])
        f.pg.sql(f"CREATE DATABASE {RESTORED}", db="postgres")
        t = time.monotonic()
        out = subprocess.run([PGBIN / "pg_restore", "-h", "127.0.0.1", "-p", str(f.pg.port), "-U", "postgres",
                              "-d", RESTORED, "-j", "2", "--no-owner", dump], capture_output=True, text=True)
        restore_s = time.monotonic() - t
        after = pg_counts(f.pg, RESTORED)
        restored_env = app_env(f.var, f.pg.url(RESTORED), f"redis://127.0.0.1:{f.redis.port}/1")
        pg_integrity_ok, pg_integrity = f.integrity(env=restored_env)
        app = f.start_app(port=8041, name="restored", env=restored_env)
        pages = [httpx.get(app.url + p, timeout=30).status_code for p in (
            f"/{f.seed['year']}/activities/", f"/api/v1/campaigns/{f.seed['year']}/activities")]
        pg_diff = {t: (before.get(t), after.get(t)) for t in set(before) | set(after) if before.get(t) != after.get(t)}

        # SQLite: the online backup API, then reopen the copy.
        live = f.base / "live.sqlite3"
        shutil.copy(f.cache / "sciweek.sqlite3", live)
        copy = f.base / "backup.sqlite3"
        t = time.monotonic()
        with sqlite3.connect(live) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
        backup_s = time.monotonic() - t
        with sqlite3.connect(copy) as conn:
            check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        sq_diff = {k: v for k, v in ((t, (a, b)) for t, a, b in (
            (t, sqlite_counts(live).get(t), sqlite_counts(copy).get(t)) for t in sqlite_counts(live))) if v[0] != v[1]}
        sq_integrity_ok, sq_integrity = f.integrity(env=app_env(f.var, f"sqlite:///{copy}"))
        figures = {"pg_tables": len(after), "pg_rows": sum(after.values()), "pg_count_diffs": len(pg_diff),
                   "dump_s": round(dump_s, 2), "dump_mb": round(dump.stat().st_size / 1048576, 1),
                   "restore_s": round(restore_s, 2), "restored_pages": "/".join(map(str, pages)),
                   "pg_integrity": "ok" if pg_integrity_ok else "BROKEN", "sqlite_backup_s": round(backup_s, 2),
                   "sqlite_check": check, "sqlite_count_diffs": len(sq_diff),
                   "sqlite_integrity": "ok" if sq_integrity_ok else "BROKEN"}
        checks = {"pg_restore_ok": out.returncode == 0, "pg_counts_identical": not pg_diff,
                  "pg_integrity": pg_integrity_ok, "restored_app_serves": all(p == 200 for p in pages),
                  "sqlite_integrity_check": check == "ok", "sqlite_counts_identical": not sq_diff,
                  "sqlite_invariant": sq_integrity_ok}
        f.finish(checks, figures, {"pg_diff": pg_diff, "sqlite_diff": sq_diff, "restore_stderr": out.stderr[-1000:],
                                   "pg_integrity": pg_integrity, "sqlite_integrity": sq_integrity,
                                   "reservations": after.get("reservations_reservation")})
    main_exit(f)


if __name__ == "__main__":
    main()
