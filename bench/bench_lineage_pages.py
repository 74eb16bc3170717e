"""Benchmark: a popular work's lineage at any size, read off the maintained closure (issue 22 §1).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hitrec_bench_lineage_pages \\
    SECRET_KEY=hitrec-benchmarks-only-not-a-secret DEBUG=0 \\
        .venv/bin/python bench/bench_lineage_pages.py [--size 1000000] [--fresh]

Builds (or reuses, see below) a database of `--size` contributions in which one early work,
the hub, has over 200,000 descendants several levels deep, amid unrelated works and links;
loaded with COPY with the closure triggers off, then `ancestry_rebuild()`
(bench/common.py::bulk_load). Then, in the same run, through the functions and through the
HTTP API (Django's test Client, in this process, DEBUG off):

* the first page of the hub's descendants, and a page after 150,000 of them (keyset cursor);
* a work's detail with its lineage counts (the `select_related` join) against the same read
  without them: time and queries;
* creating a remix of a work deep under the hub (`contribution_create`, the triggers writing
  the closure and counts, committed) against the same create with no source;
* the NDJSON export of the hub's descendants against the recursive walk alone (µs per node);
* the hub's lineage picture (`lineage.svg`);
* the size of the closure and counts tables and indexes, and their growth per link.

The database is kept between runs: a marker row (generator version, size, seed, and the
migrations of `contributions`, whose tables and triggers it is made of) says what it holds, and
a run whose marker matches skips the load and only applies other apps' new migrations
(`--fresh` builds it anyway). What a run writes (the remixes it creates)
it deletes again before it ends, and at the start of the next run if it was interrupted.

Writes the "Lineage pages" section of docs/benchmarks.md.
"""

import argparse
import gc
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Hitrec's settings with a cache that keeps nothing: every detail read is built (the figure
# is the read's), and nothing this run writes reaches a shared cache.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_uncached")
os.environ.setdefault("DEBUG", "0")

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from bench.bench_lineage import (  # noqa: E402
    PORTABLE_WALK,
    Timing,
    _timing,
    constant_columns,
    copy_lines,
    timestamp,
)
from bench.common import (  # noqa: E402
    bulk_load,
    machine_description,
    server_env,
    settle,
    update_section,
)

# The environment of the benchmarks' web processes (plain HTTP on 127.0.0.1, no rate limits):
# the test Client's requests go through the same settings.
os.environ.update(server_env(DJANGO_SETTINGS_MODULE=os.environ["DJANGO_SETTINGS_MODULE"]))

TITLE = "Lineage pages"
GENERATOR_VERSION = 1
HUB_ID = 100
AUTHORS = 300
FAMILY_SHARE = 0.12  # of the works after the hub remix one of its family (the hub or a descendant)
HUB_DIRECT = 0.05  # of those, the hub itself; the others a uniformly random earlier member
FAMILY_SECOND = 0.02  # of those also remix a second family member (a diamond in the family)
FAMILY_OUTSIDE = 0.10  # of those also remix a random earlier work from anywhere
REMIX_SHARE = 0.4  # of the other works remix 1-3 earlier works, uniformly (family or not)
TOMBSTONE_EVERY = 200  # one work in 200 was deleted by its author and stays as a tombstone
KINDS = ("image", "audio", "video", "text")
DEEP_AFTER = 150_000  # the deep page starts after this many descendants
DEEP_SOURCES = 10  # the creates rotate over this many of the deepest works under the hub
GROWTH_LINKS = 100  # links added deep under the hub (rolled back) to measure the growth
DETAIL_WORKS = 200  # the detail reads rotate over this many works

TARGET_FIRST_P50_MS = 10.0
TARGET_FIRST_P99_MS = 30.0
TARGET_DEEP_P50_MS = 10.0
TARGET_COUNTS_EXTRA_QUERIES = 1
TARGET_COUNTS_EXTRA_MS = 2.0
TARGET_CREATE_P50_MS = 20.0
TARGET_SVG_MS = 300.0

LOADED_TABLES = (
    "accounts_user",
    "contributions_contribution",
    "contributions_remixlink",
    "contributions_ancestry",
    "contributions_lineagecounts",
)
# The app whose tables and triggers the kept database is made of: a migration of its that the
# database does not have means building it again. Every other app's (accounts' too: its 300
# users) is applied to the kept database by `migrate`.
MARKED_APP = "contributions"


# --- the database: built once, kept while its marker matches ----------------------------------


def marked_migrations(names: list[str] | None = None) -> list[str]:
    """The migrations of MARKED_APP among `names`, or as the code has them (names, not
    contents: an edit to a migration already applied is a `--fresh`)."""
    from django.db.migrations.loader import MigrationLoader

    if names is None:
        loader = MigrationLoader(None, ignore_no_migrations=True)
        names = [f"{app}.{name}" for app, name in loader.disk_migrations]
    return sorted(name for name in names if name.startswith(f"{MARKED_APP}."))


def sized(url: str, size: int) -> str:
    """The database for a size: the URL's at the issue's size, `<name>_<size>` at others, so
    that a run at another size (`run_all.py --quick`) does not replace the kept database."""
    if size == 1_000_000:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"{parts.path}_{size}"))


def wanted_marker(*, size: int, seed: int) -> dict:
    return {
        "generator": GENERATOR_VERSION,
        "size": size,
        "seed": seed,
        "migrations": marked_migrations(),
    }


def stored_marker(url: str) -> dict | None:
    """The marker of a database built by this script, or None (no database, no marker)."""
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT value FROM bench_marker WHERE name = 'lineage_pages'"
            ).fetchone()
    except psycopg.Error:
        return None
    return json.loads(row[0]) if row else None


def recreate_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("hitrec_bench"):
        sys.exit(f"Refusing to drop {name!r}: the benchmark database must start with hitrec_bench.")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@dataclass
class Generated:
    links: int


def sources_of(rng: random.Random, *, size: int) -> Iterator[tuple[int, list[int]]]:
    """(remix, its sources) in id order; every source is older. The hub's family grows as a
    random tree (a member picks its source uniformly among the earlier members, or the hub
    itself), with diamonds and links out of the family; the other works remix 1-3 earlier works
    uniformly, and join the family when one of those is in it."""
    family = [HUB_ID]
    in_family = bytearray(size + 1)
    in_family[HUB_ID] = 1
    for remix in range(2, size + 1):
        sources: set[int] = set()
        if remix > HUB_ID and rng.random() < FAMILY_SHARE:
            sources.add(
                HUB_ID if rng.random() < HUB_DIRECT else family[int(rng.random() * len(family))]
            )
            if rng.random() < FAMILY_SECOND:
                sources.add(family[int(rng.random() * len(family))])
            if rng.random() < FAMILY_OUTSIDE:
                sources.add(rng.randint(1, remix - 1))
        elif rng.random() < REMIX_SHARE:
            sources.update(rng.randint(1, remix - 1) for _ in range(rng.randint(1, 3)))
        if sources:
            if any(in_family[source] for source in sources):
                in_family[remix] = 1
                family.append(remix)
            yield remix, sorted(sources)


