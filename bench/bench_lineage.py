"""Benchmark: lineage reads (one recursive query) on a large remix graph, against a per-level loop.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hitrec_bench \\
        .venv/bin/python bench/bench_lineage.py [--size 1000000]

Drops and recreates the database named in DATABASE_URL (it must start with `hitrec_bench`),
migrates it, loads a synthetic lineage with COPY, and times in the same run:

* ancestors of the end of a 50-deep chain: `lineage_get(direction="up")` against a per-level
  ORM traversal (one query per level, then one for the nodes), the obvious alternative;
* descendants of a popular source that 1% of everything remixes (µs per returned node);
* diamond lattices: rows the recursive walk produced against nodes returned (each node
  expanded once, where UNION ALL would follow billions of paths).

Writes the "Lineage queries" section of docs/benchmarks.md.
"""

import argparse
import gc
import json
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hitrec.settings")

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402
from tqdm import tqdm  # noqa: E402

from bench.common import bulk_load, machine_description, update_section  # noqa: E402

REMIX_SHARE = 0.4  # of contributions remix 1-3 earlier works
POPULAR_SHARE = 0.01  # of contributions remix the popular source
POPULAR_ID = 100
CHAIN_LINKS = 50
AUTHORS = 300
LATTICE_LAYERS = 20
LATTICE_WIDTH = 8
LATTICE_FAN_IN = 3
KINDS = ("image", "audio", "video", "text")
BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)
CHUNK = 50_000

TARGET_CHAIN_P50_MS = 5.0
TARGET_SPEEDUP = 10.0
TARGET_US_PER_NODE = 5.0


@dataclass
class Graph:
    size: int
    links: int
    chain: list[int]
    popular: int
    lattice_bottom: int  # a stack of diamonds
    shortcut_bottom: int  # the same, with links that skip a layer
    lattice_paths: int
    shortcut_paths: int
    build_s: float


# --- database -------------------------------------------------------------------------------


def recreate_database(url: str) -> None:
    """Drop and create the benchmark database through the server's `postgres` database."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("hitrec_bench"):
        sys.exit(f"Refusing to drop {name!r}: the benchmark database must start with hitrec_bench.")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def timestamp(i: int) -> str:
    """Creation time of contribution i: ids and times grow together, one every 30 s."""
    return (BASE_TIME + timedelta(seconds=30 * i)).isoformat()


def copy_lines(
    conn: psycopg.Connection, *, table: str, columns: list[str], lines: Iterator[str], total: int
) -> None:
    """COPY pre-formatted text lines into `table`, in chunks, with a progress bar."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with (
        conn.cursor() as cursor,
        cursor.copy(statement) as copy,
        tqdm(total=total, desc=f"COPY {table}", unit="row", unit_scale=True, leave=False) as bar,
    ):
        batch: list[str] = []
        for line in lines:
            batch.append(line)
            if len(batch) == CHUNK:
                copy.write("".join(batch))
                bar.update(len(batch))
                batch.clear()
        copy.write("".join(batch))
        bar.update(len(batch))


def constant_columns(
    conn: psycopg.Connection, *, table: str, given: dict[str, str]
) -> dict[str, str]:
    """COPY text values for the columns we do not vary, checked against the real table."""
    rows = conn.execute(
        "SELECT column_name, is_nullable FROM information_schema.columns WHERE table_name = %s",
        [table],
    ).fetchall()
    missing = [name for name, nullable in rows if name not in given and nullable == "NO"]
    if missing:
        sys.exit(f"{table} has new NOT NULL columns the benchmark does not fill: {missing}")
    return {name: given.get(name, r"\N") for name, _ in rows}


