"""The remix graph's closure and counts, kept by database triggers; their install and rebuild.

Why triggers (docs/decisions.md, "A maintained closure"): `Ancestry` and `LineageCounts` are
an index of the remix graph, like a B-tree is of a column. Kept by the database, no way of
writing the graph can leave them behind: the services, a bulk insert, the admin, Django's
cascading delete, a migration or a hand-written statement. The same statements run on
PostgreSQL (in PL/pgSQL functions) and SQLite (in trigger bodies); only `LEAST`/`min` and the
row locks differ.

The rules, for a link `source -> remix` (A* = the source's ancestors and itself, D* = the
remix's descendants and itself; every pair (a, d) in A* x D* is related through the link):

- a link added: each pair's depth becomes the smaller of what it was and
  depth(a, source) + 1 + depth(remix, d). A path through the new link cannot use it twice
  (ids grow along links), so the ancestry rows it reads are still exact.
- a link removed: only pairs in A* x D* can lose a path. They are deleted and derived again
  from the links that enter D* from outside it: every path from outside D* into it enters
  through one of them, and the rows on either side of such a link (within D*, and outside
  it) are untouched by the removal.
- counts: each pair that appears or disappears adds or takes one from its ancestor's
  `descendants` and its descendant's `ancestors`, when the other end is a work still present;
  a work removed (a tombstone) or restored takes or gives one to each of its relatives.

A link removed from a work with a large family rewrites A* x D*; that is rare (an author
editing the sources of a much-remixed work) and is measured in bench/bench_lineage_pages.py.
"""

# Every statement here is assembled from this module's own constants; no value from outside
# reaches the SQL text (the rebuild's ids are parameters).
# ruff: noqa: S608

from collections.abc import Callable

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

ANCESTRY = "contributions_ancestry"
COUNTS = "contributions_lineagecounts"
WORKS = "contributions_contribution"
LINKS = "contributions_remixlink"

# The statements, shared by both databases; {least} is LEAST (PostgreSQL) or min (SQLite).
_WORK_ADDED = [
    f"INSERT INTO {ANCESTRY} (ancestor_id, descendant_id, depth) VALUES (NEW.id, NEW.id, 0)",
    f"INSERT INTO {COUNTS} (contribution_id, remixes, descendants, ancestors)"
    " VALUES (NEW.id, 0, 0, 0)",
]
# Django deletes a work's links before the work (its collector), so only its own rows remain.
_WORK_DELETED = [
    f"DELETE FROM {ANCESTRY} WHERE ancestor_id = OLD.id",
    f"DELETE FROM {ANCESTRY} WHERE descendant_id = OLD.id",
    f"DELETE FROM {COUNTS} WHERE contribution_id = OLD.id",
]

_A = f"(SELECT ancestor_id FROM {ANCESTRY} WHERE descendant_id = {{link}}.source_id)"
_D = f"(SELECT descendant_id FROM {ANCESTRY} WHERE ancestor_id = {{link}}.remix_id)"


def _pairs_counted(*, sign: str, link: str, only_new: bool) -> list[str]:
    """Add (sign "+") or take ("-") the pairs A* x D* that exist (or, `only_new`, that do
    not exist yet) to each ancestor's descendants and each descendant's ancestors."""
    a, d = _A.format(link=link), _D.format(link=link)
    if only_new:
        # A scalar subquery, not NOT EXISTS: PostgreSQL turns NOT EXISTS into an anti-join
        # that reads every descendant of a popular ancestor; this is one probe of the key.
        pair_d = f"(SELECT 1 FROM {ANCESTRY} e WHERE e.ancestor_id = {COUNTS}.contribution_id AND e.descendant_id = r.descendant_id) IS NULL"  # noqa: E501
        pair_a = f"(SELECT 1 FROM {ANCESTRY} e WHERE e.ancestor_id = r.ancestor_id AND e.descendant_id = {COUNTS}.contribution_id) IS NULL"  # noqa: E501
        from_d = f"{ANCESTRY} r JOIN {WORKS} c ON c.id = r.descendant_id WHERE r.ancestor_id = {link}.remix_id"  # noqa: E501
        from_a = f"{ANCESTRY} r JOIN {WORKS} c ON c.id = r.ancestor_id WHERE r.descendant_id = {link}.source_id"  # noqa: E501
    else:
        pair_d = f"r.ancestor_id = {COUNTS}.contribution_id"
        pair_a = f"r.descendant_id = {COUNTS}.contribution_id"
        from_d = (
            f"{ANCESTRY} r JOIN {WORKS} c ON c.id = r.descendant_id WHERE r.descendant_id IN {d}"  # noqa: E501
        )
        from_a = f"{ANCESTRY} r JOIN {WORKS} c ON c.id = r.ancestor_id WHERE r.ancestor_id IN {a}"  # noqa: E501
    return [
        f"UPDATE {COUNTS} SET descendants = descendants {sign} (SELECT count(*) FROM {from_d}"
        f" AND c.removed_at IS NULL AND {pair_d}) WHERE contribution_id IN {a}",
        f"UPDATE {COUNTS} SET ancestors = ancestors {sign} (SELECT count(*) FROM {from_a}"
        f" AND c.removed_at IS NULL AND {pair_a}) WHERE contribution_id IN {d}",
    ]