def generate(conn: psycopg.Connection, *, size: int, seed: int) -> Generated:
    """COPY the authors, the works and their links (the closure triggers are off: bulk_load)."""
    rng = random.Random(seed)
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

    copy_lines(conn, table="accounts_user", columns=user_columns, lines=user_lines(), total=AUTHORS)

    varying = ["id", "author_id", "kind", "title", "created_at", "updated_at", "removed_at"]
    works = constant_columns(
        conn,
        table="contributions_contribution",
        given=dict.fromkeys(varying, "")
        | {
            "description": "", "license": "hitrec", "file": "", "original_name": "", "text": "",
            "bytes": "0", "sha256": "", "mime": "text/plain", "codec": "", "metadata": "{}",
            "status": "ready", "error": "", "progress_stage": "", "progress_percent": "0",
                "processing_since": timestamp(0), "processing_interrupted": "0",
        },
    )  # fmt: skip
    constant = "\t".join(value for name, value in works.items() if name not in varying)
    work_columns = varying + [name for name in works if name not in varying]

    def work_lines() -> Iterator[str]:
        for i in range(1, size + 1):
            created = timestamp(i)
            removed = timestamp(i + 2880) if i % TOMBSTONE_EVERY == 7 else r"\N"
            author = rng.randint(1, AUTHORS)
            yield f"{i}\t{author}\t{KINDS[i % 4]}\tWork {i}\t{created}\t{created}\t{removed}\t{constant}\n"  # noqa: E501

    copy_lines(
        conn, table="contributions_contribution", columns=work_columns, lines=work_lines(),
        total=size,
    )  # fmt: skip

    counted = {"links": 0}

    def link_lines() -> Iterator[str]:
        link_id = 0
        for remix, sources in sources_of(rng, size=size):
            created = timestamp(remix)
            for source in sources:
                link_id += 1
                yield f"{link_id}\t{source}\t{remix}\thitrec\t{created}\n"
        counted["links"] = link_id

    copy_lines(
        conn,
        table="contributions_remixlink",
        columns=["id", "source_id", "remix_id", "source_license", "created_at"],
        lines=link_lines(),
        total=round(size * 0.85),
    )
    for table in ("accounts_user", "contributions_contribution", "contributions_remixlink"):
        conn.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence({}, 'id'), (SELECT max(id) FROM {}))"
            ).format(sql.Literal(table), sql.Identifier(table))
        )
    return Generated(links=counted["links"])


def ensure_database(url: str, *, size: int, seed: int, fresh: bool) -> dict:
    """Build the database unless one with a matching marker exists; return the marker (with
    the build's timings, from when it was built)."""
    wanted = wanted_marker(size=size, seed=seed)
    stored = stored_marker(url)
    from django.core.management import call_command

    if stored:
        stored["migrations"] = marked_migrations(stored.get("migrations", []))
    if not fresh and stored and all(stored.get(key) == value for key, value in wanted.items()):
        print(f"reusing the database built {stored['built_at']} (marker matches)", flush=True)
        call_command("migrate", verbosity=0, interactive=False)
        return stored | {"reused": True}

    print("building the database (no matching marker)", flush=True)
    recreate_database(url)
    call_command("migrate", verbosity=0, interactive=False)
    generated: list[Generated] = []
    started = time.perf_counter()
    loaded = bulk_load(
        url,
        lambda conn: generated.append(generate(conn, size=size, seed=seed)),
        vacuum=("accounts_user", "contributions_contribution", "contributions_remixlink"),
    )
    marker = wanted | {
        "built_at": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "links": generated[0].links,
        "load_s": round(loaded.load_s, 1),
        "analyze_s": round(loaded.analyze_s, 1),
        "rebuild_s": round(loaded.rebuild_s or 0, 1),
        "closure_s": round(loaded.closure_s or 0, 1),
        "counts_s": round(loaded.counts_s or 0, 1),
        "vacuum_s": round(loaded.vacuum_s, 1),
        "ancestry_rows": loaded.ancestry_rows,
        "total_s": round(time.perf_counter() - started, 1),
    }
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_marker (name text PRIMARY KEY, value text NOT NULL)")
        conn.execute("INSERT INTO bench_marker VALUES ('lineage_pages', %s)", [json.dumps(marker)])
    print(
        f"built: load {loaded.load_s:.0f} s, ancestry_rebuild {loaded.rebuild_s:.0f} s,"
        f" VACUUM ANALYZE {loaded.vacuum_s:.0f} s; {loaded.ancestry_rows:,} closure rows",
        flush=True,
    )
    return marker | {"reused": False}


def vacuumed(tables: tuple[str, ...]) -> list[str]:
    """VACUUM ANALYZE those of `tables` whose visibility map covers under 90% of their pages
    (index-only scans read the table where it is not set), or that have dead rows; returns
    their names. A VACUUM run while an older snapshot is open somewhere (a standby's feedback,
    another session) cannot set the map, so the load's own may not have."""
    from django.db import connection

    done = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                "SELECT c.relpages, c.relallvisible, coalesce(s.n_dead_tup, 0) FROM pg_class c"
                " LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = %s::regclass",
                [table],
            )
            pages, visible, dead = cursor.fetchone()
            if visible < 0.9 * pages or dead:
                cursor.execute(f"VACUUM (ANALYZE) {table}")
                done.append(table)
    return done


def delete_added(size: int) -> int:
    """Delete what a run added (works past the generated ids) through the ORM: the triggers
    take their closure rows and counts back. Returns how many works were deleted."""
    from contributions.models import Contribution

    ids = list(Contribution.objects.filter(id__gt=size).values_list("id", flat=True))
    if ids:
        Contribution.objects.filter(id__in=ids).delete()
    return len(ids)


# --- measuring --------------------------------------------------------------------------------


def series(fn: Callable[[], object], *, repeat: int, warmup: int = 10) -> Timing:
    gc.collect()
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return _timing(samples)


def interleaved(
    fns: list[Callable[[int], object]], *, repeat: int, warmup: int = 5
) -> list[Timing]:
    """Each of `fns` run `repeat` times in turn (a, b, a, b, ...), given the run's number, so
    that all series see the same stretches of the machine's speed."""
    gc.collect()
    for i in range(warmup):
        for fn in fns:
            fn(i)
    samples: list[list[float]] = [[] for _ in fns]
    for i in range(repeat):
        for fn, kept in zip(fns, samples, strict=True):
            started = time.perf_counter()
            fn(warmup + i)
            kept.append(time.perf_counter() - started)
    return [_timing(kept) for kept in samples]


def timeboxed(
    fn: Callable[[], object], *, seconds: float, most: int, least: int = 3, warmup: int = 1
) -> Timing:
    """At least `least` runs (after `warmup`), then more up to `most` runs or `seconds`."""
    for _ in range(warmup):
        fn()
    samples: list[float] = []
    deadline = time.perf_counter() + seconds
    while len(samples) < least or (len(samples) < most and time.perf_counter() < deadline):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return _timing(samples)


def runs(timing: Timing) -> str:
    return f"{timing.runs} run{'s' if timing.runs != 1 else ''}"


def ms(timing: Timing) -> str:
    return f"{timing.p50 * 1e3:.2f} / {timing.p99 * 1e3:.2f} ms"


def verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else "**pass**" if ok else "**FAIL**"


