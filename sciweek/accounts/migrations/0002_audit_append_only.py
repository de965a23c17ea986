"""Audit rows are append-only in the database itself, not only in the code: triggers refuse
UPDATE and DELETE on accounts_auditevent (PostgreSQL and SQLite), and TRUNCATE (PostgreSQL).

One narrow UPDATE is allowed: setting actor_id, organization_id or target_user_id to NULL with
every other column unchanged. That is what Django's on_delete=SET_NULL does when a user or an
organization is deleted (the admin can delete both); the row keeps `actor_name` and
`organization_path`, so what happened and by whom stays readable.

PostgreSQL, what makes it hold against the application itself. A role that owns the table
(or its schema, or the database, which owns `public` from PostgreSQL 15 on), or a superuser,
can always drop or disable a trigger; nobody else can, and only a superuser may
`SET session_replication_role = replica` (which skips triggers). So in production:

- run `migrate` as an owner role (say `sciweek_owner`, owning the database and the tables);
- run the application as another role (say `sciweek_app`) that is not a superuser, is not a
  member of the owner role and owns nothing, with ordinary rights:

      GRANT CONNECT ON DATABASE sciweek TO sciweek_app;
      GRANT USAGE ON SCHEMA public TO sciweek_app;
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO sciweek_app;
      GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO sciweek_app;
      ALTER DEFAULT PRIVILEGES FOR ROLE sciweek_owner IN SCHEMA public
          GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO sciweek_app;
      ALTER DEFAULT PRIVILEGES FOR ROLE sciweek_owner IN SCHEMA public
          GRANT USAGE, SELECT ON SEQUENCES TO sciweek_app;

  Even with UPDATE and DELETE granted, the triggers refuse them for `sciweek_app`, and it can
  neither drop, disable nor replace them (accounts/tests/test_audit_immutable.py checks this
  with such a role). TRUNCATE is refused to everyone but the table's owner (Django's test
  runner and `manage.py flush` truncate as the owner; the owner could drop the trigger anyway).

SQLite has no roles: whoever can write the file can drop a trigger. There the triggers keep the
code honest (the ORM, the admin, a stray `.delete()`); `accounts/management/commands/flush.py`
lifts them for a flush. A later migration that alters this table on SQLite rebuilds it and
loses its triggers: it must create them again (a test checks that they are present).
"""
from django.db import migrations

# The foreign keys Django nulls when the user or organization they point to is deleted.
NULLABLE_LINKS = ("actor_id", "organization_id", "target_user_id")
REFUSED = "audit rows are append-only: %s on accounts_auditevent refused"

PG_FORWARD = f"""
CREATE FUNCTION accounts_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND to_jsonb(NEW) - '{{{",".join(NULLABLE_LINKS)}}}'::text[]
           = to_jsonb(OLD) - '{{{",".join(NULLABLE_LINKS)}}}'::text[]
       AND {" AND ".join(f"(NEW.{link} IS NULL OR NEW.{link} IS NOT DISTINCT FROM OLD.{link})" for link in NULLABLE_LINKS)}
    THEN
        RETURN NEW;  -- on_delete=SET_NULL of a deleted user or organization
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation',
        MESSAGE = format('{REFUSED}', TG_OP);
END
$$;

CREATE TRIGGER accounts_auditevent_append_only
    BEFORE UPDATE OR DELETE ON accounts_auditevent
    FOR EACH ROW EXECUTE FUNCTION accounts_auditevent_append_only();

CREATE FUNCTION accounts_auditevent_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_catalog.pg_has_role(current_user,
            (SELECT relowner FROM pg_catalog.pg_class WHERE oid = TG_RELID), 'USAGE') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation',
        MESSAGE = format('{REFUSED}', TG_OP);
END
$$;

CREATE TRIGGER accounts_auditevent_no_truncate
    BEFORE TRUNCATE ON accounts_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_auditevent_no_truncate();
"""

PG_BACKWARD = """
DROP TRIGGER IF EXISTS accounts_auditevent_no_truncate ON accounts_auditevent;
DROP FUNCTION IF EXISTS accounts_auditevent_no_truncate();
DROP TRIGGER IF EXISTS accounts_auditevent_append_only ON accounts_auditevent;
DROP FUNCTION IF EXISTS accounts_auditevent_append_only();
"""


def sqlite_triggers(columns) -> list[str]:
    """SQLite has no row comparison: every column but the nullable links is named (the test
    checks that the list covers every column of the model)."""
    same = " AND ".join(f'NEW."{column}" IS OLD."{column}"' for column in columns if column not in NULLABLE_LINKS)
    links = " AND ".join(f'(NEW."{link}" IS NULL OR NEW."{link}" IS OLD."{link}")' for link in NULLABLE_LINKS)
    return [
        f"""CREATE TRIGGER accounts_auditevent_no_update BEFORE UPDATE ON accounts_auditevent
            WHEN NOT ({same} AND {links})
            BEGIN SELECT RAISE(ABORT, '{REFUSED % "UPDATE"}'); END""",
        f"""CREATE TRIGGER accounts_auditevent_no_delete BEFORE DELETE ON accounts_auditevent
            BEGIN SELECT RAISE(ABORT, '{REFUSED % "DELETE"}'); END""",
    ]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        columns = [field.column for field in apps.get_model("accounts", "AuditEvent")._meta.concrete_fields]
        for statement in sqlite_triggers(columns):
            schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS accounts_auditevent_no_update", params=None)
        schema_editor.execute("DROP TRIGGER IF EXISTS accounts_auditevent_no_delete", params=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