def _remix_counted(*, sign: str, link: str) -> str:
    return (
        f"UPDATE {COUNTS} SET remixes = remixes {sign} 1 WHERE contribution_id = {link}.source_id"
        f" AND EXISTS (SELECT 1 FROM {WORKS} WHERE id = {link}.remix_id AND removed_at IS NULL)"
    )


_LINK_ADDED = [
    _remix_counted(sign="+", link="NEW"),
    *_pairs_counted(sign="+", link="NEW", only_new=True),
    f"INSERT INTO {ANCESTRY} (ancestor_id, descendant_id, depth)"
    f" SELECT a.ancestor_id, d.descendant_id, MIN(a.depth + 1 + d.depth)"
    f" FROM {ANCESTRY} a, {ANCESTRY} d"
    " WHERE a.descendant_id = NEW.source_id AND d.ancestor_id = NEW.remix_id"
    " GROUP BY a.ancestor_id, d.descendant_id"
    " ON CONFLICT (ancestor_id, descendant_id)"
    f" DO UPDATE SET depth = {{least}}({ANCESTRY}.depth, excluded.depth)"
    f" WHERE excluded.depth < {ANCESTRY}.depth",
]

_LINK_REMOVED = [
    _remix_counted(sign="-", link="OLD"),
    *_pairs_counted(sign="-", link="OLD", only_new=False),
    f"DELETE FROM {ANCESTRY} WHERE ancestor_id IN {_A.format(link='OLD')}"
    f" AND descendant_id IN {_D.format(link='OLD')}",
    # Derived again through the links that enter D* from outside it.
    f"INSERT INTO {ANCESTRY} (ancestor_id, descendant_id, depth)"
    f" SELECT ap.ancestor_id, ed.descendant_id, MIN(ap.depth + 1 + ed.depth)"
    f" FROM {LINKS} l"
    f" JOIN {ANCESTRY} ap ON ap.descendant_id = l.source_id"
    f" JOIN {ANCESTRY} ed ON ed.ancestor_id = l.remix_id"
    f" WHERE l.remix_id IN {_D.format(link='OLD')} AND l.source_id NOT IN {_D.format(link='OLD')}"
    f" AND ap.ancestor_id IN {_A.format(link='OLD')}"
    " GROUP BY ap.ancestor_id, ed.descendant_id",
    # The pairs a path is left between, counted back in.
    *_pairs_counted(sign="+", link="OLD", only_new=False),
]

_PRESENT_DELTA = "(CASE WHEN NEW.removed_at IS NULL THEN 1 ELSE -1 END)"
_WORK_REMOVED_OR_RESTORED = [
    f"UPDATE {COUNTS} SET descendants = descendants + {_PRESENT_DELTA} WHERE contribution_id IN"
    f" (SELECT ancestor_id FROM {ANCESTRY} WHERE descendant_id = NEW.id AND depth > 0)",
    f"UPDATE {COUNTS} SET ancestors = ancestors + {_PRESENT_DELTA} WHERE contribution_id IN"
    f" (SELECT descendant_id FROM {ANCESTRY} WHERE ancestor_id = NEW.id AND depth > 0)",
    f"UPDATE {COUNTS} SET remixes = remixes + {_PRESENT_DELTA} WHERE contribution_id IN"
    f" (SELECT source_id FROM {LINKS} WHERE remix_id = NEW.id)",
]
_PRESENCE_CHANGED = "(OLD.removed_at IS NULL) <> (NEW.removed_at IS NULL)"

