"""The search benchmark's figures: the queries it asks, timed through the API and the functions.

Every series runs its queries in rounds (each query once per round, the API call and the
function alone one after the other), after one untimed pass over all of them in which each
request's statements are counted; p50 / p99 are over all the timed runs of a class.
"""

import gc
import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.bench_lineage import Timing, _timing
from bench.search.data import LICENSE_WEIGHTS, Vocabulary

COMMON_RANKS = (0, 1_000)  # both words among the 1,000 most frequent of the list
RARE_RANKS = (5_000, 60_000)  # both words in this tail band
TYPO_RANKS = (1_000, 30_000)  # the word misspelt: a real word of a title, not too common
TAG_BANDS = {"top 20": (0, 20), "ranks 100-1,000": (100, 1_000), "ranks 2,000-20,000": (2_000, 20_000)}  # fmt: skip
PAGE = 20
_WORD = re.compile(r"\w+")


# --- the queries ------------------------------------------------------------------------------


@dataclass
class Typo:
    typed: str  # the query as typed, one word misspelt
    meant: str  # the same query with the word as it was in the title
    word: str  # the word misspelt, as in the title


@dataclass
class Queries:
    common: list[str]
    rare: list[str]
    typos: list[Typo]
    tags: dict[str, list[tuple[str, str]]]  # band -> (tag, license)


def _sampled_works(rng: random.Random, *, high: int, count: int) -> list[tuple[int, str, str]]:
    """(id, title, description) of `count` random present works."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, title, description FROM contributions_contribution"
            " WHERE id = ANY(%s) AND removed_at IS NULL ORDER BY id",
            [rng.sample(range(1, high + 1), min(count, high))],
        )
        rows = cursor.fetchall()
    rng.shuffle(rows)
    return rows


def two_word_queries(
    words: Vocabulary, rng: random.Random, *, band: tuple[int, int], count: int, high: int
) -> list[str]:
    """`count` different queries of two words of one work's title and description, both of
    rank `band` in the frequency list: each matches that work at least."""
    queries: dict[str, None] = {}
    for _ in range(50):
        for _id, title, description in _sampled_works(rng, high=high, count=4 * count):
            tokens = sorted(
                {
                    token
                    for token in _WORD.findall(f"{title} {description}".lower())
                    if band[0] <= words.rank.get(token, -1) < band[1]
                }
            )
            if len(tokens) >= 2:
                queries.setdefault(" ".join(rng.sample(tokens, 2)))
            if len(queries) == count:
                return list(queries)
    return list(queries)


def _misspelt(word: str, rng: random.Random) -> str:
    """The word with one letter inside it dropped, doubled or swapped with the next."""
    at = rng.randint(1, len(word) - 3)
    edit = rng.choice(("drop", "double", "swap"))
    if edit == "drop":
        return word[:at] + word[at + 1 :]
    if edit == "double":
        return word[: at + 1] + word[at:]
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def typo_queries(words: Vocabulary, rng: random.Random, *, count: int, high: int) -> list[Typo]:
    """Two words of a title, one of them (TYPO_RANKS, six letters or more) misspelt so that the
    query finds nothing as typed (checked), in either order."""
    from contributions.search import _hits
    from hitrec.search import query_parsed

    found: list[Typo] = []
    seen: set[str] = set()
    for _ in range(50):
        for _id, title, description in _sampled_works(rng, high=high, count=4 * count):
            tokens = _WORD.findall(title.lower())
            candidates = [
                t for t in tokens if TYPO_RANKS[0] <= words.rank.get(t, -1) < TYPO_RANKS[1]
            ]
            candidates = [t for t in candidates if len(t) >= 6]
            others = sorted(set(_WORD.findall(f"{title} {description}".lower())) - set(candidates))
            others = [
                t for t in others if words.rank.get(t, 0) >= 100
            ]  # a word that says something
            if not candidates or not others:
                continue
            word, other = rng.choice(candidates), rng.choice(others)
            typo = _misspelt(word, rng)
            if typo in words.rank or typo in seen:
                continue
            pair = [other, typo] if rng.random() < 0.5 else [typo, other]
            typed = " ".join(pair)
            if _hits(query_parsed(typed), 0, 1)[1]:
                continue  # the misspelling is a prefix of something: it would find that
            seen.add(typo)
            found.append(Typo(typed=typed, meant=typed.replace(typo, word), word=word))
            if len(found) == count:
                return found
    return found


def tag_queries(
    words: Vocabulary, rng: random.Random, *, per_band: int
) -> dict[str, list[tuple[str, str]]]:
    """Tags of each popularity band, each with a licence drawn as the works' are."""
    licenses, weights = list(LICENSE_WEIGHTS), list(LICENSE_WEIGHTS.values())
    chosen = {}
    for band, (low, high) in TAG_BANDS.items():
        tags = rng.sample(words.tags[low:high], min(per_band, high - low))
        chosen[band] = [(tag, rng.choices(licenses, weights)[0]) for tag in tags]
    return chosen


