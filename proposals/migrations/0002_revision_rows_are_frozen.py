"""Database triggers that make a proposal's revisions insert-only: a public record, never edited.

UPDATE only: a project deleted before release takes its proposals along (CASCADE), and
that must still work.
"""

from django.db import migrations

FROZEN_TABLES = [
    "proposals_proposalrevision",
    "proposals_proposalcredit",
    "proposals_proposalperson",
    "proposals_proposalacceptance",
]

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION hitrec_proposal_revision_is_frozen() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a proposal revision is frozen: % on % refused', TG_OP, TG_TABLE_NAME
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
                f"CREATE TRIGGER {table}_frozen BEFORE UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION hitrec_proposal_revision_is_frozen();"
            )
    elif vendor == "sqlite":
        for table in FROZEN_TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_frozen BEFORE UPDATE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'a proposal revision is frozen: UPDATE on "
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
        schema_editor.execute("DROP FUNCTION IF EXISTS hitrec_proposal_revision_is_frozen();")


class Migration(migrations.Migration):
    dependencies = [("proposals", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