# PostgreSQL only: the counts rows a link change touches are locked first, in primary-key
# order, so two uploads under the same popular work wait for each other instead of
# deadlocking on rows their UPDATEs reach in different orders. (SQLite locks the database.)
_LOCK_COUNTS = (
    f"PERFORM 1 FROM {COUNTS} WHERE contribution_id IN"
    f" (SELECT ancestor_id FROM {ANCESTRY} WHERE descendant_id = {{link}}.source_id"
    f" UNION SELECT descendant_id FROM {ANCESTRY} WHERE ancestor_id = {{link}}.remix_id)"
    " ORDER BY contribution_id FOR UPDATE"
)
_LOCK_RELATIVES = (
    f"PERFORM 1 FROM {COUNTS} WHERE contribution_id IN"
    f" (SELECT ancestor_id FROM {ANCESTRY} WHERE descendant_id = NEW.id"
    f" UNION SELECT descendant_id FROM {ANCESTRY} WHERE ancestor_id = NEW.id"
    f" UNION SELECT source_id FROM {LINKS} WHERE remix_id = NEW.id)"
    " ORDER BY contribution_id FOR UPDATE"
)

_LINK_REPOINTED = "a remix link is removed and added, never re-pointed"

# (name, table, timing and event, condition, statements, PostgreSQL-only prelude)
_TRIGGERS = [
    ("work_added", WORKS, "AFTER INSERT", None, _WORK_ADDED, None),
    ("work_deleted", WORKS, "BEFORE DELETE", None, _WORK_DELETED, None),
    (
        "work_presence",
        WORKS,
        "AFTER UPDATE OF removed_at",
        _PRESENCE_CHANGED,
        _WORK_REMOVED_OR_RESTORED,
        _LOCK_RELATIVES,
    ),
    ("link_added", LINKS, "AFTER INSERT", None, _LINK_ADDED, _LOCK_COUNTS.format(link="NEW")),
    ("link_removed", LINKS, "AFTER DELETE", None, _LINK_REMOVED, _LOCK_COUNTS.format(link="OLD")),
]
_REPOINT_CONDITION = "OLD.source_id <> NEW.source_id OR OLD.remix_id <> NEW.remix_id"


# The planner's estimates for a popular ancestor's rows pass jit_above_cost, and compiling
# the statements took ~60 ms of a remix's ~80 ms in the 1M benchmark, to run work of a few
# milliseconds: a row trigger is never long enough to earn it back.
_NO_JIT = "SET jit = off"


def _postgres_sql() -> list[str]:
    statements = []
    for name, table, event, condition, body, prelude in _TRIGGERS:
        returned = "OLD" if event.startswith("BEFORE DELETE") else "NULL"
        lines = ([prelude] if prelude else []) + [s.format(least="LEAST") for s in body]
        statements.append(
            f"CREATE OR REPLACE FUNCTION hitrec_ancestry_{name}() RETURNS trigger AS $$\n"
            "BEGIN\n    " + ";\n    ".join(lines) + f";\n    RETURN {returned};\nEND;\n"
            f"$$ LANGUAGE plpgsql {_NO_JIT}"
        )
        when = f" WHEN ({condition})" if condition else ""
        statements.append(
            f"CREATE TRIGGER hitrec_ancestry_{name} {event} ON {table} FOR EACH ROW{when}"
            f" EXECUTE FUNCTION hitrec_ancestry_{name}()"
        )
    statements.append(
        "CREATE OR REPLACE FUNCTION hitrec_ancestry_link_repointed() RETURNS trigger AS $$\n"
        f"BEGIN\n    RAISE EXCEPTION '{_LINK_REPOINTED}'"
        " USING ERRCODE = 'integrity_constraint_violation';\nEND;\n$$ LANGUAGE plpgsql"
    )
    statements.append(
        f"CREATE TRIGGER hitrec_ancestry_link_repointed BEFORE UPDATE ON {LINKS} FOR EACH ROW"
        f" WHEN ({_REPOINT_CONDITION}) EXECUTE FUNCTION hitrec_ancestry_link_repointed()"
    )
    return statements


