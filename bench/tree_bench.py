"""Organization tree: subtree queries over a growth series (bounded benchmark).

Builds a synthetic organizer tree of N organizations in a throwaway database, times the
tree queries the console and API run, and writes one JSON file per backend to
``bench/results/tree-<backend>-<date>.json``. It never touches the developer's data:
SQLite runs in a temporary directory; PostgreSQL in a database named ``sciweek_bench_*``
that is created for the run and dropped at the end.

Run from the repository root::

    .venv/bin/python bench/tree_bench.py                                  # both backends, 1k/10k/100k
    .venv/bin/python bench/tree_bench.py --backend sqlite --sizes 1000,10000
    .venv/bin/python bench/tree_bench.py --backend postgresql --time-limit 200
    .venv/bin/python bench/tree_bench.py --report bench/results/tree-*.json  # Markdown tables

PostgreSQL is reached through ``--pg-admin-url`` (default ``$BENCH_PG_ADMIN_URL`` or
``postgres://postgres@127.0.0.1:5432/postgres``); that role must be allowed to create databases.

Tree shape (realistic reporting lines): 1 national committee -> 40 provincial-level
regions -> cities -> 4 districts/counties per city -> 4 units per county. A city subtree is
always 21 organizations; the number of cities per province grows with N, and province-level
departments reporting directly to the province top the tree up to exactly N. So a province
holds ~N/40 organizations, while a city is a fixed-size subtree (to show whether cost stays
flat as the tree grows).

Timed queries, each through the app's own selectors/policy and the ORM (so model
instantiation is included): (a) count of a province's subtree; (b) first page (50, by path)
of it; (c) a city's subtree, by path; (d) ancestors of a depth-5 unit; (e) direct children of
a province; (f) the organization list scoped by ``accounts.policy.scoped`` for a user with
two memberships (a province and a city in another province), first page of 50 -- including
the membership lookup it does once per request. Each query gets one untimed warm-up, then
at most ``--repeats`` runs within ``--query-budget`` seconds; the whole run is bounded by
``--time-limit``: steps stop at the deadline, a worker still running 30 s past its share is
killed, and its database is dropped all the same.
Reported: median and p95 (nearest rank) in ms, the build time, and each query's plan
(PostgreSQL ``EXPLAIN ANALYZE``; SQLite ``EXPLAIN QUERY PLAN``).

Figures are only comparable between runs on the same machine.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from machine import cpu_model  # bench/machine.py: one machine-info helper for all benchmarks

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "bench" / "results"
BACKENDS = ("sqlite", "postgresql")
DEFAULT_PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_DB_PREFIX = "sciweek_bench"

PROVINCES = 40
COUNTIES_PER_CITY = 4
UNITS_PER_COUNTY = 4
CITY_SUBTREE_SIZE = 1 + COUNTIES_PER_CITY * (1 + UNITS_PER_COUNTY)  # 21
MIN_SIZE = 1 + PROVINCES + PROVINCES * CITY_SUBTREE_SIZE  # every province has at least one city
PROVINCE_UNDER_TEST = 20  # a province in the middle of the path order
OTHER_PROVINCE = 33  # holds the user's second membership (a city)
PAGE_SIZE = 50
BULK_BATCH_SIZE = 2000
FIND_PROBLEMS_MAX_SIZE = 10_000  # treebeard's full consistency check walks every node in Python
WORKER_GRACE_SECONDS = 30  # past its budget, a worker is killed
STATEMENT_TIMEOUT_MS = 60_000  # PostgreSQL guard against a single runaway statement

QUERY_LABELS = {
    "province_subtree_count": "(a) count of a province's subtree",
    "province_subtree_first_page": "(b) first page (50, by path) of a province's subtree",
    "city_subtree_list": "(c) a city's subtree (21 rows, by path)",
    "deep_node_ancestors": "(d) ancestors of a depth-5 unit",
    "province_children": "(e) direct children of a province",
    "scoped_first_page": "(f) scoped list, 2 memberships, first page (50)",
}


# --- Orchestrator (no Django here: each backend runs in its own worker process) -----------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return run_benchmark(args)
    if args.report:
        print(markdown_report([Path(p) for p in args.report]))
        return 0
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    deadline = time.monotonic() + args.time_limit
    today = dt.date.today().isoformat()
    status = 0
    for index, backend in enumerate(backends):
        budget = (deadline - time.monotonic()) / (len(backends) - index)
        if budget <= 1:
            print(f"[{backend}] skipped: time limit reached", file=sys.stderr)
            status = 1
            continue
        output = args.results_dir / f"tree-{backend}-{today}.json"
        runner = run_sqlite_worker if backend == "sqlite" else run_postgresql_worker
        ok = runner(args, budget, output)
        print(f"[{backend}] {'wrote' if ok else 'FAILED, partial results in'} {output}", file=sys.stderr)
        status = status or (0 if ok else 1)
    return status


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=(*BACKENDS, "both"), default="both")
    parser.add_argument("--sizes", type=parse_sizes, default=parse_sizes("1000,10000,100000"),
                        help=f"comma-separated tree sizes, each >= {MIN_SIZE}")
    parser.add_argument("--time-limit", type=float, default=300.0,
                        help="wall-clock limit in seconds for the whole run (default 300)")
    parser.add_argument("--repeats", type=int, default=30, help="max timed runs per query (default 30)")
    parser.add_argument("--query-budget", type=float, default=3.0,
                        help="max seconds of timed runs per query and size (default 3)")
    parser.add_argument("--pg-admin-url", default=os.environ.get("BENCH_PG_ADMIN_URL", DEFAULT_PG_ADMIN_URL))
    parser.add_argument("--pg-database", default=f"{BENCH_DB_PREFIX}_tree",
                        help=f"throwaway database, created and dropped; must start with {BENCH_DB_PREFIX}")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR,
                        help="where tree-<backend>-<date>.json go (default bench/results)")
    parser.add_argument("--report", nargs="+", metavar="JSON", help="print Markdown tables for result files")
    parser.add_argument("--worker", choices=BACKENDS, help=argparse.SUPPRESS)
    parser.add_argument("--worker-seconds", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.pg_database.startswith(BENCH_DB_PREFIX):
        parser.error(f"--pg-database must start with {BENCH_DB_PREFIX!r}: it is dropped at the end")
    return args


def parse_sizes(text: str) -> list[int]:
    sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    if not sizes or sizes[0] < MIN_SIZE:
        raise argparse.ArgumentTypeError(f"sizes must be >= {MIN_SIZE}")
    return sizes


def worker_command(args: argparse.Namespace, backend: str, budget: float, output: Path) -> list[str]:
    return [
        sys.executable, str(Path(__file__).resolve()), "--worker", backend,
        "--worker-seconds", f"{budget:.1f}", "--output", str(output),
        "--sizes", ",".join(map(str, args.sizes)),
        "--repeats", str(args.repeats), "--query-budget", str(args.query_budget),
    ]


def run_worker(command: list[str], env_overrides: dict[str, str], budget: float) -> bool:
    env = {**os.environ, **env_overrides}
    try:
        completed = subprocess.run(command, env=env, cwd=REPO_ROOT, timeout=budget + WORKER_GRACE_SECONDS)  # noqa: S603
    except subprocess.TimeoutExpired:
        print("worker exceeded the time limit and was killed", file=sys.stderr)
        return False
    return completed.returncode == 0


def run_sqlite_worker(args: argparse.Namespace, budget: float, output: Path) -> bool:
    with tempfile.TemporaryDirectory(prefix="sciweek-bench-tree-") as var_dir:
        database_url = f"sqlite:///{Path(var_dir) / 'bench.sqlite3'}"
        return run_worker(
            worker_command(args, "sqlite", budget, output),
            {"DATABASE_URL": database_url, "SCIWEEK_VAR_DIR": var_dir},
            budget,
        )


def run_postgresql_worker(args: argparse.Namespace, budget: float, output: Path) -> bool:
    import psycopg
    from psycopg import sql

    admin_url = args.pg_admin_url
    parts = urlsplit(args.pg_admin_url)
    database_url = urlunsplit(parts._replace(path="/" + args.pg_database))
    statement_drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(args.pg_database))
    statement_create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(args.pg_database))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(statement_drop)
        admin.execute(statement_create)
    try:
        with tempfile.TemporaryDirectory(prefix="sciweek-bench-tree-") as var_dir:
            return run_worker(
                worker_command(args, "postgresql", budget, output),
                {"DATABASE_URL": database_url, "SCIWEEK_VAR_DIR": var_dir},
                budget,
            )
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(statement_drop)


# --- Worker (runs inside Django against the throwaway database) ------------------------


@dataclass
class Targets:
    """The nodes and the user the timed queries are about."""

    province: object
    city: object
    deep_node: object
    user: object


def run_benchmark(args: argparse.Namespace) -> int:
    deadline = time.monotonic() + args.worker_seconds
    setup_django(args.worker)
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    report = {
        "benchmark": "organization-tree-subtree-queries",
        "backend": args.worker,
        "complete": False,
        "environment": environment_info(),
        "settings": {
            "sizes": args.sizes, "repeats": args.repeats, "query_budget_seconds": args.query_budget,
            "worker_time_limit_seconds": args.worker_seconds, "page_size": PAGE_SIZE,
            "tree_shape": {
                "provinces": PROVINCES, "counties_per_city": COUNTIES_PER_CITY,
                "units_per_county": UNITS_PER_COUNTY, "city_subtree_size": CITY_SUBTREE_SIZE,
                "province_under_test": PROVINCE_UNDER_TEST,
            },
        },
        "migrate_seconds": round(time.perf_counter() - started, 2),
        "queries": QUERY_LABELS,
        "runs": [],
    }
    write_json(args.output, report)
    for size in args.sizes:
        if time.monotonic() >= deadline:
            report["runs"].append({"size": size, "skipped": "time limit reached before building"})
            continue
        report["runs"].append(run_size(size, args, deadline))
        write_json(args.output, report)  # partial results survive a later kill
    report["complete"] = all("skipped" not in run and not run.get("incomplete") for run in report["runs"])
    report["environment"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    write_json(args.output, report)
    return 0


def setup_django(backend: str) -> None:
    sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sciweek.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db.backends.signals import connection_created

    # The worker deletes every organization: refuse anything but the throwaway database.
    database = settings.DATABASES["default"]
    name = str(database["NAME"])
    if backend == "sqlite":
        safe = database["ENGINE"].endswith("sqlite3") and name.startswith(tempfile.gettempdir())
    else:
        safe = database["ENGINE"].endswith("postgresql") and name.startswith(BENCH_DB_PREFIX)
    if not safe:
        raise SystemExit(f"refusing to run against {database['ENGINE']} {name!r}: not a benchmark database")

    def limit_statements(sender, connection, **kwargs):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")

    connection_created.connect(limit_statements, weak=False)


def run_size(size: int, args: argparse.Namespace, deadline: float) -> dict:
    from django.db import connection

    clear_tree()
    build = build_tree(size)
    targets = pick_targets()
    run = {"size": size, "build": build, "checks": check_tree(size, targets), "results": {}}
    for key, query in timed_queries().items():
        if time.monotonic() >= deadline:
            run["results"][key] = {"skipped": "time limit reached"}
            run["incomplete"] = True
            continue
        rows, samples = measure(lambda query=query: query(targets), args.repeats, args.query_budget, deadline)
        run["results"][key] = summarize(samples) | {"rows": rows, "plans": explain(query, targets, connection)}
    medians = " ".join(f"{label[:3]}{result.get('median_ms', '-')}" for label, result
                       in zip(QUERY_LABELS.values(), run["results"].values(), strict=True))
    print(f"[{connection.vendor}] {size:>7} orgs: built in {build['seconds']} s; median ms {medians}",
          file=sys.stderr)
    return run


def clear_tree() -> None:
    """Empty the organization tree (and what refers to it) in the throwaway database."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from sciweek.accounts.models import Membership
    from sciweek.organizations.models import Organization

    tables = [Membership._meta.db_table, get_user_model()._meta.db_table, Organization._meta.db_table]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(map(connection.ops.quote_name, tables))} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608 - our table names


