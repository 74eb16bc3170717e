"""Benchmark: full-text search, tags and filters at a million works, against `icontains` (issue 23).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hitrec_bench_search \\
    SECRET_KEY=hitrec-benchmarks-only-not-a-secret DEBUG=0 \\
        .venv/bin/python bench/bench_search.py [--size 1000000] [--fresh] [--no-write]

Builds (or reuses) a database of `--size` works with realistic text: titles, descriptions and
the bodies of text works drawn from a word-frequency list, ten tags each from a vocabulary of
20,000 (bench/search/data.py). Then, in the same run, through the API (Django's test Client,
in this process, DEBUG off) and the functions alone (bench/search/measure.py):

* two-word searches of common and of rare words: `GET /api/search/?section=contributions`
  (the judged figure), the default all-sections call, and the list API's `?search=`;
* a tag and a licence: `GET /api/contributions/?tag=…&license=…`, by the tag's popularity;
* a misspelt word that finds nothing, so the trigram correction runs;
* the old `icontains` search on the same queries (the baseline), and the speed-up;
* the sizes of the documents, the vocabulary, the tags and their indexes, and EXPLAIN
  (ANALYZE, BUFFERS) of the statements of typical and slowest queries;
* diagnoses: the window read by PostgreSQL's planner alone (this size and the old 1,000),
  more work_mem, an index on (license, id) (made in a transaction that is rolled back).

The database is kept between runs: a marker row says what it holds (bench/search/data.py),
and `--fresh` builds it again; the benchmark leaves nothing in it. A run at another size uses
`<name>_<size>`. Writes the "Search" section of docs/benchmarks.md.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Hitrec's settings with a cache that keeps nothing: the list API's reads are cached
# otherwise, and the figure is the read's.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_uncached")
os.environ.setdefault("DEBUG", "0")

from bench.common import machine_description, server_env, settle, update_section  # noqa: E402
from bench.search import data, measure, report  # noqa: E402

os.environ.update(server_env(DJANGO_SETTINGS_MODULE=os.environ["DJANGO_SETTINGS_MODULE"]))

TITLE = "Search"


def table_facts(words: data.Vocabulary) -> dict:
    from django.db import connection

    def one(statement: str, params: list | None = None) -> int:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchone()[0]

    works = one("SELECT count(*) FROM contributions_contribution")
    tag_count = "SELECT count(*) FROM contributions_contributiontag WHERE name = %s"
    return {
        "present": one("SELECT count(*) FROM contributions_contribution WHERE removed_at IS NULL"),
        "documents": one("SELECT count(*) FROM contributions_searchdocument"),
        "words": one("SELECT count(*) FROM contributions_searchword"),
        "tag_rows": one("SELECT count(*) FROM contributions_contributiontag"),
        "top_tag_share": one(tag_count, [words.tags[0]]) / works,
        "tag_100_share": one(tag_count, [words.tags[99]]) / works,
        "tag_10000": one(tag_count, [words.tags[9_999]]),
    }


def plans(results: report.Results) -> list[tuple[str, list[tuple[str, str]]]]:
    """EXPLAIN (ANALYZE, BUFFERS) of the statements of a typical and the slowest query of each
    kind, labelled."""
    found = []

    def explain(title: str, fn, labels: list[str]) -> None:
        statements = measure.statements(fn)
        names = labels[: len(statements)]
        names += [f"statement {i + 1}" for i in range(len(names), len(statements))]
        found.append(
            (title, [(n, measure.plan_summary(s)) for n, s in zip(names, statements, strict=True)])
        )

    search_labels = ["the page (window, ranking, highlights, count)", "the works and their authors"]
    for cls, slowest in (("common", 3), ("rare", 1)):
        series = results.two[cls]
        picked = [("typical", series.median_query("api"))]
        picked += [("slowest", q) for q in series.slowest_queries("api", slowest)]
        for which, q in picked:
            explain(
                f"two {cls} words, a {which} query (`{q}`; works_search)",
                lambda q=q: measure.search_function(q),
                search_labels,
            )
    q = results.typos.median_query("api")
    explain(
        f"typo fallback, the typical query (`{q}`)",
        lambda: measure.search_function(q),
        ["the page, nothing found", "the nearest words (trigrams)", "the page, corrected",
         "the works and their authors"],
    )  # fmt: skip
    for band, series in results.tags.items():
        key = series.median_query("api")
        explain(
            f"tag and licence, {band}, the typical query (`{key}`; contribution_list, count and page)",
            lambda key=key: measure.tag_function(key),
            ["the count", "the page", "its sources", "its renditions", "its tags"],
        )
    for cls in ("common", "rare"):
        q = results.old_keys[cls][0]
        explain(
            f"baseline, two {cls} words (`{q}`)",
            lambda q=q: measure.baseline(q),
            ["the page", "the count"],
        )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="contributions to create")
    parser.add_argument("--queries", type=int, default=100, help="different queries of each kind")
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds over the queries")
    parser.add_argument("--baseline", type=int, default=10, help="baseline queries of each kind")
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--fresh", action="store_true", help="build the database even if kept")
    parser.add_argument("--no-write", action="store_true", help="print, do not update docs/")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/hitrec_bench_search")
    data.check_name(url)
    url = data.sized(url, args.size)
    os.environ["DATABASE_URL"] = url  # Django's settings read it

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from contributions.search import WINDOW

    if settings.DEBUG:
        sys.exit("Run with DEBUG=0: with DEBUG on, Django keeps every query in memory.")
    print(f"database {urlsplit(url).path.lstrip('/')}", flush=True)
    built = data.ensure_database(url, size=args.size, seed=args.seed, fresh=args.fresh)
    run_started = time.perf_counter()
    if again := data.vacuumed(data.LOADED_TABLES + data.SEARCH_TABLES):
        print(f"VACUUM ANALYZE {', '.join(again)}", flush=True)
    words = data.vocabulary()
    facts = table_facts(words)
    print(f"{facts}", flush=True)
    queries = measure.queries_for(words, seed=args.seed, count=args.queries, high=args.size)
    print(
        f"queries: {len(queries.common)} common, {len(queries.rare)} rare, {len(queries.typos)}"
        f" typos, {sum(map(len, queries.tags.values()))} tag and licence",
        flush=True,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('shared_buffers'), current_setting('work_mem')")
        shared_buffers, work_mem = cursor.fetchone()
    others = settle(timeout_s=120)
    load_at_start = os.getloadavg()[0]
    client = Client()

    two, listed = {}, {}
    for cls, asked in (("common", queries.common), ("rare", queries.rare)):
        two[cls] = measure.rounds(
            {
                "api": measure.search_api(client),
                "fn": measure.search_function,
                "page": measure.page_statement,
                "window": measure.window_alone,
            },
            asked,
            repeat=args.repeat,
            facts=lambda way, answer: (
                measure.found_facts(way, answer) if way in ("api", "fn") else None
            ),
        )
        print(
            f"two {cls} words: api {report.ms(two[cls].timing('api'))}, function"
            f" {report.ms(two[cls].timing('fn'))}, window {report.ms(two[cls].timing('window'))}",
            flush=True,
        )
        listed[cls] = measure.rounds(
            {"list": measure.list_api(client)},
            [urlencode({"search": q}) for q in asked],
            repeat=max(1, args.repeat - 1),
            facts=measure.found_facts,
        )
        print(f"list search, {cls}: {report.ms(listed[cls].timing('list'))}", flush=True)
    # What the planner's own choice would do with this window and with the old one, and
    # more work_mem, on the common queries (diagnoses).
    diagnosis = measure.rounds(
        {
            "planner": measure.window_of(WINDOW + 1),
            "planner_old": measure.window_of(report.OLD_WINDOW + 1),
            "page_work_mem": measure.with_work_mem(measure.page_statement, report.WORK_MEM),
        },
        queries.common,
        repeat=args.repeat,
    )
    print(
        f"diagnosis: the planner's window of {WINDOW} {report.ms(diagnosis.timing('planner'))},"
        f" of {report.OLD_WINDOW} {report.ms(diagnosis.timing('planner_old'))}, page with"
        f" work_mem {report.WORK_MEM} {report.ms(diagnosis.timing('page_work_mem'))}",
        flush=True,
    )
    every = measure.rounds(
        {"api": measure.search_api(client, section=None)},
        queries.common + queries.rare,
        repeat=1,
        facts=measure.found_facts,
    )
    print(f"all sections: {report.ms(every.timing('api'))}", flush=True)

    tags = {}
    for band, pairs in queries.tags.items():
        tags[band] = measure.rounds(
            {
                "api": measure.list_api(client),
                "fn": measure.tag_function,
                "count": measure.tag_count,
                "page": measure.tag_page,
            },
            [urlencode({"tag": tag, "license": license}) for tag, license in pairs],
            repeat=args.repeat,
            facts=measure.tag_facts,
        )
        print(f"tag and licence, {band}: {report.ms(tags[band].timing('api'))}", flush=True)

    tag_keys = [key for series in tags.values() for key in series.samples["api"]]
    indexed, index_s = measure.counts_with_license_index(tag_keys, repeat=args.repeat)
    print(f"counts with a (license, id) index: {report.ms(indexed.timing('count'))}", flush=True)

    typos = measure.rounds(
        {"api": measure.search_api(client), "fn": measure.search_function},
        [typo.typed for typo in queries.typos],
        repeat=args.repeat,
        facts=measure.found_facts,
    )
    print(f"typos: {report.ms(typos.timing('api'))}", flush=True)

    # The baseline on a sample of the same queries, once each after one warm-up run: each
    # reads the whole table.
    rng = random.Random(args.seed)
    old_keys = {
        cls: rng.sample(asked, min(args.baseline, len(asked)))
        for cls, asked in (("common", queries.common), ("rare", queries.rare))
    }
    old_statements = measure.baseline_statements(old_keys["common"][0])
    old = measure.Series(samples={"old": {}})
    for key in old_keys["common"] + old_keys["rare"]:
        started = time.perf_counter()
        measure.baseline(key)
        old.samples["old"][key] = [time.perf_counter() - started]
    print(
        f"baseline: common {report.ms(old.timing('old', old_keys['common']))},"
        f" rare {report.ms(old.timing('old', old_keys['rare']))}",
        flush=True,
    )
    load_at_end = os.getloadavg()[0]
    results = report.Results(
        args=args, machine=machine_description(), built=built, facts=facts, queries=queries,
        shared_buffers=shared_buffers, work_mem=work_mem, others=others,
        load=(load_at_start, load_at_end), two=two, every=every, listed=listed, typos=typos,
        tags=tags, diagnosis=diagnosis, indexed=indexed, index_s=index_s, old=old, old_keys=old_keys, old_statements=old_statements,
        sizes=measure.sizes(
            ("contributions_searchdocument", "contributions_searchword",
             "contributions_contributiontag", "contributions_contribution")
        ),
    )  # fmt: skip
    results.plans = plans(results)
    results.run_s = time.perf_counter() - run_started
    body = report.section(results)
    print(body)
    if not args.no_write:
        print(f"wrote {update_section(TITLE, body)}")


if __name__ == "__main__":
    main()
