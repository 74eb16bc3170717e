"""Reads of the remix graph: a contribution's ancestors and descendants, and release closures.

How the SQL walks the graph
---------------------------
Every read is ONE statement: a ``WITH RECURSIVE`` walk per direction, then the walked nodes
joined with their contribution and author, and the edges among them, returned in the same
result as tagged rows (``UNION ALL``). PostgreSQL and SQLite run the same text; values are
always parameters, the text is assembled only from the constant fragments below.

The recursive part is ``UNION`` (never ``UNION ALL``) over ``(id, depth)`` and the depth of a
node is ``MIN(depth)``. ``UNION ALL`` would walk every *path*: a stack of k diamonds has 2**k
paths to its top. With ``UNION`` both databases drop a row that equals any row produced
before (PostgreSQL: "rows that duplicate any previous result row"; SQLite: a row is queued
only if no identical row was queued before), so each node is expanded at most once *per
distinct distance* at which it is reached: at most ``nodes x longest distance`` rows, never
``paths``. On a pure diamond stack that is exactly once per node; a node reached at
distances 2 and 3 (a shortcut edge) is expanded twice.

Expanding each node exactly once would need either a row without the depth (then ``UNION``
dedupes on the id alone, and PostgreSQL's level-by-level evaluation produces each node at
its shortest distance, but the distance is lost), or a recursive step that can look at all
earlier rows (an anti-join against the result so far), which neither database allows (the
self-reference may appear once, and not in a subquery). The remaining tricks (a depth
hidden in the display scale of a ``numeric`` id, which compares equal; level-marker rows
read back in output order) are PostgreSQL-only or rely on undocumented row order, so we
keep the portable form and measure what the shortcut edges cost: ``bench/bench_lineage.py``
reports rows walked per node returned (docs/benchmarks.md).

Termination needs no cycle check: ``RemixLink`` has ``CHECK (source_id < remix_id)``, so ids
strictly decrease going up and increase going down, and every walk ends. Both walk
directions use a covering index: ``(remix_id, source_id)`` (the unique pair) going up and
``(source_id, remix_id)`` going down.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from django.db import connection

from contributions.models import Contribution

Direction = Literal["root", "up", "down"]

DIRECTIONS = ("up", "down", "both")

# Rank of each direction in the node order (root first, then ancestors, then descendants).
_RANK_TO_DIRECTION: dict[int, Direction] = {0: "root", 1: "up", 2: "down"}


@dataclass(frozen=True, slots=True)
class LineageNode:
    id: int
    title: str
    kind: str
    author_id: int
    author_username: str
    depth: int
    direction: Direction
    removed: bool


@dataclass(frozen=True, slots=True)
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


# One walk: seeds at depth 0, then one step along RemixLink per level. `{step_from}` is the
# column matched against the current node, `{step_to}` the neighbour it leads to.
_WALK = """
{name}(id, depth) AS (
    SELECT c.id, 0 FROM contributions_contribution c WHERE c.id IN ({seeds})
    UNION
    SELECT l.{step_to}, w.depth + 1
    FROM {name} w JOIN contributions_remixlink l ON l.{step_from} = w.id{limit}
)"""
_WALK_LIMIT = "\n    WHERE w.depth < %s"
# A walk's nodes at their shortest distance; depth 0 are the seeds (rank 0, "root").
_REACHED = (
    "    SELECT id, CASE WHEN MIN(depth) = 0 THEN 0 ELSE {rank} END, MIN(depth)"
    " FROM {name} GROUP BY id{having}"
)

_STEPS = {
    "up": {"name": "up_walk", "step_from": "remix_id", "step_to": "source_id", "rank": 1},
    "down": {"name": "down_walk", "step_from": "source_id", "step_to": "remix_id", "rank": 2},
}

# Nodes and edges share one result: column 1 tags the row (0 node, 1 edge) and columns 1-4
# are its sort key, so ORDER BY gives nodes by (rank, depth, id) then edges by (remix, source).
_SELECT = """
SELECT 0, r.rank, r.depth, r.id, c.title, c.kind, c.author_id, u.username,
       c.removed_at IS NOT NULL
FROM reached r
JOIN contributions_contribution c ON c.id = r.id
JOIN accounts_user u ON u.id = c.author_id
UNION ALL
SELECT 1, l.remix_id, l.source_id, 0, NULL, NULL, NULL, NULL, NULL
FROM contributions_remixlink l
JOIN reached rs ON rs.id = l.source_id
JOIN reached rr ON rr.id = l.remix_id
ORDER BY 1, 2, 3, 4"""


def _lineage_sql(*, directions: Sequence[str], seed_count: int, limited: bool) -> str:
    """The statement for these walks; only constant fragments and placeholders go into it."""
    seeds = ", ".join(["%s"] * seed_count)
    walks = []
    reached = []
    for index, direction in enumerate(directions):
        step = _STEPS[direction]
        walks.append(
            _WALK.format(
                name=step["name"],
                seeds=seeds,
                step_from=step["step_from"],
                step_to=step["step_to"],
                limit=_WALK_LIMIT if limited else "",
            )
        )
        # The seeds (depth 0) are the roots; every later walk leaves them to the first one.
        having = "" if index == 0 else " HAVING MIN(depth) > 0"
        reached.append(_REACHED.format(name=step["name"], rank=step["rank"], having=having))
    return (
        "WITH RECURSIVE"
        + ",".join(walks)
        + ",\nreached(id, rank, depth) AS (\n"
        + "\n    UNION ALL\n".join(reached)
        + "\n)"
        + _SELECT
    )


def _run(
    *, directions: Sequence[str], seed_ids: Sequence[int], depth: int | None
) -> tuple[tuple[LineageNode, ...], tuple[LineageEdge, ...]]:
    sql = _lineage_sql(directions=directions, seed_count=len(seed_ids), limited=depth is not None)
    params: list[int] = []
    for _ in directions:
        params.extend(seed_ids)
        if depth is not None:
            params.append(depth)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    nodes = []
    edges = []
    for tag, k1, k2, k3, title, kind, author_id, username, removed in rows:
        if tag == 0:
            nodes.append(
                LineageNode(
                    id=k3,
                    title=title,
                    kind=kind,
                    author_id=author_id,
                    author_username=username,
                    depth=k2,
                    direction=_RANK_TO_DIRECTION[k1],
                    removed=bool(removed),
                )
            )
        else:
            edges.append(LineageEdge(source=k2, remix=k1))
    return tuple(nodes), tuple(edges)


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
    nodes, edges = _run(directions=directions, seed_ids=[contribution_id], depth=depth)
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
    nodes, edges = _run(directions=("up",), seed_ids=root_ids, depth=None)
    found = tuple(node.id for node in nodes if node.direction == "root")
    return LineageClosure(root_ids=found, nodes=nodes, edges=edges)
