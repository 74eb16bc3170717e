"""Triggers keep the closure and counts of the remix graph; filled from the existing links."""

from django.db import migrations

# Imported, not copied: the triggers' one definition (their statements are plain SQL
# constants; a later change to them comes with a migration that installs them again).
from contributions.ancestry import ancestry_rebuild, triggers_install, triggers_remove


def forwards(apps, schema_editor):
    triggers_install(schema_editor)
    ancestry_rebuild(using=schema_editor.connection)


def backwards(apps, schema_editor):
    triggers_remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("contributions", "0005_lineage_closure")]

    operations = [migrations.RunPython(forwards, backwards)]
