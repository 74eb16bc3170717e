"""Full-text search over projects: each project's document and the triggers keeping it.

PostgreSQL: `ProjectSearchDocument` (GIN index); SQLite: the FTS5 table `projects_fts`.
Both filled from the existing projects.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

# Imported, not copied: the triggers' one definition, as for the works' documents.
from projects.search import (
    project_documents_rebuild,
    project_search_install,
    project_search_remove,
)


def forwards(apps, schema_editor):
    # As the document was then: asks had no tags yet (0005 adds them, and their words).
    project_search_install(schema_editor, ask_tags=False)
    project_documents_rebuild(using=schema_editor.connection, ask_tags=False)


def backwards(apps, schema_editor):
    project_search_remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0003_submission_license"),
        # unaccent and the `hitrec` text search configuration.
        ("hitrec", "0003_search_kit"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProjectSearchDocument",
            fields=[
                (
                    "project",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        db_constraint=False,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="projects.project",
                    ),
                ),
                ("document", django.contrib.postgres.search.SearchVectorField()),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
