"""Full-text search over public works, on PostgreSQL's tsvector or SQLite's FTS5, behind one API.

Two entry points, the same matching and ranking on both databases:

- `works_search`: a page of the search results, with highlights, the count and, when the
  words typed found nothing, the same search with mistyped words corrected. One query for
  the page, one for the works; two more for a correction.
- `works_matching`: a queryset of works narrowed to a search and annotated with its rank,
  for the list API's `?search=` (contributions.selectors.contribution_list), which
  combines it with its filters and pages it as any list.

Ranking: relevance, then newest; never plays, likes or followers (there are none to read).
Relevance on PostgreSQL is `ts_rank_cd` with the weights A title 1.0, B tags 0.4,
C description 0.2, computed on the work's head (title, tags, description): a work found
only through the body of its text ranks after every work whose title, tags or description
say it, newest first among themselves. On SQLite it is FTS5's bm25 with column weights in
the same proportions (title 10, tags 4, description 2; the body 0, for the same reason).

A broad query is ranked among its newest WINDOW matches and its count reads "200 or more"
(`capped`): ranking every match of a word half the works contain costs as much as reading
them all, whatever the index, and even finding the newest 1,000 matches of two common words
costs more than a search may. docs/decisions.md ("Search") argues the numbers.
"""

# Every statement here is assembled from this module's own constants; values from outside
# (the query's terms, the page) are parameters.
# ruff: noqa: S608, S611

from dataclasses import dataclass

from django.contrib.postgres.search import SearchRank
from django.db import connection
from django.db.models import BooleanField, F, Func, QuerySet
from django.db.models.expressions import Expression, RawSQL
from django.db.models.functions import Coalesce
from django.utils.safestring import SafeString, mark_safe

from contributions.models import Contribution
from contributions.search_document import FTS, WORKS
from hitrec.search import (
    MARK_START,
    MARK_STOP,
    SearchQuery,
    folded,
    fts5_match,
    marked_html,
    tsquery_sql,
)

WINDOW = 200
# How PostgreSQL's `hitrec_newest_matches` reads a window (contributions/search_document.py):
# the newest SAMPLE documents tested one by one, then up to WALK more if enough of those
# matched, then the rest from the index.
SAMPLE = 1_000
WALK = 40_000
# ts_rank_cd's weights, in its order: D (body), C (description), B (tags), A (title).
WEIGHTS = [0.1, 0.2, 0.4, 1.0]
# bm25's, in the FTS5 table's column order: title, tags, description, body. The body weighs
# nothing, as on PostgreSQL: bm25 saturates a word's count, so a body saying "cello" three
# hundred times would otherwise outrank a title saying it once, whatever the weights.
FTS_WEIGHTS = "10.0, 4.0, 2.0, 0.0"
# Highlights: the title whole; from a description or a body, up to two passages around the
# words found (ts_headline's passages leave out what its parser reads as markup tags; the
# text is escaped either way). ts_headline parses all it is given, so it runs on the page's
# rows only, on a body only when the words are not all in the title, tags and description,
# and on its first SNIPPET_CHARS: a match further into a long text shows its opening.
SNIPPET_CHARS = 10_000
_TITLE_OPTIONS = f'StartSel="{MARK_START}", StopSel="{MARK_STOP}", HighlightAll=true'
_SNIPPET_OPTIONS = (
    f'StartSel="{MARK_START}", StopSel="{MARK_STOP}", MaxFragments=2, MaxWords=24, MinWords=10,'
    ' FragmentDelimiter=" … "'
)
_SNIPPET_TOKENS = 24  # FTS5's snippet(): about as many words as ts_headline's MaxWords


@dataclass(frozen=True)
class WorkFound:
    """A work found, with its title and a passage of its description or body as safe HTML
    (escaped, the words found in <mark>), and its tags."""

    work: Contribution
    title: SafeString
    snippet: SafeString  # empty when the work has no description or body
    tags: list[str]


