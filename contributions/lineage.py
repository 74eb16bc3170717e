"""Reads of the remix graph: a contribution's ancestors and descendants, and release closures.

How the SQL walks the graph
---------------------------
Every read is ONE statement (values are always parameters; the text is assembled only from
the constant fragments below, all of it plain SQL that PostgreSQL and SQLite both run; only
the test "is this link's other end a returned node?" is worded per database, for its
planner's sake):

1. per direction, a ``WITH RECURSIVE`` walk from the root(s), and the walk's nodes at their
   shortest distance (``MIN(depth)``), in id order;
2. node rows: those nodes joined with their contribution and author;
3. edge rows, tagged apart in the same result (``UNION ALL``): the links between returned
   nodes, read from the side the walk went (with "both", also ancestor -> descendant links).

The recursive part is ``UNION`` (never ``UNION ALL``) over ``(id, depth)``. ``UNION ALL``
would follow every *path*: a stack of k diamonds has 2**k paths to its top. With ``UNION``
both databases drop a row equal to any row produced before (PostgreSQL: "rows that
duplicate any previous result row"; SQLite queues a row only if no identical row was queued
before), so a node is expanded once *per distinct distance* at which it is reached: at most
``nodes x longest distance`` rows, never ``paths``. On a stack of diamonds that is exactly
once per node; a link that skips a level makes a node reachable at two distances, and it is
expanded twice. On the benchmark's random graph the walk produces 1.09 rows per node.

Exactly once per node was considered and not chosen. Dropping the depth from the row makes
``UNION`` dedupe on the id alone (PostgreSQL evaluates level by level, so the first row is the
shortest distance), but the distance is lost; keeping only each node's first distance needs
the recursive step to see all earlier rows (an anti-join against the result so far), which
neither database allows (the self-reference appears once, never in a subquery). What does
work is PostgreSQL-only: carry the depth in the display scale of a ``numeric`` id (``5.00 =
5.0`` for ``UNION``, ``scale()`` reads the depth back). ``bench/bench_lineage.py`` measures it
("exact"): one row per node, a walk about as fast on the random graph and 2-3x faster on a
lattice full of shortcuts. It is not used because it needs a second dialect of the core
query (SQLite is the embedded default and the suite runs on both), hides the depth where no
reader looks for it, and ``round()`` caps the scale at 2000 levels, past which depths would
be silently wrong -- in release closures, which money follows. Revisit if real lineages turn
out to be shortcut-heavy.

Speed notes (numbers in docs/benchmarks.md): nodes come out of the walk in id order so the
lookups that follow read the contribution table and the link indexes in physical order;
there is no ORDER BY (a sort of the wide rows spilled past PostgreSQL's default work_mem
and cost more than sorting the tuples here); nodes and edges are plain slotted dataclasses
built positionally (a frozen dataclass costs four times as much to build); on PostgreSQL the
statement is prepared after a few runs on a connection (``_cursor``), so it is not planned
on every read.

Termination needs no cycle check: ``RemixLink`` has ``CHECK (source_id < remix_id)``, so ids
strictly decrease going up and increase going down, and every walk ends. Each direction
walks a covering index: ``(remix_id, source_id)`` (the unique pair) going up and
``(source_id, remix_id)`` going down.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Literal, Protocol

import psycopg
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

from contributions.models import Contribution
from hitrec.gcpause import cyclic_gc_paused

Direction = Literal["root", "up", "down"]

DIRECTIONS = ("up", "down", "both")

# Rank of each direction in the node order (root first, then ancestors, then descendants).
_RANK_TO_DIRECTION: dict[int, Direction] = {0: "root", 1: "up", 2: "down"}


# Nodes and edges are plain slotted dataclasses, not frozen ones: a lineage can hold tens of
# thousands of them, and a frozen dataclass costs about four times as much to build.
@dataclass(slots=True)
class LineageNode:
    id: int
    title: str
    kind: str
    author_id: int
    author_username: str
    depth: int
    direction: Direction
    removed: bool


@dataclass(slots=True)
class LineageEdge:
    source: int
    remix: int


@dataclass(frozen=True, slots=True)
class Lineage:
    """One contribution's lineage: nodes by (direction, depth, id), edges by (remix, source)."""

    root_id: int
    nodes: tuple[LineageNode, ...]
    edges: tuple[LineageEdge, ...]


