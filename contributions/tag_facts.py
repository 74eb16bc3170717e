"""What a tag row knows of its work (licence, creation time, presence), kept by database triggers.

Why (docs/decisions.md, "Tags and licences at a million works"): `?tag=lo-fi&license=cc-by`
pages and counts a tag's works under a licence. Read through the works table it visits every
work carrying the tag (a popular tag is on a tenth of them) to learn its licence; with the
three facts on the tag rows, the page newest first and its count are read from one partial
index of the tag table alone (contributions.selectors.contribution_list).

Kept by the database, as the search documents are (contributions/search_document.py), so no
way of writing can leave them behind: a tag row takes its work's facts when it is written,
and a work whose licence, creation time or presence changes passes them to its rows.

Beside them, the count of listed rows per (tag, licence) (`TagCount`, the list's `count` for
one tag read in O(1)), kept by triggers on the tag table: they see every insert and delete of
a tag row and every update of one, those the facts triggers make included.
"""

# Every statement here is assembled from this module's own constants.
# ruff: noqa: S608

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

WORKS = "contributions_contribution"
TAGS = "contributions_contributiontag"
COUNTS = "contributions_tagcount"

# --- PostgreSQL ------------------------------------------------------------------------------

_POSTGRES = [
    f"""
CREATE OR REPLACE FUNCTION hitrec_tag_facts_take() RETURNS trigger AS $$
BEGIN
    SELECT c.license, c.created_at, c.removed_at IS NULL
        INTO NEW.license, NEW.created_at, NEW.listed
        FROM {WORKS} c WHERE c.id = NEW.contribution_id;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql SET jit = off
""",
    f"""
CREATE OR REPLACE FUNCTION hitrec_tag_facts_pass() RETURNS trigger AS $$
BEGIN
    UPDATE {TAGS} SET license = NEW.license, created_at = NEW.created_at,
        listed = NEW.removed_at IS NULL
    WHERE contribution_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql SET jit = off
""",
    f"""
CREATE TRIGGER hitrec_tag_facts_take BEFORE INSERT OR UPDATE OF contribution_id ON {TAGS}
FOR EACH ROW EXECUTE FUNCTION hitrec_tag_facts_take()
""",
    # Django's save() updates every column: the WHEN clause keeps the usual save of a work
    # (a title, a processing step) from touching its tags.
    f"""
CREATE TRIGGER hitrec_tag_facts_pass AFTER UPDATE OF license, created_at, removed_at ON {WORKS}
FOR EACH ROW WHEN (
    OLD.license IS DISTINCT FROM NEW.license OR OLD.created_at IS DISTINCT FROM NEW.created_at
    OR (OLD.removed_at IS NULL) <> (NEW.removed_at IS NULL)
) EXECUTE FUNCTION hitrec_tag_facts_pass()
""",
]
_POSTGRES_REMOVE = [
    f"DROP TRIGGER IF EXISTS hitrec_tag_facts_take ON {TAGS}",
    f"DROP TRIGGER IF EXISTS hitrec_tag_facts_pass ON {WORKS}",
    "DROP FUNCTION IF EXISTS hitrec_tag_facts_take()",
    "DROP FUNCTION IF EXISTS hitrec_tag_facts_pass()",
]

# --- SQLite ----------------------------------------------------------------------------------

_FACTS_OF = (
    "license = (SELECT c.license FROM {works} c WHERE c.id = {work}),"
    " created_at = (SELECT c.created_at FROM {works} c WHERE c.id = {work}),"
    " listed = (SELECT c.removed_at IS NULL FROM {works} c WHERE c.id = {work})"
)
_SQLITE = [
    f"""
CREATE TRIGGER hitrec_tag_facts_take AFTER INSERT ON {TAGS} FOR EACH ROW
BEGIN
    UPDATE {TAGS} SET {_FACTS_OF.format(works=WORKS, work="NEW.contribution_id")}
    WHERE id = NEW.id;
END
""",
    f"""
CREATE TRIGGER hitrec_tag_facts_pass AFTER UPDATE OF license, created_at, removed_at ON {WORKS}
FOR EACH ROW WHEN (
    OLD.license IS NOT NEW.license OR OLD.created_at IS NOT NEW.created_at
    OR (OLD.removed_at IS NULL) <> (NEW.removed_at IS NULL)
)
BEGIN
    UPDATE {TAGS} SET license = NEW.license, created_at = NEW.created_at,
        listed = NEW.removed_at IS NULL
    WHERE contribution_id = NEW.id;
END
""",
]
_SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS hitrec_tag_facts_take",
    "DROP TRIGGER IF EXISTS hitrec_tag_facts_pass",
]

# Every row's facts from its work: after the columns are added, or after a bulk load with
# the triggers off (the benchmarks).
_REFILL = {
    "postgresql": f"""
UPDATE {TAGS} t SET license = c.license, created_at = c.created_at,
    listed = c.removed_at IS NULL
FROM {WORKS} c WHERE c.id = t.contribution_id
""",
    "sqlite": f"UPDATE {TAGS} SET {_FACTS_OF.format(works=WORKS, work=f'{TAGS}.contribution_id')}",
}


