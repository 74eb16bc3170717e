"""Text fingerprints: a quoted, lightly edited passage is found and shown; unrelated texts are not."""

import itertools

import pytest

from media.fingerprints import FingerprintUnavailable, band_keys, text_fingerprint
from media.fingerprints import text as text_fp
from tests.media import fingerprint_samples as fs

SOURCES = 20
# The target for quotes: recall of at least 0.90.
MIN_RECALL = 0.90


@pytest.fixture(scope="module")
def sources():
    """Twenty 500-word texts, each with an 80-word passage quoted, lightly edited, inside a
    new 500-word text."""
    made = []
    for seed in range(SOURCES):
        source = fs.prose(seed, 500)
        quote = fs.lightly_edited(fs.passage(source, seed), seed)
        made.append((source, quote, fs.quoted_in(quote, 10_000 + seed)))
    return made


def found(stored: str, upload: str) -> bool:
    """As the credit guard looks: a shared LSH key, then the passage itself."""
    stored_keys = band_keys(text_fingerprint(stored))
    upload_keys = band_keys(text_fingerprint(upload, step=text_fp.UPLOAD_STEP))
    return bool(stored_keys & upload_keys) and text_fp.match(stored, upload) is not None


def test_a_quoted_lightly_edited_passage_is_found(sources):
    hits = sum(found(source, upload) for source, _, upload in sources)

    assert hits / SOURCES >= MIN_RECALL, f"{hits}/{SOURCES}"


def test_unrelated_texts_do_not_match(sources):
    false_matches = [
        (i, j)
        for (i, (source, _, _)), (j, (_, _, upload)) in itertools.permutations(
            enumerate(sources), 2
        )
        if text_fp.match(source, upload) is not None
    ]

    assert false_matches == []


def test_the_match_shows_the_quoted_passage_as_the_upload_has_it(sources):
    source, quote, upload = sources[0]

    match = text_fp.match(source, upload)

    assert match is not None and match.kind == "text"
    start, end = match.upload_chars
    assert match.quoted_text == upload[start:end]
    # Light edits at the passage's ends may leave a few words out, never words from outside.
    assert match.quoted_text in quote
    assert len(match.quoted_text.split()) >= 60
    stored_start, stored_end = match.stored_chars
    assert source[stored_start:stored_end].split()[5] in match.quoted_text
    assert 0.5 <= match.score < 1


def test_the_containment_and_jaccard_reflect_the_edits():
    source = fs.prose(101, 300)
    quote = fs.passage(source, 101)

    verbatim = text_fp.find_quotation(source, fs.quoted_in(quote, 102))
    edited = text_fp.find_quotation(source, fs.quoted_in(fs.lightly_edited(quote, 103), 102))

    assert verbatim is not None and verbatim.containment == 1.0 and verbatim.jaccard == 1.0
    assert verbatim.words == 80
    assert edited is not None and 0.5 <= edited.containment < 1 and edited.jaccard < 1


def test_case_accents_and_curly_apostrophes_do_not_hide_a_quotation():
    source = fs.prose(201, 200)
    quote = fs.passage(source, 201, words=60)
    disguised = quote.upper().replace("'", "’").replace("E", "É")

    match = text_fp.find_quotation(source, fs.quoted_in(disguised, 202))

    assert match is not None and match.containment == 1.0


def test_a_shorter_quotation_than_forty_words_is_not_reported():
    source = fs.prose(301, 300)
    upload = fs.quoted_in(fs.passage(source, 301, words=30), 302)

    assert text_fp.find_quotation(source, upload) is None
    assert text_fp.find_quotation(source, fs.quoted_in(fs.passage(source, 301, words=45), 302))


def test_keys_are_stable_and_an_upload_has_more_windows():
    text = fs.prose(401, 500)

    stored = text_fingerprint(text)
    again = text_fingerprint(text)
    upload = text_fingerprint(text, step=text_fp.UPLOAD_STEP)

    assert band_keys(stored) == band_keys(again)
    assert band_keys(stored) <= band_keys(upload)
    assert len(upload.window_starts) > len(stored.window_starts)
    assert stored.window_starts[-1] == len(stored.words) - text_fp.WINDOW_WORDS
    assert all(0 < key < 2**63 for key in band_keys(stored))
    assert stored.signatures.shape == (len(stored.window_starts), text_fp.PERMUTATIONS)


def test_minhash_estimates_jaccard_of_overlapping_windows():
    text = fs.prose(501, 200)
    words = text.split()
    # Two 32-word windows 8 words apart share 21 of their 29 shingles: Jaccard 21/37 = 0.57.
    first = text_fingerprint(" ".join(words[0:40]))
    second = text_fingerprint(" ".join(words[8:48]))
    unrelated = text_fingerprint(fs.prose(502, 40))

    assert text_fp.estimated_jaccard(first, second) > 0.4
    assert text_fp.estimated_jaccard(first, unrelated) < 0.1


def test_a_text_too_short_to_quote_from_gives_a_reason():
    with pytest.raises(FingerprintUnavailable) as unavailable:
        text_fingerprint("A haiku is far too short to be quoted at forty words.")

    assert "12 words" in unavailable.value.reason
