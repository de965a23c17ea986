"""Subtree queries are `path LIKE 'prefix%'` plus a range (selectors.within). On PostgreSQL
the plain unique btree index cannot serve LIKE under a non-C collation, so add a
varchar_pattern_ops index for it; the range bounds serve ordered paging on both backends."""
from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS organizations_org_path_prefix "
            "ON organizations_organization (path varchar_pattern_ops)"
        )
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS accounts_audit_org_path_prefix "
            "ON accounts_auditevent (organization_path varchar_pattern_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS organizations_org_path_prefix")
        schema_editor.execute("DROP INDEX IF EXISTS accounts_audit_org_path_prefix")


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial"), ("accounts", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