def tag_facts_install(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in _POSTGRES if vendor == "postgresql" else _SQLITE:
        schema_editor.execute(statement, params=None)


def tag_facts_remove(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in _POSTGRES_REMOVE if vendor == "postgresql" else _SQLITE_REMOVE:
        schema_editor.execute(statement, params=None)


def tag_facts_refill(*, using: BaseDatabaseWrapper = connection) -> None:
    """Every tag row takes its work's facts again."""
    with using.cursor() as cursor:
        cursor.execute(_REFILL[using.vendor])


# --- The count of listed rows per (tag, licence) ----------------------------------------------
#
# PostgreSQL: per statement (transition tables), each (name, licence) changed adjusted once by
# the statement's net change, in (name, licence) order so that concurrent writers lock the
# shared counter rows in one order and never deadlock. The facts trigger above is BEFORE, so
# the rows these see carry their work's facts already.

_ADJUST = f"""
DECLARE
    change record;
BEGIN
    FOR change IN
        SELECT d.name, d.license, sum(d.n)::integer AS n FROM ({{changes}}) d
        GROUP BY d.name, d.license HAVING sum(d.n) <> 0 ORDER BY d.name, d.license
    LOOP
        IF change.n > 0 THEN
            INSERT INTO {COUNTS} AS c (name, license, listed)
            VALUES (change.name, change.license, change.n)
            ON CONFLICT (name, license) DO UPDATE SET listed = c.listed + EXCLUDED.listed;
        ELSE
            UPDATE {COUNTS} SET listed = listed + change.n
            WHERE name = change.name AND license = change.license;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'no tag count for (%, %): run tag_counts_refill()',
                    change.name, change.license;
            END IF;
        END IF;
    END LOOP;
    RETURN NULL;
END;
"""
_ADDED = "SELECT name, license, 1 AS n FROM added WHERE listed"
_GONE = "SELECT name, license, -1 AS n FROM gone WHERE listed"
_COUNTS_POSTGRES_TRIGGERS = [
    # (name, event, transition tables, the changes)
    ("added", "INSERT", "NEW TABLE AS added", _ADDED),
    ("removed", "DELETE", "OLD TABLE AS gone", _GONE),
    # No column list: PostgreSQL allows none on a trigger with transition tables.
    ("changed", "UPDATE", "OLD TABLE AS gone NEW TABLE AS added", f"{_ADDED} UNION ALL {_GONE}"),
]
_COUNTS_POSTGRES = [
    statement
    for name, event, tables, changes in _COUNTS_POSTGRES_TRIGGERS
    for statement in (
        f"CREATE OR REPLACE FUNCTION hitrec_tag_counts_{name}() RETURNS trigger AS $$"
        f"{_ADJUST.format(changes=changes)}$$ LANGUAGE plpgsql SET jit = off",
        f"CREATE TRIGGER hitrec_tag_counts_{name} AFTER {event} ON {TAGS}"
        f" REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION hitrec_tag_counts_{name}()",
    )
]
_COUNTS_POSTGRES_REMOVE = [
    statement
    for name, *_ in _COUNTS_POSTGRES_TRIGGERS
    for statement in (
        f"DROP TRIGGER IF EXISTS hitrec_tag_counts_{name} ON {TAGS}",
        f"DROP FUNCTION IF EXISTS hitrec_tag_counts_{name}()",
    )
]

# SQLite: row triggers, each counting again the (name, licence) a row left and the one it
# joined, read off the partial index of listed rows. Deltas would depend on the order in
# which SQLite fires this table's AFTER INSERT triggers, which it does not promise: the facts
# trigger updates the row just inserted, and a delta for that update may come before the
# insert's own. A count read again is right in either order. A row inserted without its facts
# (created_at still empty: what Django writes) is counted when the facts trigger gives them.
_RECOUNT = (
    "INSERT INTO {counts} (name, license, listed)"
    " SELECT k.name, k.license, k.listed FROM (SELECT {row}.name AS name,"
    " {row}.license AS license, (SELECT count(*) FROM {tags} t"
    " WHERE t.name = {row}.name AND t.license = {row}.license AND t.listed) AS listed) k"
    " WHERE k.listed > 0 OR EXISTS (SELECT 1 FROM {counts} c"
    " WHERE c.name = k.name AND c.license = k.license)"
    " ON CONFLICT (name, license) DO UPDATE SET listed = excluded.listed;"
)


def _recount(row: str) -> str:
    return _RECOUNT.format(counts=COUNTS, tags=TAGS, row=row)


_COUNTS_SQLITE_TRIGGERS = [
    ("added", "AFTER INSERT", "NEW.created_at IS NOT NULL", [_recount("NEW")]),
    ("removed", "AFTER DELETE", None, [_recount("OLD")]),
    ("changed", "AFTER UPDATE OF name, license, listed", None, [_recount("OLD"), _recount("NEW")]),
]
_COUNTS_SQLITE = [
    f"CREATE TRIGGER hitrec_tag_counts_{name} {event} ON {TAGS} FOR EACH ROW"
    + (f" WHEN {when}" if when else "")
    + "\nBEGIN\n"
    + "\n".join(body)
    + "\nEND"
    for name, event, when, body in _COUNTS_SQLITE_TRIGGERS
]
_COUNTS_SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS hitrec_tag_counts_{name}" for name, *_ in _COUNTS_SQLITE_TRIGGERS
]

# Every count from the tag rows: after the table is made, or after a bulk load with the
# triggers off (the benchmarks). The same text on both databases.
TAG_COUNTS_REFILL = [
    f"DELETE FROM {COUNTS}",
    f"INSERT INTO {COUNTS} (name, license, listed)"
    f" SELECT name, license, count(*) FROM {TAGS} WHERE listed GROUP BY name, license",
]


def tag_counts_install(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in _COUNTS_POSTGRES if vendor == "postgresql" else _COUNTS_SQLITE:
        schema_editor.execute(statement, params=None)


def tag_counts_remove(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in _COUNTS_POSTGRES_REMOVE if vendor == "postgresql" else _COUNTS_SQLITE_REMOVE:
        schema_editor.execute(statement, params=None)


def tag_counts_refill(*, using: BaseDatabaseWrapper = connection) -> None:
    """Every (tag, licence) counted again from the tag rows."""
    with using.cursor() as cursor:
        for statement in TAG_COUNTS_REFILL:
            cursor.execute(statement)
