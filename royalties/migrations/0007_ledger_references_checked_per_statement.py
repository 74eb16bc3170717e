"""Ledger rows check their references once per INSERT statement instead of once per row.

A revenue event at 10,000 parties inserts about 42,000 allocations, allocation lines and
postings. As foreign keys, each of their references was a deferred per-row check at commit
(a query and a row lock on the referenced row, about 14 µs each here): 84,000 checks, half a
second per event. Five of them now go to triggers that check all of a statement's new rows
in one query each (PostgreSQL: an AFTER INSERT ... FOR EACH STATEMENT trigger over the
statement's transition table). This is sound without row locks because what they point at
is never deleted: revenue events, allocations and journal entries are insert-only (0002), and
release lines and ledger accounts now refuse DELETE too. The person an allocation belongs to
stays a foreign key (people are scrubbed, not deleted, but staff could delete an account).

The journal entry's balance is checked by the postings' statement trigger as well, once per
entry the statement touched (it was a deferred per-row trigger that skipped repeats): an
entry's postings are written together, in one statement, which every writer here does.

SQLite (the embedded default, one writer at a time) checks each new row's references with a
BEFORE INSERT trigger; there, as since 0002, the ORM's PROTECT alone keeps referenced rows
(Django empties its tables with DELETE between tests).
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

POSTGRES_CHECKS = """
-- True when every id is a row of `parent`. By key, one index probe per id, so the cost
-- follows the statement's rows and not the referenced table, which grows with every event
-- (an anti-join may be planned as a hash join over the whole table).
CREATE OR REPLACE FUNCTION hitrec_all_exist(ids bigint[], parent regclass) RETURNS boolean AS $$
DECLARE found bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM %s WHERE id = ANY($1)', parent) INTO found USING ids;
    RETURN found = cardinality(ids);
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION hitrec_allocation_refs() RETURNS trigger AS $$
BEGIN
    IF NOT hitrec_all_exist(
        (SELECT array_agg(DISTINCT event_id) FROM hitrec_new), 'royalties_revenueevent'
    ) THEN
        RAISE EXCEPTION 'an allocation names a revenue event that does not exist'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION hitrec_allocationline_refs() RETURNS trigger AS $$
BEGIN
    IF NOT hitrec_all_exist(
        (SELECT array_agg(DISTINCT allocation_id) FROM hitrec_new), 'royalties_allocation'
    ) THEN
        RAISE EXCEPTION 'an allocation line names an allocation that does not exist'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF NOT hitrec_all_exist(
        (SELECT array_agg(DISTINCT line_id) FROM hitrec_new), 'royalties_releaseline'
    ) THEN
        RAISE EXCEPTION 'an allocation line names a release line that does not exist'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION hitrec_posting_refs() RETURNS trigger AS $$