def remix_sources(
    rng: random.Random, *, size: int, chain: list[int]
) -> Iterator[tuple[int, set[int]]]:
    """(remix, its sources) for the main graph, in id order: every source is older."""
    chain_prev = dict(zip(chain[1:], chain[:-1], strict=True))
    for remix in range(2, size + 1):
        sources: set[int] = set()
        if rng.random() < REMIX_SHARE:
            count = min(rng.randint(1, 3), remix - 1)
            sources.update(rng.sample(range(1, remix), count))
        if remix > POPULAR_ID and rng.random() < POPULAR_SHARE:
            sources.add(POPULAR_ID)
        if remix in chain_prev:
            sources.add(chain_prev[remix])
        if sources:
            yield remix, sources


def lattice(
    rng: random.Random, *, first_id: int, shortcuts: bool
) -> tuple[list[tuple[int, int]], int, int]:
    """A stack of diamond layers under one top node: (links, bottom id, number of paths).

    Every node of a layer remixes LATTICE_FAN_IN nodes of the layer above; with `shortcuts`
    also one node two layers above, so nodes are reached at several distances.
    """
    layers = [[first_id]]
    next_id = first_id + 1
    for _ in range(LATTICE_LAYERS):
        layers.append(list(range(next_id, next_id + LATTICE_WIDTH)))
        next_id += LATTICE_WIDTH
    layers.append([next_id])
    links: list[tuple[int, int]] = []
    for depth in range(1, len(layers)):
        above = layers[depth - 1]
        for node in layers[depth]:
            sources = set(rng.sample(above, min(LATTICE_FAN_IN, len(above))))
            if depth == len(layers) - 1:
                sources = set(above)
            if shortcuts and depth >= 2:
                sources.add(rng.choice(layers[depth - 2]))
            links += [(source, node) for source in sorted(sources)]
    # Paths from the top to the bottom (what UNION ALL would enumerate).
    paths = {first_id: 1}
    for source, remix in sorted(links, key=lambda link: link[1]):
        paths[remix] = paths.get(remix, 0) + paths[source]
    return links, next_id, paths[next_id]


