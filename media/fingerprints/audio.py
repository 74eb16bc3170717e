"""Chromaprint fingerprints of audio (fpcalc -raw), their index keys, and finding one inside another.

A raw Chromaprint fingerprint is a sequence of 32-bit sub-fingerprints, one every
`ITEM_SECONDS` (4096/3 samples at 11,025 Hz: 0.124 s), each describing the chroma (the
energy of the twelve pitch classes) of the 2.7 s from its moment on. We keep the whole
sequence rather than AcoustID's first two minutes, so a 20-second excerpt anywhere in a
long mix can be aligned with the work it came from.

Finding: the index holds, per stored work, its sub-fingerprints with their least reliable
bits masked (`KEY_MASK`); an upload looks up its own masked values, and a work that shares
several at one offset is a candidate (`offset_votes`). `align` then verifies: it slides
windows of the upload over the candidate near the offsets those shared values suggest,
and keeps the longest run of windows whose bits mostly agree, letting the offset drift from
window to window, so a copy played 3% faster or slower still lines up.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from media.fingerprints.results import FingerprintUnavailable, Match, sound_match
from media.fingerprints.tools import TIMEOUT_S, absolute, tool_run

# Chromaprint's default algorithm (2): 11,025 Hz, frames of 4096 samples every third of one.
ITEM_SECONDS = 4096 / 3 / 11025
# Each item sums up about 22 steps of audio from its own moment on (a frame, then its
# filters' and classifiers' reach): a file yields 21.5 items fewer than its duration holds,
# whatever its length. An item therefore stands for the moment half of that after its own.
CONTEXT_ITEMS = 22


@dataclass(frozen=True)
class AudioFingerprint:
    """A raw Chromaprint fingerprint: `items[i]` describes the audio from i × ITEM_SECONDS
    to CONTEXT_ITEMS steps later."""

    items: np.ndarray  # uint32
    duration_s: float


def audio_fingerprint(path: str | Path, *, timeout_s: float = TIMEOUT_S) -> AudioFingerprint:
    """The raw fingerprint of the whole file at `path`, by Chromaprint's fpcalc.

    Raises `FingerprintUnavailable` when fpcalc cannot read the file or the audio is too
    short for Chromaprint (under about 3 seconds), and when fpcalc is not installed.
    """
    # -length 0: the whole file (fpcalc stops at 120 s otherwise); an hour of audio takes
    # about 2 s.
    proc = tool_run(
        "fpcalc",
        ["-raw", "-json", "-length", "0", absolute(path)],
        timeout_s=timeout_s,
        missing="fpcalc (libchromaprint-tools) is not installed",
    )
    # fpcalc 1.5 with FFmpeg 5 reports the end of the file as a decoding error (exit status
    # 3) after printing a complete fingerprint: the output decides, not the status.
    return _parse(proc.stdout, proc.stderr)


def _parse(stdout: bytes, stderr: bytes) -> AudioFingerprint:
    problem = _last_error(stderr)
    try:
        answer = json.loads(stdout or b"{}")
    except ValueError:
        answer = {}
    items = answer.get("fingerprint") or []
    if not items:
        reason = problem or "fpcalc gave no fingerprint"
        if "Empty fingerprint" in reason:
            reason = "the audio is too short for Chromaprint (it needs about 3 seconds)"
        raise FingerprintUnavailable(reason)
    values = np.array(items, dtype=np.int64).astype(np.uint32)  # -signed output, if any
    return AudioFingerprint(values, float(answer.get("duration") or 0.0))


def _last_error(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    errors = [line.removeprefix("ERROR: ") for line in lines if line]
    real = [line for line in errors if "End of file" not in line]
    return real[-1] if real else ""


# --- the index keys ---------------------------------------------------------------------------

# The 24 bits of a sub-fingerprint that survive best when the audio is cut at another moment
# or played 3% faster or slower (measured on bench/bench_fingerprints.py's music: bits 4, 8,
# 10, 12, 13, 16, 22 and 24 flip most, 11–18% of the time between aligned items, against
# 2–10% for the others). Exactly equal 32-bit values survived in 15% of aligned items,
# these 24 bits in 30%: twice the chances for a short excerpt to be found.
KEY_MASK = 0xFEBECAEF
# Keys with fewer bits set come from near-silence, which every work has.
_MIN_KEY_BITS = 8


def index_keys(fingerprint: AudioFingerprint) -> list[tuple[int, int]]:
    """(key, item position) pairs a stored work is indexed under: its masked sub-fingerprints,
    one per run of equal keys (a held chord repeats its items; the first says where it
    starts), leaving out near-silent ones (few bits set)."""
    keys = fingerprint.items & np.uint32(KEY_MASK)
    keep = np.ones(len(keys), dtype=bool)
    keep[1:] = keys[1:] != keys[:-1]
    keep &= np.bitwise_count(keys) >= _MIN_KEY_BITS
    positions = np.flatnonzero(keep)
    return [(int(k), int(p)) for k, p in zip(keys[positions], positions, strict=True)]


def probe_keys(fingerprint: AudioFingerprint) -> list[tuple[int, int]]:
    """(key, item position) pairs an upload is looked up by: the same keys as a stored work's."""
    return index_keys(fingerprint)