@dataclass(frozen=True)
class WorksFound:
    """One page of the works found, most relevant first."""

    found: list[WorkFound]
    count: int  # how many matched, at most WINDOW
    capped: bool  # more than WINDOW matched: `count` is WINDOW
    corrected: SearchQuery | None = None  # searched instead of a query that found nothing


@dataclass(frozen=True)
class _Hit:
    id: int
    title: str
    snippets: tuple[str, ...]  # the description's, then the body's; empty when there is none
    tags: str


def works_search(*, query: SearchQuery, offset: int = 0, limit: int = 20) -> WorksFound:
    """The page of public works matching `query` from `offset`; if nothing matches, the same
    search with each mistyped word replaced by the nearest word of a title or tag."""
    hits, total = _hits(query, offset, limit)
    corrected = None
    if total == 0:
        corrected = _corrected(query)
        if corrected is not None:
            hits, total = _hits(corrected, offset, limit)
    works = {
        work.id: work
        for work in Contribution.objects.filter(id__in=[hit.id for hit in hits])
        .select_related("author")
        .defer("text", "metadata")
    }
    found = []
    for hit in hits:
        work = works.get(hit.id)
        if work is None or work.is_removed:  # removed between the two reads
            continue
        # The passage where the words are: the description's, else the body's, else the
        # description's opening.
        marked = [s for s in hit.snippets if MARK_START in s] or [*hit.snippets, ""]
        found.append(
            WorkFound(
                work=work,
                title=mark_safe(marked_html(hit.title)),  # noqa: S308 (escaped by marked_html)
                snippet=mark_safe(marked_html(marked[0])),  # noqa: S308
                tags=hit.tags.split(),
            )
        )
    return WorksFound(
        found=found,
        count=min(total, WINDOW),
        capped=total > WINDOW,
        corrected=corrected if total else None,
    )


