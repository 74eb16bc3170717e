"""Database triggers that make a release's rows insert-only: frozen for ever, whatever tries."""

from django.db import migrations

FROZEN_TABLES = [
    "projects_release",
    "projects_releasecredit",
    "projects_releasenode",
    "projects_releaseedge",
]

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION hitrec_release_is_frozen() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a release is frozen: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION, params=None)
        for table in FROZEN_TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_frozen BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION hitrec_release_is_frozen();"
            )
    elif vendor == "sqlite":
        # SQLite gets UPDATE triggers only: Django empties tables with DELETE on SQLite
        # (test flushes), and there deletion is already blocked by the PROTECT foreign keys.
        for table in FROZEN_TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_frozen BEFORE UPDATE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'a release is frozen: UPDATE on "
                f"{table} refused'); END;"
            )


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in FROZEN_TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_frozen ON {table};")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_frozen;")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS hitrec_release_is_frozen();")


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