def build(url: str, *, size: int, seed: int) -> Graph:
    """Load AUTHORS users, `size` contributions and their links with COPY, the closure
    triggers off (bench/common.py::bulk_load; the closure and counts are left empty), then
    VACUUM ANALYZE."""
    started = time.perf_counter()
    rng = random.Random(seed)
    lattice_nodes = 2 * (LATTICE_LAYERS * LATTICE_WIDTH + 2)
    main = size - lattice_nodes
    if main < 10 * POPULAR_ID:
        sys.exit(f"--size must be at least {10 * POPULAR_ID + lattice_nodes}")
    chain = [round(main * (0.05 + 0.9 * i / CHAIN_LINKS)) for i in range(CHAIN_LINKS + 1)]
    pure_links, lattice_bottom, lattice_paths = lattice(rng, first_id=main + 1, shortcuts=False)
    short_links, shortcut_bottom, shortcut_paths = lattice(
        rng, first_id=lattice_bottom + 1, shortcuts=True
    )
    assert shortcut_bottom == size

    counted = [0]

    def load(conn: psycopg.Connection) -> None:
        users = constant_columns(
            conn,
            table="accounts_user",
            given={
                "id": "", "password": "!", "is_superuser": "f", "username": "", "first_name": "",
                "last_name": "", "email": "", "is_staff": "f", "is_active": "t",
                "date_joined": timestamp(0), "display_name": "", "bio": "", "payout_email": "",
                "language": "",
            },
        )  # fmt: skip
        user_columns = list(users)

        def user_lines() -> Iterator[str]:
            for i in range(1, AUTHORS + 1):
                row = users | {
                    "id": str(i),
                    "username": f"artist{i}",
                    "email": f"artist{i}@example.org",
                }
                yield "\t".join(row[c] for c in user_columns) + "\n"

        copy_lines(
            conn, table="accounts_user", columns=user_columns, lines=user_lines(), total=AUTHORS
        )

        varying = ["id", "author_id", "kind", "title", "created_at", "updated_at", "removed_at"]
        works = constant_columns(
            conn,
            table="contributions_contribution",
            given=dict.fromkeys(varying, "")
            | {
                "description": "", "license": "hitrec", "file": "", "original_name": "", "text": "",
                "bytes": "0", "sha256": "", "mime": "", "codec": "", "metadata": "{}",
                "status": "ready", "error": "", "progress_stage": "", "progress_percent": "0",
                "processing_since": timestamp(0), "processing_interrupted": "0",
            },
        )  # fmt: skip
        constant = "\t".join(value for name, value in works.items() if name not in varying)
        work_columns = varying + [name for name in works if name not in varying]

        def work_lines() -> Iterator[str]:
            for i in range(1, size + 1):
                created = timestamp(i)
                # One work in 200 was deleted by its author and stays as a tombstone.
                removed = timestamp(i + 2880) if i % 200 == 7 else r"\N"
                author = rng.randint(1, AUTHORS)
                yield f"{i}\t{author}\t{KINDS[i % 4]}\tWork {i}\t{created}\t{created}\t{removed}\t{constant}\n"

        copy_lines(
            conn,
            table="contributions_contribution",
            columns=work_columns,
            lines=work_lines(),
            total=size,
        )

        def link_lines() -> Iterator[str]:
            link_id = 0
            groups = remix_sources(rng, size=main, chain=chain)
            extra = {}
            for source, remix in pure_links + short_links:
                extra.setdefault(remix, set()).add(source)
            for remix, sources in [*groups, *sorted(extra.items())]:
                created = timestamp(remix)
                for source in sorted(sources):
                    link_id += 1
                    yield f"{link_id}\t{source}\t{remix}\thitrec\t{created}\n"
            counted[0] = link_id

        expected_links = round(main * (REMIX_SHARE * 2 + POPULAR_SHARE))
        copy_lines(
            conn,
            table="contributions_remixlink",
            columns=["id", "source_id", "remix_id", "source_license", "created_at"],
            lines=link_lines(),
            total=expected_links,
        )
        for table in ("accounts_user", "contributions_contribution", "contributions_remixlink"):
            conn.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence({}, 'id'), (SELECT max(id) FROM {}))"
                ).format(sql.Literal(table), sql.Identifier(table))
            )

    # The closure triggers are off during the COPY (through them each link would update the
    # closure, row by row: hours at this size) and on again after it. This benchmark never
    # reads the closure or the counts, so they are left empty (consistent, as far as it goes:
    # no relatives) rather than rebuilt; bench_lineage_pages.py rebuilds them. VACUUM then
    # sets the visibility map, so the link indexes serve index-only scans.
    bulk_load(
        url,
        load,
        rebuild=False,
        vacuum=("accounts_user", "contributions_contribution", "contributions_remixlink"),
    )

    return Graph(
        size=size,
        links=counted[0],
        chain=chain,
        popular=POPULAR_ID,
        lattice_bottom=lattice_bottom,
        shortcut_bottom=shortcut_bottom,
        lattice_paths=lattice_paths,
        shortcut_paths=shortcut_paths,
        build_s=time.perf_counter() - started,
    )


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Timing:
    p50: float  # seconds
    p99: float
    runs: int


def measure(fn: Callable[[], object], *, repeat: int, warmup: int = 3) -> Timing:
    # Start each series from a collected heap, so one series' garbage is not another's cost.
    gc.collect()
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    samples.sort()
    return Timing(
        p50=statistics.median(samples),
        p99=samples[max(0, math.ceil(0.99 * len(samples)) - 1)],
        runs=repeat,
    )


