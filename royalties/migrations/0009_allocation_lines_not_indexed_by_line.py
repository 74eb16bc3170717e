"""Allocation lines are no longer indexed by their release line (nothing reads them that way).

The index is dropped by name rather than by AlterField: on SQLite an AlterField rebuilds the
table, which would drop the ledger's triggers on it (0007's, restored there once already).
"""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "royalties_allocationline_line_id_e9a9596f"


class Migration(migrations.Migration):
    dependencies = [
        ("royalties", "0008_events_itemised_after_commit"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="allocationline",
                    name="line",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="royalties.releaseline",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {INDEX}",
                    f"CREATE INDEX {INDEX} ON royalties_allocationline (line_id)",
                ),
            ],
        ),
    ]