def province_plan(size: int) -> list[tuple[int, int]]:
    """(cities, direct units) per province so that the tree holds exactly `size` nodes."""
    below_provinces = size - 1 - PROVINCES
    plan = []
    for index in range(PROVINCES):
        share = below_provinces // PROVINCES + (1 if index < below_provinces % PROVINCES else 0)
        cities, direct_units = divmod(share, CITY_SUBTREE_SIZE)
        plan.append((cities, direct_units))
    return plan


def tree_nodes(size: int) -> list:
    """Unsaved Organization rows with treebeard-valid path, depth and numchild."""
    from sciweek.organizations.models import Organization

    kind = Organization.Kind
    unit_kinds = [kind.SCHOOL, kind.MUSEUM, kind.RESEARCH_INSTITUTE, kind.ENTERPRISE]
    nodes: list[Organization] = []

    def add(parent_path: str, position: int, name: str, node_kind: str, numchild: int) -> str:
        depth = len(parent_path) // Organization.steplen + 1
        path = Organization._get_path(parent_path, depth, position)
        nodes.append(Organization(path=path, depth=depth, numchild=numchild, name=name,
                                  kind=node_kind, is_demo=True))
        return path

    root = add("", 1, "全国科技活动周组委会（基准）", kind.COMMITTEE, PROVINCES)
    for p, (cities, direct_units) in enumerate(province_plan(size), start=1):
        province = add(root, p, f"省级地区{p:02d}", kind.REGION, cities + direct_units)
        for c in range(1, cities + 1):
            city = add(province, c, f"省{p:02d}市{c:03d}", kind.REGION, COUNTIES_PER_CITY)
            for k in range(1, COUNTIES_PER_CITY + 1):
                county = add(city, k, f"省{p:02d}市{c:03d}县{k}", kind.REGION, UNITS_PER_COUNTY)
                for u in range(1, UNITS_PER_COUNTY + 1):
                    add(county, u, f"省{p:02d}市{c:03d}县{k}单位{u}", unit_kinds[u - 1], 0)
        for d in range(1, direct_units + 1):
            add(province, cities + d, f"省{p:02d}直属单位{d:02d}", kind.DEPARTMENT, 0)
    assert len(nodes) == size, (len(nodes), size)
    return nodes