def _sqlite_sql() -> list[str]:
    statements = []
    for name, table, event, condition, body, _prelude in _TRIGGERS:
        when = f" WHEN {condition}" if condition else ""
        # SQLite parses `INSERT … SELECT … ON CONFLICT` only with a WHERE in the SELECT, which
        # every such statement here has.
        lines = [s.format(least="min") for s in body]
        statements.append(
            f"CREATE TRIGGER hitrec_ancestry_{name} {event} ON {table} FOR EACH ROW{when}\n"
            "BEGIN\n    " + ";\n    ".join(lines) + ";\nEND"
        )
    statements.append(
        f"CREATE TRIGGER hitrec_ancestry_link_repointed BEFORE UPDATE ON {LINKS} FOR EACH ROW"
        f" WHEN {_REPOINT_CONDITION}\nBEGIN\n    SELECT RAISE(ABORT, '{_LINK_REPOINTED}');\nEND"
    )
    return statements


_NAMES = [name for name, *_ in _TRIGGERS] + ["link_repointed"]
_TABLE_OF = {name: table for name, table, *_ in _TRIGGERS} | {"link_repointed": LINKS}


def triggers_install(schema_editor) -> None:
    """Create the triggers (a migration's forwards step)."""
    vendor = schema_editor.connection.vendor
    statements = _postgres_sql() if vendor == "postgresql" else _sqlite_sql()
    for statement in statements:
        schema_editor.execute(statement, params=None)


def triggers_remove(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for name in _NAMES:
        if vendor == "postgresql":
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS hitrec_ancestry_{name} ON {_TABLE_OF[name]}", params=None
            )
            schema_editor.execute(f"DROP FUNCTION IF EXISTS hitrec_ancestry_{name}()", params=None)
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS hitrec_ancestry_{name}", params=None)


# The rebuild walks up from each work of a batch (ids in [low, high)): memory is bounded by
# the batch's ancestries, whatever the graph's size.
_REBUILD_BATCH = f"""
INSERT INTO {ANCESTRY} (ancestor_id, descendant_id, depth)
WITH RECURSIVE up(descendant_id, ancestor_id, depth) AS (
    SELECT id, id, 0 FROM {WORKS} WHERE id >= %s AND id < %s
    UNION
    SELECT u.descendant_id, l.source_id, u.depth + 1
    FROM up u JOIN {LINKS} l ON l.remix_id = u.ancestor_id
)
SELECT ancestor_id, descendant_id, MIN(depth) FROM up GROUP BY ancestor_id, descendant_id
"""
_REBUILD_COUNTS = f"""
INSERT INTO {COUNTS} (contribution_id, remixes, descendants, ancestors)
SELECT c.id,
    (SELECT count(*) FROM {LINKS} l JOIN {WORKS} r ON r.id = l.remix_id
     WHERE l.source_id = c.id AND r.removed_at IS NULL),
    (SELECT count(*) FROM {ANCESTRY} a JOIN {WORKS} d ON d.id = a.descendant_id
     WHERE a.ancestor_id = c.id AND a.depth > 0 AND d.removed_at IS NULL),
    (SELECT count(*) FROM {ANCESTRY} a JOIN {WORKS} u ON u.id = a.ancestor_id
     WHERE a.descendant_id = c.id AND a.depth > 0 AND u.removed_at IS NULL)
FROM {WORKS} c WHERE c.id >= %s AND c.id < %s
"""


def ancestry_rebuild(
    *,
    batch: int = 20_000,
    progress: Callable[[int, int], None] | None = None,
    using: BaseDatabaseWrapper | None = None,
) -> None:
    """Derive the closure and the counts from the links again, from nothing.

    For a database filled with the triggers off (the benchmark's bulk load), or one restored
    from a backup of the link table alone. `progress(done, total)` is told of each batch of
    ids. Run it in a transaction: until it ends the lineage reads see an empty closure.
    """
    with (using or connection).cursor() as cursor:
        cursor.execute(f"DELETE FROM {COUNTS}")
        cursor.execute(f"DELETE FROM {ANCESTRY}")
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM {WORKS}")
        low, high = cursor.fetchone()
        if low is None:
            return
        total = (high - low) // batch + 1
        # Closure first for every batch: a work's counts read its descendants' rows.
        for step, statement in enumerate((_REBUILD_BATCH, _REBUILD_COUNTS)):
            for done, start in enumerate(range(low, high + 1, batch), start=1):
                cursor.execute(statement, [start, start + batch])
                if progress:
                    progress(step * total + done, 2 * total)