def queries_for(words: Vocabulary, *, seed: int, count: int, high: int) -> Queries:
    rng = random.Random(seed)
    return Queries(
        common=two_word_queries(words, rng, band=COMMON_RANKS, count=count, high=high),
        rare=two_word_queries(words, rng, band=RARE_RANKS, count=count, high=high),
        typos=typo_queries(words, rng, count=max(10, count // 2), high=high),
        tags=tag_queries(words, rng, per_band=max(5, count // 5)),
    )


# --- timing -----------------------------------------------------------------------------------


@dataclass
class Series:
    """Per-query samples of each way of asking (an API call, a function)."""

    samples: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # way -> q -> s
    queries: dict[str, list[int]] = field(default_factory=dict)  # way -> statements per call
    answers: dict[str, dict[str, object]] = field(default_factory=dict)  # way -> q -> facts

    def timing(self, way: str, keys: list[str] | None = None) -> Timing:
        kept = self.samples[way]
        return _timing([s for key in (keys or list(kept)) for s in kept[key]])

    def median_query(self, way: str) -> str:
        """The query whose own median is the middle one."""
        kept = self.samples[way]
        ranked = sorted(kept, key=lambda key: sorted(kept[key])[len(kept[key]) // 2])
        return ranked[len(ranked) // 2]

    def slowest_queries(self, way: str, count: int = 1) -> list[str]:
        """The queries whose own median is highest, slowest first."""
        kept = self.samples[way]
        return sorted(kept, key=lambda key: -sorted(kept[key])[len(kept[key]) // 2])[:count]


def statements(fn: Callable[[], object]) -> list[str]:
    """The statements `fn` ran, with their parameters in place."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return [query["sql"] for query in captured]


def rounds(
    ways: dict[str, Callable[[str], object]],
    keys: list[str],
    *,
    repeat: int,
    facts: Callable[[str, object], object] | None = None,
) -> Series:
    """Each of `keys` asked each way, `repeat` rounds, after an untimed pass that counts each
    call's statements and keeps `facts(way, answer)` of its answer."""
    series = Series()
    for way, fn in ways.items():
        series.samples[way] = {key: [] for key in keys}
        series.queries[way] = []
        series.answers[way] = {}
        for key in keys:
            kept: list[object] = []
            asked = statements(lambda fn=fn, key=key, kept=kept: kept.append(fn(key)))
            series.queries[way].append(len(asked))
            if facts is not None:
                series.answers[way][key] = facts(way, kept[0])
    gc.collect()
    for _ in range(repeat):
        for key in keys:
            for way, fn in ways.items():
                started = time.perf_counter()
                fn(key)
                series.samples[way][key].append(time.perf_counter() - started)
    return series


# --- the ways of asking -----------------------------------------------------------------------


def search_api(client, *, section: str | None = "contributions") -> Callable[[str], object]:
    def ask(q: str) -> object:
        response = client.get("/api/search/", {"q": q} | ({"section": section} if section else {}))
        assert response.status_code == 200, response.content[:300]
        return response

    return ask


def search_function(q: str) -> object:
    from contributions.search import works_search
    from hitrec.search import query_parsed

    return works_search(query=query_parsed(q), limit=PAGE)


def page_statement(q: str) -> object:
    """The search's page statement alone (window, ranking, highlights, count), as
    `works_search` runs it first."""
    from contributions.search import _hits
    from hitrec.search import query_parsed

    return _hits(query_parsed(q), 0, PAGE)


def list_api(client) -> Callable[[str], object]:
    def ask(params: str) -> object:
        response = client.get(f"/api/contributions/?{params}")
        assert response.status_code == 200, response.content[:300]
        return response

    return ask


def found_facts(_way: str, answer) -> dict:
    """What a search answered: how many (capped or not), results, a highlight, a correction."""
    if hasattr(answer, "found"):  # WorksFound
        return {"count": answer.count, "capped": answer.capped, "results": len(answer.found),
                "corrected": answer.corrected.typed() if answer.corrected else None}  # fmt: skip
    body = json.loads(answer.content)
    if "contributions" in body:
        works = body["contributions"]
        return {
            "count": works["count"],
            "capped": works["capped"],
            "results": len(works["results"]),
            "marked": sum("<mark>" in r["highlight"]["title"] + r["highlight"]["snippet"]
                          for r in works["results"]),
            "corrected": body.get("corrected"),
        }  # fmt: skip
    return {"count": body["count"], "capped": False, "results": len(body["results"])}


def tag_facts(way: str, answer) -> dict | None:
    """What a tag and licence read answered (the API's body; the function's count and page)."""
    if way == "api":
        return found_facts(way, answer)
    if way == "fn":
        return {"count": answer[0], "capped": False, "results": len(answer[1])}
    return None


# --- the baseline: the old list API's search --------------------------------------------------


def baseline_queryset(q: str):
    """The list API's search before issue 23, word by word: each word in the title or the
    description (`icontains`), present works, newest first, as the old list read them."""
    from django.db.models import Q

    from contributions.models import Contribution

    qs = (
        Contribution.objects.select_related("author", "lineage_counts")
        .defer("text")
        .filter(removed_at__isnull=True)
    )
    for word in q.split():
        qs = qs.filter(Q(title__icontains=word) | Q(description__icontains=word))
    return qs.order_by("-created_at", "-id")


def baseline(q: str) -> tuple[int, int]:
    """The old list's first page of PAGE and its count: its two statements."""
    qs = baseline_queryset(q)
    return len(list(qs[:PAGE])), qs.count()


def baseline_statements(q: str) -> list[str]:
    """The baseline's two statements for `q`, its words shown as w1, w2."""
    found = statements(lambda: baseline(q))
    for number, word in enumerate(q.split(), start=1):
        found = [statement.replace(f"%{word}%", f"%w{number}%") for statement in found]
    return found


# --- where the time goes ------------------------------------------------------------------------


def plan_summary(statement: str) -> str:
    """One EXPLAIN (ANALYZE, BUFFERS) run of a statement: its times, buffers, and the plan's
    nodes that took the most time of their own."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement)
        plan = cursor.fetchone()[0]
    plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]
    top = plan["Plan"]
    hit, read = top.get("Shared Hit Blocks", 0), top.get("Shared Read Blocks", 0)
    nodes: list[tuple[float, str]] = []
    # A CTE's plan is a child of the node that defines it, and its time is counted again in
    # the CTE Scan that first reads it: that scan's own time leaves it out.
    ctes: dict[str, float] = {}

    def find_ctes(node: dict) -> None:
        if node.get("Subplan Name", "").startswith("CTE "):
            ctes[node["Subplan Name"][4:]] = node.get("Actual Total Time", 0.0)
        for child in node.get("Plans", []):
            find_ctes(child)

    def walk(node: dict) -> float:
        loops = node.get("Actual Loops", 1) or 1
        total = node.get("Actual Total Time", 0.0) * loops
        children = sum(walk(child) for child in node.get("Plans", []))
        children += (
            ctes.get(node.get("CTE Name", ""), 0.0) if node["Node Type"] == "CTE Scan" else 0.0
        )
        label = node["Node Type"]
        if node.get("Relation Name"):
            label += f" on {node['Relation Name']}"
        if node.get("Index Name"):
            label += f" using {node['Index Name']}"
        if node.get("Subplan Name"):
            label += f" ({node['Subplan Name']})"
        rows = node.get("Actual Rows", 0) * loops
        extra = ""
        if node.get("Rows Removed by Filter"):
            extra = f", {node['Rows Removed by Filter'] * loops:,} removed by its filter"
        if node.get("Rows Removed by Index Recheck"):
            extra += f", {node['Rows Removed by Index Recheck'] * loops:,} removed by the recheck"
        if node.get("Exact Heap Blocks") or node.get("Lossy Heap Blocks"):
            extra += f", {node.get('Exact Heap Blocks', 0):,} heap blocks"
            if node.get("Lossy Heap Blocks"):
                extra += f" and {node['Lossy Heap Blocks']:,} lossy"
        nodes.append((max(total - children, 0.0), f"{label} ({rows:,} rows{extra})"))
        return total

    find_ctes(top)
    walk(top)
    costly = sorted(nodes, reverse=True)[:3]
    parts = "; ".join(f"{label} {own:.2f} ms" for own, label in costly)
    return (
        f"{plan['Execution Time']:.2f} ms executing, {plan['Planning Time']:.2f} ms planning,"
        f" {hit + read:,} buffers ({read:,} read); most time of their own: {parts}"
    )


@dataclass
class Sizes:
    tables: dict[str, tuple[int, int, list[tuple[str, int]]]]  # table -> heap, TOAST, indexes


def sizes(tables: tuple[str, ...]) -> Sizes:
    from django.db import connection

    found = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                "SELECT pg_relation_size(c.oid), coalesce(pg_total_relation_size(NULLIF(c.reltoastrelid, 0)), 0)"
                " FROM pg_class c WHERE c.oid = %s::regclass",
                [table],
            )
            heap, toast = cursor.fetchone()
            cursor.execute(
                "SELECT c.relname, pg_relation_size(c.oid) FROM pg_index i"
                " JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass"
                " ORDER BY c.relname",
                [table],
            )
            found[table] = (heap, toast, cursor.fetchall())
    return Sizes(tables=found)


def window_alone(q: str) -> int:
    """The first step of the search's page statement alone: the ids of the newest WINDOW + 1
    works matching `q`, read as the search reads them (`hitrec_newest_matches`; its `hits`,
    less the heads it keeps for ranking)."""
    from django.db import connection

    from contributions.search import SAMPLE, WALK, WINDOW
    from hitrec.search import query_parsed, tsquery_sql

    expression, params = tsquery_sql(query_parsed(q))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM hitrec_newest_matches({expression}, %s, %s, %s)",
            [*params, WINDOW + 1, SAMPLE, WALK],
        )
        return cursor.fetchone()[0]


def tag_function(params: str) -> object:
    """The list's read for `?tag=…&license=…` without the HTTP layer: its count and page."""
    works = _tag_list(params)
    return works.count(), list(works[:PAGE])


def _tag_list(params: str):
    from urllib.parse import parse_qs

    from contributions.selectors import contribution_list

    asked = parse_qs(params)
    return contribution_list(tags=asked["tag"], license=asked["license"][0])


def tag_count(params: str) -> int:
    return _tag_list(params).count()


def tag_page(params: str) -> list:
    return list(_tag_list(params)[:PAGE])


# --- what another design or setting would do (diagnoses, in the same run) ---------------------


def window_of(size: int) -> Callable[[str], object]:
    """The first step as PostgreSQL's planner would read it: the ids of the newest `size`
    matching works by one `ORDER BY … LIMIT`, walking the newest documents or reading every
    match from the index as it estimates cheaper (the search's first step before
    `hitrec_newest_matches`)."""

    def first_step(q: str) -> int:
        from django.db import connection

        from hitrec.search import query_parsed, tsquery_sql

        expression, params = tsquery_sql(query_parsed(q))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT d.contribution_id FROM contributions_searchdocument d"
                f" WHERE d.document @@ {expression} ORDER BY d.contribution_id DESC LIMIT %s",
                [*params, size],
            )
            return len(cursor.fetchall())

    return first_step


def with_work_mem(fn: Callable[[str], object], work_mem: str) -> Callable[[str], object]:
    """`fn` run with the session's work_mem set to `work_mem` (SET and RESET in the timing)."""

    def run(q: str) -> object:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(f"SET work_mem = '{work_mem}'")
            try:
                return fn(q)
            finally:
                cursor.execute("RESET work_mem")

    return run


LICENSE_INDEX = (
    "CREATE INDEX bench_license_works ON contributions_contribution (license, id)"
    " WHERE removed_at IS NULL"
)


def counts_with_license_index(keys: list[str], *, repeat: int) -> tuple[Series, float]:
    """The tag and licence counts with an index on (license, id) of present works, made in a
    transaction that is rolled back (so the kept database stays as the migrations make it);
    and the seconds the index took to build."""
    from django.db import connection, transaction

    with transaction.atomic():
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(LICENSE_INDEX)
        built = time.perf_counter() - started
        series = rounds({"count": tag_count}, keys, repeat=repeat)
        transaction.set_rollback(True)
    return series, built