def build_tree(size: int) -> dict:
    """Insert the tree in bulk, then refresh planner statistics (timed separately)."""
    from django.db import connection, transaction

    from sciweek.organizations.models import Organization

    started = time.perf_counter()
    nodes = tree_nodes(size)
    with transaction.atomic():
        Organization.objects.bulk_create(nodes, batch_size=BULK_BATCH_SIZE)
    built = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(Organization._meta.db_table)}")
        else:
            cursor.execute("ANALYZE")
    return {"seconds": round(built, 2), "analyze_seconds": round(time.perf_counter() - started, 2),
            "method": "bulk_create of precomputed treebeard paths"}


def pick_targets() -> Targets:
    from django.contrib.auth import get_user_model

    from sciweek.accounts.models import Membership, Role
    from sciweek.organizations.models import Organization

    root = Organization.objects.get_first_root_node()

    def province(number: int) -> Organization:
        return Organization.objects.get(path=Organization._get_path(root.path, 2, number))

    def first_city(of: Organization) -> Organization:
        return Organization.objects.filter(path__startswith=of.path, depth=3).order_by("path").first()

    province_under_test = province(PROVINCE_UNDER_TEST)
    city = first_city(province_under_test)
    deep_node = Organization.objects.filter(depth=5).order_by("-path").first()
    user = get_user_model().objects.create_user(username="bench-two-memberships")
    Membership.objects.create(user=user, organization=province_under_test, role=Role.ADMIN)
    Membership.objects.create(user=user, organization=first_city(province(OTHER_PROVINCE)), role=Role.FILER)
    return Targets(province=province_under_test, city=city, deep_node=deep_node, user=user)


