"""A lineage read page by page off the maintained closure: any size, nearest relatives first.

Order and cursor: nodes come in (rank, depth, id) order, rank 0 for the root, 1 for ancestors,
2 for descendants, depth the shortest distance from the root. A page ends at a position; the
next one starts after it (keyset paging: reading page 1,500 costs what page 1 costs, as both
are one range of the closure's (ancestor, depth, descendant) or (descendant, depth, ancestor)
index).

Links: each link between two nodes of the lineage comes exactly once, on the page of its
later end (by that order), so a page holds the links among its nodes and to earlier pages,
and all pages together hold every link. For a page's node n, that is its sources that come
before it, and its remixes that come before it (a remix reached by a shorter way). Sources
are few per work; the remixes that can come before n are looked up from n's side going
down (a descendant's remixes are descendants), and from the earlier ancestors' side going up
(the ancestors are few, a popular ancestor's remixes many).

Two queries a page, whatever its place in the lineage: the nodes, then the links.
"""

from dataclasses import dataclass
from typing import Literal

from contributions.lineage import (
    DIRECTIONS,
    LineageEdge,
    LineageNode,
    lineage_get,
    reading_connection,
)
from contributions.models import Contribution

Rank = Literal[0, 1, 2]
_DIRECTION_OF_RANK = {0: "root", 1: "up", 2: "down"}

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


@dataclass(frozen=True, slots=True, order=True)
class LineagePosition:
    """Where a node stands in a lineage's order; a page's cursor is its last node's."""

    rank: int
    depth: int
    id: int

    def token(self) -> str:
        return f"{self.rank}.{self.depth}.{self.id}"

    @classmethod
    def from_token(cls, token: str) -> "LineagePosition":
        """Raises ValueError for a token this module did not give out."""
        parts = token.split(".")
        if len(parts) != 3 or not all(part.isascii() and part.isdigit() for part in parts):
            raise ValueError(token)
        rank, depth, node_id = (int(part) for part in parts)
        if rank > 2 or node_id >= 2**63 or depth >= 2**31 or (rank == 0) != (depth == 0):
            raise ValueError(token)
        return cls(rank, depth, node_id)


@dataclass(frozen=True, slots=True)
class LineagePage:
    root_id: int
    nodes: tuple[LineageNode, ...]
    edges: tuple[LineageEdge, ...]
    # Where the next page starts; None on the last page.
    next: LineagePosition | None


_FACTS = "c.id, c.title, c.kind, c.author_id, u.username, c.removed_at IS NOT NULL"
_ROOT = """SELECT 0, 0, {facts}
FROM contributions_contribution c JOIN accounts_user u ON u.id = c.author_id
WHERE c.id = %s"""
# One side's nodes after a position: (near, far) is (descendant, ancestor) going up and
# (ancestor, descendant) going down; the page's range of the matching index.
_SIDE = """SELECT * FROM (
    SELECT {rank}, a.depth, {facts}
    FROM contributions_ancestry a
    JOIN contributions_contribution c ON c.id = a.{far}_id
    JOIN accounts_user u ON u.id = c.author_id
    WHERE a.{near}_id = %s AND a.depth > 0 AND (a.depth, a.{far}_id) > (%s, %s){limited}
    ORDER BY a.depth, a.{far}_id
    LIMIT %s
) {side}"""
_SIDES = {"up": (1, "descendant", "ancestor"), "down": (2, "ancestor", "descendant")}


def _nodes_sql(sides: list[str], *, limited: bool) -> str:
    parts = [_ROOT.format(facts=_FACTS)] + [
        _SIDE.format(
            rank=_SIDES[side][0],
            near=_SIDES[side][1],
            far=_SIDES[side][2],
            facts=_FACTS,
            limited="\n      AND a.depth <= %s" if limited else "",
            side=side,
        )
        for side in sides
    ]
    return "\nUNION ALL\n".join(parts)


