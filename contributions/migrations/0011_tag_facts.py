"""Tag rows carry their work's licence, creation time and presence (contributions/tag_facts.py),
kept by triggers, with two partial indexes to page and count a tag's works from them alone."""

from django.db import migrations, models

# Imported, not copied: the triggers' one definition, as for search and the lineage.
from contributions.search_document import search_triggers_drop, search_triggers_install
from contributions.tag_facts import tag_facts_install, tag_facts_refill, tag_facts_remove


def search_triggers_off(apps, schema_editor):
    """First: SQLite adds a column to the tag table by copying it, which drops the search
    triggers on it; and the refill's update of every tag row must not refresh every work's
    search document."""
    search_triggers_drop(schema_editor)


def facts_on(apps, schema_editor):
    tag_facts_refill(using=schema_editor.connection)
    tag_facts_install(schema_editor)
    # Again, with the tag-update triggers reading only a name or a work changed.
    search_triggers_install(schema_editor)


def facts_off(apps, schema_editor):
    tag_facts_remove(schema_editor)
    search_triggers_drop(schema_editor)


def search_triggers_on(apps, schema_editor):
    search_triggers_install(schema_editor)  # backwards: as 0009 left them


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0010_lineage_triggers_without_jit"),
    ]

    operations = [
        migrations.RunPython(search_triggers_off, search_triggers_on),
        migrations.RemoveIndex(
            model_name="contributiontag",
            name="contributiontag_works",
        ),
        migrations.AddField(
            model_name="contributiontag",
            name="created_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="contributiontag",
            name="license",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="contributiontag",
            name="listed",
            field=models.BooleanField(default=True, editable=False),
        ),
        migrations.RunPython(facts_on, facts_off),
        migrations.AddIndex(
            model_name="contributiontag",
            index=models.Index(
                condition=models.Q(("listed", True)),
                fields=["name", "-created_at", "-contribution"],
                name="contributiontag_listed",
            ),
        ),
        migrations.AddIndex(
            model_name="contributiontag",
            index=models.Index(
                condition=models.Q(("listed", True)),
                fields=["name", "license", "-created_at", "-contribution"],
                name="contributiontag_licensed",
            ),
        ),
    ]