def check_tree(size: int, targets: Targets) -> dict:
    """Cheap consistency facts recorded with the results (and treebeard's own check when small)."""
    from sciweek.organizations.models import Organization
    from sciweek.organizations.selectors import subtree

    checks = {
        "organizations": Organization.objects.count(),
        "province_subtree": subtree(targets.province).count(),
        "city_subtree": subtree(targets.city).count(),
        "province_children": targets.province.numchild,
        "deep_node_depth": targets.deep_node.depth,
    }
    if size <= FIND_PROBLEMS_MAX_SIZE:
        problems = Organization.objects.find_problems()
        checks["treebeard_find_problems"] = "ok" if not any(problems) else [list(p) for p in problems]
    else:
        checks["treebeard_find_problems"] = f"skipped above {FIND_PROBLEMS_MAX_SIZE} nodes"
    return checks


def timed_queries() -> dict:
    from sciweek.accounts.policy import forget, scoped
    from sciweek.organizations.models import Organization
    from sciweek.organizations.selectors import ancestors, children, subtree

    def scoped_first_page(t: Targets) -> list:
        forget(t.user)  # a request reads the memberships once: include that query
        return list(scoped(Organization.objects.order_by("path"), t.user, "organization.view")[:PAGE_SIZE])

    queries = {
        "province_subtree_count": lambda t: subtree(t.province).count(),
        "province_subtree_first_page": lambda t: list(subtree(t.province).order_by("path")[:PAGE_SIZE]),
        "city_subtree_list": lambda t: list(subtree(t.city).order_by("path")),
        "deep_node_ancestors": lambda t: list(ancestors(t.deep_node)),
        "province_children": lambda t: list(children(t.province)),
        "scoped_first_page": scoped_first_page,
    }
    assert queries.keys() == QUERY_LABELS.keys()
    return queries


