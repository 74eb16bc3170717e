"""MinHash signatures of a text's word shingles, their LSH keys, and finding a quoted passage.

A quotation of 80 words inside a new 500-word text shares only some 15% of the new text's
shingles, far too little for one signature of each whole text (MinHash estimates Jaccard
similarity, which is then about 0.08, the level of chance for banded LSH). So a text is
signed window by window: every WINDOW_WORDS words, sliding by STORED_STEP on the stored
side; a quoted passage of at least WINDOW_WORDS + STORED_STEP words contains one stored
window whole, and an upload's windows (sliding by UPLOAD_STEP) include one within a couple
of words of it, sharing most of its shingles even after light edits. Each window's
signature is cut into BANDS bands of ROWS values, one index key per band (banded LSH): a
window pair of Jaccard 0.6 shares a key with probability 1 − (1 − 0.6⁴)¹⁶ ≈ 0.88, and a
passage is seen by several window pairs.

Why our own MinHash on numpy rather than `datasketch`: datasketch's MinHash is the same
construction (a random affine hash per permutation, the minimum over the shingles), but
brings SciPy along, and it stops at the signature: windows, keys and the verifier, which
finds the passage itself and its exact shingle containment, are ours either way. Ours is
vectorised over all windows of a text at once, and stable across processes and versions
(blake2b for shingles, a fixed seed for the permutations), as stored keys must be.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from media.fingerprints.results import FingerprintUnavailable, Match

SHINGLE_WORDS = 4
WINDOW_WORDS = 32
STORED_STEP = 16
UPLOAD_STEP = 4
PERMUTATIONS = 64
BANDS, ROWS = 16, 4
# A quotation is at least this many words of the upload, in the stored text's order, with
# at least MIN_CONTAINMENT of its shingles found there (measured: an 80-word passage with
# six light edits keeps about 0.8; unrelated texts share stray shingles, never 40 words).
MIN_QUOTE_WORDS = 40
MIN_CONTAINMENT = 0.5
# Inside one passage, up to MAX_GAP words in a row may be the quoter's own (an edit breaks
# the SHINGLE_WORDS shingles around it; a few words inserted or dropped shift the rest).
MAX_GAP = 6

_WORD = re.compile(r"\w+(?:['’]\w+)*")
_seeds = np.random.default_rng(20_240_601)  # fixed: stored keys must stay valid
_A = _seeds.integers(0, 1 << 63, size=PERMUTATIONS, dtype=np.uint64) << np.uint64(1) | np.uint64(1)
_B = _seeds.integers(0, 1 << 63, size=PERMUTATIONS, dtype=np.uint64)
_BAND_MIX = _seeds.integers(0, 1 << 63, size=ROWS, dtype=np.uint64) << np.uint64(1) | np.uint64(1)


@dataclass(frozen=True)
class TextFingerprint:
    """A text's words (normalised, with their character spans) and its window signatures."""

    words: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]  # character offsets of each word in the text
    signatures: np.ndarray  # (windows, PERMUTATIONS) uint64
    window_starts: tuple[int, ...]  # first word of each window


@dataclass(frozen=True)
class Quotation:
    """A passage of an upload found in a stored text: where in both, its text, and how much."""

    upload_chars: tuple[int, int]
    stored_chars: tuple[int, int]
    text: str  # the passage as the upload has it
    words: int
    containment: float  # share of the passage's shingles found in the stored text
    jaccard: float  # of the shingles of the passage and of its stored counterpart

    @property
    def score(self) -> float:
        return self.containment


def text_fingerprint(text: str, *, step: int = STORED_STEP) -> TextFingerprint:
    """Words and window signatures of `text`, windows every `step` words (STORED_STEP for
    a work to index, UPLOAD_STEP for an upload to look up). Raises `FingerprintUnavailable`
    for a text of fewer than MIN_QUOTE_WORDS words."""
    words, spans = _words(text)
    if len(words) < MIN_QUOTE_WORDS:
        raise FingerprintUnavailable(
            f"the text has {len(words)} words; a quotation is recognised from {MIN_QUOTE_WORDS} on"
        )
    shingles = _shingle_hashes(words)
    last = max(0, len(words) - WINDOW_WORDS)
    starts = sorted({*range(0, last + 1, step), last})  # the end is always covered
    per_shingle = _permuted(shingles)  # (shingles, PERMUTATIONS)
    width = WINDOW_WORDS - SHINGLE_WORDS + 1
    signatures = np.stack([per_shingle[s : s + width].min(axis=0) for s in starts])
    return TextFingerprint(tuple(words), tuple(spans), signatures, tuple(starts))


def band_keys(fingerprint: TextFingerprint) -> set[int]:
    """The LSH keys of all windows (63-bit ints, band number in the top 4 bits), each once:
    a stored text is indexed under them, an upload looked up by them."""
    bands = fingerprint.signatures.reshape(len(fingerprint.signatures), BANDS, ROWS)
    mixed = (bands * _BAND_MIX).sum(axis=2)  # wraps around 2^64: a hash of the band
    band_numbers = np.arange(BANDS, dtype=np.uint64) << np.uint64(59)
    keys = (mixed >> np.uint64(5)) | band_numbers
    return {int(k) for k in np.unique(keys)}