# A stored work is a candidate, worth `align`ing, from this many votes on (measured: a
# 20-second excerpt or a 3% tempo change of our test music gathers 40 or more, unrelated
# pairs 0 or 1).
CANDIDATE_VOTES = 3


def offset_votes(hits: Iterable[tuple[int, int]]) -> int:
    """How many (upload position, stored position) hits of one stored work agree on where
    the upload sits in it, within 2 s: the candidate's strength (0 for no hits).

    Offsets are binned 16 items wide, and each bin counts with its neighbour, so a copy
    drifting 3% over a 20-second excerpt still gathers its hits in one place.
    """
    bins = Counter((stored - upload) // 16 for upload, stored in hits)
    return max((count + bins.get(b + 1, 0) for b, count in bins.items()), default=0)


# --- verification ----------------------------------------------------------------------------

# Windows of 32 items (4 s) of the upload, every 8 items (1 s), are compared with the stored
# work bit by bit. A window agrees at an offset when at most WINDOW_MAX_BER of its bits
# differ; unrelated music differs in about half (docs/benchmarks.md has the measurements).
WINDOW = 32
HOP = 8
WINDOW_MAX_BER = 0.25
# A match is a run of at least MIN_WINDOWS agreeing windows (8 windows: 11 s of audio),
# each within DRIFT of the previous one's offset, per item between them, plus 2 items: 3%
# tempo over a 20-second excerpt moves the offset by 5 items.
MIN_WINDOWS = 8
DRIFT = 0.04
# Hits within REACH items of a window's centre propose its offsets; a key found at more
# than MAX_KEY_POSITIONS places of the stored work says nothing about where.
REACH = 64
MAX_KEY_POSITIONS = 32
# Up to MAX_GAP windows in a row may disagree inside a run (a drum fill, a vocal on top).
MAX_GAP = 3
# And the matched items as a whole must agree better than single windows: copies differ in
# 4–10% of their bits (a 3% tempo change, a cut at another moment), up to 17% with another
# track 10 dB under them; two unrelated pieces with the same chords in the same key at the
# same tempo differed in 22% (the only false matches the window threshold alone let
# through among 2,000 unrelated pieces).
MAX_MATCH_BER = 0.18


@dataclass(frozen=True)
class AudioAlignment:
    """Where an upload repeats a stored work: item ranges (half-open) and seconds in both,
    and how well the bits agree there."""

    upload_items: tuple[int, int]
    stored_items: tuple[int, int]
    upload_seconds: tuple[float, float]
    stored_seconds: tuple[float, float]
    bit_error_rate: float  # over the matched items; unrelated audio: about 0.5
    windows: int  # agreeing windows in the run

    @property
    def score(self) -> float:
        """How alike the matched audio is, beyond chance: 1 when every bit agrees, 0 when
        half do, as between unrelated pieces (a match has at least 1 − 2 × MAX_MATCH_BER)."""
        return max(0.0, min(1.0, 1.0 - 2 * self.bit_error_rate))


def key_hits(stored: AudioFingerprint, upload: AudioFingerprint) -> list[tuple[int, int]]:
    """(upload position, stored position) pairs whose keys are equal, as the index finds them."""
    where: defaultdict[int, list[int]] = defaultdict(list)
    for key, position in index_keys(stored):
        where[key].append(position)
    return [
        (upload_position, stored_position)
        for key, upload_position in probe_keys(upload)
        if len(where.get(key, ())) <= MAX_KEY_POSITIONS
        for stored_position in where.get(key, ())
    ]


def align(stored: AudioFingerprint, upload: AudioFingerprint) -> AudioAlignment | None:
    """The longest stretch of `upload` that repeats part of `stored`, or None.

    Each window of the upload is tried at the offsets that shared keys nearby suggest (each
    widened by the drift a tempo change allows), and keeps its best; the agreeing windows
    are then chained, in order, as long as their offsets stay consistent.
    """
    a, b = stored.items, upload.items
    hits = key_hits(stored, upload)
    if not hits or len(a) < WINDOW or len(b) < WINDOW:
        return None
    hits_array = np.array(sorted(hits), dtype=np.int64)  # by upload position
    hit_upload, hit_offset = hits_array[:, 0], hits_array[:, 1] - hits_array[:, 0]
    agreeing: list[tuple[int, int, float]] = []  # (window start, offset, bit error rate)
    # Every HOP items, and one window flush with the end, so the last seconds count too.
    for start in sorted({*range(0, len(b) - WINDOW + 1, HOP), len(b) - WINDOW}):
        centre = start + WINDOW // 2
        lo, hi = np.searchsorted(hit_upload, [centre - REACH, centre + REACH + 1])
        if lo == hi:
            continue
        # Each nearby hit proposes its offset, widened by the drift a tempo change allows
        # between the hit and the window's centre.
        slack = 2 + int(np.ceil(DRIFT * np.abs(hit_upload[lo:hi] - centre).max()))
        widen = np.arange(-slack, slack + 1)
        offsets = np.unique((hit_offset[lo:hi, None] + widen[None, :]).ravel())
        offsets = offsets[(start + offsets >= 0) & (start + offsets + WINDOW <= len(a))]
        if not len(offsets):
            continue
        window = b[start : start + WINDOW]
        rows = a[(start + offsets)[:, None] + np.arange(WINDOW)[None, :]]
        errors = np.bitwise_count(rows ^ window[None, :]).sum(axis=1)
        best = int(np.argmin(errors))
        ber = float(errors[best]) / (32 * WINDOW)
        if ber <= WINDOW_MAX_BER:
            agreeing.append((start, int(offsets[best]), ber))
    run = _longest_run(agreeing)
    if not run:
        return None
    alignment = _trimmed(run, stored, upload)
    return alignment if alignment.bit_error_rate <= MAX_MATCH_BER else None


def _longest_run(agreeing: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """The longest chain of agreeing windows whose offsets drift no more than a tempo change
    allows, with at most MAX_GAP missing windows between two links; [] if under MIN_WINDOWS."""
    length = [1] * len(agreeing)
    previous = [-1] * len(agreeing)
    for k, (start, offset, _ber) in enumerate(agreeing):
        for j in range(k - 1, -1, -1):
            gap_items = start - agreeing[j][0]
            if gap_items > (MAX_GAP + 1) * HOP:
                break
            drift = abs(offset - agreeing[j][1])
            if drift <= 2 + DRIFT * gap_items and length[j] + 1 > length[k]:
                length[k], previous[k] = length[j] + 1, j
    if not agreeing:
        return []
    end = max(range(len(agreeing)), key=lambda k: length[k])
    if length[end] < MIN_WINDOWS:
        return []
    chain = [end]
    while previous[chain[-1]] >= 0:
        chain.append(previous[chain[-1]])
    return [agreeing[k] for k in reversed(chain)]


def _trimmed(
    run: list[tuple[int, int, float]], stored: AudioFingerprint, upload: AudioFingerprint
) -> AudioAlignment:
    """The run's items, less those at either end that do not agree themselves.

    A window agrees with a quarter of its bits wrong, so the first and last windows of a
    run may reach a few seconds into other music; item by item (smoothed over 4), the ends
    are cut back to where the bits agree.
    """
    a, b = stored.items, upload.items
    first, end = run[0][0], run[-1][0] + WINDOW
    positions = np.arange(first, end)
    starts = np.array([start for start, _, _ in run])
    offsets = np.array([offset for _, offset, _ in run])[
        np.searchsorted(starts, positions, side="right") - 1
    ]
    inside = (positions + offsets >= 0) & (positions + offsets < len(a))
    errors = np.full(len(positions), 32.0)
    errors[inside] = np.bitwise_count(b[positions[inside]] ^ a[(positions + offsets)[inside]])
    smooth = np.convolve(errors, np.ones(4) / 4, mode="same")
    good = np.flatnonzero(smooth <= 32 * WINDOW_MAX_BER)
    if len(good):
        lo, hi = int(good[0]), int(good[-1]) + 1
    else:  # cannot happen for a run of agreeing windows; keep the run as it is
        lo, hi = 0, len(positions)
    upload_items = (first + lo, first + hi)
    stored_items = (first + lo + int(offsets[lo]), first + hi + int(offsets[hi - 1]))
    return AudioAlignment(
        upload_items=upload_items,
        stored_items=stored_items,
        **_seconds(upload_items, stored_items, len(b), len(a)),
        bit_error_rate=float(errors[lo:hi].mean()) / 32,
        windows=len(run),
    )


def _seconds(
    upload_items: tuple[int, int], stored_items: tuple[int, int], upload_len: int, stored_len: int
) -> dict[str, tuple[float, float]]:
    """The matched items as seconds in both works.

    An item stands for the middle of the CONTEXT_ITEMS steps it sums up; but where the match
    reaches the start (or end) of either file, the matched audio runs to that file's very
    start (or end), so both works get the edge of the items' context there instead.
    """
    middle = CONTEXT_ITEMS / 2
    at_start = upload_items[0] == 0 or stored_items[0] == 0
    at_end = upload_items[1] >= upload_len or stored_items[1] >= stored_len
    lead = 0.0 if at_start else middle
    tail = CONTEXT_ITEMS if at_end else middle

    def span(items: tuple[int, int]) -> tuple[float, float]:
        start = (items[0] + lead) * ITEM_SECONDS
        return (round(start, 1), round(max(start, (items[1] - 1 + tail) * ITEM_SECONDS), 1))

    return {"upload_seconds": span(upload_items), "stored_seconds": span(stored_items)}


def match(stored: AudioFingerprint, upload: AudioFingerprint) -> Match | None:
    """A `Match` when part of the upload (at least 11 s) repeats part of the stored work."""
    return sound_match(align(stored, upload))