@dataclass(frozen=True, slots=True)
class LineageClosure:
    """Every ancestor of several roots (min depth from any root) and the edges among them."""

    root_ids: tuple[int, ...]
    nodes: tuple[LineageNode, ...]
    edges: tuple[LineageEdge, ...]


# One walk per direction: the seeds at depth 0, then one step along RemixLink per level
# (`{step_from}` is matched against the current node, `{step_to}` is where the link leads),
# and the walk's nodes at their shortest distance, in id order: the lookups that follow then
# read the contribution table and the link index in their physical order.
_WALK = """
{d}_walk(id, depth) AS (
    SELECT c.id, 0 FROM contributions_contribution c WHERE c.id IN ({seeds})
    UNION
    SELECT l.{step_to}, w.depth + 1
    FROM {d}_walk w JOIN contributions_remixlink l ON l.{step_from} = w.id{limit}
),
{d}_nodes(id, depth) AS (
    SELECT id, MIN(depth) FROM {d}_walk GROUP BY id ORDER BY id
)"""
_WALK_LIMIT = "\n    WHERE w.depth < %s"

# Node rows: tag 0, then the sort key (rank: 0 root, 1 up, 2 down; depth; id), then the facts.
_NODES = """
SELECT 0, CASE WHEN n.depth = 0 THEN 0 ELSE {rank} END, n.depth, n.id,
       c.title, c.kind, c.author_id, u.username, c.removed_at IS NOT NULL
FROM {d}_nodes n
JOIN contributions_contribution c ON c.id = n.id
JOIN accounts_user u ON u.id = c.author_id{where}"""

# Edge rows: tag 1, then (remix, source). Each walk's links are read from the side the walk
# went (the covering index it used), keeping those whose other end was reached too: that
# also finds a link between two nodes at the depth limit, which the walk never followed.
# With both directions, a link can also go from an ancestor straight to a descendant
# ("cross"). Both forms below are plain SQL that either database runs; each database gets
# the one its planner runs well:
# - PostgreSQL plans `IN (SELECT ...)` as a hash semi-join driven from the walk's side. A
#   plain join leaves the side to a coin toss (both CTEs are estimated at 200 rows), and the
#   wrong side reads every remix of a popular ancestor.
# - SQLite joins a CTE through an automatic index. Its `IN (SELECT ...)` probes the link
#   index once per pair of nodes (quadratic), and EXISTS builds a Bloom filter over the
#   whole link table on every call.
_EDGES = {
    "postgresql": """
SELECT 1, l.remix_id, l.source_id, 0, NULL, NULL, NULL, NULL, NULL
FROM {d}_nodes n
JOIN contributions_remixlink l ON l.{step_from} = n.id
WHERE l.{step_to} IN (SELECT id FROM {d}_nodes)""",
    "sqlite": """
SELECT 1, l.remix_id, l.source_id, 0, NULL, NULL, NULL, NULL, NULL
FROM {d}_nodes n
JOIN contributions_remixlink l ON l.{step_from} = n.id
JOIN {d}_nodes m ON m.id = l.{step_to}""",
}
# Without a depth limit no test is needed: every link from a node the walk reached leads to
# a node it reached too (every remix of a descendant is a descendant, every source of an
# ancestor an ancestor), so the links are read straight off the walk's covering index.
_EDGES_UNLIMITED = """
SELECT 1, l.remix_id, l.source_id, 0, NULL, NULL, NULL, NULL, NULL
FROM {d}_nodes n
JOIN contributions_remixlink l ON l.{step_from} = n.id"""
_CROSS_EDGES = {
    "postgresql": """
SELECT 1, l.remix_id, l.source_id, 0, NULL, NULL, NULL, NULL, NULL
FROM up_nodes n
JOIN contributions_remixlink l ON l.source_id = n.id
WHERE n.depth > 0 AND l.remix_id IN (SELECT id FROM down_nodes WHERE depth > 0)""",
    "sqlite": """
SELECT 1, l.remix_id, l.source_id, 0, NULL, NULL, NULL, NULL, NULL
FROM up_nodes n
JOIN contributions_remixlink l ON l.source_id = n.id
JOIN down_nodes m ON m.id = l.remix_id
WHERE n.depth > 0 AND m.depth > 0""",
}