# Each row: which end is the page's node (0: the remix, 1: the source), the link, and the
# other end's depth below the root and above it (NULL where it is not there).
# The other end's depths are scalar subqueries, one probe of the closure's key per link read:
# as joins with the root's closure rows (hundreds of thousands for a popular work), the
# planner chose a parallel plan for a page of a hundred links and spent ~50 ms on it.
_DEPTH_BELOW = (
    "(SELECT below.depth FROM contributions_ancestry below"
    " WHERE below.ancestor_id = %s AND below.descendant_id = l.{end}_id)"
)
_DEPTH_ABOVE = (
    "(SELECT above.depth FROM contributions_ancestry above"
    " WHERE above.descendant_id = %s AND above.ancestor_id = l.{end}_id)"
)
# Links to the page's non-root nodes from their sources, with where each source stands
# (its depth below the root, above it, or neither).
_SOURCES_OF = f"""SELECT 0, l.source_id, l.remix_id, {_DEPTH_BELOW.format(end="source")},
    {_DEPTH_ABOVE.format(end="source")}
FROM contributions_remixlink l
WHERE l.remix_id IN ({{ids}})"""  # noqa: S608
# Remixes of the page's descendants that are descendants no deeper than the page goes (the
# depth probed twice, in the row and in the test: cheaper than the rows of deeper remixes).
_REMIXES_BELOW = f"""SELECT 1, l.source_id, l.remix_id, {_DEPTH_BELOW.format(end="remix")}, NULL
FROM contributions_remixlink l
WHERE l.source_id IN ({{ids}}) AND {_DEPTH_BELOW.format(end="remix")} <= %s"""  # noqa: S608
# Remixes of the page's ancestors that are the root or ancestors no higher than the page goes:
# read from the ancestors' side (a popular ancestor may have thousands of other remixes).
_REMIXES_ABOVE = """SELECT 1, l.source_id, l.remix_id, NULL, m.depth
FROM contributions_ancestry m
JOIN contributions_remixlink l ON l.remix_id = m.ancestor_id
WHERE m.descendant_id = %s AND m.depth <= %s AND l.source_id IN ({ids})"""


def _in(ids: list[int]) -> str:
    return ", ".join(["%s"] * len(ids))


def lineage_page(
    *,
    contribution_id: int,
    direction: str = "both",
    depth: int | None = None,
    after: LineagePosition | None = None,
    limit: int = DEFAULT_LIMIT,
) -> LineagePage:
    """One page of a contribution's lineage: up to `limit` nodes after `after`, in
    (rank, depth, id) order, and the links among them and to earlier pages.

    `direction` and `depth` mean what they mean for `lineage_get`, whose whole answer is
    every page of this one put together. Raises Contribution.DoesNotExist for an unknown
    id, ValueError for a bad argument.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    if depth is not None and depth < 0:
        raise ValueError(f"depth must be zero or more, not {depth}")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    sides = ["up", "down"] if direction == "both" else [direction]
    start = after or LineagePosition(0, 0, 0)
    params: list[int] = [contribution_id]
    wanted = []
    for side in sides:
        rank = _SIDES[side][0]
        if start.rank > rank:
            continue  # this side was read on earlier pages
        position = (start.depth, start.id) if start.rank == rank else (0, 0)
        wanted.append(side)
        params += [contribution_id, *position]
        if depth is not None:
            params.append(depth)
        params.append(limit + 1)
    with reading_connection().cursor() as cursor:
        cursor.execute(_nodes_sql(wanted, limited=depth is not None), params)
        rows = cursor.fetchall()
    if not rows or rows[0][0] != 0:
        raise Contribution.DoesNotExist(f"Contribution {contribution_id} does not exist.")
    if after is not None:
        rows = rows[1:]  # the root was on the first page
    more = len(rows) > limit
    rows = rows[:limit]
    nodes = tuple(
        LineageNode(node_id, title, kind, author_id, username, node_depth,
                    _DIRECTION_OF_RANK[rank], bool(removed))  # type: ignore[arg-type]
        for rank, node_depth, node_id, title, kind, author_id, username, removed in rows
    )  # fmt: skip
    next_position = None
    if more:
        last = rows[-1]
        next_position = LineagePosition(last[0], last[1], last[2])
    return LineagePage(
        root_id=contribution_id,
        nodes=nodes,
        edges=_edges_of(contribution_id, nodes, sides=sides, depth=depth),
        next=next_position,
    )


def _position(node: LineageNode) -> LineagePosition:
    rank = {"root": 0, "up": 1, "down": 2}[node.direction]
    return LineagePosition(rank, node.depth, node.id)


def _edges_of(
    root_id: int, nodes: tuple[LineageNode, ...], *, sides: list[str], depth: int | None
) -> tuple[LineageEdge, ...]:
    """The links whose later end is on this page (see the module docstring)."""
    on_page = {node.id: _position(node) for node in nodes}
    below = [node for node in nodes if node.direction == "down"]
    above = [node for node in nodes if node.direction == "up"]
    queries, params = [], []
    if not_root := [node.id for node in nodes if node.direction != "root"]:
        queries.append(_SOURCES_OF.format(ids=_in(not_root)))
        params += [root_id, root_id, *not_root]
    if below:
        queries.append(_REMIXES_BELOW.format(ids=_in([node.id for node in below])))
        params += [root_id, *(node.id for node in below), root_id]
        params.append(max(node.depth for node in below))
    if above:
        queries.append(_REMIXES_ABOVE.format(ids=_in([node.id for node in above])))
        params += [root_id, max(node.depth for node in above), *(node.id for node in above)]
    if not queries:
        return ()
    with reading_connection().cursor() as cursor:
        cursor.execute("\nUNION ALL\n".join(queries), params)
        rows = cursor.fetchall()

    def position_of(node_id: int, below_depth: int | None, above_depth: int | None):
        if node_id == root_id:
            return LineagePosition(0, 0, node_id)
        if "down" in sides and below_depth is not None and (depth is None or below_depth <= depth):
            return LineagePosition(2, below_depth, node_id)
        if "up" in sides and above_depth is not None and (depth is None or above_depth <= depth):
            return LineagePosition(1, above_depth, node_id)
        return None  # not in this lineage

    edges = set()
    for page_end, source, remix, below_depth, above_depth in rows:
        near, other = (remix, source) if page_end == 0 else (source, remix)
        other_position = on_page.get(other) or position_of(other, below_depth, above_depth)
        # The link is this page's if its other end comes first (both ends here: once).
        if other_position is not None and other_position < on_page[near]:
            edges.add((source, remix))
    return tuple(LineageEdge(source, remix) for source, remix in sorted(edges, key=_by_remix))


def _by_remix(edge: tuple[int, int]) -> tuple[int, int]:
    return edge[1], edge[0]


# The lineage picture: drawn whole up to this many works; past it, on each side the nearest
# levels that fit in PICTURE_SIDE works, at most PICTURE_LEVEL of a level side by side, then
# one "and N more" box per level (a picture of tens of thousands of boxes is neither drawable
# in time nor readable).
PICTURE_WHOLE = 150
PICTURE_SIDE = 40
PICTURE_LEVEL = 12

_LEVELS = """SELECT {rank}, depth, count(*) FROM contributions_ancestry
WHERE {near}_id = %s AND depth > 0{limited}
GROUP BY depth"""


def lineage_levels(
    *, contribution_id: int, direction: str = "both", depth: int | None = None
) -> dict[str, list[tuple[int, int]]]:
    """How many works stand at each distance on each side: {"up": [(depth, count), …], …},
    nearest first, removed works included (they are in the lineage as tombstones). One query,
    an index-only count of the closure's rows."""
    sides = ["up", "down"] if direction == "both" else [direction]
    parts, params = [], []
    for side in sides:
        rank, near, _far = _SIDES[side]
        limited = " AND depth <= %s" if depth is not None else ""
        parts.append(_LEVELS.format(rank=rank, near=near, limited=limited))
        params += [contribution_id] + ([depth] if depth is not None else [])
    with reading_connection().cursor() as cursor:
        cursor.execute("\nUNION ALL\n".join(parts), params)
        rows = cursor.fetchall()
    levels: dict[str, list[tuple[int, int]]] = {side: [] for side in sides}
    for rank, level, count in sorted(rows):
        levels[_DIRECTION_OF_RANK[rank]].append((level, count))
    return levels


