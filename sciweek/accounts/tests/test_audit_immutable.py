"""Audit rows are append-only in the database (accounts migration 0002), on SQLite and
PostgreSQL: INSERT works, UPDATE and DELETE are refused whoever asks, except the one narrow
UPDATE Django makes when a user or an organization is deleted (the link set to NULL, the rest
unchanged). On PostgreSQL a role that does not own the table, as the application should run,
can neither change rows nor lift the protection."""
import importlib
import os

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.urls import reverse

from sciweek.accounts.audit import record
from sciweek.accounts.models import AuditEvent, User
from sciweek.organizations.models import Organization
from sciweek.participants.services import delete_personal_data
from sciweek.reservations.tests.helpers import person

migration = importlib.import_module("sciweek.accounts.migrations.0002_audit_append_only")
pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="roles exist on PostgreSQL only")


def refused():
    """The UPDATE is refused by the database (in a savepoint, so the test goes on)."""
    return pytest.raises(IntegrityError, match="append-only")


@pytest.fixture
def staff():
    return User.objects.create(username="audit_staff")


@pytest.fixture
def event(demo, staff, org):
    return record("membership.granted", actor=staff, organization=org("河北省"), target_user=staff,
                  ip="127.0.0.1", summary="授予角色", detail={"role": "filer"})


def settle_deferred():
    """PostgreSQL refuses to truncate a table with deferred foreign-key checks pending (the
    rows inserted by this test's transaction): run them now."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def snapshot(pk):
    return AuditEvent.objects.filter(pk=pk).values().get()


def test_insert_works_and_changes_are_refused(event, staff):
    before = snapshot(event.pk)
    rows = AuditEvent.objects.filter(pk=event.pk)
    for change in ({"summary": "改过"}, {"action": "login.failed"}, {"detail": {}}, {"ip_address": None},
                   {"actor_name": ""}, {"organization_path": ""}, {"created_at": event.created_at.replace(year=2000)}):
        with refused(), transaction.atomic():
            rows.update(**change)
    with refused(), transaction.atomic():
        event.summary = "改过"
        event.save()
    with refused(), transaction.atomic():
        rows.delete()
    with refused(), transaction.atomic():
        AuditEvent.objects.filter(action="membership.granted").delete()
    assert snapshot(event.pk) == before


def test_only_setting_a_link_to_null_is_allowed(event, staff):
    other = User.objects.create(username="audit_other")
    rows = AuditEvent.objects.filter(pk=event.pk)
    with refused(), transaction.atomic():
        rows.update(actor=other)  # pointing it at someone else is a forgery
    with refused(), transaction.atomic():
        rows.update(actor=None, summary="改过")  # nulling a link is no cover for another change
    assert rows.update(actor=None, organization=None, target_user=None) == 1
    with refused(), transaction.atomic():
        rows.update(actor=staff)  # nor may a nulled link be filled in again
    row = snapshot(event.pk)
    assert (row["actor_id"], row["organization_id"], row["target_user_id"]) == (None, None, None)
    assert (row["actor_name"], row["summary"], row["detail"]) == ("audit_staff", "授予角色", {"role": "filer"})


def test_deleting_a_user_or_an_organization_keeps_their_events(demo, org):
    user = User.objects.create(username="audit_leaver")
    unit = Organization.objects.add_child(org("河北省"), {"name": "审计测试单位", "kind": "other"})
    unit_path = unit.path
    event = record("invitation.accepted", actor=user, organization=unit, target_user=user, summary="加入")
    user.delete()  # on_delete=SET_NULL: the one UPDATE the trigger lets through
    unit.delete()
    row = snapshot(event.pk)
    assert (row["actor_id"], row["organization_id"], row["target_user_id"]) == (None, None, None)
    assert (row["actor_name"], row["organization_path"], row["summary"]) == ("audit_leaver", unit_path, "加入")


def test_deleting_a_persons_data_leaves_the_audit_log_as_it_is(demo):
    """Personal-data deletion anonymizes the account and keeps the user row, so the person's
    audit rows (a random `p_…` username and the IP of a sign-in) stay, unchanged."""
    someone = person(880001)
    event = record("login.succeeded", actor=someone, ip="10.0.0.8")
    before = snapshot(event.pk)
    delete_personal_data(someone)
    assert snapshot(event.pk) == before


def test_the_triggers_are_in_place_and_cover_every_column():
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
            triggers = dict(cursor.fetchall())
            assert set(triggers) == {"accounts_auditevent_no_update", "accounts_auditevent_no_delete"}
            # SQLite compares column by column: a column added later must be added to the trigger.
            for field in AuditEvent._meta.concrete_fields:
                if field.column in migration.NULLABLE_LINKS:
                    assert f'NEW."{field.column}" IS NULL OR' in triggers["accounts_auditevent_no_update"]
                else:
                    assert f'NEW."{field.column}" IS OLD."{field.column}"' in triggers["accounts_auditevent_no_update"]
        else:
            cursor.execute("SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                           [table])
            assert dict(cursor.fetchall()) == {"accounts_auditevent_append_only": "O",
                                               "accounts_auditevent_no_truncate": "O"}


class SchemaEditor:
    """Enough of a schema editor to run the migration's functions inside the test transaction."""

    def __init__(self):
        self.connection = connection

    def execute(self, sql, params=()):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def test_the_migration_reverses_and_applies_again(event):
    rows = AuditEvent.objects.filter(pk=event.pk)
    migration.backwards(apps, SchemaEditor())
    assert rows.update(summary="迁移回退后可改") == 1
    migration.forwards(apps, SchemaEditor())
    with refused(), transaction.atomic():
        rows.update(summary="再次受保护")
    test_the_triggers_are_in_place_and_cover_every_column()