def plan_summary(statement: str) -> str:
    """One EXPLAIN (ANALYZE, BUFFERS) run of a statement: execution time and buffers."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement)
        plan = cursor.fetchone()[0]
    plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]
    top = plan["Plan"]
    hit, read = top.get("Shared Hit Blocks", 0), top.get("Shared Read Blocks", 0)
    return (
        f"{plan['Execution Time']:.2f} ms executing, {plan['Planning Time']:.2f} ms planning,"
        f" {top['Actual Rows']:,} rows out, {hit + read:,} buffers ({read:,} read); "
        + plan_facts(plan)
    )


def plan_facts(plan: dict) -> str:
    """What an analysed plan (EXPLAIN's JSON) did that costs: the scan that returned the most
    rows over all its loops, all scans' rows together, parallel workers, JIT compilation."""

    def scans(node: dict) -> list[tuple[int, str]]:
        rows = node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
        own = [(rows, f"{node['Node Type']} on {node.get('Relation Name')}")]
        below = [scan for child in node.get("Plans", []) for scan in scans(child)]
        return (own if "Relation Name" in node else []) + below

    def workers(node: dict) -> int:
        return node.get("Workers Launched", 0) + sum(map(workers, node.get("Plans", [])))

    found = scans(plan["Plan"])
    rows, scan = max(found, default=(0, "none"))
    facts = f"largest scan {scan}, {rows:,} rows ({sum(n for n, _ in found):,} by all scans)"
    if parallel := workers(plan["Plan"]):
        facts += f"; **{parallel} parallel workers launched** (Gather)"
    if jit := plan.get("JIT", {}).get("Timing", {}).get("Total"):
        total = jit if isinstance(jit, int | float) else jit.get("Time", 0)
        facts += f"; **JIT compilation {total:.1f} ms**"
    return facts


def captured(fn: Callable[[], object]) -> list[str]:
    """The statements `fn` ran, with their parameters in place."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        fn()
    return [query["sql"] for query in queries]


# --- the figures ------------------------------------------------------------------------------


@dataclass
class Shape:
    links: int
    present: int
    hub_descendants: int  # present works, as the counts say
    hub_closure: int  # closure rows under the hub (tombstones too)
    hub_remixes: int
    depths: list[tuple[int, int]]  # (depth, descendants at that shortest depth)
    ancestry_rows: int
    counts_rows: int


def shape(size: int) -> Shape:
    from django.db import connection

    from contributions.models import LineageCounts

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT depth, count(*) FROM contributions_ancestry WHERE ancestor_id = %s"
            " AND depth > 0 GROUP BY depth ORDER BY depth",
            [HUB_ID],
        )
        depths = cursor.fetchall()
        cursor.execute(
            "SELECT count(*) FROM contributions_ancestry a JOIN contributions_contribution c"
            " ON c.id = a.descendant_id WHERE a.ancestor_id = %s AND a.depth > 0"
            " AND c.removed_at IS NULL",
            [HUB_ID],
        )
        present_under_hub = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM contributions_remixlink")
        links = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM contributions_contribution WHERE removed_at IS NULL")
        present = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM contributions_ancestry")
        ancestry_rows = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM contributions_lineagecounts")
        counts_rows = cursor.fetchone()[0]
    counts = LineageCounts.objects.get(contribution_id=HUB_ID)
    assert counts.descendants == present_under_hub, (counts.descendants, present_under_hub)
    assert counts_rows == size, (counts_rows, size)
    return Shape(
        links=links,
        present=present,
        hub_descendants=counts.descendants,
        hub_closure=sum(n for _, n in depths),
        hub_remixes=counts.remixes,
        depths=depths,
        ancestry_rows=ancestry_rows,
        counts_rows=counts_rows,
    )


def deep_cursor(after: int) -> str:
    """The cursor of the hub's descendants page that starts after `after` of them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT depth, descendant_id FROM contributions_ancestry WHERE ancestor_id = %s"
            " AND depth > 0 ORDER BY depth, descendant_id OFFSET %s LIMIT 1",
            [HUB_ID, after - 1],
        )
        depth, node = cursor.fetchone()
    return f"2.{depth}.{node}"


