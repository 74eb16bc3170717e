"""A revenue stream may pay only some of the release's credits; SQLite's trigger returns."""

from django.db import migrations, models

TABLE = "royalties_revenuestream"


# SQLite rebuilds the table to add the column, and the rebuilt table has lost its trigger
# (PostgreSQL adds the column in place and keeps it).
def trigger_back(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(
        f"CREATE TRIGGER IF NOT EXISTS {TABLE}_append_only BEFORE UPDATE ON {TABLE} "
        f"BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: UPDATE on {TABLE} "
        "refused'); END;"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("royalties", "0011_cost_withdrawal"),
    ]

    operations = [
        migrations.AddField(
            model_name="revenuestream",
            name="contributions",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(trigger_back, migrations.RunPython.noop),
    ]
