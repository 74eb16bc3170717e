"""Triggers: revenue and ledger rows are insert-only, and every journal entry balances."""

from django.db import migrations

APPEND_ONLY = [
    "royalties_revenueevent",
    "royalties_allocation",
    "royalties_allocationline",
    "royalties_journalentry",
    "royalties_posting",
]

POSTGRES = """
CREATE OR REPLACE FUNCTION hitrec_ledger_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % refused (post a reversing entry)',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

-- Checked at commit, once every posting of the entry is in: the entry must sum to zero.
CREATE OR REPLACE FUNCTION hitrec_entry_balances() RETURNS trigger AS $$
DECLARE total numeric;
BEGIN
    SELECT COALESCE(SUM(amount_minor), 0) INTO total
        FROM royalties_posting WHERE entry_id = NEW.entry_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'journal entry % does not balance (its postings sum to %)',
            NEW.entry_id, total USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER royalties_posting_balances
    AFTER INSERT ON royalties_posting DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION hitrec_entry_balances();
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES, params=None)
        for table in APPEND_ONLY:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION hitrec_ledger_is_append_only();"
            )
    elif vendor == "sqlite":
        # UPDATE only: Django empties tables with DELETE on SQLite (test flushes); the
        # PROTECT foreign keys already stop the ORM deleting these rows.
        for table in APPEND_ONLY:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} BEGIN "
                f"SELECT RAISE(ABORT, 'the ledger is append-only: UPDATE on {table} refused'); "
                "END;"
            )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in APPEND_ONLY:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only;")
    if vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS royalties_posting_balances ON royalties_posting;"
            "DROP FUNCTION IF EXISTS hitrec_entry_balances();"
            "DROP FUNCTION IF EXISTS hitrec_ledger_is_append_only();"
        )


class Migration(migrations.Migration):
    dependencies = [("royalties", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
