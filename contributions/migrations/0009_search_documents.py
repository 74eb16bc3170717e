"""Full-text search: each public work's document, the vocabulary, and the triggers keeping them.

PostgreSQL: `SearchDocument` (GIN index) and `SearchWord` (trigram index). SQLite: the FTS5
table `contributions_fts` and its vocabulary. Both filled from the existing works.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

# Imported, not copied: the triggers' one definition (a later change to them comes with a
# migration that installs them again), as for the lineage closure.
from contributions.search_document import (
    search_documents_rebuild,
    search_triggers_install,
    search_triggers_remove,
)


def forwards(apps, schema_editor):
    search_triggers_install(schema_editor)
    search_documents_rebuild(using=schema_editor.connection)


def backwards(apps, schema_editor):
    search_triggers_remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0008_lineage_without_key_locks"),
        # unaccent, pg_trgm and the `hitrec` text search configuration.
        ("hitrec", "0003_search_kit"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                (
                    "contribution",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        db_constraint=False,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="contributions.contribution",
                    ),
                ),
                ("document", django.contrib.postgres.search.SearchVectorField()),
                ("head", django.contrib.postgres.search.SearchVectorField(null=True)),
            ],
        ),
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                ("word", models.CharField(max_length=40, primary_key=True, serialize=False)),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
