"""The search benchmark's database: works with realistic text and tags, built once and kept.

Words are drawn from wordfreq's English frequency list with its frequencies (Zipf's law as
it is in real text, stop words included: `hitrec`'s configuration keeps every word), tags
from a vocabulary of TAG_VOCABULARY with Zipf-Mandelbrot weights (a few tags on a tenth of
the works, most on a handful). Loaded with COPY with the triggers off, then the search
documents derived by `search_documents_rebuild()`, as a restore would.
"""

import itertools
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from bench.bench_lineage import constant_columns, copy_lines, recreate_database, timestamp
from bench.common import bulk_load
from contributions.tag_facts import TAG_COUNTS_REFILL

GENERATOR_VERSION = 1
MARKER = "search"
# The apps whose tables, triggers and text search configuration the kept database is made
# of: a migration of theirs it does not have means building it again. Other apps' new
# migrations are applied to it.
MARKED_APPS = ("contributions", "hitrec")
# Their migrations that change no table, row or trigger (a read-only function): applied to a
# kept database like other apps' migrations, not a reason to build it again.
APPLIED_TO_KEPT = {"contributions.0013_search_newest_matches"}

WORD_LIST = 100_000  # wordfreq's most frequent English words read; those of letters kept
AUTHORS = 3_000
TAG_VOCABULARY = 20_000
TAGS_PER_WORK = 10
SINGLE_WORD_TAGS = 5_000  # the most popular tags are single words ("ambient"), then pairs
TAG_WORDS_FROM = 150  # tags are made of words past the most frequent (no "the" tag)
TAG_PAIR_WORDS = 3_000  # a two-word tag's words are among the TAG_PAIR_WORDS most frequent
TAG_ZIPF_OFFSET = 10  # weight of the tag of rank r: 1 / (r + TAG_ZIPF_OFFSET)
TITLE_WORDS = (2, 6)
DESCRIPTION_WORDS = (0, 60)
BODY_WORDS = (300, 3_000)
KIND_WEIGHTS = {"audio": 0.55, "image": 0.25, "video": 0.15, "text": 0.05}
LICENSE_WEIGHTS = {
    "hitrec": 0.35, "cc-by": 0.15, "cc-by-sa": 0.12, "cc0": 0.08, "cc-by-nc": 0.12,
    "cc-by-nc-sa": 0.08, "cc-by-nd": 0.04, "all-rights-reserved": 0.06,
}  # fmt: skip
MIMES = {"audio": "audio/mpeg", "image": "image/jpeg", "video": "video/mp4", "text": "text/plain"}
TOMBSTONE_EVERY = 200  # one work in 200 was removed by its author (no search document)

LOADED_TABLES = (
    "accounts_user",
    "contributions_contribution",
    "contributions_contributiontag",
)
SEARCH_TABLES = ("contributions_searchdocument", "contributions_searchword")
TAG_TABLE = "contributions_contributiontag"
COUNT_TABLE = "contributions_tagcount"  # kept from the tag rows (contributions/tag_facts.py)


@dataclass
class Vocabulary:
    """The words, most frequent first, and the tags, most popular first, with the
    cumulative weights `random.choices` draws them by."""

    words: list[str]
    cumulative: list[float]
    tags: list[str]
    tag_cumulative: list[float]
    rank: dict[str, int] = field(default_factory=dict)  # word -> its place in `words`

    def draw(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cumulative, k=k)

    def draw_tags(self, rng: random.Random) -> list[str]:
        """TAGS_PER_WORK distinct tags, in the order drawn."""
        chosen: dict[str, None] = {}
        while len(chosen) < TAGS_PER_WORK:
            drawn = rng.choices(self.tags, cum_weights=self.tag_cumulative, k=TAGS_PER_WORK)
            chosen.update(dict.fromkeys(drawn))
        return list(chosen)[:TAGS_PER_WORK]


def vocabulary() -> Vocabulary:
    """wordfreq's English list (words of letters only) and a tag vocabulary made of it."""
    from wordfreq import top_n_list, word_frequency

    words = [word for word in top_n_list("en", WORD_LIST) if word.isalpha()]
    cumulative = list(itertools.accumulate(word_frequency(word, "en") for word in words))
    content = [word for word in words[TAG_WORDS_FROM:] if len(word) >= 3]
    tags = content[:SINGLE_WORD_TAGS]
    pairs = random.Random(20_000)  # the tag vocabulary does not depend on the run's seed
    seen = set(tags)
    while len(tags) < TAG_VOCABULARY:
        tag = f"{pairs.choice(content[:TAG_PAIR_WORDS])}-{pairs.choice(content[:TAG_PAIR_WORDS])}"
        if tag not in seen:
            seen.add(tag)
            tags.append(tag)
    tag_cumulative = list(
        itertools.accumulate(1 / (rank + TAG_ZIPF_OFFSET) for rank in range(1, len(tags) + 1))
    )
    return Vocabulary(
        words=words,
        cumulative=cumulative,
        tags=tags,
        tag_cumulative=tag_cumulative,
        rank={word: rank for rank, word in enumerate(words)},
    )


