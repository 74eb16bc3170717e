"""What people type into a search box, read once and written out for PostgreSQL and SQLite.

The language is PostgreSQL's `websearch_to_tsquery`, which people already know from web
search: words are all required, `"two words"` is a phrase, `-word` leaves works with that
word out, and `or` between two words accepts either (it binds looser than the spaces: `a b
or c` is `(a b) or c`). On top of it the last word is matched as a prefix as people type
(`cel` finds `cello`), when it has MIN_PREFIX letters or more.

The query is parsed here, in Python, rather than handed to `websearch_to_tsquery`, so that
both databases read it alike (SQLite's FTS5 has its own syntax, in which `AND`, `NOT` and a
stray `"` mean something else) and bad input is refused with a reason before any database
sees it. Each term is still normalised by the database that runs it (`phraseto_tsquery`
with the `hitrec` configuration; FTS5's tokenizer), so a term matches exactly what the
stored document holds.

No Django here (pyproject's contract for pure modules): refusals are `ExplainedError`s,
translated by the layer that shows them.
"""

import html
import unicodedata
from dataclasses import dataclass, replace

from hitrec.messages import ExplainedError, gettext_noop

MAX_QUERY_CHARS = 200
MAX_TERMS = 16
# A shorter last word is matched whole: a one- or two-letter prefix would match a large part
# of the vocabulary, costing much and finding nothing anyone meant.
MIN_PREFIX = 3

# Highlights: the database wraps each matching word in these two private-use characters
# (which the highlighted text is first cleaned of), then `marked_html` escapes everything
# and turns only these into <mark> and </mark>.
MARK_START = "\ue000"
MARK_STOP = "\ue001"


@dataclass(frozen=True)
class Term:
    """A word or a quoted phrase; `prefix`: the last word, matched as a prefix."""

    text: str
    negated: bool = False
    phrase: bool = False
    prefix: bool = False


@dataclass(frozen=True)
class SearchQuery:
    """Any group may match; a group matches when every term in it does (negated: does not).

    Every group has at least one term that is not negated: a query that only says what to
    leave out would match nearly everything, and FTS5 cannot even say it.
    """

    text: str
    groups: tuple[tuple[Term, ...], ...]

    @property
    def terms(self) -> tuple[Term, ...]:
        return tuple(term for group in self.groups for term in group)

    def typed(self) -> str:
        """The query as someone would type it (a corrected query, shown)."""

        def term(t: Term) -> str:
            return ("-" if t.negated else "") + (f'"{t.text}"' if t.phrase else t.text)

        return " or ".join(" ".join(term(t) for t in group) for group in self.groups)

    def with_words(self, words: dict[str, str]) -> "SearchQuery":
        """The same query with some plain words replaced (a typo by the word meant)."""
        groups = tuple(
            tuple(
                replace(term, text=words[term.text], prefix=False)
                if term.text in words and not term.phrase
                else term
                for term in group
            )
            for group in self.groups
        )
        return SearchQuery(text=self.text, groups=groups)


