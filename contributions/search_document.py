"""The words search reads for each public work, kept by database triggers; install and rebuild.

Why triggers (docs/decisions.md, "Search"): the document is an index of four fields in two
tables (the work's title, description and body; its tags), like the lineage closure
(contributions/ancestry.py) is of the links. Kept by the database, no way of writing them
can leave it behind: the services, the pipeline, a takedown, the admin, a bulk insert, a
cascading delete or a migration. A generated column cannot do it (it cannot see the tags).

- PostgreSQL: `SearchDocument` holds each public work's `tsvector`s (see the model);
  `hitrec_search_refresh(ids)` derives them from the rows, and adds the words of their titles
  and tags to `SearchWord`, the vocabulary a mistyped word is corrected against. A work's
  row triggers it when its title, description, body or presence changes; a statement on
  tags triggers it once for every work it touched (a tag list replaced is two statements).
- SQLite: the FTS5 table `contributions_fts` (title, tags, description, body; rowid = the
  work's id; accents and case folded by its tokenizer) holds each public work's text, and
  FTS5 keeps its own index and vocabulary. Row triggers only.

Only the first BODY_CHARS characters of a body are indexed: a tsvector has a 1 MB limit,
and positions stop counting at 16,383 words anyway. The text the highlights are cut from
loses the two mark characters (hitrec/search.py) here (SQLite) or when highlighted
(PostgreSQL).
"""

# Every statement here is assembled from this module's own constants; no value from outside
# reaches the SQL text (the rebuild's ids are parameters).
# ruff: noqa: S608

from collections.abc import Callable

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

from hitrec import search_triggers
from hitrec.search import without_marks_sql

WORKS = "contributions_contribution"
TAGS = "contributions_contributiontag"
DOCUMENTS = "contributions_searchdocument"
WORDS = "contributions_searchword"
FTS = "contributions_fts"
BODY_CHARS = 100_000

# --- PostgreSQL ------------------------------------------------------------------------------

