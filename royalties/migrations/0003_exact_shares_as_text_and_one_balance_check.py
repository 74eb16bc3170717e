"""Shares as exact "n/d" text (deep lineages outgrow 64-bit integers); each journal entry's
balance checked once per transaction instead of once per posting; room for in-place updates
of the running totals (PostgreSQL)."""

from django.db import migrations, models

ONCE_PER_ENTRY = """
CREATE OR REPLACE FUNCTION hitrec_entry_balances() RETURNS trigger AS $$
DECLARE total numeric;
BEGIN
    -- The check runs at commit, when every posting of the entry is in: once per entry is
    -- enough, and once per posting made a 10,000-posting entry cost seconds (quadratic).
    IF current_setting('hitrec.balanced_entry', true) = NEW.entry_id::text THEN
        RETURN NULL;
    END IF;
    SELECT COALESCE(SUM(amount_minor), 0) INTO total
        FROM royalties_posting WHERE entry_id = NEW.entry_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'journal entry % does not balance (its postings sum to %)',
            NEW.entry_id, total USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    PERFORM set_config('hitrec.balanced_entry', NEW.entry_id::text, true);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

# Running totals are rewritten on every revenue event; free room in each page lets
# PostgreSQL update them in place instead of touching every index.
ROOMY = ["royalties_releaseparty", "royalties_releaseline"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(ONCE_PER_ENTRY, params=None)
    for table in ROOMY:
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = 50)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in ROOMY:
        schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("royalties", "0002_ledger_is_append_only")]

    operations = [
        migrations.RemoveConstraint(model_name="releaseparty", name="party_share_defined"),
        migrations.RemoveField(model_name="releaseparty", name="share_numerator"),
        migrations.RemoveField(model_name="releaseparty", name="share_denominator"),
        migrations.AddField(
            model_name="releaseparty",
            name="share_exact",
            field=models.TextField(default="0/1"),
            preserve_default=False,
        ),
        migrations.RemoveField(model_name="releaseline", name="share_numerator"),
        migrations.RemoveField(model_name="releaseline", name="share_denominator"),
        migrations.AddField(
            model_name="releaseline",
            name="share_exact",
            field=models.TextField(default="0/1"),
            preserve_default=False,
        ),
        migrations.RunPython(forwards, backwards),
    ]
