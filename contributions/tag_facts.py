"""What a tag row knows of its work (licence, creation time, presence), kept by database triggers.

Why (docs/decisions.md, "Tags and licences at a million works"): `?tag=lo-fi&license=cc-by`
pages and counts a tag's works under a licence. Read through the works table it visits every
work carrying the tag (a popular tag is on a tenth of them) to learn its licence; with the
three facts on the tag rows, the page newest first and its count are read from one partial
index of the tag table alone (contributions.selectors.contribution_list).

Kept by the database, as the search documents are (contributions/search_document.py), so no
way of writing can leave them behind: a tag row takes its work's facts when it is written,
and a work whose licence, creation time or presence changes passes them to its rows.
"""

# Every statement here is assembled from this module's own constants.
# ruff: noqa: S608

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

WORKS = "contributions_contribution"
TAGS = "contributions_contributiontag"

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
