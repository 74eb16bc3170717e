"""The phrases hitrec stores in statement and release lines, shown in the reader's language;
people's own words around them are left as they wrote them."""

import pytest
from django.utils import translation

from royalties.wording import stored_phrase


@pytest.mark.parametrize(
    ("stored", "english_again"),
    [
        ("producer's share", True),
        ("Night Bus (sync): producer's share", True),
        ("recoupment of cost #7", True),
        ("“loop” (#2) → “Night Bus” (#7) (and 2 other path(s))", False),
        ("Night Bus: cost paid back: Studio: day two", True),
        ("cost paid back: Studio: day two", True),
    ],
)
def test_stored_phrases_read_the_same_in_english_and_are_translated_in_spanish(
    stored, english_again
):
    with translation.override("en"):
        english = stored_phrase(stored)
    with translation.override("es"):
        spanish = stored_phrase(stored)

    # English wording of plurals is the catalog's ("2 other paths"), not the stored "(s)".
    assert (english == stored) is english_again
    assert spanish != english
    for own_words in ("Night Bus", "Studio: day two", "“loop” (#2) → “Night Bus” (#7)"):
        if own_words in stored:
            assert own_words in spanish


def test_peoples_own_words_are_left_alone():
    with translation.override("es"):
        assert stored_phrase("“loop” (#2) → “Night Bus” (#7)") == "“loop” (#2) → “Night Bus” (#7)"