def _has_word(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _tokens(text: str) -> list[Term | None]:
    """The terms in order; None where an `or` stands."""
    items: list[Term | None] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = False
        if text[i] == "-" and i + 1 < n and not text[i + 1].isspace():
            negated = True
            i += 1
        if text[i] == '"':
            end = text.find('"', i + 1)
            end = n if end == -1 else end  # an unclosed quote runs to the end, as in PostgreSQL
            phrase = " ".join(text[i + 1 : end].split())
            i = end + 1
            if _has_word(phrase):
                items.append(Term(phrase, negated=negated, phrase=True))
            continue
        start = i
        while i < n and not text[i].isspace() and text[i] != '"':
            i += 1
        word = text[start:i]
        if word.casefold() == "or" and not negated:
            items.append(None)
        elif _has_word(word):
            items.append(Term(word, negated=negated))
    return items


def query_parsed(text: str) -> SearchQuery:
    """The query people typed, read; ExplainedError says what is wrong with it."""
    if "\x00" in text:
        raise ExplainedError(gettext_noop("A search may not contain NUL characters."))
    if len(text) > MAX_QUERY_CHARS:
        raise ExplainedError(
            gettext_noop("This search is %(length)s characters long; the limit is %(limit)s."),
            length=f"{len(text):,}",
            limit=MAX_QUERY_CHARS,
        )
    text = text.strip()
    groups: list[list[Term]] = [[]]
    for item in _tokens(text):
        if item is None:
            if groups[-1]:
                groups.append([])  # `or` between two terms; a stray one is ignored
        else:
            groups[-1].append(item)
    found = [group for group in groups if group]
    if not found:
        raise ExplainedError(
            gettext_noop("Type a word to search for: “%(query)s” has none."), query=text[:50]
        )
    for group in found:
        if all(term.negated for term in group):
            raise ExplainedError(
                gettext_noop("“%(term)s” only says what to leave out; add a word to look for."),
                term=" ".join(f"-{term.text}" for term in group)[:50],
            )
    if sum(len(group) for group in found) > MAX_TERMS:
        raise ExplainedError(gettext_noop("A search takes at most %(most)s words."), most=MAX_TERMS)
    last = found[-1][-1]
    if not last.negated and not last.phrase and last.text.isalnum():
        found[-1][-1] = replace(last, prefix=len(last.text) >= MIN_PREFIX)
    return SearchQuery(text=text, groups=tuple(tuple(group) for group in found))


def tsquery_sql(query: SearchQuery, config: str = "hitrec") -> tuple[str, list[str]]:
    """The query as a PostgreSQL tsquery expression, and its parameters.

    Each term goes through the text search configuration (accents and case); a prefix
    through `to_tsquery` with `:*`, which is safe because a prefix word is letters and
    digits only. Constant arguments, so the planner folds the expression into a constant and
    reads the GIN index with it, estimating from the column's statistics.
    """
    params: list[str] = []
    groups = []
    for group in query.groups:
        parts = []
        for term in group:
            if term.prefix:
                part = f"to_tsquery('{config}', %s)"
                params.append(f"{term.text}:*")
            else:
                part = f"phraseto_tsquery('{config}', %s)"
                params.append(term.text)
            parts.append(f"(!! {part})" if term.negated else part)
        groups.append("(" + " && ".join(parts) + ")")
    return "(" + " || ".join(groups) + ")", params


def _fts5_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def fts5_match(query: SearchQuery) -> str:
    """The query in FTS5's syntax: each term a quoted string (so `AND`, `NEAR` or `*` typed
    by someone are words), NOT after the group's other terms, `*` after a prefix."""
    groups = []
    for group in query.groups:
        wanted = [
            _fts5_string(term.text) + (" *" if term.prefix else "")
            for term in group
            if not term.negated
        ]
        expression = "(" + " AND ".join(wanted) + ")"
        for term in group:
            if term.negated:
                expression = f"({expression} NOT {_fts5_string(term.text)})"
        groups.append(expression)
    return " OR ".join(groups)


def marked_html(text: str) -> str:
    """Text with its matches marked by the database, as safe HTML: everything escaped, the
    marks made <mark> elements, always closed and never nested."""
    out, open_ = [], False
    for piece in _pieces(text):
        if piece == MARK_START:
            if not open_:
                out.append("<mark>")
                open_ = True
        elif piece == MARK_STOP:
            if open_:
                out.append("</mark>")
                open_ = False
        else:
            out.append(html.escape(piece, quote=True))
    if open_:
        out.append("</mark>")
    return "".join(out).replace("<mark></mark>", "")


def _pieces(text: str) -> list[str]:
    pieces, start = [], 0
    for i, ch in enumerate(text):
        if ch in (MARK_START, MARK_STOP):
            if start < i:
                pieces.append(text[start:i])
            pieces.append(ch)
            start = i + 1
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def without_marks(text: str) -> str:
    """The text with the two mark characters removed (done before the database marks it)."""
    return text.replace(MARK_START, "").replace(MARK_STOP, "")


def without_marks_sql(expression: str) -> str:
    """`without_marks` in SQLite's SQL, of the text `expression` gives: what is stored to be
    highlighted, so that its highlights hold only ours."""
    return (
        f"replace(replace({expression}, char({ord(MARK_START)}), ''), char({ord(MARK_STOP)}), '')"
    )


def folded(text: str) -> str:
    """Text as searched: case folded, accents dropped (as FTS5's tokenizer and `unaccent`)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def marked_words(text: str, needles: list[str]) -> str:
    """`text` with each place where a needle occurs (case and accents aside) between the two
    mark characters; for text the database does not highlight itself (people's names)."""
    text = without_marks(text)
    plain, origin = [], []
    for index, ch in enumerate(text):
        for fold in folded(ch):
            plain.append(fold)
            origin.append(index)
    haystack = "".join(plain)
    spans: list[tuple[int, int]] = []
    for needle in {folded(n) for n in needles if n.strip()}:
        start = haystack.find(needle)
        while start != -1:
            spans.append((origin[start], origin[start + len(needle) - 1] + 1))
            start = haystack.find(needle, start + 1)
    out, at = [], 0
    for start, end in sorted(spans):
        if end <= at:
            continue
        start = max(start, at)
        out += [text[at:start], MARK_START, text[start:end], MARK_STOP]
        at = end
    out.append(text[at:])
    return "".join(out)