_STEPS = {
    "up": {"d": "up", "step_from": "remix_id", "step_to": "source_id", "rank": 1},
    "down": {"d": "down", "step_from": "source_id", "step_to": "remix_id", "rank": 2},
}


def _lineage_sql(
    *, directions: Sequence[str], seed_count: int, limited: bool, vendor: str | None = None
) -> str:
    """The statement for these walks; only constant fragments and placeholders go into it.

    No ORDER BY: the caller sorts the rows (see the module docstring).
    """
    vendor = vendor or reading_connection().vendor  # the vendor is the same on every alias
    edges = _EDGES.get(vendor, _EDGES["sqlite"]) if limited else _EDGES_UNLIMITED
    seeds = ", ".join(["%s"] * seed_count)
    walks, selects = [], []
    for index, direction in enumerate(directions):
        step = _STEPS[direction]
        walks.append(_WALK.format(seeds=seeds, limit=_WALK_LIMIT if limited else "", **step))
        # The seeds (depth 0) are the roots: the first walk returns them, later ones leave them.
        where = "" if index == 0 else "\nWHERE n.depth > 0"
        selects.append(_NODES.format(where=where, **step))
        selects.append(edges.format(**step))
    if len(directions) == 2:
        selects.append(_CROSS_EDGES.get(vendor, _CROSS_EDGES["sqlite"]))
    return "WITH RECURSIVE" + ",".join(walks) + "\nUNION ALL".join(selects)


def _run(
    *,
    directions: Sequence[str],
    seed_ids: Sequence[int],
    depth: int | None,
    connection: BaseDatabaseWrapper,
) -> tuple[tuple[LineageNode, ...], tuple[LineageEdge, ...]]:
    sql = _lineage_sql(
        directions=directions,
        seed_count=len(seed_ids),
        limited=depth is not None,
        vendor=connection.vendor,
    )
    params: list[int] = []
    for _ in directions:
        params.extend(seed_ids)
        if depth is not None:
            params.append(depth)
    with _cursor(connection) as cursor, cyclic_gc_paused():
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        return _built(rows)


def reading_connection() -> BaseDatabaseWrapper:
    """The database a lineage read goes to: the replica where the router allows a read
    there (hitrec/replicas/), else the primary. Raw SQL does not pass through the router
    by itself."""
    return connections[router.db_for_read(Contribution)]


def _cursor(connection: BaseDatabaseWrapper) -> CursorWrapper:
    """A cursor for the lineage statement.

    On PostgreSQL one that binds its parameters on the server (Django's own bind on the
    client), so that psycopg prepares the statement after a few runs on a connection
    (`HITREC_DB_PREPARE_THRESHOLD`, hitrec/settings.py): each shape of the statement is then
    planned once per connection instead of on every read, about a fifth of a small lineage's
    time here. It is wrapped as Django wraps its own cursors (errors, query logging, execute
    wrappers).
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.validate_thread_sharing()
    connection.ensure_connection()
    server_binding = psycopg.Cursor(connection.connection)
    # Stub gap: django-stubs types `make_debug_cursor`/`make_cursor`'s argument as a
    # CursorWrapper; Django passes them the database driver's own cursor, which they wrap.
    if connection.queries_logged:
        return connection.make_debug_cursor(server_binding)  # type: ignore[arg-type]
    return connection.make_cursor(server_binding)  # type: ignore[arg-type]


def _built(rows: list[tuple]) -> tuple[tuple[LineageNode, ...], tuple[LineageEdge, ...]]:
    node_rows = [row for row in rows if row[0] == 0]
    node_rows.sort(key=itemgetter(1, 2, 3))
    edge_rows = [row for row in rows if row[0] == 1]
    edge_rows.sort(key=itemgetter(1, 2))
    # Positional arguments, in field order: measurably faster than keywords at this volume.
    nodes = tuple(
        LineageNode(
            node_id,
            title,
            kind,
            author_id,
            username,
            node_depth,
            _RANK_TO_DIRECTION[rank],
            bool(removed),
        )
        for _, rank, node_depth, node_id, title, kind, author_id, username, removed in node_rows
    )
    edges = tuple(LineageEdge(row[2], row[1]) for row in edge_rows)
    return nodes, edges


def lineage_get(
    *, contribution_id: int, direction: str = "both", depth: int | None = None
) -> Lineage:
    """The contribution (depth 0) with its ancestors ("up") and/or descendants ("down").

    A node's depth is its shortest distance from the root; with `depth`, only nodes at most
    that many links away come back. Edges are every remix link between two returned nodes
    (with "both", also a link from an ancestor straight to a descendant). One query, whatever
    the direction: "both" runs its two walks in the same statement.
    Raises Contribution.DoesNotExist for an unknown id, ValueError for a bad argument.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    if depth is not None and depth < 0:
        raise ValueError(f"depth must be zero or more, not {depth}")
    directions = ("up", "down") if direction == "both" else (direction,)
    nodes, edges = _run(
        directions=directions,
        seed_ids=[contribution_id],
        depth=depth,
        connection=reading_connection(),
    )
    if not nodes:
        raise Contribution.DoesNotExist(f"Contribution {contribution_id} does not exist.")
    return Lineage(root_id=contribution_id, nodes=nodes, edges=edges)