_TAG_NAMES = (
    f"coalesce((SELECT string_agg(t.name, ' ' ORDER BY t.id) FROM {TAGS} t"
    " WHERE t.contribution_id = c.id), '')"
)
_REFRESH = f"""
CREATE OR REPLACE FUNCTION hitrec_search_refresh(ids bigint[]) RETURNS void AS $$
BEGIN
    DELETE FROM {DOCUMENTS} d WHERE d.contribution_id = ANY(ids) AND NOT EXISTS
        (SELECT 1 FROM {WORKS} c WHERE c.id = d.contribution_id AND c.removed_at IS NULL);
    INSERT INTO {DOCUMENTS} (contribution_id, document, head)
    SELECT id,
        CASE WHEN body = '' THEN head ELSE head || setweight(to_tsvector('hitrec', body), 'D') END,
        CASE WHEN body = '' THEN NULL ELSE head END
    FROM (
        SELECT c.id, left(c.text, {BODY_CHARS}) AS body,
            setweight(to_tsvector('hitrec', c.title), 'A')
            || setweight(to_tsvector('hitrec', {_TAG_NAMES}), 'B')
            || setweight(to_tsvector('hitrec', c.description), 'C') AS head
        FROM {WORKS} c WHERE c.id = ANY(ids) AND c.removed_at IS NULL
    ) works
    ON CONFLICT (contribution_id)
        DO UPDATE SET document = excluded.document, head = excluded.head;
    -- In one order, so two writers adding the same new words wait rather than deadlock.
    INSERT INTO {WORDS} (word)
    SELECT DISTINCT word FROM {WORKS} c,
        unnest(tsvector_to_array(to_tsvector('hitrec', c.title || ' ' || {_TAG_NAMES}))) word
    WHERE c.id = ANY(ids) AND c.removed_at IS NULL AND length(word) BETWEEN 3 AND 40
    ORDER BY word
    ON CONFLICT (word) DO NOTHING;
END;
$$ LANGUAGE plpgsql
"""
_WORK_CHANGED = (
    "OLD.title IS DISTINCT FROM NEW.title OR OLD.description IS DISTINCT FROM NEW.description"
    " OR OLD.text IS DISTINCT FROM NEW.text OR (OLD.removed_at IS NULL) <> (NEW.removed_at IS NULL)"
)
# (name, table, event, then what follows `ON table`, body); the tag triggers run once per
# statement, on the rows it changed (a transition table), so a tag list replaced refreshes
# the work twice, not once per tag.
_POSTGRES_TRIGGERS: list[search_triggers.PostgresTrigger] = [
    ("work_added", WORKS, "AFTER INSERT", "FOR EACH ROW",
     "PERFORM hitrec_search_refresh(ARRAY[NEW.id]); RETURN NULL;"),
    ("work_changed", WORKS, "AFTER UPDATE OF title, description, text, removed_at",
     f"FOR EACH ROW WHEN ({_WORK_CHANGED})",
     "PERFORM hitrec_search_refresh(ARRAY[NEW.id]); RETURN NULL;"),
    ("work_deleted", WORKS, "BEFORE DELETE", "FOR EACH ROW",
     f"DELETE FROM {DOCUMENTS} WHERE contribution_id = OLD.id; RETURN OLD;"),
    ("tags_added", TAGS, "AFTER INSERT", "REFERENCING NEW TABLE AS changed FOR EACH STATEMENT",
     "PERFORM hitrec_search_refresh(ARRAY(SELECT DISTINCT contribution_id FROM changed));"
     " RETURN NULL;"),
    ("tags_removed", TAGS, "AFTER DELETE", "REFERENCING OLD TABLE AS changed FOR EACH STATEMENT",
     "PERFORM hitrec_search_refresh(ARRAY(SELECT DISTINCT contribution_id FROM changed));"
     " RETURN NULL;"),
    # Only rows whose name or work changed: the work's licence and presence copied onto its
    # tag rows (contributions/tag_facts.py) are no words. (A column list would say it, but
    # PostgreSQL allows none with transition tables.)
    ("tags_changed", TAGS, "AFTER UPDATE",
     "REFERENCING OLD TABLE AS before NEW TABLE AS changed FOR EACH STATEMENT",
     "PERFORM hitrec_search_refresh(ARRAY(SELECT unnest(ARRAY[b.contribution_id,"
     " n.contribution_id]) FROM before b JOIN changed n ON n.id = b.id"
     " WHERE b.name <> n.name OR b.contribution_id <> n.contribution_id)); RETURN NULL;"),
]  # fmt: skip


def _postgres_sql() -> list[str]:
    return [
        _REFRESH,
        f"CREATE INDEX IF NOT EXISTS searchdocument_words ON {DOCUMENTS} USING gin (document)",
        f"CREATE INDEX IF NOT EXISTS searchword_trigrams ON {WORDS} USING gin (word gin_trgm_ops)",
        *search_triggers.postgres_create(_POSTGRES_TRIGGERS),
    ]