def estimated_jaccard(a: TextFingerprint, b: TextFingerprint) -> float:
    """The highest MinHash estimate of Jaccard similarity between a window of each."""
    agree = (a.signatures[:, None, :] == b.signatures[None, :, :]).mean(axis=2)
    return float(agree.max())


def find_quotation(stored: str, upload: str) -> Quotation | None:
    """The longest passage of `upload` (at least MIN_QUOTE_WORDS words) that repeats part of
    `stored` in order, allowing light edits; None when there is none."""
    stored_words, stored_spans = _words(stored)
    upload_words, upload_spans = _words(upload)
    if min(len(stored_words), len(upload_words)) < MIN_QUOTE_WORDS:
        return None
    stored_shingles = _shingle_hashes(stored_words)
    upload_shingles = _shingle_hashes(upload_words)
    where: dict[int, list[int]] = {}
    for position, value in enumerate(stored_shingles.tolist()):
        where.setdefault(value, []).append(position)
    # Each upload shingle found in the stored text, at the stored position that continues
    # the previous match best (a repeated refrain has several).
    matches: list[tuple[int, int]] = []
    for position, value in enumerate(upload_shingles.tolist()):
        found = where.get(value)
        if not found:
            continue
        expected = matches[-1][1] + (position - matches[-1][0]) if matches else found[0]
        matches.append((position, min(found, key=lambda p: abs(p - expected))))
    best = None
    for run in _runs(matches):
        (u0, s0), (u1, s1) = run[0], run[-1]
        words = u1 + SHINGLE_WORDS - u0
        if words < MIN_QUOTE_WORDS:
            continue
        shingles = u1 - u0 + 1
        containment = len(run) / shingles
        if containment < MIN_CONTAINMENT:
            continue
        stored_set = set(stored_shingles[s0 : s1 + 1].tolist())
        upload_set = set(upload_shingles[u0 : u1 + 1].tolist())
        jaccard = len(stored_set & upload_set) / len(stored_set | upload_set)
        first, last = upload_spans[u0][0], upload_spans[u1 + SHINGLE_WORDS - 1][1]
        quotation = Quotation(
            upload_chars=(first, last),
            stored_chars=(stored_spans[s0][0], stored_spans[s1 + SHINGLE_WORDS - 1][1]),
            text=upload[first:last],
            words=words,
            containment=containment,
            jaccard=jaccard,
        )
        if best is None or quotation.words > best.words:
            best = quotation
    return best


def _runs(matches: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Split matched (upload, stored) shingle positions into passages: a new one starts where
    the upload skips more than MAX_GAP words or the stored position jumps out of order."""
    runs: list[list[tuple[int, int]]] = []
    for upload_position, stored_position in matches:
        if runs:
            last_upload, last_stored = runs[-1][-1]
            skipped = upload_position - last_upload
            shift = (stored_position - last_stored) - skipped
            if skipped <= MAX_GAP + 1 and abs(shift) <= MAX_GAP and stored_position > last_stored:
                runs[-1].append((upload_position, stored_position))
                continue
        runs.append([(upload_position, stored_position)])
    return runs


def _words(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Words folded to one spelling (case, accents, curly apostrophes), with their spans."""
    words, spans = [], []
    for match in _WORD.finditer(text):
        decomposed = unicodedata.normalize("NFKD", match.group().replace("’", "'"))
        words.append("".join(c for c in decomposed if not unicodedata.combining(c)).casefold())
        spans.append(match.span())
    return words, spans


def _shingle_hashes(words: list[str]) -> np.ndarray:
    """A 64-bit hash of each run of SHINGLE_WORDS words, in order (blake2b: the same in
    every process, unlike hash())."""
    count = max(0, len(words) - SHINGLE_WORDS + 1)
    hashes = [
        hashlib.blake2b(" ".join(words[i : i + SHINGLE_WORDS]).encode(), digest_size=8).digest()
        for i in range(count)
    ]
    return np.frombuffer(b"".join(hashes), dtype=">u8").astype(np.uint64)


def _permuted(shingles: np.ndarray) -> np.ndarray:
    """Each shingle under each of the PERMUTATIONS hash functions: multiply-add-shift
    ((a·x + b) mod 2^64) >> 32 of its low 32 bits, a 2-independent family (Dietzfelbinger)
    computed with numpy's wrap-around uint64 arithmetic."""
    x = shingles[:, None] & np.uint64(0xFFFFFFFF)
    return (x * _A[None, :] + _B[None, :]) >> np.uint64(32)


def match(stored: str, upload: str) -> Match | None:
    """A `Match` when the upload quotes at least MIN_QUOTE_WORDS words of the stored text."""
    quotation = find_quotation(stored, upload)
    if quotation is None:
        return None
    return Match(
        kind="text",
        score=quotation.score,
        quoted_text=quotation.text,
        upload_chars=quotation.upload_chars,
        stored_chars=quotation.stored_chars,
    )