def closure_get(*, contribution_ids: Sequence[int]) -> LineageClosure:
    """Every ancestor of the given contributions, the roots included, and the links among them.

    A node's depth is its shortest distance from any root (0 for a root, even one that is
    also another root's ancestor). Unknown ids are left out. One query.
    """
    root_ids = tuple(sorted(set(contribution_ids)))
    if not root_ids:
        return LineageClosure(root_ids=(), nodes=(), edges=())
    # Money follows a closure (releases, proposals, statements): always the primary's links.
    primary = connections[router.db_for_write(Contribution)]
    nodes, edges = _run(directions=("up",), seed_ids=root_ids, depth=None, connection=primary)
    found = tuple(node.id for node in nodes if node.direction == "root")
    return LineageClosure(root_ids=found, nodes=nodes, edges=edges)


class _Listed(Protocol):
    """A lineage or the first page of one: the root, some nodes and the links among them."""

    @property
    def root_id(self) -> int: ...

    @property
    def nodes(self) -> Sequence[LineageNode]: ...

    @property
    def edges(self) -> Sequence[LineageEdge]: ...


@dataclass(frozen=True, slots=True)
class OutlineItem:
    """One work in a lineage outline, with the works one step further out under it.

    `seen` marks a work already listed higher up (a diamond reaches it twice): it is named
    again, but its own branch is not repeated.
    """

    node: LineageNode
    children: tuple["OutlineItem", ...]
    seen: bool = False


def lineage_outline(lineage: Lineage | _Listed) -> dict[str, tuple[OutlineItem, ...]]:
    """The lineage picture in words: its sources (and theirs) and its remixes (and theirs)
    as nested lists, for those who cannot see the picture (`up`, `down`). Of a Lineage or
    of a lineage's first page (lineage_pages.LineagePage)."""
    nodes = {node.id: node for node in lineage.nodes}
    sources: dict[int, list[int]] = {}
    remixes: dict[int, list[int]] = {}
    for edge in lineage.edges:
        sources.setdefault(edge.remix, []).append(edge.source)
        remixes.setdefault(edge.source, []).append(edge.remix)

    def branch(start: int, step: dict[int, list[int]], direction: str, listed: set[int]):
        items = []
        for next_id in sorted(step.get(start, ())):
            node = nodes.get(next_id)
            if node is None or node.direction != direction:
                continue
            seen = next_id in listed
            listed.add(next_id)
            children = () if seen else branch(next_id, step, direction, listed)
            items.append(OutlineItem(node, tuple(children), seen))
        return tuple(items)

    return {
        "up": branch(lineage.root_id, sources, "up", set()),
        "down": branch(lineage.root_id, remixes, "down", set()),
    }