def deep_sources() -> list[tuple[int, int, int]]:
    """The deepest present works under the hub: (id, depth below the hub, ancestors)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.descendant_id, a.depth, k.ancestors FROM contributions_ancestry a"
            " JOIN contributions_contribution c ON c.id = a.descendant_id"
            " JOIN contributions_lineagecounts k ON k.contribution_id = a.descendant_id"
            " WHERE a.ancestor_id = %s AND c.removed_at IS NULL"
            " ORDER BY a.depth DESC, a.descendant_id LIMIT %s",
            [HUB_ID, DEEP_SOURCES],
        )
        return cursor.fetchall()


@dataclass
class Paged:
    fn: Timing
    api: Timing
    nodes: int
    edges: int
    depth: tuple[int, int]
    queries: int
    plans: list[str]


def paged(
    client, *, cursor: str | None, repeat: int, direction: str = "down", root: int = HUB_ID
) -> Paged:
    from contributions.lineage_pages import LineagePosition, lineage_page

    after = LineagePosition.from_token(cursor) if cursor else None
    url = f"/api/contributions/{root}/lineage/"
    params = {"direction": direction} | ({"cursor": cursor} if cursor else {})

    def function() -> object:
        return lineage_page(contribution_id=root, direction=direction, after=after)

    def api() -> object:
        response = client.get(url, params)
        assert response.status_code == 200, response.content[:300]
        return response

    page = function()
    body = api().json()
    assert [node["id"] for node in body["nodes"]] == [node.id for node in page.nodes]
    statements = captured(function)
    depths = [node.depth for node in page.nodes if node.direction != "root"]
    return Paged(
        fn=series(function, repeat=repeat),
        api=series(api, repeat=repeat),
        nodes=len(page.nodes),
        edges=len(page.edges),
        depth=(min(depths), max(depths)),
        queries=len(captured(api)),
        plans=[plan_summary(statement) for statement in statements],
    )


@dataclass
class Detail:
    fn_with: Timing
    fn_without: Timing
    api_with: Timing
    api_without: Timing
    queries_with: int
    queries_without: int
    joined: bool  # the counts come in the detail's own statement (a join)


def detail(client, *, ids: list[int], repeat: int) -> Detail:
    """A work's detail with its counts (the real code: `select_related("lineage_counts")`)
    against the same read with the join and the field taken out, in alternating runs."""
    from django.db.models import Prefetch

    from contributions.api import works
    from contributions.models import Contribution
    from contributions.selectors import contribution_get

    def get_without(*, contribution_id: int) -> Contribution | None:
        # contribution_get, less the counts.
        return (
            Contribution.objects.select_related("author")
            .prefetch_related(
                Prefetch("sources", queryset=Contribution.objects.only("id").order_by("id")),
                "renditions",
            )
            .filter(pk=contribution_id)
            .first()
        )

    def without_counts() -> ExitStack:
        patches = ExitStack()
        patches.enter_context(mock.patch.object(works, "contribution_get", get_without))
        patches.enter_context(mock.patch.object(works, "_lineage_counts", lambda _work: {}))
        return patches

    def read(work_id: int) -> dict:
        response = client.get(f"/api/contributions/{work_id}/")
        assert response.status_code == 200, response.content[:300]
        return response

    def fn_with(i: int) -> object:
        return contribution_get(contribution_id=ids[i % len(ids)]).lineage_counts.descendants

    def fn_without(i: int) -> object:
        return get_without(contribution_id=ids[i % len(ids)])

    statements_with = captured(lambda: read(ids[0]))
    with without_counts():
        statements_without = captured(lambda: read(ids[0]))
    fn_timings = interleaved([fn_with, fn_without], repeat=repeat)
    # The API pair by hand, in alternating runs: the baseline's patches are made and undone
    # outside its timed part.
    gc.collect()
    with_samples: list[float] = []
    without_samples: list[float] = []
    for i in range(-5, repeat):
        started = time.perf_counter()
        body = read(ids[i % len(ids)]).json()
        elapsed = time.perf_counter() - started
        assert body["lineage_counts"]["descendants"] >= 0
        if i >= 0:
            with_samples.append(elapsed)
        with without_counts():
            started = time.perf_counter()
            read(ids[i % len(ids)])
            elapsed = time.perf_counter() - started
        if i >= 0:
            without_samples.append(elapsed)
    return Detail(
        fn_with=fn_timings[0],
        fn_without=fn_timings[1],
        api_with=_timing(with_samples),
        api_without=_timing(without_samples),
        queries_with=len(statements_with),
        queries_without=len(statements_without),
        joined="contributions_lineagecounts" in statements_with[0],
    )


@dataclass
class Creates:
    fn_remix: Timing
    fn_plain: Timing
    api_remix: Timing
    api_plain: Timing
    queries_remix: int
    queries_plain: int
    trigger_ms: float  # the link's trigger, one EXPLAIN ANALYZE run
    trigger_statements: list[tuple[str, float, str]]  # its statements: label, ms, plan facts
    jobs: list[str]  # the jobs the creates would have queued (not queued here)
    sources: list[tuple[int, int, int]]  # (id, depth under the hub, ancestors)


def creates(*, sources: list[tuple[int, int, int]], repeat: int) -> Creates:
    """A remix of a work deep under the hub, created and committed, against the same create
    with no source: through `contribution_create` and through POST /api/contributions/ (by a
    client of its own, signed in)."""
    from django.db import connection, transaction
    from django.test import Client

    from accounts.models import User
    from contributions.models import Contribution
    from contributions.services import contribution_create

    author = User.objects.get(username="artist1")
    client = Client()
    client.force_login(author)
    source_ids = [source for source, _, _ in sources]

    def fn_remix(i: int) -> object:
        return contribution_create(
            author=author, title=f"Bench remix {i}", text="A remix, for the benchmark.",
            sources=[source_ids[i % len(source_ids)]],
        )  # fmt: skip

    def fn_plain(i: int) -> object:
        return contribution_create(
            author=author, title=f"Bench work {i}", text="A work, for the benchmark."
        )

    def api(body: dict) -> object:
        response = client.post("/api/contributions/", body, content_type="application/json")
        assert response.status_code == 201, response.content[:300]
        return response

    def api_remix(i: int) -> object:
        return api(
            {"title": f"Bench remix {i}", "text": "A remix, for the benchmark.",
             "sources": [source_ids[i % len(source_ids)]]}
        )  # fmt: skip

    def api_plain(i: int) -> object:
        return api({"title": f"Bench work {i}", "text": "A work, for the benchmark."})

    # The jobs a create queues after its commit (the media pipeline's processing, the source
    # author's "remixed" notification) are not queued: they are not the closure's cost, no
    # worker runs here (without REDIS_URL Celery would run them inline), and a message left
    # in a shared broker would reach another benchmark's worker.
    with mock.patch("celery.app.task.Task.apply_async", autospec=True) as queued:
        queries_remix = len(captured(lambda: fn_remix(0)))
        queries_plain = len(captured(lambda: fn_plain(0)))
        timings = interleaved([fn_remix, fn_plain, api_remix, api_plain], repeat=repeat)
    jobs = sorted({call.args[0].name for call in queued.call_args_list if call.args})

    # The link's trigger alone: a new work, then its link to the deepest source (rolled back).
    with transaction.atomic():
        work = Contribution.objects.create(
            author=author, title="Bench trigger", kind="text", text="x", status="ready"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "EXPLAIN (ANALYZE, FORMAT JSON) INSERT INTO contributions_remixlink"
                " (source_id, remix_id, source_license, created_at)"
                " VALUES (%s, %s, 'hitrec', now())",
                [source_ids[0], work.id],
            )
            plan = cursor.fetchone()[0]
        transaction.set_rollback(True)
    plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]
    trigger_ms = sum(
        trigger["Time"]
        for trigger in plan.get("Triggers", [])
        if trigger["Trigger Name"].startswith("hitrec_ancestry")
    )
    return Creates(
        trigger_statements=trigger_statements(source_id=source_ids[0], author=author),
        jobs=jobs,
        fn_remix=timings[0],
        fn_plain=timings[1],
        api_remix=timings[2],
        api_plain=timings[3],
        queries_remix=queries_remix,
        queries_plain=queries_plain,
        trigger_ms=trigger_ms,
        sources=sources,
    )


# What each statement of the link trigger (contributions/ancestry.py) does, by a word of it.
_TRIGGER_STATEMENTS = [
    ("FOR UPDATE", "lock the counts rows of the source's ancestors and the remix's descendants"),
    ("SET remixes", "the source's `remixes`"),
    ("SET descendants", "`descendants` of the source and its ancestors (new pairs)"),
    ("SET ancestors", "`ancestors` of the remix and its descendants (new pairs)"),
    ("INSERT INTO contributions_ancestry", "the new closure rows"),
]


def trigger_statements(*, source_id: int, author) -> list[tuple[str, float, str]]:
    """Each statement the link trigger runs: (what it does, ms, what its plan did), for one
    link to `source_id` from a new work, with auto_explain logging nested statements to this
    client (rolled back). Empty when auto_explain cannot be loaded (it needs a superuser)."""
    from django.db import DatabaseError, connection, transaction

    from contributions.models import Contribution

    connection.ensure_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute("LOAD 'auto_explain'")
    except DatabaseError:
        return []
    messages: list[str] = []

    def heard(diagnostic) -> None:
        messages.append(diagnostic.message_primary or "")

    raw = connection.connection
    with transaction.atomic():
        work = Contribution.objects.create(
            author=author, title="Bench trigger", kind="text", text="x", status="ready"
        )
        with connection.cursor() as cursor:
            for setting in ("log_min_duration = 0", "log_analyze = on", "log_format = json",
                            "log_nested_statements = on", "log_timing = on"):  # fmt: skip
                cursor.execute(f"SET LOCAL auto_explain.{setting}")
            cursor.execute("SET LOCAL client_min_messages = log")
            raw.add_notice_handler(heard)
            try:
                cursor.execute(
                    "INSERT INTO contributions_remixlink (source_id, remix_id, source_license,"
                    " created_at) VALUES (%s, %s, 'hitrec', now())",
                    [source_id, work.id],
                )
            finally:
                raw.remove_notice_handler(heard)
        transaction.set_rollback(True)
    found = []
    for message in messages:
        if not message.startswith("duration:") or "plan:" not in message:
            continue
        duration = float(message.split()[1])
        explained = json.loads(message.split("plan:", 1)[1])
        text = explained.get("Query Text", "")
        for word, label in _TRIGGER_STATEMENTS:
            if word in text and not text.startswith("INSERT INTO contributions_remixlink"):
                found.append((label, duration, plan_facts(explained)))
                break
    return found


@dataclass
class Growth:
    links: int
    rows_per_link: float
    ancestors: float  # of the sources, on average


def growth(*, links: int, seed: int) -> Growth:
    """Closure rows a link deep under the hub adds: `links` new works each remixing one of
    the hub's descendants within 6 levels of its deepest (through the ORM, the triggers on),
    counted, rolled back."""
    from django.db import connection, transaction

    from contributions.models import Contribution, RemixLink

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(depth) FROM contributions_ancestry WHERE ancestor_id = %s", [HUB_ID]
        )
        deepest = cursor.fetchone()[0]
        cursor.execute(
            "SELECT a.descendant_id, k.ancestors FROM contributions_ancestry a"
            " JOIN contributions_contribution c ON c.id = a.descendant_id"
            " JOIN contributions_lineagecounts k ON k.contribution_id = a.descendant_id"
            " WHERE a.ancestor_id = %s AND a.depth >= %s AND c.removed_at IS NULL",
            [HUB_ID, max(1, deepest - 6)],
        )
        candidates = cursor.fetchall()
    picked = random.Random(seed).sample(candidates, min(links, len(candidates)))
    with transaction.atomic():
        works = Contribution.objects.bulk_create(
            Contribution(
                author_id=1, title=f"Bench growth {i}", kind="text", text="x", status="ready"
            )
            for i in range(len(picked))
        )
        ids = [work.id for work in works]
        with connection.cursor() as cursor:
            count = "SELECT count(*) FROM contributions_ancestry WHERE descendant_id = ANY(%s)"
            cursor.execute(count, [ids])
            before = cursor.fetchone()[0]
            RemixLink.objects.bulk_create(
                RemixLink(source_id=source, remix_id=work, source_license="hitrec")
                for (source, _), work in zip(picked, ids, strict=True)
            )
            cursor.execute(count, [ids])
            after = cursor.fetchone()[0]
        transaction.set_rollback(True)
    return Growth(
        links=len(picked),
        rows_per_link=(after - before) / len(picked),
        ancestors=statistics.mean(ancestors for _, ancestors in picked),
    )


@dataclass
class Export:
    nodes: int
    edges: int
    lines: int
    megabytes: float
    fn: Timing
    api: Timing
    walk: Timing  # the recursive walk alone, counted in the server
    lineage_get: Timing  # the whole recursive read, as lineage_get returns it
    walked: int


def export(client, *, repeat: int) -> Export | str:
    """The NDJSON export of the hub's descendants against the recursive walk alone."""
    from django.db import connection

    from contributions.lineage import LineageEdge, lineage_get

    try:
        from contributions.lineage_export import lineage_export
    except ImportError as exc:
        return f"not measured: contributions.lineage_export is not there ({exc})"
    url = f"/api/contributions/{HUB_ID}/lineage/export"
    counted: dict[str, int] = {}

    def fn() -> None:
        nodes = edges = 0
        for record in lineage_export(contribution_id=HUB_ID, direction="down"):
            if isinstance(record, LineageEdge):
                edges += 1
            else:
                nodes += 1
        counted.update(nodes=nodes, edges=edges)

    def api(response=None) -> None:
        if response is None:
            response = client.get(url, {"direction": "down"})
        assert response.status_code == 200, response.status_code
        lines = size = 0
        try:
            for chunk in response.streaming_content:
                lines += chunk.count(b"\n")
                size += len(chunk)
        finally:
            response.close()
        counted.update(lines=lines, bytes=size)

    walk_count = PORTABLE_WALK.format(step_from="source_id", step_to="remix_id").replace(
        "SELECT id, MIN(depth) FROM walk GROUP BY id",
        "SELECT count(*) FROM (SELECT id, MIN(depth) FROM walk GROUP BY id) AS nodes",
    )

    def walk() -> None:
        with connection.cursor() as cursor:
            cursor.execute(walk_count, [HUB_ID])
            counted["walked"] = cursor.fetchone()[0]

    probe = client.get(url, {"direction": "down"})
    if probe.status_code != 200:
        probe.close()
        return f"not measured: the export answered {probe.status_code}"
    api(probe)  # the warm-up, read to the end
    api_t = timeboxed(api, seconds=20, most=repeat, least=repeat, warmup=0)
    fn_t = timeboxed(fn, seconds=20, most=repeat, least=repeat, warmup=0)
    walk_t = timeboxed(walk, seconds=20, most=repeat, least=repeat)
    # The whole recursive read once, after the walk warmed its pages: it is slow, and only
    # for the record.
    get_t = timeboxed(
        lambda: lineage_get(contribution_id=HUB_ID, direction="down"),
        seconds=0,
        most=1,
        least=1,
        warmup=0,
    )
    assert counted["nodes"] == counted["walked"], counted
    assert counted["lines"] == counted["nodes"] + counted["edges"], counted
    return Export(
        nodes=counted["nodes"],
        edges=counted["edges"],
        lines=counted["lines"],
        megabytes=counted["bytes"] / 1e6,
        fn=fn_t,
        api=api_t,
        walk=walk_t,
        lineage_get=get_t,
        walked=counted["walked"],
    )


