"""The search box's language, read once for both databases (hitrec/search.py); no database."""

import pytest

from hitrec.messages import ExplainedError
from hitrec.search import (
    MARK_START,
    MARK_STOP,
    fts5_match,
    marked_html,
    marked_words,
    query_parsed,
    tsquery_sql,
)


def groups(text: str) -> list[list[str]]:
    """Each group's terms, written `-word`, `"a phrase"`, `word*` (a prefix)."""
    shown = []
    for group in query_parsed(text).groups:
        shown.append(
            [
                ("-" if t.negated else "")
                + (f'"{t.text}"' if t.phrase else t.text)
                + ("*" if t.prefix else "")
                for t in group
            ]
        )
    return shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cello", [["cello*"]]),
        ("cello suite", [["cello", "suite*"]]),
        ('"cello suite" drone', [['"cello suite"', "drone*"]]),
        ("cello -drone", [["cello", "-drone"]]),
        ('cello -"night bus"', [["cello", '-"night bus"']]),
        ("cello or viola", [["cello"], ["viola*"]]),
        ("a b OR c d", [["a", "b"], ["c", "d"]]),
        ("or cello or", [["cello*"]]),  # a stray `or` is ignored
        ('"unclosed phrase', [['"unclosed phrase"']]),
        ("lo-fi", [["lo-fi"]]),  # a hyphenated word is one term, not a negation
        ("cello !!! &|", [["cello*"]]),  # punctuation alone is no term
        ("ce", [["ce"]]),  # too short to be a prefix
        ("  cello  ", [["cello*"]]),
        ("Café", [["Café*"]]),
        ("cello - viola", [["cello", "viola*"]]),  # a lone minus is no operator
    ],
)
def test_the_query_language(text, expected):
    assert groups(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Type a word"),
        ('"', "Type a word"),
        ("-", "Type a word"),
        ("or", "Type a word"),
        ("!!!", "Type a word"),
        ("&|", "Type a word"),
        ("-cello", "only says what to leave out"),
        ("cello or -viola", "only says what to leave out"),
        ("x" * 201, "the limit is 200"),
        ("a\x00", "NUL"),
        (" ".join("w" * 17), "at most 16 words"),
    ],
)
def test_what_cannot_be_searched_is_refused_with_its_reason(text, says):
    with pytest.raises(ExplainedError) as refused:
        query_parsed(text)

    assert says in str(refused.value)


def test_postgresql_gets_each_term_normalised_by_the_database():
    sql, params = tsquery_sql(query_parsed('"night bus" -drone or cel'))

    assert sql == (
        "((phraseto_tsquery('hitrec', %s) && (!! phraseto_tsquery('hitrec', %s)))"
        " || (to_tsquery('hitrec', %s)))"
    )
    assert params == ["night bus", "drone", "cel:*"]


def test_fts5_gets_quoted_strings_so_its_operators_are_words():
    assert fts5_match(query_parsed('NEAR AND "a b" -NOT or c*d')) == (
        '(("NEAR" AND "AND" AND "a b") NOT "NOT") OR ("c*d")'
    )
    assert fts5_match(query_parsed('cello -drone or "night bus" vio')) == (
        '(("cello") NOT "drone") OR ("night bus" AND "vio" *)'
    )


def test_a_quote_always_ends_a_term():
    query = query_parsed("rock'n'roll o\"k")

    assert [t.text for t in query.terms] == ["rock'n'roll", "o", "k"]
    assert fts5_match(query) == '("rock\'n\'roll" AND "o" AND "k")'


def test_marks_become_mark_elements_and_nothing_else_is_html():
    text = f'<b>x</b> {MARK_START}cello{MARK_STOP} & "q" {MARK_STOP}{MARK_START}open'

    assert marked_html(text) == (
        "&lt;b&gt;x&lt;/b&gt; <mark>cello</mark> &amp; &quot;q&quot; <mark>open</mark>"
    )


def test_names_are_marked_where_the_words_occur_whatever_their_accents():
    assert marked_html(marked_words("Zoë Brass", ["zoe"])) == "<mark>Zoë</mark> Brass"
    assert marked_html(marked_words("STRAßE", ["strasse"])) == "<mark>STRAßE</mark>"
    assert (
        marked_html(marked_words("a_b <c>", ["_b", "c"]))
        == "a<mark>_b</mark> &lt;<mark>c</mark>&gt;"
    )


def test_a_corrected_query_is_written_back_as_typed():
    query = query_parsed('"night bus" -drone celo or viola')

    assert query.with_words({"celo": "cello"}).typed() == '"night bus" -drone cello or viola'
