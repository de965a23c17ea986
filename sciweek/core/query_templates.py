"""Querysets built once per process and run many times with new values.

Building a queryset (filter, annotate, subqueries) costs far more Python than compiling and
running it: on the reservation path the session-and-person read took ~4 ms to build and
0.1 ms to compile. A hot read whose shape never changes is built once, with `Slot`s where
the values go, and each call only clones it, fills the slots and runs it:

    FACTS = QueryTemplate(lambda: Session.objects.filter(pk=Slot("session", BigIntegerField())))
    session = FACTS.first(session=42)

A Slot compiles to one placeholder and its value, read from the values of the call being
run (a context variable: safe across threads). Using a Slot outside `first` fails
loudly rather than querying with a stale value.

On PostgreSQL a template runs as a prepared statement (`prepared()`): its SQL text is the
same every call, so the server plans it once per connection instead of every time. Django
leaves prepared statements off by default (for connection poolers such as PgBouncer in
transaction mode); a deployment behind such a pooler sets SCIWEEK_PREPARED_STATEMENTS=false.
"""
import threading
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connection
from django.db.models import Expression

_values: ContextVar[dict] = ContextVar("sciweek_query_template_values")


class Slot(Expression):
    """A value given when the template runs (see QueryTemplate)."""

    def __init__(self, name: str, output_field):
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler, connection):
        try:
            value = _values.get()[self.name]
        except (LookupError, KeyError):
            raise RuntimeError(f"query template slot {self.name!r} used without a value") from None
        return "%s", [self.output_field.get_db_prep_value(value, connection, prepared=False)]

    def __repr__(self):
        return f"Slot({self.name!r})"


class QueryTemplate:
    """A queryset made by `build()` on first use (per process), run with slot values."""

    def __init__(self, build):
        self._build = build
        self._queryset = None
        self._lock = threading.Lock()

    @property
    def queryset(self):
        if self._queryset is None:
            with self._lock:
                if self._queryset is None:
                    self._queryset = self._build()
        return self._queryset

    def first(self, **values):
        token = _values.set(values)
        try:
            with prepared():
                rows = list(self.queryset[:1])
        finally:
            _values.reset(token)
        return rows[0] if rows else None


@contextmanager
def prepared():
    """Statements run inside use server-side binding and are prepared at once (PostgreSQL;
    elsewhere, or when SCIWEEK_PREPARED_STATEMENTS is off, nothing changes)."""
    if connection.vendor != "postgresql" or not getattr(settings, "PREPARED_STATEMENTS", True):
        yield
        return
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    raw = connection.connection
    factory, threshold = raw.cursor_factory, raw.prepare_threshold
    raw.cursor_factory, raw.prepare_threshold = ServerBindingCursor, 0
    try:
        yield
    finally:
        raw.cursor_factory, raw.prepare_threshold = factory, threshold


class RawTemplate:
    """A raw SELECT for one model whose SQL is written once per database vendor, for the
    hottest reads where even compiling a queryset costs more Python than running it.
    ``write(quote)`` returns the SQL given the backend's ``quote_name``; ``rows(*params)``
    runs it through ``Model.objects.raw`` (so the backend's converters apply: JSON, aware
    datetimes; extra selected columns become attributes)."""

    def __init__(self, model, write):
        self._model, self._write, self._sql = model, write, {}

    def rows(self, *params) -> list:
        sql = self._sql.get(connection.vendor)
        if sql is None:
            sql = self._sql[connection.vendor] = self._write(connection.ops.quote_name)
        return list(self._model.objects.raw(sql, list(params)))