def measure(run_once, repeats: int, budget: float, deadline: float) -> tuple[int, list[float]]:
    """One untimed warm-up, then up to `repeats` timed runs within `budget` seconds."""
    result = run_once()
    rows = result if isinstance(result, int) else len(result)
    stop_at = min(time.monotonic() + budget, deadline)
    samples: list[float] = []
    while len(samples) < repeats and (not samples or time.monotonic() < stop_at):
        started = time.perf_counter()
        run_once()
        samples.append(time.perf_counter() - started)
    return rows, samples


def summarize(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {
        "runs": len(ordered),
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(p95 * 1000, 3),
        "min_ms": round(ordered[0] * 1000, 3),
    }


def explain(query, targets: Targets, connection) -> list[dict]:
    """The plan of every statement the query issues (run once more, untimed)."""
    statements: list[tuple[str, tuple]] = []

    def capture(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        query(targets)
    prefix = "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF) " if connection.vendor == "postgresql" else (
        "EXPLAIN QUERY PLAN ")
    plans = []
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(prefix + sql, params)
            lines = [row[0] if connection.vendor == "postgresql" else row[-1] for row in cursor.fetchall()]
            plans.append({"sql": sql, "params": [str(p) for p in params or ()], "plan": lines,
                          "access": access_lines(lines)})
    return plans


def access_lines(plan: list[str]) -> list[str]:
    """The lines saying how the table is read (index or sequential scan)."""
    markers = ("Scan", "SCAN", "SEARCH")
    return [line.strip(" ->") for line in plan if any(marker in line for marker in markers)]


def environment_info() -> dict:
    import django
    import treebeard
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version(), current_setting('lc_collate')")
            database_version, collation = cursor.fetchone()
        else:
            cursor.execute("SELECT sqlite_version()")
            database_version, collation = cursor.fetchone()[0], "BINARY"
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model(),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "django": django.get_version(),
        "treebeard": treebeard.__version__,
        "database": database_version,
        "database_collation": collation,
        "git_sha": git("rev-parse", "--short", "HEAD"),
        "git_tracked_changes": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def git(*arguments: str) -> str:
    try:
        completed = subprocess.run(["git", *arguments], cwd=REPO_ROOT, capture_output=True, text=True,  # noqa: S603, S607
                                   check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return completed.stdout.strip()


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    temporary.replace(path)


# --- Report ----------------------------------------------------------------------------


def markdown_report(paths: list[Path]) -> str:
    """One table per result file: queries as rows, tree sizes as columns, `median / p95` ms."""
    out = []
    for path in paths:
        data = json.loads(path.read_text())
        runs = [run for run in data["runs"] if "skipped" not in run]
        env = data["environment"]
        out.append(f"### {data['backend']} ({env['database'].split(' on ')[0]}) — `{path.name}`\n")
        out.append("| median / p95, ms | " + " | ".join(f"{run['size']:,}" for run in runs) + " |")
        out.append("| --- |" + " ---: |" * len(runs))
        for key, label in data["queries"].items():
            cells = []
            for run in runs:
                result = run["results"].get(key, {})
                cells.append(f"{result['median_ms']:.2f} / {result['p95_ms']:.2f}" if "median_ms" in result
                             else "skipped")
            out.append(f"| {label} | " + " | ".join(cells) + " |")
        rows = {key: [str(run["results"].get(key, {}).get("rows", "-")) for run in runs] for key in data["queries"]}
        out.append("| rows returned (a)/(b)/(c)/(e)/(f) | " + " | ".join(
            "/".join(rows[key][i] for key in ("province_subtree_count", "province_subtree_first_page",
                                               "city_subtree_list", "province_children", "scoped_first_page"))
            for i in range(len(runs))) + " |")
        out.append("| build: bulk insert, s | " + " | ".join(f"{run['build']['seconds']:.2f}" for run in runs) + " |")
        out.append("| build: analyze, s | " + " | ".join(f"{run['build']['analyze_seconds']:.2f}" for run in runs)
                   + " |")
        out.append("")
        for run in runs:
            plan = run["results"].get("province_subtree_count", {}).get("plans", [{}])[0]
            out.append(f"- {run['size']:,}: (a) plan: `{'; '.join(plan.get('access', [])) or '-'}`")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
