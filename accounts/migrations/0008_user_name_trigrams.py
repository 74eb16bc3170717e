"""A trigram index on each person's folded name, for the artists' search (accounts/search.py).

PostgreSQL only (pg_trgm): `LIKE '%word%'` and word similarity on
`hitrec_unaccent(lower(username || ' ' || display_name))`. SQLite scans the names.
"""

from django.db import migrations

INDEX = "accounts_user_name_trigrams"
# accounts.search.POSTGRES_NAME, without its table alias: a query reads the index only when it
# spells the expression exactly so.
NAME = "hitrec_unaccent(lower(username || ' ' || display_name))"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON accounts_user USING gin ({NAME} gin_trgm_ops)",
            params=None,
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_email_bounces"),
        # pg_trgm and hitrec_unaccent().
        ("hitrec", "0003_search_kit"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