@dataclass
class Picture:
    label: str
    status: int
    content_type: str
    kilobytes: float
    api: Timing
    fn: Timing | None  # lineage_summary() and lineage_svg(), when they are there
    nodes: int | None  # drawn one by one
    more: int | None  # "and N more" boxes


def pictures(client) -> list[Picture]:
    """GET /api/contributions/{hub}/lineage.svg, as it is and with direction=down."""
    url = f"/api/contributions/{HUB_ID}/lineage.svg"
    found = []
    for label, params in (("default parameters", {}), ("`?direction=down`", {"direction": "down"})):
        answers = []

        def get(params: dict = params, answers: list = answers) -> None:
            response = client.get(url, params)
            answers.append(response)

        timing = timeboxed(get, seconds=5, most=30, least=3)
        last = answers[-1]
        fn = nodes = more = None
        try:  # the functions behind the picture of a large lineage (issue 22)
            from contributions.lineage_pages import lineage_summary
            from contributions.lineage_svg import lineage_svg

            summary = lineage_summary(contribution_id=HUB_ID, **params)
            nodes, more = len(summary.nodes), len(summary.more)

            def draw(params: dict = params) -> bytes:
                summary = lineage_summary(contribution_id=HUB_ID, **params)
                return lineage_svg(summary, more=summary.more)

            fn = timeboxed(draw, seconds=5, most=30, least=3)
        except (ImportError, TypeError, AttributeError) as exc:
            print(f"picture functions not measured: {exc!r}", flush=True)
        found.append(
            Picture(
                label=label,
                status=last.status_code,
                content_type=last.get("Content-Type", ""),
                kilobytes=len(last.content) / 1e3,
                api=timing,
                fn=fn,
                nodes=nodes,
                more=more,
            )
        )
    return found


@dataclass
class Storage:
    ancestry_total: int
    ancestry_heap: int
    ancestry_indexes: list[tuple[str, int]]
    counts_total: int
    counts_heap: int
    counts_indexes: list[tuple[str, int]]
    contributions_total: int
    links_total: int


def storage() -> Storage:
    from django.db import connection

    def sizes(table: str) -> tuple[int, int, list[tuple[str, int]]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_total_relation_size(%s::regclass), pg_relation_size(%s::regclass)",
                [table, table],
            )
            total, heap = cursor.fetchone()
            cursor.execute(
                "SELECT c.relname, pg_relation_size(c.oid) FROM pg_index i"
                " JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass"
                " ORDER BY c.relname",
                [table],
            )
            return total, heap, cursor.fetchall()

    ancestry = sizes("contributions_ancestry")
    counts = sizes("contributions_lineagecounts")
    return Storage(
        ancestry_total=ancestry[0],
        ancestry_heap=ancestry[1],
        ancestry_indexes=ancestry[2],
        counts_total=counts[0],
        counts_heap=counts[1],
        counts_indexes=counts[2],
        contributions_total=sizes("contributions_contribution")[0],
        links_total=sizes("contributions_remixlink")[0],
    )