# The newest `wanted` works whose document matches `q`, newest first: a search's window
# (contributions/search.py). A GIN index finds matches in no order, so PostgreSQL either tests
# the newest documents one by one until enough match, or reads every match from the index and
# keeps the newest; it picks by its estimate of how many match, and for two common words it
# guesses far too few (they meet in the long texts' bodies far more often than chance says),
# reading tens of thousands of matches for a window of 200. So the choice is made here, on
# what is seen: the newest `sample` documents are tested; if enough of them match that `walk`
# more would probably fill the window, those are tested too; whatever is still missing comes
# from the index, below the last match found (a sparse query has few matches to read).
# docs/decisions.md ("Search") has the numbers. The planner settings hold inside the function
# only: no sequential scan and no parallel workers for a read of at most a few thousand rows.
NEWEST_MATCHES = f"""
CREATE OR REPLACE FUNCTION hitrec_newest_matches(q tsquery, wanted integer, sample integer,
                                                 walk integer)
RETURNS SETOF bigint LANGUAGE plpgsql STABLE
SET enable_seqscan = off SET max_parallel_workers_per_gather = 0
AS $$
DECLARE
    found bigint[];
    below bigint;
BEGIN
    found := ARRAY(
        SELECT s.contribution_id FROM (
            SELECT contribution_id, document FROM {DOCUMENTS}
            ORDER BY contribution_id DESC LIMIT sample
        ) s WHERE s.document @@ q LIMIT wanted);
    IF cardinality(found) >= wanted THEN
        RETURN QUERY SELECT unnest(found);
        RETURN;
    END IF;
    below := (SELECT min(id) FROM unnest(found) id);
    IF cardinality(found)::bigint * (sample + walk) >= wanted::bigint * sample THEN
        found := found || ARRAY(
            SELECT w.contribution_id FROM (
                SELECT contribution_id, document FROM {DOCUMENTS}
                WHERE contribution_id < below
                ORDER BY contribution_id DESC LIMIT walk
            ) w WHERE w.document @@ q LIMIT wanted - cardinality(found));
        IF cardinality(found) >= wanted THEN
            RETURN QUERY SELECT unnest(found);
            RETURN;
        END IF;
        below := (SELECT min(id) FROM unnest(found) id);
    END IF;
    -- `+ 0`: ordered by a value, not the key, so the matches come from the GIN index.
    RETURN QUERY SELECT unnest(found) UNION ALL (
        SELECT d.contribution_id FROM {DOCUMENTS} d
        WHERE d.document @@ q AND d.contribution_id + 0 < coalesce(below, 9223372036854775807)
        ORDER BY d.contribution_id + 0 DESC LIMIT wanted - cardinality(found));
END
$$
"""