def measure_interleaved(
    a: Callable[[], object], b: Callable[[], object], *, repeat: int, repeat_b: int
) -> tuple[Timing, Timing]:
    """Time `a` `repeat` times and `b` `repeat_b` times, in alternating rounds (a few of
    `a`, then one of `b`), so both series see the same stretches of the machine's speed."""
    gc.collect()
    for _ in range(3):
        a()
        b()
    per_round = max(1, repeat // repeat_b)
    samples_a: list[float] = []
    samples_b: list[float] = []
    while len(samples_a) < repeat or len(samples_b) < repeat_b:
        for _ in range(per_round if len(samples_a) < repeat else 0):
            started = time.perf_counter()
            a()
            samples_a.append(time.perf_counter() - started)
        if len(samples_b) < repeat_b:
            started = time.perf_counter()
            b()
            samples_b.append(time.perf_counter() - started)
    return _timing(samples_a), _timing(samples_b)


def _timing(samples: list[float]) -> Timing:
    samples = sorted(samples)
    return Timing(
        p50=statistics.median(samples),
        p99=samples[max(0, math.ceil(0.99 * len(samples)) - 1)],
        runs=len(samples),
    )


def per_level_traversal(
    *, contribution_id: int, up: bool
) -> tuple[dict[int, int], list[tuple[int, int]], list]:
    """The baseline: one ORM query per level for the links, then one for the nodes."""
    from contributions.models import Contribution, RemixLink

    near = "remix_id" if up else "source_id"
    depth = {contribution_id: 0}
    frontier = [contribution_id]
    edges: list[tuple[int, int]] = []
    level = 0
    while frontier:
        level += 1
        links = list(
            RemixLink.objects.filter(**{f"{near}__in": frontier}).values_list(
                "source_id", "remix_id"
            )
        )
        edges += links
        frontier = []
        for source, remix in links:
            node = source if up else remix
            if node not in depth:
                depth[node] = level
                frontier.append(node)
    nodes = list(
        Contribution.objects.filter(id__in=list(depth))
        .select_related("author")
        .only("id", "title", "kind", "removed_at", "author__username")
    )
    return depth, edges, nodes


# The walk alone, two ways. PORTABLE is what contributions/lineage.py runs: UNION over
# (id, depth), shortest depth by MIN. EXACT is a PostgreSQL-only alternative measured for the
# record: the depth rides in the display scale of a numeric id (5.00 = 5.0 for UNION), so a
# node reached again at a longer distance is a duplicate and each node is expanded once.
PORTABLE_WALK = """WITH RECURSIVE walk(id, depth) AS (
    SELECT c.id, 0 FROM contributions_contribution c WHERE c.id = %s
    UNION
    SELECT l.{step_to}, w.depth + 1
    FROM walk w JOIN contributions_remixlink l ON l.{step_from} = w.id
)
SELECT id, MIN(depth) FROM walk GROUP BY id"""
EXACT_WALK = """WITH RECURSIVE walk(k) AS (
    SELECT round(c.id::numeric, 0) FROM contributions_contribution c WHERE c.id = %s
    UNION
    SELECT round(l.{step_to}::numeric, scale(w.k) + 1)
    FROM walk w JOIN contributions_remixlink l ON l.{step_from} = w.k::bigint
)
SELECT k::bigint, scale(k) FROM walk"""


@dataclass
class Walk:
    rows: int  # rows the recursive union produced = node expansions
    nodes: int
    timing: Timing


def walk(template: str, *, contribution_id: int, up: bool, repeat: int) -> Walk:
    """Run a walk-only query: rows produced (EXPLAIN ANALYZE), nodes, and its timing."""
    from django.db import connection

    steps = ("remix_id", "source_id") if up else ("source_id", "remix_id")
    statement = template.format(step_from=steps[0], step_to=steps[1])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, [contribution_id])
        plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan

        def run() -> list:
            cursor.execute(statement, [contribution_id])
            return cursor.fetchall()

        nodes = len(run())
        timing = measure(run, repeat=repeat)
    return Walk(rows=recursive_rows(plan[0]["Plan"]), nodes=nodes, timing=timing)


def recursive_rows(node: dict) -> int:
    """Rows output by the plan's Recursive Union nodes (each row is expanded once)."""
    rows = (
        node["Actual Rows"] * node["Actual Loops"] if node["Node Type"] == "Recursive Union" else 0
    )
    return rows + sum(recursive_rows(child) for child in node.get("Plans", []))


