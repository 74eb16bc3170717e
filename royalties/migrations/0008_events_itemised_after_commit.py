"""Revenue events are itemised by a job after their commit: a marker row per itemised event.

Every event recorded before this migration was itemised in its own transaction, so each
gets its marker here. The markers are insert-only, like the rest of the ledger.
"""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "royalties_eventitemisation"


def mark_existing_events_itemised(apps, schema_editor):
    RevenueEvent = apps.get_model("royalties", "RevenueEvent")
    EventItemisation = apps.get_model("royalties", "EventItemisation")
    EventItemisation.objects.bulk_create(
        (
            EventItemisation(event_id=event_id)
            for event_id in RevenueEvent.objects.values_list("id", flat=True).iterator()
        ),
        batch_size=2000,
    )


def insert_only(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION hitrec_ledger_is_append_only();"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER IF NOT EXISTS {TABLE}_append_only BEFORE UPDATE ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: UPDATE on {TABLE} "
            "refused'); END;"
        )


def not_insert_only(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only;")


class Migration(migrations.Migration):
    dependencies = [
        ("royalties", "0007_ledger_references_checked_per_statement"),
    ]

    operations = [
        migrations.CreateModel(
            name="EventItemisation",
            fields=[
                (
                    "event",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="itemisation",
                        serialize=False,
                        to="royalties.revenueevent",
                    ),
                ),
                ("itemised_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.RunPython(mark_existing_events_itemised, migrations.RunPython.noop),
        migrations.RunPython(insert_only, not_insert_only),
    ]
