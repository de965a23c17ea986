"""Simulating a lost database in tests (issue 11): every new cursor fails the way the
driver fails when its server or file is gone, and Django wraps it as in production."""
import sqlite3
from contextlib import contextmanager

import psycopg
from django.db import connections

MIDDLEWARE = "sciweek.core.errors.DatabaseUnavailableMiddleware"


def with_errors_middleware(middleware):
    """MIDDLEWARE with ours right after LocaleMiddleware, where production has it."""
    middleware = [m for m in middleware if m != MIDDLEWARE]
    at = middleware.index("django.middleware.locale.LocaleMiddleware") + 1
    return [*middleware[:at], MIDDLEWARE, *middleware[at:]]


def driver_error(message=None):
    if connections["default"].vendor == "sqlite":
        return sqlite3.OperationalError(message or "unable to open database file")
    return psycopg.OperationalError(message or 'connection failed: connection to server at "127.0.0.1", port 5432 '
                                               "failed: Connection refused")


@contextmanager
def database_down(message=None):
    """The test's own transaction is left alone (only new cursors fail), so the test
    database rolls back as usual afterwards."""
    connection = connections["default"]

    def refuse(name=None):
        raise driver_error(message)

    connection.create_cursor = refuse
    try:
        yield
    finally:
        del connection.create_cursor
