"""Triggers: the audit log is insert-only, as the ledger is."""

from django.db import migrations

TABLE = "hitrec_auditentry"

POSTGRES = f"""
CREATE OR REPLACE FUNCTION hitrec_audit_is_insert_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is insert-only: % on % refused',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {TABLE}_insert_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION hitrec_audit_is_insert_only();
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES, params=None)
    elif vendor == "sqlite":
        # UPDATE only: Django empties tables with DELETE on SQLite (test flushes).
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_insert_only BEFORE UPDATE ON {TABLE} BEGIN "
            "SELECT RAISE(ABORT, 'the audit log is insert-only: UPDATE refused'); END;"
        )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_insert_only ON {TABLE};")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_insert_only;")


class Migration(migrations.Migration):
    dependencies = [("hitrec", "0001_audit_log")]

    operations = [migrations.RunPython(forwards, backwards)]
