"""A whole lineage, every node then every link, streamed off the closure in constant memory."""

# How it reads (the API's NDJSON export is built on it):
#
# ONE statement, whatever the lineage's size: the root, its ancestors and its descendants
# (each side one range of the closure's (descendant, depth, ancestor) or (ancestor, depth,
# descendant) index, joined with the work and its author), then the links among them, each
# once, tagged apart in the same result and put in order by one ORDER BY. One statement is
# one snapshot: a link made while a large export streams can never name a work the export
# left out. The root's row comes first, so a missing root is known from the first fetch,
# before anything is sent.
#
# The rows are fetched in chunks from a cursor that streams, and Python holds one chunk at a
# time. On PostgreSQL that is Django's server-side cursor: outside a transaction it is
# declared WITH HOLD, which the server materialises in its own memory or temporary files
# (not the web process's), holding no transaction or lock while a slow client downloads.
# (Behind a transaction-pooling PgBouncer, where Django's DISABLE_SERVER_SIDE_CURSORS is set
# because a cursor cannot outlive its transaction there, the rows are read in one short
# transaction into a temporary file, as on SQLite below.)
# On SQLite it is the ordinary cursor, which steps through the statement as rows are
# fetched; but an unfinished statement keeps the database's read lock, and in SQLite's
# default journal mode no write can commit until it is released (writers wait out their
# timeout, then fail: "database is locked"). A download as slow as its client would stop the
# site's writes, so there the chunks are copied to a temporary file first (one chunk in
# memory at a time; about a second per 100,000 nodes), the statement is finished, and the
# export is read back from the file.
#
# Links are those with both ends among the nodes; a link never goes from a descendant to an
# ancestor (ids grow along links, and a descendant's id is above the root's, an ancestor's
# below). So every link among the nodes is found once from its remix's side:
# - a remix that is the root or an ancestor: all its sources are ancestors of the root;
#   the link is in when the source is within the depth limit;
# - a remix that is a descendant: its source may be the root or a descendant (in when
#   within the limit), an ancestor (in only with both directions: the "cross" links of
#   lineage_get), or no relative at all (out). Two probes of the closure's primary key say
#   which.
# Each link row carries its remix's place in the node order, so links come grouped by their
# remix, in the order the nodes came, then by source id.

# Every statement is assembled from this module's constant fragments; values are parameters.
# ruff: noqa: S608

import marshal
import struct
import tempfile
from collections.abc import Callable, Generator, Iterator

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from contributions.lineage import (
    DIRECTIONS,
    Direction,
    LineageEdge,
    LineageNode,
    reading_connection,
)
from contributions.models import Contribution

# Rows fetched from the database at a time: a few hundred kilobytes of Python objects,
# and few enough round trips that fetching costs little next to encoding the rows.
CHUNK = 2000

# A depth no lineage reaches (the closure's depth is a 32-bit integer): "no limit" is the
# limited statement with this bound, less one test that _LINKS_ABOVE can then leave out.
_NO_LIMIT = 2**31 - 1

_RANK_TO_DIRECTION: dict[int, Direction] = {0: "root", 1: "up", 2: "down"}

# Every row: (part: 0 node, 1 link; rank: 0 root, 1 up, 2 down; depth; id (a link's remix);
# a link's source (0 for a node); then a node's facts). The ORDER BY is over the first five.
_FACTS = "c.title, c.kind, c.author_id, u.username, c.removed_at IS NOT NULL"
_NO_FACTS = "NULL, NULL, NULL, NULL, NULL"

_ROOT = f"""SELECT 0, 0, 0, c.id, 0, {_FACTS}
FROM contributions_contribution c JOIN accounts_user u ON u.id = c.author_id
WHERE c.id = %s"""

# One side's nodes: (near, far) is (descendant, ancestor) going up, (ancestor, descendant)
# going down. Params: root, limit.
_SIDE_NODES = f"""SELECT 0, {{rank}}, a.depth, a.{{far}}_id, 0, {_FACTS}
FROM contributions_ancestry a
JOIN contributions_contribution c ON c.id = a.{{far}}_id
JOIN accounts_user u ON u.id = c.author_id
WHERE a.{{near}}_id = %s AND a.depth > 0 AND a.depth <= %s"""

