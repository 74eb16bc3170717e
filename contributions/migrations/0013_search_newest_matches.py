"""A search's window read by `hitrec_newest_matches` (PostgreSQL): the newest documents tested
one by one while they match often enough, the rest from the GIN index
(contributions/search_document.py says why)."""

from django.db import migrations

# Imported, not copied: the function's one definition, as for the search triggers.
from contributions.search_document import newest_matches_install, newest_matches_remove


def forwards(apps, schema_editor):
    newest_matches_install(schema_editor)


def backwards(apps, schema_editor):
    newest_matches_remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0012_tag_counts"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