def test_flush_empties_the_table_and_keeps_its_protection(event):
    """Django's test runner flushes after each transactional test; on SQLite the accounts'
    `flush` lifts the triggers for it and puts them back (rolled back with the test); on
    PostgreSQL the owner may truncate."""
    settle_deferred()
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    test_the_triggers_are_in_place_and_cover_every_column()


@postgresql_only
def test_a_role_that_does_not_own_the_table_cannot_lift_the_protection(event):
    """As the application should run: UPDATE, DELETE and TRUNCATE granted (worst case), and
    still every change is refused and the triggers cannot be dropped, disabled or replaced.
    The role is created in the test's transaction and goes with its rollback."""
    role = f"sciweek_audit_app_{os.getpid()}"
    table = AuditEvent._meta.db_table

    def attempt(sql, error, sqlstate):
        with pytest.raises(error) as caught, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, None)
        assert caught.value.__cause__.sqlstate == sqlstate, caught.value

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN NOSUPERUSER")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON {table} TO {role}")
        cursor.execute(f"SET LOCAL ROLE {role}")
    written = record("login.succeeded", summary="以应用角色写入")  # INSERT works
    assert AuditEvent.objects.filter(pk=written.pk).exists()
    # The table name is the model's own and the id an integer: nothing here comes from outside.
    attempt(f"UPDATE {table} SET summary = 'x' WHERE id = {event.pk:d}", IntegrityError, "23000")  # noqa: S608
    attempt(f"DELETE FROM {table} WHERE id = {event.pk:d}", IntegrityError, "23000")  # noqa: S608
    settle_deferred()
    attempt(f"TRUNCATE {table}", IntegrityError, "23000")
    privilege = "42501"  # insufficient_privilege: must be owner (or superuser)
    attempt(f"DROP TRIGGER accounts_auditevent_append_only ON {table}", ProgrammingError, privilege)
    attempt(f"ALTER TABLE {table} DISABLE TRIGGER accounts_auditevent_append_only", ProgrammingError, privilege)
    attempt(f"ALTER TABLE {table} DISABLE TRIGGER ALL", ProgrammingError, privilege)
    attempt("DROP FUNCTION accounts_auditevent_append_only() CASCADE", ProgrammingError, privilege)
    attempt("CREATE OR REPLACE FUNCTION accounts_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN RETURN NEW; END $$", ProgrammingError, privilege)
    attempt(f"ALTER TABLE {table} OWNER TO {role}", ProgrammingError, privilege)
    attempt("SET session_replication_role = replica", ProgrammingError, privilege)
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    assert AuditEvent.objects.filter(pk=event.pk).values_list("summary", flat=True).get() == "授予角色"


def test_the_admin_shows_events_read_only(client, event):
    admin = User.objects.create_superuser("audit_admin", password="x")
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    changelist = reverse("admin:accounts_auditevent_changelist")
    page = client.get(changelist)
    assert page.status_code == 200 and "delete_selected" not in page.content.decode()
    assert client.get(reverse("admin:accounts_auditevent_add")).status_code == 403
    change = reverse("admin:accounts_auditevent_change", args=[event.pk])
    assert client.get(change).status_code == 200  # a view page, with no save button
    assert 'name="_save"' not in client.get(change).content.decode()
    assert client.post(change, {"summary": "改过"}).status_code == 403
    delete = reverse("admin:accounts_auditevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.post(changelist, {"action": "delete_selected", "_selected_action": [event.pk]}).status_code == 200
    assert AuditEvent.objects.filter(pk=event.pk, summary="授予角色").exists()