def works_matching(works: QuerySet[Contribution], *, query: SearchQuery) -> QuerySet[Contribution]:
    """Of `works` (already filtered), those matching `query` among the newest WINDOW such,
    annotated with `search_rank` (higher is more relevant). The window is read when this is
    called, in one statement; the queryset returned reads those works by id."""
    rank: Expression
    if connection.vendor == "postgresql":
        expression, params = tsquery_sql(query)
        tsquery = RawSQL(expression, params)
        matching = works.filter(_Matches(F("search_document__document"), tsquery))
        rank = SearchRank(
            Coalesce(F("search_document__head"), F("search_document__document")),
            RawSQL(expression, params),
            weights=WEIGHTS,
            cover_density=True,
        )
    else:
        match = fts5_match(query)
        matching = works.filter(
            pk__in=RawSQL(f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s", [match])
        )
        rank = RawSQL(
            f"(SELECT -bm25({FTS}, {FTS_WEIGHTS}) FROM {FTS}"
            f" WHERE {FTS} MATCH %s AND {FTS}.rowid = {WORKS}.id)",
            [match],
        )
    # The window read once, here: the paginator's count and its page then read its few
    # hundred rows by id, where each read the window again (twice 10 ms at a million works).
    window = list(matching.order_by("-pk").values_list("pk", flat=True)[:WINDOW])
    return works.filter(pk__in=window).annotate(search_rank=rank)


class _Matches(Func):
    """`document @@ query`, which PostgreSQL answers from the GIN index."""

    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


# --- PostgreSQL ------------------------------------------------------------------------------

# {q} is the tsquery expression (hitrec.search.tsquery_sql), repeated with its parameters:
# constant, so the planner folds it and estimates from the index's statistics (a parameter
# taken from a CTE would hide the words from it).
_POSTGRES_PAGE = f"""
WITH hits AS MATERIALIZED (
    SELECT d.contribution_id AS id, coalesce(d.head, d.document) AS head
    FROM hitrec_newest_matches({{q}}, {{window_and_one}}, {{sample}}, {{walk}}) m(id)
    JOIN contributions_searchdocument d ON d.contribution_id = m.id
), page AS (
    SELECT id, ts_rank_cd(%s::float4[], head, {{q}}) AS rank, head @@ {{q}} AS in_head
    FROM (SELECT id, head FROM hits ORDER BY id DESC LIMIT {{window}}) pool
    ORDER BY rank DESC, id DESC
    LIMIT %s OFFSET %s
)
SELECT p.id,
    ts_headline('hitrec', translate(c.title, %s, ''), {{q}}, %s),
    CASE WHEN c.description <> '' THEN
        ts_headline('hitrec', translate(left(c.description, {SNIPPET_CHARS}), %s, ''), {{q}}, %s)
    END,
    CASE WHEN c.text <> '' AND NOT p.in_head THEN
        ts_headline('hitrec', translate(left(c.text, {SNIPPET_CHARS}), %s, ''), {{q}}, %s)
    END,
    (SELECT string_agg(t.name, ' ' ORDER BY t.id) FROM contributions_contributiontag t
     WHERE t.contribution_id = p.id),
    (SELECT count(*) FROM hits)
FROM page p JOIN {WORKS} c ON c.id = p.id
ORDER BY p.rank DESC, p.id DESC
"""
_POSTGRES_COUNT = """
SELECT count(*) FROM hitrec_newest_matches({q}, {window_and_one}, {sample}, {walk})
"""
# The nearest word of a title or tag to each word typed, by trigram similarity (pg_trgm's
# `%`: at least 0.3 alike), read off the vocabulary's trigram index; the word itself when
# it is one.
_POSTGRES_NEAREST = """
SELECT typed.word, (
    SELECT w.word FROM contributions_searchword w
    WHERE w.word %% typed.lexeme
    ORDER BY similarity(w.word, typed.lexeme) DESC, w.word
    LIMIT 1
)
FROM (
    SELECT raw AS word, (SELECT x FROM unnest(tsvector_to_array(to_tsvector('hitrec', raw))) x
                         LIMIT 1) AS lexeme
    FROM unnest(%s::text[]) raw
) typed
"""

_MARKS = MARK_START + MARK_STOP


def _postgres_hits(query: SearchQuery, offset: int, limit: int) -> tuple[list[_Hit], int]:
    expression, q = tsquery_sql(query)
    params: list = [
        *q,  # hits
        WEIGHTS, *q, *q, limit, offset,  # page
        _MARKS, *q, _TITLE_OPTIONS,
        _MARKS, *q, _SNIPPET_OPTIONS,
        _MARKS, *q, _SNIPPET_OPTIONS,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(_POSTGRES_PAGE.format(q=expression, **_window()), params)
        rows = cursor.fetchall()
        if not rows:
            if not offset:
                return [], 0
            # Past the last page: the count alone.
            cursor.execute(_POSTGRES_COUNT.format(q=expression, **_window()), q)
            return [], cursor.fetchone()[0]
    hits = [
        _Hit(id=row[0], title=row[1], snippets=tuple(s for s in row[2:4] if s), tags=row[4] or "")
        for row in rows
    ]
    return hits, rows[0][5]


def _postgres_nearest(words: list[str]) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(_POSTGRES_NEAREST, [words])
        return {typed: nearest for typed, nearest in cursor.fetchall() if nearest}


# --- SQLite ----------------------------------------------------------------------------------

_SQLITE_PAGE = f"""
WITH hits AS (
    SELECT rowid AS id FROM {FTS} WHERE {FTS} MATCH %s ORDER BY rowid DESC
    LIMIT {{window_and_one}}
), page AS (
    SELECT rowid AS id, -bm25({FTS}, {FTS_WEIGHTS}) AS rank FROM {FTS}
    WHERE {FTS} MATCH %s AND rowid IN (SELECT id FROM hits ORDER BY id DESC LIMIT {{window}})
    ORDER BY rank DESC, id DESC
    LIMIT %s OFFSET %s
)
SELECT {FTS}.rowid,
    highlight({FTS}, 0, %s, %s),
    snippet({FTS}, 2, %s, %s, ' … ', {_SNIPPET_TOKENS}),
    snippet({FTS}, 3, %s, %s, ' … ', {_SNIPPET_TOKENS}),
    {FTS}.tags,
    (SELECT count(*) FROM hits)
FROM {FTS} JOIN page ON page.id = {FTS}.rowid
WHERE {FTS} MATCH %s
ORDER BY page.rank DESC, page.id DESC
"""
_SQLITE_COUNT = f"""
SELECT count(*) FROM (SELECT 1 FROM {FTS} WHERE {FTS} MATCH %s LIMIT {{window_and_one}})
"""


def _sqlite_hits(query: SearchQuery, offset: int, limit: int) -> tuple[list[_Hit], int]:
    match = fts5_match(query)
    marks = [MARK_START, MARK_STOP]
    params: list[str | int] = [match, match, limit, offset, *marks, *marks, *marks, match]
    with connection.cursor() as cursor:
        cursor.execute(_SQLITE_PAGE.format(**_window()), params)
        rows = cursor.fetchall()
        if not rows:
            if not offset:
                return [], 0
            cursor.execute(_SQLITE_COUNT.format(**_window()), [match])
            return [], cursor.fetchone()[0]
    hits = [
        _Hit(id=row[0], title=row[1], snippets=tuple(s for s in row[2:4] if s), tags=row[4] or "")
        for row in rows
    ]
    return hits, rows[0][5]


def _edits(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) from a to b: Damerau-Levenshtein."""
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, start=1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _sqlite_nearest(words: list[str]) -> dict[str, str]:
    """The simpler fallback of the embedded default: among the words of any field that start
    with the same letter and are about as long, the one fewest edits away (one for words of up
    to five letters, two for longer), the commonest of equals. A typo in the first letter is
    not corrected."""
    typed = {word: folded(word) for word in words}
    ranges = [(f[0], chr(ord(f[0]) + 1), len(f) - 2, len(f) + 2) for f in typed.values() if f]
    if not ranges:
        return {}
    where = " OR ".join(
        ["(term >= %s AND term < %s AND length(term) BETWEEN %s AND %s)"] * len(ranges)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT term, doc FROM {FTS}_words WHERE {where}",
            [value for bounds in ranges for value in bounds],
        )
        vocabulary = cursor.fetchall()
    nearest = {}
    for word, f in typed.items():
        most = 1 if len(f) <= 5 else 2
        scored = [
            (distance, -works, term)
            for term, works in vocabulary
            if term[:1] == f[:1] and (distance := _edits(f, term)) <= most
        ]
        if scored:
            nearest[word] = min(scored)[2]
    return nearest


# --- both ------------------------------------------------------------------------------------


def _window() -> dict[str, int]:
    """The window's size, and how its matches are read on PostgreSQL, where a statement needs
    them (read at each call, so tests may shrink them)."""
    return {"window": WINDOW, "window_and_one": WINDOW + 1, "sample": SAMPLE, "walk": WALK}


def _hits(query: SearchQuery, offset: int, limit: int) -> tuple[list[_Hit], int]:
    if connection.vendor == "postgresql":
        return _postgres_hits(query, offset, limit)
    return _sqlite_hits(query, offset, limit)


def _corrected(query: SearchQuery) -> SearchQuery | None:
    """The query with its mistyped words replaced, or None when none could be."""
    words = sorted(
        {t.text for t in query.terms if not (t.phrase or t.negated) and t.text.isalnum()}
    )
    if not words:
        return None
    nearest = (
        _postgres_nearest(words) if connection.vendor == "postgresql" else _sqlite_nearest(words)
    )
    changed = {word: found for word, found in nearest.items() if found != folded(word)}
    if not changed:
        return None
    return query.with_words(changed)