# --- the kept database ------------------------------------------------------------------------


def sized(url: str, size: int) -> str:
    """The URL's database at the issue's size, `<name>_<size>` at others (`--quick`), so a
    small run never replaces the kept one."""
    if size == 1_000_000:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"{parts.path}_{size}"))


def marked_migrations(names: list[str] | None = None) -> list[str]:
    """The migrations of MARKED_APPS among `names`, or as the code has them."""
    from django.db.migrations.loader import MigrationLoader

    if names is None:
        loader = MigrationLoader(None, ignore_no_migrations=True)
        names = [f"{app}.{name}" for app, name in loader.disk_migrations]
    return sorted(
        name for name in names if name.split(".")[0] in MARKED_APPS and name not in APPLIED_TO_KEPT
    )


def wanted_marker(*, size: int, seed: int) -> dict:
    return {
        "generator": GENERATOR_VERSION,
        "size": size,
        "seed": seed,
        "wordfreq": version("wordfreq"),  # its list is the text's source
        "migrations": marked_migrations(),
    }


def stored_marker(url: str) -> dict | None:
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT value FROM bench_marker WHERE name = %s", [MARKER]
            ).fetchone()
    except psycopg.Error:
        return None
    return json.loads(row[0]) if row else None


@dataclass
class Generated:
    text_works: int = 0
    body_words: int = 0
    described_words: int = 0  # in titles and descriptions
    tag_rows: int = 0


def generate(conn: psycopg.Connection, *, size: int, seed: int, words: Vocabulary) -> Generated:
    """COPY the authors, the works and their tags (every user trigger off: bulk_load turns
    off the contribution table's, this the tag table's, whose statement trigger would
    otherwise refresh every work's document at the end of the COPY)."""
    facts = Generated()
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
    names = words.words[TAG_WORDS_FROM : TAG_WORDS_FROM + 5_000]

    def user_lines() -> Iterator[str]:
        for i in range(1, AUTHORS + 1):
            first, second = rng.choice(names), rng.choice(names)
            row = users | {
                "id": str(i),
                "username": f"{first}{i}",
                "email": f"artist{i}@example.org",
                "display_name": f"{first.capitalize()} {second.capitalize()}",
            }
            yield "\t".join(row[c] for c in user_columns) + "\n"

    copy_lines(conn, table="accounts_user", columns=user_columns, lines=user_lines(), total=AUTHORS)

    varying = [
        "id", "author_id", "kind", "title", "description", "license", "text", "mime",
        "duration_s", "width", "height", "created_at", "updated_at", "removed_at",
    ]  # fmt: skip
    works = constant_columns(
        conn,
        table="contributions_contribution",
        given=dict.fromkeys(varying, "")
        | {
            "file": "", "original_name": "", "bytes": "0", "sha256": "", "codec": "",
            "metadata": "{}", "status": "ready", "error": "", "progress_stage": "",
            "progress_percent": "100", "processing_since": timestamp(0),
            "processing_interrupted": "0",
        },
    )  # fmt: skip
    constant = "\t".join(value for name, value in works.items() if name not in varying)
    work_columns = varying + [name for name in works if name not in varying]
    kinds, kind_weights = list(KIND_WEIGHTS), list(itertools.accumulate(KIND_WEIGHTS.values()))
    licenses = list(LICENSE_WEIGHTS)
    license_weights = list(itertools.accumulate(LICENSE_WEIGHTS.values()))

    work_licenses: list[str] = []  # each work's, for its tag rows (contributions/tag_facts.py)

    def work_lines() -> Iterator[str]:
        for i in range(1, size + 1):
            kind = rng.choices(kinds, cum_weights=kind_weights)[0]
            license = rng.choices(licenses, cum_weights=license_weights)[0]
            work_licenses.append(license)
            title = " ".join(words.draw(rng, rng.randint(*TITLE_WORDS))).capitalize()
            described = rng.randint(*DESCRIPTION_WORDS)
            description = (
                (" ".join(words.draw(rng, described)).capitalize() + ".") if described else ""
            )
            facts.described_words += described + len(title.split())
            body = ""
            if kind == "text":
                drawn = rng.randint(*BODY_WORDS)
                body = " ".join(words.draw(rng, drawn)).capitalize() + "."
                facts.text_works += 1
                facts.body_words += drawn
            duration = f"{rng.uniform(5, 600):.1f}" if kind in ("audio", "video") else r"\N"
            width, height = ("1920", "1080") if kind in ("image", "video") else (r"\N", r"\N")
            created = timestamp(i)
            removed = timestamp(i + 2880) if i % TOMBSTONE_EVERY == 7 else r"\N"
            yield (
                f"{i}\t{rng.randint(1, AUTHORS)}\t{kind}\t{title}\t{description}\t{license}\t{body}"
                f"\t{MIMES[kind]}\t{duration}\t{width}\t{height}\t{created}\t{created}\t{removed}"
                f"\t{constant}\n"
            )

    copy_lines(
        conn, table="contributions_contribution", columns=work_columns, lines=work_lines(),
        total=size,
    )  # fmt: skip

    tag_rng = random.Random(seed + 1)  # a stream of its own: the works' draws stay as they are

    def tag_lines() -> Iterator[str]:
        tag_id = 0
        for work in range(1, size + 1):
            # The work's facts as the tag rows' trigger (off here) would copy them.
            license, created = work_licenses[work - 1], timestamp(work)
            listed = "f" if work % TOMBSTONE_EVERY == 7 else "t"
            for tag in words.draw_tags(tag_rng):
                tag_id += 1
                yield f"{tag_id}\t{work}\t{tag}\t{license}\t{created}\t{listed}\n"
        facts.tag_rows = tag_id

    conn.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(sql.Identifier(TAG_TABLE)))
    try:
        copy_lines(
            conn, table=TAG_TABLE,
            columns=["id", "contribution_id", "name", "license", "created_at", "listed"],
            lines=tag_lines(), total=size * TAGS_PER_WORK,
        )  # fmt: skip
    finally:
        conn.execute(
            sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(sql.Identifier(TAG_TABLE))
        )
    # The counts per (tag, licence) its triggers (off for the COPY) would have kept.
    for statement in TAG_COUNTS_REFILL:
        conn.execute(statement)
    for table in LOADED_TABLES:
        conn.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence({}, 'id'), (SELECT max(id) FROM {}))"
            ).format(sql.Literal(table), sql.Identifier(table))
        )
    return facts