DECLARE unbalanced record;
BEGIN
    IF NOT hitrec_all_exist(
        (SELECT array_agg(DISTINCT entry_id) FROM hitrec_new), 'royalties_journalentry'
    ) THEN
        RAISE EXCEPTION 'a posting names a journal entry that does not exist'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF NOT hitrec_all_exist(
        (SELECT array_agg(DISTINCT account_id) FROM hitrec_new), 'royalties_ledgeraccount'
    ) THEN
        RAISE EXCEPTION 'a posting names a ledger account that does not exist'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    -- Every entry this statement wrote to must sum to zero, all of its postings included
    -- (read by the entry's index, entry by entry).
    SELECT d.entry_id, s.total INTO unbalanced
    FROM (SELECT DISTINCT entry_id FROM hitrec_new) d
    CROSS JOIN LATERAL (
        SELECT COALESCE(SUM(p.amount_minor), 0) AS total
        FROM royalties_posting p WHERE p.entry_id = d.entry_id
    ) s
    WHERE s.total <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance (its postings sum to %)',
            unbalanced.entry_id, unbalanced.total USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION hitrec_never_deleted() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are never deleted: ledger rows refer to them', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS royalties_posting_balances ON royalties_posting;
DROP FUNCTION IF EXISTS hitrec_entry_balances();

CREATE TRIGGER royalties_allocation_refs AFTER INSERT ON royalties_allocation
    REFERENCING NEW TABLE AS hitrec_new
    FOR EACH STATEMENT EXECUTE FUNCTION hitrec_allocation_refs();
CREATE TRIGGER royalties_allocationline_refs AFTER INSERT ON royalties_allocationline
    REFERENCING NEW TABLE AS hitrec_new
    FOR EACH STATEMENT EXECUTE FUNCTION hitrec_allocationline_refs();
CREATE TRIGGER royalties_posting_refs AFTER INSERT ON royalties_posting
    REFERENCING NEW TABLE AS hitrec_new
    FOR EACH STATEMENT EXECUTE FUNCTION hitrec_posting_refs();
CREATE TRIGGER royalties_releaseline_never_deleted BEFORE DELETE ON royalties_releaseline
    FOR EACH ROW EXECUTE FUNCTION hitrec_never_deleted();
CREATE TRIGGER royalties_ledgeraccount_never_deleted BEFORE DELETE ON royalties_ledgeraccount
    FOR EACH ROW EXECUTE FUNCTION hitrec_never_deleted();
"""

POSTGRES_UNDO = """
DROP TRIGGER IF EXISTS royalties_allocation_refs ON royalties_allocation;
DROP TRIGGER IF EXISTS royalties_allocationline_refs ON royalties_allocationline;
DROP TRIGGER IF EXISTS royalties_posting_refs ON royalties_posting;
DROP TRIGGER IF EXISTS royalties_releaseline_never_deleted ON royalties_releaseline;
DROP TRIGGER IF EXISTS royalties_ledgeraccount_never_deleted ON royalties_ledgeraccount;
DROP FUNCTION IF EXISTS hitrec_allocation_refs();
DROP FUNCTION IF EXISTS hitrec_allocationline_refs();
DROP FUNCTION IF EXISTS hitrec_posting_refs();
DROP FUNCTION IF EXISTS hitrec_never_deleted();
DROP FUNCTION IF EXISTS hitrec_all_exist(bigint[], regclass);
CREATE CONSTRAINT TRIGGER royalties_posting_balances
    AFTER INSERT ON royalties_posting DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION hitrec_entry_balances();
"""

# (table, the references each new row must have: (column, referenced table)).
SQLITE_CHECKED = [
    ("royalties_allocation", [("event_id", "royalties_revenueevent")]),
    (
        "royalties_allocationline",
        [("allocation_id", "royalties_allocation"), ("line_id", "royalties_releaseline")],
    ),
    (
        "royalties_posting",
        [("entry_id", "royalties_journalentry"), ("account_id", "royalties_ledgeraccount")],
    ),
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_CHECKS, params=None)
    elif vendor == "sqlite":
        for table, references in SQLITE_CHECKED:
            # Rebuilt above (SQLite changes a column by copying the table): its append-only
            # trigger of 0002 is put back.
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_append_only BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: UPDATE on {table} "
                "refused'); END;"
            )
            # Table and column names from SQLITE_CHECKED above, never input.
            missing = " OR ".join(
                f"NOT EXISTS (SELECT 1 FROM {parent} WHERE id = NEW.{column})"  # noqa: S608
                for column, parent in references
            )
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_refs BEFORE INSERT ON {table} "
                f"WHEN {missing} BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: "
                f"a new row of {table} refers to a row that does not exist'); END;"
            )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        balance = importlib.import_module(
            "royalties.migrations.0003_exact_shares_as_text_and_one_balance_check"
        )
        schema_editor.execute(balance.ONCE_PER_ENTRY, params=None)
        schema_editor.execute(POSTGRES_UNDO, params=None)
    elif vendor == "sqlite":
        for table, _ in SQLITE_CHECKED:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_refs;")


class Migration(migrations.Migration):
    dependencies = [
        ("royalties", "0006_fewer_indexes_on_ledger_rows"),
    ]

    operations = [
        migrations.AlterField(
            model_name="allocation",
            name="event",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="allocations",
                to="royalties.revenueevent",
            ),
        ),
        migrations.AlterField(
            model_name="allocationline",
            name="allocation",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lines",
                to="royalties.allocation",
            ),
        ),
        migrations.AlterField(
            model_name="allocationline",
            name="line",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="royalties.releaseline",
            ),
        ),
        migrations.AlterField(
            model_name="posting",
            name="account",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="postings",
                to="royalties.ledgeraccount",
            ),
        ),
        migrations.AlterField(
            model_name="posting",
            name="entry",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="postings",
                to="royalties.journalentry",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
