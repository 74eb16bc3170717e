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

from bench.common import machine_description, update_section  # noqa: E402

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
    """Load AUTHORS users, `size` contributions and their links with COPY; VACUUM ANALYZE."""
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

    with psycopg.connect(url, autocommit=True) as conn:
        users = constant_columns(
            conn,
            table="accounts_user",
            given={
                "id": "", "password": "!", "is_superuser": "f", "username": "", "first_name": "",
                "last_name": "", "email": "", "is_staff": "f", "is_active": "t",
                "date_joined": timestamp(0), "display_name": "", "bio": "", "payout_email": "",
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

        counted = [0]

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
                    yield f"{link_id}\t{source}\t{remix}\t{created}\n"
            counted[0] = link_id

        expected_links = round(main * (REMIX_SHARE * 2 + POPULAR_SHARE))
        copy_lines(
            conn,
            table="contributions_remixlink",
            columns=["id", "source_id", "remix_id", "created_at"],
            lines=link_lines(),
            total=expected_links,
        )
        for table in ("accounts_user", "contributions_contribution", "contributions_remixlink"):
            conn.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence({}, 'id'), (SELECT max(id) FROM {}))"
                ).format(sql.Literal(table), sql.Identifier(table))
            )
        print("VACUUM ANALYZE ...", flush=True)
        # VACUUM sets the visibility map, so the link indexes serve index-only scans.
        for table in ("accounts_user", "contributions_contribution", "contributions_remixlink"):
            conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))

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


def walk_rows(*, contribution_id: int, direction: str) -> tuple[int, int]:
    """(rows the recursive walk produced, nodes returned), read from EXPLAIN ANALYZE."""
    from django.db import connection

    from contributions.lineage import _lineage_sql

    statement = _lineage_sql(directions=[direction], seed_count=1, limited=False)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, [contribution_id])
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        import json

        plan = json.loads(plan)
    found: dict[str, int] = {}

    def visit(node: dict) -> None:
        if node["Node Type"] == "Recursive Union":
            found["walk"] = found.get("walk", 0) + node["Actual Rows"] * node["Actual Loops"]
        if node["Node Type"] == "HashAggregate" or node["Node Type"] == "GroupAggregate":
            found.setdefault("grouped", node["Actual Rows"])
        for child in node.get("Plans", []):
            visit(child)

    visit(plan[0]["Plan"])
    from contributions.lineage import lineage_get

    nodes = len(lineage_get(contribution_id=contribution_id, direction=direction).nodes)
    return found["walk"], nodes