@dataclass(frozen=True, slots=True)
class MoreWorks:
    """Works of one level the picture does not draw one by one."""

    direction: str  # "up" or "down"
    depth: int
    count: int


@dataclass(frozen=True, slots=True)
class LineageSummary:
    """What the lineage picture draws: nodes and links as in a Lineage, and the rest of
    each level as a count (`more`: empty when the lineage is drawn whole)."""

    root_id: int
    nodes: tuple[LineageNode, ...]
    edges: tuple[LineageEdge, ...]
    more: tuple[MoreWorks, ...]


def lineage_summary(
    *, contribution_id: int, direction: str = "both", depth: int | None = None
) -> LineageSummary:
    """The lineage to draw: whole when small, else the nearest levels and counts of the rest.

    Raises Contribution.DoesNotExist for an unknown id, ValueError for a bad argument.
    """
    levels = lineage_levels(contribution_id=contribution_id, direction=direction, depth=depth)
    if sum(count for side in levels.values() for _, count in side) < PICTURE_WHOLE:
        whole = lineage_get(contribution_id=contribution_id, direction=direction, depth=depth)
        return LineageSummary(whole.root_id, whole.nodes, whole.edges, ())
    nodes: dict[int, LineageNode] = {}
    edges: set[tuple[int, int]] = set()
    more = []
    for side, side_levels in levels.items():
        shown, cut = 0, False
        for level, count in side_levels:
            # Whole levels while they fit; then part of the first that does not; then counts.
            drawn = 0 if cut else min(count, PICTURE_LEVEL, PICTURE_SIDE - shown)
            shown += drawn
            if drawn < count:
                more.append(MoreWorks(side, level, count - drawn))
                cut = True
        # The nearest `shown` works of this side are its first page (root first).
        page = lineage_page(
            contribution_id=contribution_id, direction=side, depth=depth, limit=shown + 1
        )
        nodes |= {node.id: node for node in page.nodes}
        edges |= {(edge.source, edge.remix) for edge in page.edges}
    rank = {"root": 0, "up": 1, "down": 2}
    return LineageSummary(
        root_id=contribution_id,
        nodes=tuple(sorted(nodes.values(), key=lambda n: (rank[n.direction], n.depth, n.id))),
        edges=tuple(LineageEdge(s, r) for s, r in sorted(edges, key=_by_remix)),
        more=tuple(more),
    )