def ensure_database(url: str, *, size: int, seed: int, fresh: bool) -> dict:
    """Build the database unless one with a matching marker exists; return the marker (with
    the build's timings and facts, from when it was built)."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from contributions.search_document import search_documents_rebuild

    wanted = wanted_marker(size=size, seed=seed)
    stored = stored_marker(url)
    if stored:
        stored["migrations"] = marked_migrations(stored.get("migrations", []))
    if not fresh and stored and all(stored.get(key) == value for key, value in wanted.items()):
        print(f"reusing the database built {stored['built_at']} (marker matches)", flush=True)
        call_command("migrate", verbosity=0, interactive=False)
        return stored | {"reused": True}

    print("building the database (no matching marker)", flush=True)
    connection.close()  # the database is dropped under it
    recreate_database(url)
    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    words = vocabulary()
    generated: list[Generated] = []
    # The lineage closure and counts derived too: the list API reads each work's counts (one
    # closure row and one zero counts row per work, as there are no links).
    loaded = bulk_load(
        url,
        lambda conn: generated.append(generate(conn, size=size, seed=seed, words=words)),
        vacuum=(*LOADED_TABLES, COUNT_TABLE),
    )
    facts = generated[0]

    print("search_documents_rebuild() ...", flush=True)
    rebuild_started = last = time.perf_counter()

    def progress(done: int, total: int) -> None:
        nonlocal last
        now = time.perf_counter()
        if now - last >= 10 or done == total:
            last = now
            elapsed = now - rebuild_started
            print(
                f"  search_documents_rebuild: batch {done}/{total} ({done / total:.0%}),"
                f" {elapsed:.0f} s, about {elapsed / done * (total - done):.0f} s left",
                flush=True,
            )

    with transaction.atomic():
        search_documents_rebuild(progress=progress)
    rebuild_s = time.perf_counter() - rebuild_started
    vacuum_started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        for table in SEARCH_TABLES:
            conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
    vacuum_s = time.perf_counter() - vacuum_started
    marker = wanted | {
        "built_at": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "load_s": round(loaded.load_s, 1),
        "analyze_s": round(loaded.analyze_s, 1),
        "lineage_s": round((loaded.rebuild_s or 0) + loaded.vacuum_s, 1),
        "search_rebuild_s": round(rebuild_s, 1),
        "search_vacuum_s": round(vacuum_s, 1),
        "total_s": round(time.perf_counter() - started, 1),
        "text_works": facts.text_works,
        "body_words": facts.body_words,
        "described_words": facts.described_words,
        "tag_rows": facts.tag_rows,
        "word_list": len(words.words),
    }
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_marker (name text PRIMARY KEY, value text NOT NULL)")
        conn.execute("INSERT INTO bench_marker VALUES (%s, %s)", [MARKER, json.dumps(marker)])
    print(
        f"built in {marker['total_s']:.0f} s: COPY {loaded.load_s:.0f} s, lineage"
        f" {marker['lineage_s']:.0f} s, search_documents_rebuild {rebuild_s:.0f} s",
        flush=True,
    )
    return marker | {"reused": False}


def vacuumed(tables: tuple[str, ...]) -> list[str]:
    """VACUUM ANALYZE those of `tables` whose visibility map covers under 90% of their pages
    or that have dead rows (a VACUUM run while an older snapshot was open elsewhere cannot
    set the map; index-only scans then read the table); returns their names."""
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


def check_name(url: str) -> None:
    if not urlsplit(url).path.lstrip("/").startswith("hitrec_bench"):
        sys.exit("The benchmark database's name must start with hitrec_bench.")
