"""The lineage triggers' functions run with JIT compilation off (contributions/ancestry.py)."""

from django.db import migrations

from contributions.ancestry import triggers_install, triggers_remove


def triggers_again(apps, schema_editor):
    triggers_remove(schema_editor)
    triggers_install(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("contributions", "0009_search_documents")]

    operations = [migrations.RunPython(triggers_again, triggers_again)]
