"""The search kit on PostgreSQL: unaccent and pg_trgm, the `hitrec` text search configuration.

`hitrec` is `simple` (every word kept as it is written, in any language: no stemming, no
stop words) with accents folded by `unaccent` first; docs/decisions.md ("Search") argues
the choice. `hitrec_unaccent(text)` is `unaccent` pinned to its dictionary, so it is
immutable and an index may use it (the artists' trigram index). SQLite needs none of this:
FTS5's tokenizer folds case and accents itself (`remove_diacritics 2`).
"""

from django.db import migrations

CONFIG = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'hitrec') THEN
        CREATE TEXT SEARCH CONFIGURATION hitrec (COPY = simple);
        ALTER TEXT SEARCH CONFIGURATION hitrec
            ALTER MAPPING FOR word, hword, hword_part WITH unaccent, simple;
    END IF;
END
$$
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The CI user is a superuser; in production the migration's user needs CREATE on the
    # database (docs/operations.md), or an administrator creates the two beforehand.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent", params=None)
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm", params=None)
    schema_editor.execute(CONFIG, params=None)
    with schema_editor.connection.cursor() as cursor:
        # Wherever the extension lives (public, or a schema of its own on a hosted database):
        # an immutable function must name its dictionary outright, not through search_path.
        cursor.execute(
            "SELECT n.nspname FROM pg_extension e"
            " JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'"
        )
        (schema,) = cursor.fetchone()
    quoted = schema_editor.quote_name(schema)
    schema_editor.execute(
        "CREATE OR REPLACE FUNCTION hitrec_unaccent(text) RETURNS text"
        " LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT"
        f" AS $$ SELECT {quoted}.unaccent('{quoted}.unaccent'::regdictionary, $1) $$",
        params=None,
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extensions stay: other database objects may have come to use them.
    schema_editor.execute("DROP FUNCTION IF EXISTS hitrec_unaccent(text)", params=None)
    schema_editor.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS hitrec", params=None)


class Migration(migrations.Migration):
    dependencies = [("hitrec", "0002_audit_log_is_insert_only")]

    operations = [migrations.RunPython(forwards, backwards)]