def mb(size: float) -> str:
    return f"{size / 1e6:,.1f} MB"


def section(
    *, args, built: dict, facts: Shape, shared_buffers: str, work_mem: str,
    load: tuple[float, float], others: float, deep_after: int, cursor_token: str, first: Paged, deep: Paged,
    up: Paged, deepest: list[tuple[int, int, int]], counts: Detail,
    counts_extra: tuple[float, float], made: Creates, growth: Growth, exported: "Export | str",
    drawn: list[Picture], sizes: Storage, run_s: float,
) -> str:  # fmt: skip
    """The section's text."""
    command = (
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/hitrec_bench_lineage_pages"
        " SECRET_KEY=hitrec-benchmarks-only-not-a-secret DEBUG=0"
        f" .venv/bin/python bench/bench_lineage_pages.py --size {args.size}"
        + "".join(f" --pg-set {assignment}" for assignment in args.pg_set)
    )
    diagnosis = (
        "\n- **A diagnostic run**: every session of it ran with "
        + ", ".join(f"`SET {assignment.replace('=', ' = ', 1)}`" for assignment in args.pg_set)
        + ", which is not how hitrec runs."
        if args.pg_set
        else ""
    )
    at_size = args.size >= 1_000_000 and facts.hub_descendants >= 200_000
    depths = [node_depth for node_depth, _ in facts.depths]
    closure_per_work = facts.ancestry_rows / args.size
    # Storage.
    index_bytes = sum(size for _, size in sizes.ancestry_indexes)
    per_row = sizes.ancestry_total / facts.ancestry_rows
    counts_per_row = sizes.counts_total / facts.counts_rows
    link_bytes = growth.rows_per_link * per_row
    index_list = ", ".join(f"`{name}` {mb(size)}" for name, size in sizes.ancestry_indexes)
    counts_index_list = ", ".join(f"`{name}` {mb(size)}" for name, size in sizes.counts_indexes)
    # Verdicts.
    first_ok = (
        first.api.p50 * 1e3 <= TARGET_FIRST_P50_MS and first.api.p99 * 1e3 <= TARGET_FIRST_P99_MS
    )
    deep_ok = deep.api.p50 * 1e3 <= TARGET_DEEP_P50_MS
    extra_queries = counts.queries_with - counts.queries_without
    counts_ok = (
        extra_queries <= TARGET_COUNTS_EXTRA_QUERIES and counts_extra[0] <= TARGET_COUNTS_EXTRA_MS
    )
    # Judged on the committed service call: every write the closure and counts need (the
    # link, its triggers, the commit). The request around it costs what a create without a
    # source costs (measured beside it), which the closure does not change.
    create_ok = made.fn_remix.p50 * 1e3 <= TARGET_CREATE_P50_MS
    closure_cost = (made.api_remix.p50 - made.api_plain.p50) * 1e3
    closure_cost_fn = (made.fn_remix.p50 - made.fn_plain.p50) * 1e3
    source_depths = sorted({depth for _, depth, _ in made.sources})
    source_ancestors = [ancestors for _, _, ancestors in made.sources]

    rows = [
        f"| first page of the hub's descendants, API: `GET /api/contributions/{HUB_ID}/lineage/?direction=down`"
        f" ({first.nodes} nodes with the hub, {first.edges} links, depth {first.depth[0]}-{first.depth[1]};"
        f" {first.queries} queries; {runs(first.api)}) | {ms(first.api)} |"
        f" p50 ≤ {TARGET_FIRST_P50_MS:g} ms, p99 ≤ {TARGET_FIRST_P99_MS:g} ms | {verdict(first_ok)} |",
        f"| … `lineage_page()` alone | {ms(first.fn)} | | |",
        f"| the page after {deep_after:,} descendants, API: `…&cursor={cursor_token}` ({deep.nodes} nodes,"
        f" {deep.edges} links, depth {deep.depth[0]}-{deep.depth[1]}; {deep.queries} queries;"
        f" {runs(deep.api)}) | {ms(deep.api)} | p50 ≤ {TARGET_DEEP_P50_MS:g} ms | {verdict(deep_ok)} |",
        f"| … `lineage_page()` alone | {ms(deep.fn)} | | |",
        f"| for the record: first page of the deepest work's ancestors, API: `GET /api/contributions/{deepest[0][0]}/lineage/?direction=up`"
        f" ({up.nodes} nodes, {up.edges} links, depth {up.depth[0]}-{up.depth[1]}; {runs(up.api)}) | {ms(up.api)} | | |",
        f"| … `lineage_page()` alone | {ms(up.fn)} | | |",
        f"| a work's detail with its counts, API: `GET /api/contributions/{{id}}/`, {DETAIL_WORKS} works in turn"
        f" (the hub among them; {counts.queries_with} queries, the counts {'joined in the first' if counts.joined else '**not** joined'};"
        f" {runs(counts.api_with)}) | {ms(counts.api_with)} | | |",
        f"| … the same read without the counts (join and field taken out; {counts.queries_without} queries;"
        f" alternating runs) | {ms(counts.api_without)} | baseline | |",
        f"| the counts' cost in the detail: extra queries, extra p50 | {extra_queries:+d} queries,"
        f" {counts_extra[0]:+.2f} ms | ≤ {TARGET_COUNTS_EXTRA_QUERIES} query, ≤ {TARGET_COUNTS_EXTRA_MS:g} ms"
        f" | {verdict(counts_ok)} |",
        f"| … `contribution_get()` with the counts; without | {ms(counts.fn_with)}; {ms(counts.fn_without)}"
        f" ({counts_extra[1]:+.2f} ms at p50) | | |",
        f"| a remix of a work deep under the hub, committed: `contribution_create()` (the source at depth"
        f" {'-'.join(map(str, [source_depths[0], source_depths[-1]][: 1 if len(source_depths) == 1 else 2]))}"
        f" with {min(source_ancestors)}-{max(source_ancestors)} ancestors, {len(made.sources)} sources in turn;"
        f" every write the closure and counts need; {made.queries_remix} queries; {runs(made.fn_remix)})"
        f" | {ms(made.fn_remix)} | p50 ≤ {TARGET_CREATE_P50_MS:g} ms | {verdict(create_ok)} |",
        f"| … the same through the API, `POST /api/contributions/` | {ms(made.api_remix)} | | |",
        f"| the same create with no source, `contribution_create()` ({made.queries_plain} queries;"
        f" alternating runs) | {ms(made.fn_plain)} | baseline | |",
        f"| … through the API | {ms(made.api_plain)} | baseline | |",
        f"| the closure's cost of the remix: p50 with the source − without, API / function |"
        f" {closure_cost:+.2f} / {closure_cost_fn:+.2f} ms | | |",
        f"| … of which the link's triggers, in the database (one `EXPLAIN ANALYZE` of the link's INSERT) |"
        f" {made.trigger_ms:.2f} ms | | |",
    ]
    if isinstance(exported, Export):
        per_node = exported.api.p50 / exported.nodes * 1e6
        per_node_fn = exported.fn.p50 / exported.nodes * 1e6
        walk_per_node = exported.walk.p50 / exported.walked * 1e6
        get_per_node = exported.lineage_get.p50 / exported.walked * 1e6
        rows += [
            f"| NDJSON export of the hub's descendants, API: `GET /api/contributions/{HUB_ID}/lineage/export?direction=down`"
            f" ({exported.nodes:,} nodes, {exported.edges:,} links, {exported.lines:,} lines,"
            f" {exported.megabytes:,.0f} MB, read to the end; {runs(exported.api)}) |"
            f" {ms(exported.api)} = {per_node:.2f} µs/node | reported | |",
            f"| … `lineage_export()` records alone | {ms(exported.fn)} = {per_node_fn:.2f} µs/node | | |",
            f"| walk-only floor: the recursive walk from the hub (`lineage_get`'s, shortest depths, counted"
            f" in the server, nothing fetched; {runs(exported.walk)}) | {ms(exported.walk)} ="
            f" {walk_per_node:.2f} µs/node | floor | |",
            f'| … the whole recursive read, `lineage_get(direction="down")` ({runs(exported.lineage_get)}) |'
            f" {ms(exported.lineage_get)} = {get_per_node:.2f} µs/node | | |",
            f"| export per node / walk-only floor per node (API; records alone) |"
            f" {per_node / walk_per_node:.2f}× ; {per_node_fn / walk_per_node:.2f}× | no target | |",
        ]
    else:
        rows.append(
            f"| NDJSON export of the hub's descendants | {exported} | reported | not measured |"
        )
    for picture in drawn:
        ok = picture.status == 200 and picture.api.p50 * 1e3 <= TARGET_SVG_MS
        answer = (
            f"{picture.status}, {picture.content_type.split(';')[0]}, {picture.kilobytes:,.0f} kB"
        )
        rows.append(
            f"| the hub's lineage picture, API: `GET /api/contributions/{HUB_ID}/lineage.svg`,"
            f" {picture.label} (answered {answer}; {runs(picture.api)}) | {ms(picture.api)} |"
            f" ≤ {TARGET_SVG_MS:g} ms, a picture | {verdict(ok)} |"
        )
        if picture.fn is not None:
            rows.append(
                f"| … `lineage_summary()` and `lineage_svg()` ({picture.nodes} works drawn,"
                f' {picture.more} "and N more" boxes) | {ms(picture.fn)} | | |'
            )
    rows += [
        f"| storage: the closure, `contributions_ancestry` ({facts.ancestry_rows:,} rows,"
        f" {closure_per_work:.1f} per work): table and indexes | {mb(sizes.ancestry_total)}"
        f" ({per_row:.0f} bytes per row) | reported | |",
        f"| storage: the counts, `contributions_lineagecounts` ({facts.counts_rows:,} rows) |"
        f" {mb(sizes.counts_total)} ({counts_per_row:.0f} bytes per row) | reported | |",
        f"| growth per link deep under the hub ({growth.links:,} links added to works"
        f" {growth.ancestors:.0f} ancestors deep on average, counted, rolled back) |"
        f" {growth.rows_per_link:.1f} closure rows ≈ {link_bytes / 1e3:.1f} kB | reported | |",
        f"| growth per link over the whole graph (closure rows / links; total bytes / links) |"
        f" {facts.ancestry_rows / facts.links:.1f} rows; {sizes.ancestry_total / facts.links / 1e3:.2f} kB"
        f" | reported | |",
    ]
    table = "\n".join(rows)
    reused = (
        f"kept from an earlier run (built {built['built_at']}; its marker matched)"
        if built.get("reused")
        else f"built by this run ({built['built_at']})"
    )
    trigger_lines = (
        "\n".join(
            f"- {label}: {duration:.2f} ms; {facts}"
            for label, duration, facts in made.trigger_statements
        )
        or "- (not measured: auto_explain could not be loaded)"
    )
    plan_lines = "\n".join(
        [
            f"- first page, {name}: {plan}"
            for name, plan in zip(("nodes", "links"), first.plans, strict=True)
        ]
        + [
            f"- deep page, {name}: {plan}"
            for name, plan in zip(("nodes", "links"), deep.plans, strict=True)
        ]
    )
    return f"""
The lineage of a popular work read off the maintained closure (`Ancestry` and `LineageCounts`,
kept by the triggers of contributions/ancestry.py): a page of it (`lineage_page`, `GET
/api/contributions/{{id}}/lineage/`), the counts in a work's detail, a remix created under it,
the NDJSON export and the picture. Baselines from the same run: the detail without the counts,
the create with no source, the recursive walk alone for the export.

- Machine: {machine_description()}.
  Load average {load[0]:.2f} when the timings began, {load[1]:.2f} at the end; the rest of the
  machine took {others:.0%} of its CPUs just before (`bench/common.py::settle` waits up to a minute for
  it to be quiet; the machine may be shared).
- Data: {args.size:,} contributions by {AUTHORS} authors (one in {TOMBSTONE_EVERY} deleted, kept as
  a tombstone), {facts.links:,} remix links. The hub, #{HUB_ID}, has **{facts.hub_descendants:,}
  descendants** still present ({facts.hub_closure:,} with tombstones), {facts.hub_remixes:,} of them
  direct remixes; by shortest depth ({depths[0]} to {depths[-1]}): {depth_profile(facts.depths)}.
  How: {FAMILY_SHARE:.0%} of the works after the hub remix a member of its family (the hub itself
  {HUB_DIRECT:.0%} of the time, otherwise a uniformly random earlier member: a random tree, whose
  depth grows with the logarithm of its size), {FAMILY_SECOND:.0%} of those a second member too, and
  {FAMILY_OUTSIDE:.0%} also a random work from anywhere; the other works remix 1-3 earlier works
  uniformly with probability {REMIX_SHARE:.0%}, and join the family when one of those is in it.
  Closure: {facts.ancestry_rows:,} rows ({closure_per_work:.1f} per work, itself included).{"" if at_size else " **Smaller than the issue's size: the targets are not judged on it.**"}
- Load: {reused}, in {built["total_s"]:.0f} s: COPY with the closure triggers off
  {built["load_s"]:.0f} s, VACUUM ANALYZE {built["analyze_s"]:.0f} s, `ancestry_rebuild()`
  **{built["rebuild_s"]:.0f} s** (closure {built["closure_s"]:.0f} s, counts {built["counts_s"]:.0f} s;
  see below), VACUUM ANALYZE of the closure and counts {built["vacuum_s"]:.0f} s
  (`bench/common.py::bulk_load`). The database is kept between runs while a marker row matches
  (generator version, size, seed, the migrations of `contributions`);
  `--fresh` builds it again. The closure batches wrote
  {built["ancestry_rows"] / max(built["closure_s"], 1):,.0f} rows a second. This run's timings
  took {run_s:.0f} s after the build.
- PostgreSQL with the machine's settings: shared_buffers {shared_buffers}, work_mem {work_mem}, against a
  closure of {mb(sizes.ancestry_total)}.
- Reproduce: `{command}`{diagnosis}
- Timings are wall-clock around the call, p50 / p99 over the runs shown, after warm-up runs.
  "API" is the request through Django's test Client in this process (URL routing, middleware,
  DRF, JSON; no network and no gunicorn), with hitrec's settings and a cache that keeps nothing
  (`bench/settings_uncached.py`: every detail is built), `DEBUG=0`; it is the figure judged
  for the reads. The remix is judged on the committed service call, which is every write the
  closure and counts need; the request around it (the session, the JSON body, the response's
  fresh read of the work: the same with or without a source) is shown beside it with its
  baseline, the same create with no source. Each
  create commits its transaction (the triggers' writes included; a commit, not a rollback, so
  the WAL flush is in the figure),
  and the run deletes what it created before it ends; the jobs a create queues after its
  commit ({", ".join(f"`{job}`" for job in made.jobs) or "none"}) are not queued (Celery's
  `apply_async` patched out: not the closure's cost, and no worker runs here).

| figure | measured (p50 / p99) | target | result |
|---|---|---|---|
{table}

Storage detail: `contributions_ancestry` {mb(sizes.ancestry_heap)} of table and
{mb(index_bytes)} of indexes ({index_list}); `contributions_lineagecounts`
{mb(sizes.counts_heap)} of table and {counts_index_list}. For scale, the contributions table
with its indexes is {mb(sizes.contributions_total)} and the links' {mb(sizes.links_total)}. A new
work adds one closure row (itself) and one counts row; a link adds a row for each pair it
newly relates: to a new remix, one per ancestor of its source and the source itself.

Where the page reads go (one `EXPLAIN (ANALYZE, BUFFERS)` of each statement `lineage_page` ran):

{plan_lines}

Where the remix's link trigger goes (`hitrec_ancestry_link_added`, each statement it ran for
one link to #{made.sources[0][0]} from a new work, timed by auto_explain; rolled back):

{trigger_lines}
"""