def plan_breakdown(*, contribution_id: int, direction: str) -> dict[str, str]:
    """Where the statement's time goes, from one EXPLAIN (ANALYZE, BUFFERS) run."""
    from django.db import connection

    from contributions.lineage import _lineage_sql

    statement = _lineage_sql(
        directions=[direction], seed_count=1, limited=False, vendor=connection.vendor
    )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, [contribution_id])
        plan = cursor.fetchone()[0]
    plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]
    found: dict[str, dict] = {}

    def visit(node: dict) -> None:
        for key in (node.get("Subplan Name"), node.get("Alias")):
            if key:
                found.setdefault(key, node)
        for child in node.get("Plans", []):
            visit(child)

    visit(plan["Plan"])
    # CTEs run lazily, inside whatever reads them first, so each figure is a difference.
    walk = found[f"CTE {direction}_walk"]["Actual Total Time"]
    nodes_cte = found[f"CTE {direction}_nodes"]["Actual Total Time"]
    read = plan["Plan"].get("Shared Read Blocks", 0)
    hit = plan["Plan"].get("Shared Hit Blocks", 0)
    return {
        "the walk": f"{walk:.0f} ms",
        "shortest depth per node, in id order": f"{nodes_cte - walk:.0f} ms",
        "node rows (contribution and author lookups)": (
            f"{found['*SELECT* 1']['Actual Total Time'] - nodes_cte:.0f} ms"
        ),
        "edge rows": f"{found['*SELECT* 2']['Actual Total Time']:.0f} ms",
        "execution / planning": (
            f"{plan['Execution Time']:.0f} ms / {plan['Planning Time']:.1f} ms;"
            f" {read:,} of {read + hit:,} pages read from outside shared_buffers"
        ),
    }


def sql_and_fetch(*, contribution_id: int, direction: str, repeat: int) -> Timing:
    """lineage_get's statement and fetchall alone, without building the Python objects."""
    from django.db import connection

    from contributions.lineage import _lineage_sql

    statement = _lineage_sql(
        directions=[direction], seed_count=1, limited=False, vendor=connection.vendor
    )
    with connection.cursor() as cursor:

        def run() -> list:
            cursor.execute(statement, [contribution_id])
            return cursor.fetchall()

        return measure(run, repeat=repeat)


@dataclass
class Floors:
    """What parts of any recursive-walk design cost on this machine, each alone (seconds)."""

    walk: Timing  # the recursive walk and its shortest depths, counted in the server
    facts: Timing  # each node's facts by primary key, fetched, ids given (no walk)
    objects: Timing  # building the node and edge objects from rows already in memory


def floors(*, contribution_id: int, node_ids: list[int], n_edges: int, repeat: int) -> Floors:
    """Lower bounds for the descendants figure: each is one part of the work, done alone."""
    from django.db import connection

    from contributions.lineage import LineageEdge, LineageNode
    from hitrec.gcpause import cyclic_gc_paused

    walk_count = PORTABLE_WALK.format(step_from="source_id", step_to="remix_id").replace(
        "SELECT id, MIN(depth) FROM walk GROUP BY id",
        "SELECT count(*) FROM (SELECT id, MIN(depth) FROM walk GROUP BY id) AS nodes",
    )
    facts = """SELECT c.id, c.title, c.kind, c.author_id, u.username, c.removed_at IS NOT NULL
FROM unnest(%s::bigint[]) AS x(id)
JOIN contributions_contribution c ON c.id = x.id
JOIN accounts_user u ON u.id = c.author_id"""
    ids = "{" + ",".join(map(str, sorted(node_ids))) + "}"
    with connection.cursor() as cursor:

        def count() -> list:
            cursor.execute(walk_count, [contribution_id])
            return cursor.fetchall()

        def lookup() -> list:
            cursor.execute(facts, [ids])
            return cursor.fetchall()

        assert count()[0][0] == len(node_ids)
        rows = lookup()
        walk_t = measure(count, repeat=repeat)
        facts_t = measure(lookup, repeat=repeat)
    edge_rows = [(i, i + 1) for i in range(n_edges)]

    def build() -> tuple:
        with cyclic_gc_paused():
            nodes = tuple(
                LineageNode(cid, title, kind, author, name, 1, "down", removed)
                for cid, title, kind, author, name, removed in rows
            )
            return nodes, tuple(LineageEdge(source, remix) for source, remix in edge_rows)

    return Floors(walk=walk_t, facts=facts_t, objects=measure(build, repeat=repeat))