# Links into the root and its ancestors (with "up" or "both"): every source of an ancestor is
# an ancestor too, within the limit or past it (`{within}`, only with a limit).
# Params: root, limit[, limit].
_LINKS_ABOVE = f"""SELECT 1, CASE WHEN a.depth = 0 THEN 0 ELSE 1 END, a.depth, l.remix_id,
       l.source_id, {_NO_FACTS}
FROM contributions_ancestry a
JOIN contributions_remixlink l ON l.remix_id = a.ancestor_id
WHERE a.descendant_id = %s AND a.depth <= %s{{within}}"""
_ABOVE_WITHIN = """
  AND EXISTS (SELECT 1 FROM contributions_ancestry s
              WHERE s.ancestor_id = l.source_id AND s.descendant_id = a.descendant_id
                AND s.depth <= %s)"""

# Links into the descendants (with "down" or "both"): the source is in when it is the root or
# a descendant within the limit, or, with "both", an ancestor within it (`{cross}`). Probes
# of the closure's primary key, as EXISTS: a join here lets SQLite's planner start from the
# root's whole closure for every link (quadratic). Params: root, limit, limit[, limit].
_LINKS_BELOW = """SELECT 1, 2, a.depth, l.remix_id, l.source_id, {no_facts}
FROM contributions_ancestry a
JOIN contributions_remixlink l ON l.remix_id = a.descendant_id
WHERE a.ancestor_id = %s AND a.depth > 0 AND a.depth <= %s
  AND (EXISTS (SELECT 1 FROM contributions_ancestry b
               WHERE b.ancestor_id = a.ancestor_id AND b.descendant_id = l.source_id
                 AND b.depth <= %s){cross})"""
_CROSS = """
       OR EXISTS (SELECT 1 FROM contributions_ancestry x
                  WHERE x.ancestor_id = l.source_id AND x.descendant_id = a.ancestor_id
                    AND x.depth <= %s)"""


def _export_sql(direction: str, *, limited: bool) -> str:
    """The statement for a direction ("up", "down" or "both"), with or without a depth limit."""
    parts = [_ROOT]
    if direction in ("up", "both"):
        parts.append(_SIDE_NODES.format(rank=1, near="descendant", far="ancestor"))
    if direction in ("down", "both"):
        parts.append(_SIDE_NODES.format(rank=2, near="ancestor", far="descendant"))
    if direction in ("up", "both"):
        parts.append(_LINKS_ABOVE.format(within=_ABOVE_WITHIN if limited else ""))
    if direction in ("down", "both"):
        cross = _CROSS if direction == "both" else ""
        parts.append(_LINKS_BELOW.format(no_facts=_NO_FACTS, cross=cross))
    return "\nUNION ALL\n".join(parts) + "\nORDER BY 1, 2, 3, 4, 5"


def _params(contribution_id: int, direction: str, limit: int, *, limited: bool) -> list[int]:
    """The parameters in the order of the statement's placeholders: each part starts with
    the root, the rest are the depth limit."""
    params = [contribution_id]
    sides = ["up", "down"] if direction == "both" else [direction]
    for _ in sides:  # the nodes of each side
        params += [contribution_id, limit]
    if "up" in sides:
        params += [contribution_id, limit] + ([limit] if limited else [])
    if "down" in sides:
        params += [contribution_id, limit, limit] + ([limit] if direction == "both" else [])
    return params


Chunk = list[tuple]


