"""Django's `flush`, able to empty the audit table on SQLite. There its append-only triggers
(accounts migration 0002) refuse the `DELETE FROM` that flush runs, and Django's test runner
flushes after every transactional test; so they are lifted for the flush and put back in the
same transaction. Whoever can write an SQLite file can drop its triggers anyway: this takes
away no protection. On PostgreSQL flush truncates, which the table's owner may do and nobody
else (the trigger decides), so nothing changes there."""
from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from sciweek.accounts.models import AuditEvent


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                               [AuditEvent._meta.db_table])
                triggers = cursor.fetchall()
                for name, _sql in triggers:
                    cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
            super().handle(**options)
            with connection.cursor() as cursor:
                for _name, sql in triggers:
                    cursor.execute(sql)
