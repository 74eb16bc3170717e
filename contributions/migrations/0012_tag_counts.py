"""The count of listed works per (tag, licence), kept by triggers on the tag table beside the
tag rows' facts (contributions/tag_facts.py), filled from the rows already there."""

from django.db import migrations, models

# Imported, not copied: the triggers' one definition, as for the tag facts and search.
from contributions.tag_facts import tag_counts_install, tag_counts_refill, tag_counts_remove


def counts_on(apps, schema_editor):
    # The triggers first: on PostgreSQL creating them locks the tag table against writers
    # until this migration commits, so the fill that follows misses no row.
    tag_counts_install(schema_editor)
    tag_counts_refill(using=schema_editor.connection)


def counts_off(apps, schema_editor):
    tag_counts_remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0011_tag_facts"),
    ]

    operations = [
        migrations.CreateModel(
            name="TagCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=50)),
                ("license", models.CharField(blank=True, max_length=32)),
                ("listed", models.IntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("name", "license"), name="tagcount_once"),
                    models.CheckConstraint(
                        condition=models.Q(("listed__gte", 0)),
                        name="tagcount_listed_not_negative",
                    ),
                ],
            },
        ),
        migrations.RunPython(counts_on, counts_off),
    ]
