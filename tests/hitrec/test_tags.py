"""Tags as people type them become one spelling; what is not a tag is refused by name."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hitrec.messages import ExplainedError
from hitrec.tags import MAX_TAG_CHARS, tag_normalised, tags_normalised


@pytest.mark.parametrize(
    ("typed", "tag"),
    [
        ("lo-fi", "lo-fi"),
        ("Lo Fi", "lo-fi"),
        ("LO_FI", "lo-fi"),
        ("  lo -- fi!  ", "lo-fi"),
        ("Café Noir", "cafe-noir"),
        ("Straße", "strasse"),
        ("ｃｅｌｌｏ", "cello"),  # full-width letters
        ("日本 音楽", "日本-音楽"),
        ("8-bit", "8-bit"),
    ],
)
def test_a_tag_has_one_spelling(typed, tag):
    assert tag_normalised(typed) == tag


@given(st.text(max_size=80))
def test_a_normalised_tag_is_its_own_spelling_and_never_too_long(text):
    tag = tag_normalised(text)
    assert tag_normalised(tag) == tag
    assert len(tag) <= MAX_TAG_CHARS
    assert not tag.startswith("-") and not tag.endswith("-") and "--" not in tag


def test_tags_keep_the_order_given_each_once():
    assert tags_normalised(["Cello", "lo fi", "cello", "LO-FI", "drums"]) == [
        "cello",
        "lo-fi",
        "drums",
    ]


def test_what_is_not_a_tag_is_refused_by_name():
    with pytest.raises(ExplainedError, match="“!!!” is not a tag"):
        tags_normalised(["cello", "!!!"])
    with pytest.raises(ExplainedError, match="At most 20 tags"):
        tags_normalised([f"tag{n}" for n in range(21)])