def verdict(ok: bool) -> str:
    return "**pass**" if ok else "**FAIL**"


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
    print(
        f"built {graph.size:,} contributions and {graph.links:,} links in {graph.build_s:.0f} s",
        flush=True,
    )

    # 1. Ancestors of the chain's end: one recursive query against one query per level.
    end = graph.chain[-1]
    up = lineage_get(contribution_id=end, direction="up")
    depth, edges, _ = per_level_traversal(contribution_id=end, up=True)
    assert {n.id: n.depth for n in up.nodes} == depth, "the baseline disagrees with lineage_get"
    assert sorted((e.source, e.remix) for e in up.edges) == sorted(edges)
    with CaptureQueriesContext(connection) as baseline_queries:
        per_level_traversal(contribution_id=end, up=True)
    chain_cte = measure(
        lambda: lineage_get(contribution_id=end, direction="up"), repeat=args.repeat
    )
    chain_loop = measure(
        lambda: per_level_traversal(contribution_id=end, up=True), repeat=max(20, args.repeat // 5)
    )
    chain_speedup = chain_loop.p50 / chain_cte.p50
    max_up_depth = max(n.depth for n in up.nodes)
    print(
        f"chain: {len(up.nodes)} nodes, cte p50 {chain_cte.p50 * 1e3:.2f} ms, loop p50 {chain_loop.p50 * 1e3:.2f} ms"
    )

    # 2. Descendants of the popular source.
    down = lineage_get(contribution_id=graph.popular, direction="down")
    down_depth, down_edges, _ = per_level_traversal(contribution_id=graph.popular, up=False)
    assert {n.id: n.depth for n in down.nodes} == down_depth
    assert len(down.edges) == len(down_edges)
    popular = measure(
        lambda: lineage_get(contribution_id=graph.popular, direction="down"), repeat=20
    )
    popular_loop = measure(
        lambda: per_level_traversal(contribution_id=graph.popular, up=False), repeat=5, warmup=1
    )
    us_per_node = popular.p50 / len(down.nodes) * 1e6
    popular_walk, _ = walk_rows(contribution_id=graph.popular, direction="down")
    print(
        f"popular: {len(down.nodes)} nodes, p50 {popular.p50 * 1e3:.1f} ms = {us_per_node:.2f} µs/node"
    )

    # 3. Diamonds: rows walked against nodes returned.
    diamonds = []
    for label, bottom, paths in (
        ("stack of diamonds", graph.lattice_bottom, graph.lattice_paths),
        ("diamonds + shortcut links", graph.shortcut_bottom, graph.shortcut_paths),
    ):
        walked, returned = walk_rows(contribution_id=bottom, direction="up")
        timing = measure(
            lambda b=bottom: lineage_get(contribution_id=b, direction="up"), repeat=args.repeat
        )
        diamonds.append((label, paths, returned, walked, timing))
        print(
            f"{label}: {returned} nodes, {walked} rows walked, {paths:.3g} paths, p50 {timing.p50 * 1e3:.2f} ms"
        )

    ms = lambda t: f"{t.p50 * 1e3:.2f} / {t.p99 * 1e3:.2f} ms"  # noqa: E731
    command = (
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/hitrec_bench "
        f".venv/bin/python bench/bench_lineage.py --size {args.size}"
    )
    lattice_ok = all(
        walked <= returned * (LATTICE_LAYERS + 2) for _, _, returned, walked, _ in diamonds
    )
    pure_once = diamonds[0][3] == diamonds[0][2]
    body = (
        f"""
`lineage_get` / `closure_get` (contributions/lineage.py): one `WITH RECURSIVE` statement,
`UNION` over (id, depth), shortest depth by `MIN`. Baseline: the same lineage read with one
ORM query per level, then one for the nodes (the loop a naive selector would write).

- Machine: {machine_description()}
- Data: {graph.size:,} contributions by {AUTHORS} authors, {graph.links:,} remix links:
  {REMIX_SHARE:.0%} of works remix 1-3 earlier works (uniformly), {POPULAR_SHARE:.0%} of all works
  remix one popular source (#{graph.popular}), a {CHAIN_LINKS}-deep chain runs through the
  whole id range (its members keep their random sources), and two diamond lattices
  ({LATTICE_LAYERS} layers of {LATTICE_WIDTH}, fan-in {LATTICE_FAN_IN}) sit at the end.
  Loaded with COPY, then VACUUM ANALYZE: {graph.build_s:.0f} s.
- Reproduce: `{command}`
- Timings are wall-clock around the Python call (query, fetch, building the dataclasses),
  p50 / p99 over the number of runs shown, after 3 warm-up runs.

| figure | measured (p50 / p99) | target | result |
|---|---|---|---|
| ancestors of the chain's end: {len(up.nodes)} nodes, {len(up.edges)} edges, depth up to {max_up_depth} ({chain_cte.runs} runs) | {ms(chain_cte)} | p50 ≤ {TARGET_CHAIN_P50_MS:g} ms | {verdict(chain_cte.p50 * 1e3 <= TARGET_CHAIN_P50_MS)} |
| same, per-level ORM traversal ({len(baseline_queries)} queries, {chain_loop.runs} runs) | {ms(chain_loop)} | baseline | |
| speed-up over the per-level traversal (p50) | {chain_speedup:.1f}× | ≥ {TARGET_SPEEDUP:g}× | {verdict(chain_speedup >= TARGET_SPEEDUP)} |
| descendants of the popular source: {len(down.nodes):,} nodes, {len(down.edges):,} edges ({popular.runs} runs) | {ms(popular)} | | |
| … per returned node (p50) | {us_per_node:.2f} µs | ≤ {TARGET_US_PER_NODE:g} µs | {verdict(us_per_node <= TARGET_US_PER_NODE)} |
| … per-level ORM traversal ({popular_loop.runs} runs) | {ms(popular_loop)} | baseline | {popular_loop.p50 / popular.p50:.1f}× slower |
| … rows the recursive walk produced / nodes returned | {popular_walk:,} / {len(down.nodes):,} = {popular_walk / len(down.nodes):.2f} | | |

Diamonds (ancestors of the lattice's bottom node). "Paths" is what `UNION ALL` would walk;
"rows walked" is the recursive union's output in `EXPLAIN ANALYZE`: every row is expanded
once, so rows walked = node expansions.

| lattice | paths top→bottom | nodes returned | rows walked | rows / node | p50 / p99 |
|---|---|---|---|---|---|
"""
        + "\n".join(
            f"| {label} | {paths:.3g} | {returned} | {walked} | {walked / returned:.2f} | {ms(timing)} |"
            for label, paths, returned, walked, timing in diamonds
        )
        + f"""

No blow-up on diamonds: {verdict(lattice_ok)} (rows walked ≤ nodes × depth, never paths); a
pure stack of diamonds expands each node exactly once: {verdict(pure_once)}. Shortcut links
make a node reachable at several distances, and `UNION` over (id, depth) expands it once per
distinct distance (see the module docstring of contributions/lineage.py for why).
"""
    )
    print(body)
    if not args.no_write:
        path = update_section("Lineage queries", body)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
