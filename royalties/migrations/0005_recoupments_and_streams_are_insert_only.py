"""Triggers: recoupments and revenue streams are insert-only, like the rest of the ledger."""

from django.db import migrations

INSERT_ONLY = ["royalties_recoupment", "royalties_revenuestream"]
# Rebuilt by 0004 on SQLite (a new column means a new table there), losing its trigger.
REBUILT_ON_SQLITE = ["royalties_revenueevent"]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in INSERT_ONLY:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION hitrec_ledger_is_append_only();"
            )
    elif vendor == "sqlite":
        for table in INSERT_ONLY + REBUILT_ON_SQLITE:
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_append_only BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: UPDATE on {table} "
                "refused'); END;"
            )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in INSERT_ONLY:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only;")


class Migration(migrations.Migration):
    dependencies = [("royalties", "0004_streams_costs_recoupment_payout_files")]

    operations = [migrations.RunPython(forwards, backwards)]