def newest_matches_install(schema_editor) -> None:
    """Create `hitrec_newest_matches` (PostgreSQL; FTS5 hands out its matches by rowid)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NEWEST_MATCHES, params=None)


def newest_matches_remove(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP FUNCTION IF EXISTS hitrec_newest_matches(tsquery, integer, integer, integer)",
            params=None,
        )


# --- SQLite ----------------------------------------------------------------------------------


def _fts_tags(work: str) -> str:
    return (
        f"coalesce((SELECT group_concat(name, ' ') FROM (SELECT name FROM {TAGS}"
        f" WHERE contribution_id = {work} ORDER BY id)), '')"
    )


def _fts_insert(row: str) -> str:
    return (
        f"INSERT INTO {FTS} (rowid, title, tags, description, body) SELECT {row}.id,"
        f" {without_marks_sql(f'{row}.title')}, {_fts_tags(f'{row}.id')},"
        f" {without_marks_sql(f'{row}.description')},"
        f" {without_marks_sql(f'substr({row}.text, 1, {BODY_CHARS})')}"
    )


_SQLITE_CHANGED = (
    "OLD.title IS NOT NEW.title OR OLD.description IS NOT NEW.description"
    " OR OLD.text IS NOT NEW.text OR (OLD.removed_at IS NULL) <> (NEW.removed_at IS NULL)"
)


def _tags_of(work: str) -> str:
    return f"UPDATE {FTS} SET tags = {_fts_tags(work)} WHERE rowid = {work}"


# (name, event, condition, body)
_SQLITE_TRIGGERS: list[search_triggers.SqliteTrigger] = [
    ("work_added", f"AFTER INSERT ON {WORKS}", "NEW.removed_at IS NULL", [_fts_insert("NEW")]),
    ("work_changed", f"AFTER UPDATE OF title, description, text, removed_at ON {WORKS}",
     _SQLITE_CHANGED,
     [f"DELETE FROM {FTS} WHERE rowid = OLD.id",
      _fts_insert("NEW") + " WHERE NEW.removed_at IS NULL"]),
    ("work_deleted", f"BEFORE DELETE ON {WORKS}", None,
     [f"DELETE FROM {FTS} WHERE rowid = OLD.id"]),
    ("tag_added", f"AFTER INSERT ON {TAGS}", None, [_tags_of("NEW.contribution_id")]),
    ("tag_removed", f"AFTER DELETE ON {TAGS}", None, [_tags_of("OLD.contribution_id")]),
    ("tag_changed", f"AFTER UPDATE OF name, contribution_id ON {TAGS}", None,
     [_tags_of("OLD.contribution_id"), _tags_of("NEW.contribution_id")]),
]  # fmt: skip


def _sqlite_sql() -> list[str]:
    return [
        # unicode61 folds case, and with `remove_diacritics 2` every accent (Café is cafe).
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(title, tags, description, body,"
        " tokenize = 'unicode61 remove_diacritics 2')",
        # Its vocabulary, one row per word with the number of works holding it: the typo
        # fallback reads it (contributions/search.py).
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS}_words USING fts5vocab({FTS}, 'row')",
        *search_triggers.sqlite_create(_SQLITE_TRIGGERS),
    ]


# --- install, remove, rebuild ----------------------------------------------------------------


def search_triggers_install(schema_editor) -> None:
    """Create the index tables' extras, functions and triggers (a migration's forwards step)."""
    postgres = schema_editor.connection.vendor == "postgresql"
    for statement in _postgres_sql() if postgres else _sqlite_sql():
        schema_editor.execute(statement, params=None)


def search_triggers_drop(schema_editor) -> None:
    """Drop the triggers alone, keeping the documents, their index and the vocabulary: before
    a migration alters the tables they are on (install them again after)."""
    if schema_editor.connection.vendor == "postgresql":
        statements = search_triggers.postgres_drop(_POSTGRES_TRIGGERS, functions=False)
    else:
        statements = search_triggers.sqlite_drop(name for name, *_ in _SQLITE_TRIGGERS)
    for statement in statements:
        schema_editor.execute(statement, params=None)


def search_triggers_remove(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in search_triggers.postgres_drop(_POSTGRES_TRIGGERS):
            schema_editor.execute(statement, params=None)
        schema_editor.execute("DROP FUNCTION IF EXISTS hitrec_search_refresh(bigint[])")
        schema_editor.execute("DROP INDEX IF EXISTS searchdocument_words")
        schema_editor.execute("DROP INDEX IF EXISTS searchword_trigrams")
    else:
        for statement in search_triggers.sqlite_drop(name for name, *_ in _SQLITE_TRIGGERS):
            schema_editor.execute(statement, params=None)
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS}_words", params=None)
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS}", params=None)


def search_documents_rebuild(
    *,
    batch: int = 10_000,
    progress: Callable[[int, int], None] | None = None,
    using: BaseDatabaseWrapper | None = None,
) -> None:
    """Derive every work's search document (and the vocabulary) again, from nothing.

    For a database filled with the triggers off (the benchmark's bulk load) or restored
    without these tables. `progress(done, total)` is told of each batch of ids. Run it in a
    transaction: until it ends, search finds only what it has done so far.
    """
    db = using or connection
    with db.cursor() as cursor:
        if db.vendor != "postgresql":
            cursor.execute(f"DELETE FROM {FTS}")
            cursor.execute(_fts_insert("c") + f" FROM {WORKS} c WHERE c.removed_at IS NULL")
            if progress:
                progress(1, 1)
            return
        cursor.execute(f"DELETE FROM {DOCUMENTS}")
        cursor.execute(f"DELETE FROM {WORDS}")
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM {WORKS}")
        low, high = cursor.fetchone()
        if low is None:
            return
        total = (high - low) // batch + 1
        for done, start in enumerate(range(low, high + 1, batch), start=1):
            cursor.execute(
                "SELECT hitrec_search_refresh(ARRAY("
                f"SELECT id FROM {WORKS} WHERE id >= %s AND id < %s))",
                [start, start + batch],
            )
            if progress:
                progress(done, total)