def session_settings(assignments: list[str]) -> None:
    """`SET name = value` on every connection Django opens from now on (a diagnosis)."""
    from django.db import connection
    from django.db.backends.signals import connection_created
    from psycopg import sql as psql

    pairs = []
    for assignment in assignments:
        name, _, value = assignment.partition("=")
        if not name.replace("_", "").replace(".", "").isalnum() or not value:
            sys.exit(f"--pg-set takes NAME=VALUE, not {assignment!r}")
        pairs.append((name, value))
    if not pairs:
        return

    def apply(sender, connection, **kwargs) -> None:
        with connection.cursor() as cursor:
            for name, value in pairs:
                cursor.execute(
                    psql.SQL("SET {} = {}").format(
                        psql.Identifier(*name.split(".")), psql.Literal(value)
                    )
                )

    connection_created.connect(apply, weak=False)
    connection.close()  # the next query opens a connection with them


def depth_profile(depths: list[tuple[int, int]]) -> str:
    return ", ".join(f"{depth}: {count:,}" for depth, count in depths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="contributions to create")
    parser.add_argument("--repeat", type=int, default=300, help="runs of each page read")
    parser.add_argument("--creates", type=int, default=50, help="creates of each kind")
    parser.add_argument("--export-runs", type=int, default=2, help="runs of each export")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--fresh", action="store_true", help="build the database even if kept")
    parser.add_argument(
        "--pg-set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a PostgreSQL setting for every session of the run, to see what a change would do"
        " (e.g. max_parallel_workers_per_gather=0); the section says so",
    )
    parser.add_argument("--no-write", action="store_true", help="print, do not update docs/")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/hitrec_bench_lineage_pages")
    if not urlsplit(url).path.lstrip("/").startswith("hitrec_bench"):
        sys.exit("The benchmark database's name must start with hitrec_bench.")
    url = sized(url, args.size)
    os.environ["DATABASE_URL"] = url  # Django's settings read it

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    if settings.DEBUG:
        sys.exit("Run with DEBUG=0: with DEBUG on, Django keeps every query in memory.")

    built = ensure_database(url, size=args.size, seed=args.seed, fresh=args.fresh)
    session_settings(args.pg_set)  # for the timings, not the build
    run_started = time.perf_counter()
    removed = delete_added(args.size)
    if removed:
        print(f"deleted {removed} works an interrupted run had added", flush=True)
    started = time.perf_counter()
    if again := vacuumed(LOADED_TABLES):
        print(
            f"VACUUM ANALYZE {', '.join(again)}: {time.perf_counter() - started:.0f} s", flush=True
        )
    facts = shape(args.size)
    print(
        f"{args.size:,} works, {facts.links:,} links; the hub #{HUB_ID} has"
        f" {facts.hub_descendants:,} descendants ({facts.hub_closure:,} with tombstones),"
        f" depths {facts.depths[0][0]}-{facts.depths[-1][0]}; {facts.ancestry_rows:,} closure rows",
        flush=True,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('shared_buffers'), current_setting('work_mem')")
        shared_buffers, work_mem = cursor.fetchone()
    others = settle(timeout_s=60)
    load_at_start = os.getloadavg()[0]
    client = Client()
    deep_after = min(DEEP_AFTER, facts.hub_closure * 3 // 4)
    cursor_token = deep_cursor(deep_after)
    deepest = deep_sources()

    first = paged(client, cursor=None, repeat=args.repeat)
    print(f"first page: api {ms(first.api)}, function {ms(first.fn)}", flush=True)
    deep = paged(client, cursor=cursor_token, repeat=args.repeat)
    print(f"deep page: api {ms(deep.api)}, function {ms(deep.fn)}", flush=True)
    up = paged(client, cursor=None, repeat=args.repeat // 2, direction="up", root=deepest[0][0])
    print(f"ancestors page: api {ms(up.api)}, function {ms(up.fn)}", flush=True)

    rng = random.Random(args.seed)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM contributions_contribution WHERE removed_at IS NULL AND id <= %s",
            [args.size],
        )
        present = [row[0] for row in cursor.fetchall()]
    detail_ids = [HUB_ID, *(source for source, _, _ in deepest)]
    detail_ids += rng.sample(present, DETAIL_WORKS - len(detail_ids))
    del present
    counts = detail(client, ids=detail_ids, repeat=args.repeat)
    counts_extra_ms = (counts.api_with.p50 - counts.api_without.p50) * 1e3
    counts_extra_fn_ms = (counts.fn_with.p50 - counts.fn_without.p50) * 1e3
    print(
        f"detail: api {ms(counts.api_with)} vs {ms(counts.api_without)} without counts",
        flush=True,
    )

    growth_found = growth(links=GROWTH_LINKS, seed=args.seed)
    made = creates(sources=deepest, repeat=args.creates)
    print(
        f"creates: api remix {ms(made.api_remix)}, plain {ms(made.api_plain)}; function remix"
        f" {ms(made.fn_remix)}, plain {ms(made.fn_plain)}",
        flush=True,
    )
    removed = delete_added(args.size)
    print(f"deleted the {removed} works this run created", flush=True)
    vacuumed(LOADED_TABLES)
    after_cleanup = shape(args.size)
    assert after_cleanup.ancestry_rows == facts.ancestry_rows, "the cleanup left closure rows"

    exported = export(client, repeat=args.export_runs)
    if isinstance(exported, Export):
        print(f"export: api {ms(exported.api)}, function {ms(exported.fn)}", flush=True)
    else:
        print(f"export: {exported}", flush=True)
    drawn = pictures(client)
    for picture in drawn:
        print(f"picture, {picture.label}: {picture.status}, {ms(picture.api)}", flush=True)
    sizes = storage()
    load_at_end = os.getloadavg()[0]
    run_s = time.perf_counter() - run_started

    body = section(
        args=args, built=built, facts=facts, shared_buffers=shared_buffers, work_mem=work_mem,
        load=(load_at_start, load_at_end), others=others, deep_after=deep_after, cursor_token=cursor_token,
        first=first, deep=deep, up=up, deepest=deepest, counts=counts,
        counts_extra=(counts_extra_ms, counts_extra_fn_ms), made=made, growth=growth_found,
        exported=exported, drawn=drawn, sizes=sizes, run_s=run_s,
    )  # fmt: skip
    print(body)
    if not args.no_write:
        print(f"wrote {update_section(TITLE, body)}")


if __name__ == "__main__":
    main()
