"""The demo as the test database held it right after loading, put back in well under a second.

A transactional test (browser pages against a live server, races between real connections)
ends with a flush of every table; the next test that needs the demo used to load it again,
8–15 s each, and more than a hundred such tests made that most of the suite's time. Instead,
the session takes one copy of the loaded database and puts it back after a flush:

* SQLite: the file's pages through SQLite's own online backup (into memory and back);
* PostgreSQL: every model table's rows as ``COPY … TO STDOUT`` text, put back with one
  ``TRUNCATE`` and ``COPY … FROM STDIN`` per table (foreign keys are deferrable, checked at
  commit), then every sequence set past the highest id.

The demo's media files (posters, report pictures) are copied into the test's MEDIA_ROOT too.
"""
from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction


@dataclass
class DemoSnapshot:
    vendor: str
    media_root: Path | None
    sqlite: sqlite3.Connection | None = None
    tables: dict[str, bytes] = field(default_factory=dict)


_taken: DemoSnapshot | None = None


def take(media_root) -> DemoSnapshot:
    """Copy the database as it is now (call right after the demo loaded)."""
    global _taken
    connection.ensure_connection()
    media = Path(media_root) if media_root and Path(media_root).is_dir() else None
    if connection.vendor == "sqlite":
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(copy)
        _taken = DemoSnapshot("sqlite", media, sqlite=copy)
    elif connection.vendor == "postgresql":
        tables = {}
        with connection.cursor() as cursor:
            for table in _tables():
                with cursor.copy(f"COPY {connection.ops.quote_name(table)} TO STDOUT") as out:
                    tables[table] = b"".join(bytes(block) for block in out)
        _taken = DemoSnapshot("postgresql", media, tables=tables)
    else:
        _taken = None
    return _taken


def restore(media_root) -> bool:
    """Put the copy back (replacing whatever the database holds); False if there is none."""
    if _taken is None or _taken.vendor != connection.vendor:
        return False
    connection.ensure_connection()
    if _taken.vendor == "sqlite":
        _taken.sqlite.backup(connection.connection)
    else:
        quote = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE " + ", ".join(quote(t) for t in _tables()))
            for table, rows in _taken.tables.items():
                if rows:
                    with cursor.copy(f"COPY {quote(table)} FROM STDIN") as into:
                        into.write(rows)
            for statement in connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True)):
                cursor.execute(statement)
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()  # ids as in the copy, not as the flush's post_migrate made them
    if _taken.media_root is not None and media_root:
        shutil.copytree(_taken.media_root, media_root, dirs_exist_ok=True)
    return True


def _tables() -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))