class LineageExport(Iterator[LineageNode | LineageEdge]):
    """A lineage being read: iterating gives its nodes, then its links, a chunk of rows at a
    time from `fetch` (an empty chunk ends it). `release` (the cursor's or the spool's close)
    is called after the last record, or by close() if the reader stops early (a client that
    disconnects); a response closes its content when it is done."""

    def __init__(self, first: Chunk, fetch: Callable[[], Chunk], release: Callable[[], None]):
        self._fetch = fetch
        self._release = release
        self._records = self._read(first)

    def __next__(self) -> LineageNode | LineageEdge:
        return next(self._records)

    def close(self) -> None:
        self._records.close()
        self._release()

    def _read(self, rows: Chunk) -> Generator[LineageNode | LineageEdge, None, None]:
        try:
            while rows:
                for part, rank, depth, node_id, source, title, kind, author, username, gone in rows:
                    if part:
                        yield LineageEdge(source, node_id)
                    else:
                        # Positional, in field order, as lineage_get builds them.
                        yield LineageNode(node_id, title, kind, author, username, depth,
                                          _RANK_TO_DIRECTION[rank], bool(gone))  # fmt: skip
                rows = self._fetch()
        finally:
            self._release()


_SIZE = struct.Struct("<I")  # the length of each chunk written to a spool


def _spooled(first: Chunk, fetch: Callable[[], Chunk]) -> LineageExport:
    """The rows copied to a temporary file, a chunk at a time, and read back from it (see
    the comment at the top: SQLite's read lock is held only while they are copied)."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the export it is given to
    try:
        rows = first
        while rows:
            # marshal: the fastest format for plain tuples of ints, strings and None. Each
            # chunk is read back whole with loads(): load() from a file is 30 times slower.
            data = marshal.dumps(rows)
            spool.write(_SIZE.pack(len(data)))
            spool.write(data)
            rows = fetch()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise

    def read_back() -> Chunk:
        size = spool.read(_SIZE.size)
        if not size:
            return []
        return marshal.loads(spool.read(_SIZE.unpack(size)[0]))  # noqa: S302 - written above

    return LineageExport(read_back(), read_back, spool.close)


def lineage_export(
    *, contribution_id: int, direction: str = "both", depth: int | None = None
) -> LineageExport:
    """Every node and link of a contribution's lineage, streamed: what `lineage_get` returns,
    at any size, without holding it.

    Nodes first, in (rank, depth, id) order as `lineage_page` gives them (the root, then the
    ancestors, then the descendants, each side by shortest distance, then id); then every
    link among them once, grouped by remix in the same order, then by source id.
    `direction` and `depth` mean what they mean for `lineage_get`. The statement runs here:
    an unknown id raises Contribution.DoesNotExist before a record is read, a bad argument
    ValueError. Close the result if it is not read to the end.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    if depth is not None and depth < 0:
        raise ValueError(f"depth must be zero or more, not {depth}")
    limited = depth is not None
    limit = min(depth, _NO_LIMIT) if depth is not None else _NO_LIMIT
    sql = _export_sql(direction, limited=limited)
    params = _params(contribution_id, direction, limit, limited=limited)
    # The replica where the router allows (a server-side cursor works on a standby too).
    connection = reading_connection()
    if connection.vendor == "sqlite":
        return _read(connection, sql, params, contribution_id, spool=True)
    if connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        # Set behind a transaction-pooling PgBouncer, where a cursor lives only as long as
        # its transaction: one short transaction reads it all into the spool.
        with transaction.atomic(using=connection.alias):
            return _read(connection, sql, params, contribution_id, spool=True)
    return _read(connection, sql, params, contribution_id, spool=False)


def _read(
    connection: BaseDatabaseWrapper, sql: str, params: list[int], root: int, *, spool: bool
) -> LineageExport:
    cursor = connection.chunked_cursor()
    try:
        cursor.execute(sql, params)
        first = cursor.fetchmany(CHUNK)
        # The root's row sorts first; without it there is no such contribution.
        if not first or first[0][:2] != (0, 0):
            raise Contribution.DoesNotExist(f"Contribution {root} does not exist.")
        if spool:
            return _spooled(first, lambda: cursor.fetchmany(CHUNK))
    except BaseException:
        cursor.close()
        raise
    finally:
        if spool:
            cursor.close()
    return LineageExport(first, lambda: cursor.fetchmany(CHUNK), cursor.close)
