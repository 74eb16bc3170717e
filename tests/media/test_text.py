"""process_text(): words counted as a reader sees them, a clean excerpt, and safe HTML."""

import pytest

from media.text import EXCERPT_CHARS, process_text

STORY = (
    "# The Lighthouse\n\n"
    "She kept the *lamp* burning for [forty years](https://example.org).\n\n"
    "- storms\n- ships\n"
)


def test_markdown_becomes_html():
    result = process_text(STORY)

    assert "<h1>The Lighthouse</h1>" in result.html
    assert "<em>lamp</em>" in result.html
    assert "<li>storms</li>" in result.html


def test_words_are_counted_without_markdown_syntax_or_link_targets():
    result = process_text(STORY)

    # The Lighthouse / She kept the lamp burning for forty years / storms ships
    assert result.word_count == 12


def test_contractions_and_hyphenated_words_count_once():
    assert process_text("It's a well-known tune.").word_count == 4


def test_a_short_text_is_its_own_excerpt():
    result = process_text(STORY)

    assert result.excerpt == (
        "The Lighthouse She kept the lamp burning for forty years. storms ships"
    )


def test_a_long_text_is_cut_on_a_word_boundary():
    body = " ".join(f"word{i}" for i in range(200))

    result = process_text(body)

    assert result.excerpt.endswith("…")
    kept = result.excerpt.removesuffix("…")
    assert len(kept) <= EXCERPT_CHARS
    assert body.startswith(kept)
    assert body[len(kept)] == " "  # the cut fell between words, not inside one


def test_one_enormous_word_is_cut_hard():
    result = process_text("a" * 1000)

    assert result.excerpt == "a" * EXCERPT_CHARS + "…"


@pytest.mark.parametrize(
    ("body", "forbidden"),
    [
        ("<script>alert(1)</script>hello", "alert"),
        ("<style>body{display:none}</style>hello", "display"),
        ('<iframe src="https://evil.example"></iframe>hello', "iframe"),
        ('<a href="https://example.org" onclick="steal()">x</a>', "onclick"),
        ("<img src=x onerror=alert(1)>", "onerror"),
        ("[click](javascript:alert(1))", "javascript:"),
        ("[click](data:text/html;base64,PHNjcmlwdD4=)", "data:"),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', "alert"),
        ('<svg onload="alert(1)"></svg>', "svg"),
        ('<form action="https://evil.example"><input name=p></form>', "form"),
    ],
)
def test_dangerous_markup_is_removed(body, forbidden):
    result = process_text(body)

    assert forbidden.lower() not in result.html.lower()


def test_links_get_nofollow_noopener():
    result = process_text("[site](https://example.org)")

    assert result.html == '<p><a href="https://example.org" rel="nofollow noopener">site</a></p>'


def test_text_inside_removed_tags_does_not_reach_the_excerpt():
    result = process_text("<script>secret()</script>Visible words")

    assert result.excerpt == "Visible words"
    assert result.word_count == 2
