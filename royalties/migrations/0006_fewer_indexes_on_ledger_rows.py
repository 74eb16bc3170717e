"""Ledger rows lose indexes that a composite index already covers; SQLite's triggers return."""

import django.db.models.deletion
from django.db import migrations, models

# SQLite rebuilds a table to change a column, and the rebuilt table has lost its triggers:
# these are the append-only ones of migration 0002, put back.
REBUILT_ON_SQLITE = ["royalties_allocation", "royalties_allocationline", "royalties_posting"]


def triggers_back(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in REBUILT_ON_SQLITE:
        schema_editor.execute(
            f"CREATE TRIGGER IF NOT EXISTS {table}_append_only BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: UPDATE on {table} "
            "refused'); END;"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("royalties", "0005_recoupments_and_streams_are_insert_only"),
    ]

    operations = [
        migrations.AlterField(
            model_name="allocation",
            name="event",
            field=models.ForeignKey(
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
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lines",
                to="royalties.allocation",
            ),
        ),
        migrations.AlterField(
            model_name="posting",
            name="account",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="postings",
                to="royalties.ledgeraccount",
            ),
        ),
        migrations.RunPython(triggers_back, migrations.RunPython.noop),
    ]