def verdict(ok: bool) -> str:
    return "**pass**" if ok else "**FAIL**"


def ms(timing: Timing) -> str:
    return f"{timing.p50 * 1e3:.2f} / {timing.p99 * 1e3:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="contributions to create")
    parser.add_argument("--repeat", type=int, default=300, help="runs of each small query")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--no-write", action="store_true", help="print, do not update docs/")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/hitrec_bench")
    recreate_database(url)

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from contributions.lineage import lineage_get

    graph = build(url, size=args.size, seed=args.seed)
    print(f"built {graph.size:,} contributions, {graph.links:,} links in {graph.build_s:.0f} s")
    load_at_start = os.getloadavg()[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('shared_buffers'),"
            " pg_size_pretty(pg_relation_size('contributions_contribution'))"
        )
        shared_buffers, contribution_table = cursor.fetchone()

    # 1. Ancestors of the chain's end: one recursive query against one query per level.
    end = graph.chain[-1]
    up = lineage_get(contribution_id=end, direction="up")
    depth, edges, _ = per_level_traversal(contribution_id=end, up=True)
    assert {n.id: n.depth for n in up.nodes} == depth, "the baseline disagrees with lineage_get"
    assert sorted((e.source, e.remix) for e in up.edges) == sorted(edges)
    with CaptureQueriesContext(connection) as baseline_queries:
        per_level_traversal(contribution_id=end, up=True)
    # Interleaved, a few runs of each in turn: this machine's speed drifts within minutes,
    # and a ratio of two series timed one after the other measures the drift as well.
    chain, chain_loop = measure_interleaved(
        lambda: lineage_get(contribution_id=end, direction="up"),
        lambda: per_level_traversal(contribution_id=end, up=True),
        repeat=args.repeat,
        repeat_b=max(20, args.repeat // 5),
    )
    speedup = chain_loop.p50 / chain.p50
    print(f"chain: {len(up.nodes)} nodes, {ms(chain)}; per level {ms(chain_loop)}")

    # 2. Descendants of the popular source.
    down = lineage_get(contribution_id=graph.popular, direction="down")
    down_depth, down_edges, _ = per_level_traversal(contribution_id=graph.popular, up=False)
    assert {n.id: n.depth for n in down.nodes} == down_depth
    assert len(down.edges) == len(down_edges)
    n_down, n_down_edges = len(down.nodes), len(down.edges)
    down_ids = [node.id for node in down.nodes]
    # Only the counts are needed from here on: a web process does not hold 300,000 extra
    # objects either, and every full garbage collection would walk them.
    del down, down_depth, down_edges
    popular = measure(
        lambda: lineage_get(contribution_id=graph.popular, direction="down"), repeat=20
    )
    popular_sql = sql_and_fetch(contribution_id=graph.popular, direction="down", repeat=20)
    breakdown = plan_breakdown(contribution_id=graph.popular, direction="down")
    popular_loop = measure(
        lambda: per_level_traversal(contribution_id=graph.popular, up=False), repeat=5, warmup=1
    )
    floor = floors(
        contribution_id=graph.popular, node_ids=down_ids, n_edges=n_down_edges, repeat=20
    )
    floor_us = {
        part: getattr(floor, part).p50 / n_down * 1e6 for part in ("walk", "facts", "objects")
    }
    floor_total_us = sum(floor_us.values())
    us_per_node = popular.p50 / n_down * 1e6
    print(f"popular: {n_down} nodes, {ms(popular)} = {us_per_node:.2f} µs/node")

    # 3. Diamonds, and the walk alone: portable (what lineage_get runs) and PostgreSQL-only exact.
    probes = [
        ("descendants of the popular source", graph.popular, False, None, 20),
        ("stack of diamonds", graph.lattice_bottom, True, graph.lattice_paths, args.repeat),
        (
            "diamonds + shortcut links",
            graph.shortcut_bottom,
            True,
            graph.shortcut_paths,
            args.repeat,
        ),
    ]
    walks = []
    for label, root, is_up, paths, repeat in probes:
        portable = walk(PORTABLE_WALK, contribution_id=root, up=is_up, repeat=repeat)
        exact = walk(EXACT_WALK, contribution_id=root, up=is_up, repeat=repeat)
        assert portable.nodes == exact.nodes
        full = measure(
            lambda r=root, u=is_up: lineage_get(contribution_id=r, direction="up" if u else "down"),
            repeat=repeat,
        )
        walks.append((label, paths, portable, exact, full))
        print(f"{label}: {portable.nodes} nodes, {portable.rows} / {exact.rows} rows walked")

    command = (
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/hitrec_bench "
        f".venv/bin/python bench/bench_lineage.py --size {args.size}"
    )
    max_depth = LATTICE_LAYERS + 1
    no_blowup = all(w.rows <= w.nodes * max_depth for _, paths, w, _, _ in walks if paths)
    pure_once = walks[1][2].rows == walks[1][2].nodes
    breakdown_lines = "\n".join(f"- {part}: {value}" for part, value in breakdown.items())
    rows = "\n".join(
        f"| {label} | {f'{paths:.3g}' if paths else '—'} | {portable.nodes:,} | {portable.rows:,}"
        f" ({portable.rows / portable.nodes:.2f}/node) | {ms(portable.timing)} | {exact.rows:,}"
        f" | {ms(exact.timing)} | {ms(full)} |"
        for label, paths, portable, exact, full in walks
    )
    sql_us = popular_sql.p50 / n_down * 1e6
    body = f"""
`lineage_get` / `closure_get` (contributions/lineage.py): one `WITH RECURSIVE` statement,
`UNION` over (id, depth), shortest depth by `MIN`, nodes and edges in the same result.
Baseline: the same lineage read with one ORM query per level, then one for the nodes (the
loop a naive selector would write).

- Machine: {machine_description()}.
  Load average {load_at_start:.2f} when the timings began (the machine is shared: other test
  suites ran at the same time).
- Data: {graph.size:,} contributions by {AUTHORS} authors, {graph.links:,} remix links.
  {REMIX_SHARE:.0%} of works remix 1-3 earlier works (uniformly), {POPULAR_SHARE:.0%} of all
  works remix one popular source (#{graph.popular}), a {CHAIN_LINKS}-link chain runs through
  the whole id range (its members keep their random sources), and two diamond lattices
  ({LATTICE_LAYERS} layers of {LATTICE_WIDTH}, fan-in {LATTICE_FAN_IN}, one with links that
  skip a layer) sit at the end. Loaded with COPY, then VACUUM ANALYZE: {graph.build_s:.0f} s
  (the closure triggers off during the COPY, and the closure and counts left empty: this
  benchmark reads neither; `bench/common.py::bulk_load`).
  PostgreSQL runs with the machine's settings: shared_buffers {shared_buffers}, against a
  contribution table of {contribution_table} (where that does not fit, node lookups read
  pages from the OS cache).
- Reproduce: `{command}`
- Timings are wall-clock around the Python call (query, fetch, building the dataclasses),
  p50 / p99 over the runs shown, after 3 warm-up runs; the chain and its per-level baseline
  are timed in alternating rounds, so that their ratio does not measure the machine's drift.

| figure | measured (p50 / p99) | target | result |
|---|---|---|---|
| ancestors of the chain's end: {len(up.nodes)} nodes, {len(up.edges)} edges, depth ≤ {max(n.depth for n in up.nodes)} ({chain.runs} runs) | {ms(chain)} | p50 ≤ {TARGET_CHAIN_P50_MS:g} ms | {verdict(chain.p50 * 1e3 <= TARGET_CHAIN_P50_MS)} |
| same, per-level ORM traversal ({len(baseline_queries)} queries, {chain_loop.runs} runs) | {ms(chain_loop)} | baseline | |
| speed-up over the per-level traversal (p50) | {speedup:.1f}× | ≥ {TARGET_SPEEDUP:g}× | {verdict(speedup >= TARGET_SPEEDUP)} |
| descendants of the popular source: {n_down:,} nodes, {n_down_edges:,} edges ({popular.runs} runs) | {ms(popular)} | | |
| … per returned node (p50) | {us_per_node:.2f} µs | ≤ {TARGET_US_PER_NODE:g} µs | {verdict(us_per_node <= TARGET_US_PER_NODE)} |
| … of which the statement and fetchall alone (no Python objects) | {ms(popular_sql)} = {sql_us:.2f} µs/node | | |
| … per-level ORM traversal ({popular_loop.runs} runs) | {ms(popular_loop)} | baseline | {popular_loop.p50 / popular.p50:.1f}× slower |
| floor, part 1: the walk alone (recursive step and shortest depths, counted in the server: no node facts, no edges, nothing fetched) | {ms(floor.walk)} = {floor_us["walk"]:.2f} µs/node | | |
| floor, part 2: the nodes' facts alone (primary-key lookups of the {n_down:,} ids, given, with their authors; fetched) | {ms(floor.facts)} = {floor_us["facts"]:.2f} µs/node | | |
| floor, part 3: building the {n_down:,} node and {n_down_edges:,} edge objects alone, from rows in memory | {ms(floor.objects)} = {floor_us["objects"]:.2f} µs/node | | |
| floor: the three parts added (each measured alone, so this is below any design that walks, looks up and returns the nodes) | {floor_total_us:.2f} µs/node | ≤ {TARGET_US_PER_NODE:g} µs | {"below the target" if floor_total_us <= TARGET_US_PER_NODE else "**above the target**"} |
| `lineage_get` per node / the floor | {us_per_node / floor_total_us:.2f}× | | |

The floor rows bound what the per-node target asks of this machine: whatever the query's
shape, the descendants must be walked (the issue asks for one recursive query), each
returned node's title, kind and author read, and a node object returned for each. Each part
was timed alone, on the same data, in the same run; their sum is a lower bound for
`lineage_get`, and where it is above the target, no change to the query meets the target
here (only storing the walk's answer, e.g. a maintained closure table, or more memory for
PostgreSQL's buffers would).

Where the descendants' time goes (one `EXPLAIN (ANALYZE, BUFFERS)` run, which adds overhead
of its own):

{breakdown_lines}
- Python (`lineage_get` p50 minus statement-and-fetchall p50):
  {(popular.p50 - popular_sql.p50) * 1e3:.0f} ms, sorting and building
  {n_down + n_down_edges:,} dataclasses and the garbage collections they trigger

The walk alone ("rows walked" is the recursive union's output in `EXPLAIN ANALYZE`; each row
is expanded once, so it counts node expansions; "paths" is what `UNION ALL` would follow).
*Portable* is what `lineage_get` runs; *exact* is a PostgreSQL-only variant kept for the
record, which expands every node exactly once (the module docstring says why it is not used).

| walk | paths | nodes | portable: rows walked | portable p50 / p99 | exact: rows walked | exact p50 / p99 | whole `lineage_get` p50 / p99 |
|---|---|---|---|---|---|---|---|
{rows}

No blow-up on diamonds: {verdict(no_blowup)} (rows walked ≤ nodes × depth, never paths); a
pure stack of diamonds expands each node exactly once: {verdict(pure_once)}. A link that skips
a layer makes a node reachable at several distances, and `UNION` over (id, depth) expands it
once per distinct distance.
"""
    print(body)
    if not args.no_write:
        print(f"wrote {update_section('Lineage queries', body)}")


if __name__ == "__main__":
    main()
