"""Spectral-peak (landmark) fingerprints of audio: find a source even when mixed quietly under louder music.

Chromaprint (audio.py) describes the loudest chroma, so a source 10 dB under another track is
gone from it. A landmark fingerprint keeps the source's own tonal peaks: a partial 10 dB
quieter is still a narrow local maximum of the spectrum wherever the louder track has no
partial within a few bins, which is most places. On tests/media/fingerprint_samples.py's
music about 60% of a stored work's strongest peaks are found again in such a mix
(bench/bench_landmarks.py measures recall, false matches, keys and cost).

Peaks: local maxima in time and frequency of an 8 kHz spectrogram, 100 Hz–3.6 kHz, standing
TONAL_DB above the bins 3–4 away (a partial; drums are broad and rarely pass), ranked by
strength against their band's median. Keys: pairs (f1, f2 − f1, dt) of an anchor and a later
peak within a second and 1 kHz, exact bins. A stored work pairs only its strongest
STORED_PER_SECOND peaks a second, an upload all of its peaks (a quieter source's peaks are
among them, not among the loudest); both keep the keys whose mixed hash is 0 mod SAMPLE.
Candidates: sampled keys on one (tempo scale, offset) line (lines.py). Verification (`match`): along
the line all pairs vote on, window by window, the share of the stored strong peaks that the
upload has too, beyond the share it has of the same peaks moved a few bins (chance: a busy
mix has more), must hold for 15 s: a copy agrees window after window, a shared drum loop or
chord progression mostly for a bar or two.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from media.fingerprints.lines import best_line
from media.fingerprints.results import FingerprintUnavailable, Match, sound_match
from media.fingerprints.tools import TIMEOUT_S, absolute, tool_run

RATE = 8000  # Hz: the partials that matter are under 4 kHz, and the spectrogram is cheap
NFFT = 1024  # 7.8 Hz bins, 128 ms: neighbouring semitones apart from about 130 Hz up
HOP = 256
FRAME_SECONDS = HOP / RATE  # 32 ms
LOW_BIN, HIGH_BIN = 13, 460  # 100 Hz (under it: the kick drum) to 3.6 kHz
# A partial stands this far above the mean of the bins 3 and 4 away on both sides; a Hann
# window's main lobe is ±2 bins, so a sinusoid passes easily, noise (snare, hi-hat) rarely.
TONAL_DB = 10.0
TIME_REACH = 3  # frames either side a peak must top in its bin (±96 ms)
FLOOR_DB = 60.0  # under the file's loudest bins by more than this: noise, not music
MEDIAN_FRAMES = 313  # the band median a peak's strength is measured against: 10 s blocks
MIN_SECONDS = 3.0
# The index: a stored work's strongest peaks per second, each paired with its STORED_FAN
# nearest later peaks in the target zone; an upload's every peak with PROBE_FAN (another
# track's peaks come between the source's). Hashes ≡ 0 mod SAMPLE kept on both sides.
STORED_PER_SECOND = 14
STORED_FAN = 10
PROBE_FAN = 30
ZONE_FRAMES = 32  # dt from 1 to 32 frames (1 s): ±3% tempo moves dt by at most one frame
ZONE_BINS = 128  # |f2 − f1| up to 1 kHz
SAMPLE = 4
MAX_KEY_POSITIONS = 32  # a pair found at more places in the stored work says nothing
WINDOW_SECONDS = 5.0
WINDOW_MIN_PEAKS = 15
WINDOW_MIN_EXCESS = 0.28  # strong peaks found beyond chance, per window
# Consecutive agreeing windows: 15 s. Two (10 s) let pieces with the same chord progression
# in the same key at a tempo within 4% through (5 in 240,000 pairs): their bass and chords
# agree for a bar or two, their melodies do not. A 20-s excerpt spans 3 whole windows.
MIN_WINDOWS = 3
MATCH_MIN_EXCESS = 0.36  # over the whole run
CHANCE_SHIFTS = (-7, -5, 5, 7)  # bins: off the line, not a semitone's multiple


@dataclass(frozen=True, eq=False)
class LandmarkFingerprint:
    """Tonal peaks of a file, sorted by frame then bin: frame `times[i]` (FRAME_SECONDS
    each), spectrogram bin `bins[i]` (RATE / NFFT Hz each), and whether it is among its
    second's STORED_PER_SECOND strongest (`strong`), the ones a stored work is indexed by."""

    times: np.ndarray  # int64
    bins: np.ndarray  # int64
    strong: np.ndarray  # bool
    duration_s: float

    @cached_property
    def stored_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(anchor frame, key) of every pair a stored work would be indexed by, unsampled,
        sorted by key (computed once: `match` uses them for each candidate)."""
        anchor, keys = _pairs(self.times[self.strong], self.bins[self.strong], STORED_FAN)
        order = np.argsort(keys, kind="stable")
        return anchor[order], keys[order]

    @cached_property
    def probe_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(anchor frame, key) of every pair an upload is looked up by, unsampled, sorted by
        key (computed once: `match` finds each candidate's shared pairs in them)."""
        anchor, keys = _pairs(self.times, self.bins, PROBE_FAN)
        order = np.argsort(keys, kind="stable")
        return anchor[order], keys[order]

    @cached_property
    def probe_sampled(self) -> tuple[np.ndarray, np.ndarray]:
        """`probe_key_arrays`, computed once (a look-up joins its hits part by part)."""
        anchor, keys = self.probe_pairs
        keep = _sampled(keys)
        return keys[keep], anchor[keep]


# --- keeping a fingerprint -----------------------------------------------------------------------

# Packing, version 1 (`to_bytes`, `from_bytes`): a 12-byte header, b"LM", the version (1 byte),
# a reserved 0 byte, the duration in milliseconds and the number of peaks (unsigned 32-bit
# big-endian each); then one unsigned 32-bit big-endian word a peak, in the fingerprint's
# order (frame, then bin): frame << 10 | bin << 1 | strong. Bins are under 512 (HIGH_BIN),
# frames under 2**22 (37 hours). 4 bytes a peak, some 56 peaks a second of music: 54 kB for
# 4 minutes. Every peak is kept, not only the strong ones: a work kept before a later one
# is that one's upload side when the later work is found from the earlier (`match`).
PACKING_VERSION = 1
_HEADER = struct.Struct(">2sBxII")
_MAGIC = b"LM"
_FRAME_LIMIT = 1 << 22


def to_bytes(fp: LandmarkFingerprint) -> bytes:
    """`fp` packed (version PACKING_VERSION, above) to be kept in a database row."""
    if len(fp.times) and int(fp.times.max()) >= _FRAME_LIMIT:
        raise ValueError("a landmark fingerprint of more than 37 hours cannot be packed")
    words = (fp.times.astype(np.uint32) << 10) | (fp.bins.astype(np.uint32) << 1)
    words |= fp.strong.astype(np.uint32)
    duration_ms = int(round(fp.duration_s * 1000))
    header = _HEADER.pack(_MAGIC, PACKING_VERSION, duration_ms, len(words))
    return header + words.astype(">u4").tobytes()


def from_bytes(data: bytes) -> LandmarkFingerprint:
    """The fingerprint `to_bytes` packed. Raises ValueError for anything else (another
    version included: such a work is fingerprinted again, `manage.py fingerprint --all`)."""
    if len(data) < _HEADER.size:
        raise ValueError("too short for a packed landmark fingerprint")
    magic, version, duration_ms, count = _HEADER.unpack_from(data)
    if magic != _MAGIC or version != PACKING_VERSION:
        raise ValueError(f"not a version {PACKING_VERSION} landmark fingerprint")
    if len(data) != _HEADER.size + 4 * count:
        raise ValueError("a packed landmark fingerprint of the wrong length")
    words = np.frombuffer(data, dtype=">u4", offset=_HEADER.size).astype(np.int64)
    return LandmarkFingerprint(
        times=words >> 10,
        bins=(words >> 1) & 0x1FF,
        strong=(words & 1).astype(bool),
        duration_s=duration_ms / 1000,
    )


def landmark_fingerprint(path: str | Path, *, timeout_s: float = TIMEOUT_S) -> LandmarkFingerprint:
    """The landmark fingerprint of the file at `path`, decoded by ffmpeg to mono 8 kHz.

    Raises `FingerprintUnavailable` when ffmpeg cannot read it, the audio is under
    MIN_SECONDS, or it has no tonal peaks (silence, noise).
    """
    return from_samples(_decode(path, timeout_s), RATE)


def _decode(path: str | Path, timeout_s: float) -> np.ndarray:
    proc = tool_run(
        "ffmpeg",
        ["-nostdin", "-v", "error", "-i", absolute(path), "-vn", "-ac", "1",
         "-ar", str(RATE), "-f", "f32le", "-"],
        timeout_s=timeout_s,
        missing="ffmpeg is not installed",
    )  # fmt: skip
    if proc.returncode != 0 or not proc.stdout:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise FingerprintUnavailable(lines[-1] if lines else "ffmpeg decoded no audio")
    return np.frombuffer(proc.stdout[: len(proc.stdout) // 4 * 4], dtype="<f4")


def from_samples(samples: np.ndarray, rate: int) -> LandmarkFingerprint:
    """The fingerprint of mono float samples in [-1, 1] at `rate` Hz (resampled to RATE)."""
    x = np.asarray(samples, dtype=np.float64)
    if rate != RATE:  # band-limited resampling through the FFT (benches: in-memory music)
        n = int(round(len(x) * RATE / rate))
        spectrum = np.fft.rfft(x)[: n // 2 + 1]
        x = np.fft.irfft(spectrum, n) * (n / max(1, len(x)))
    duration = len(x) / RATE
    if duration < MIN_SECONDS:
        raise FingerprintUnavailable(
            f"the audio is too short for a landmark fingerprint (it needs {MIN_SECONDS:g} s)"
        )
    times, bins, strength = _peaks(_spectrogram(x.astype(np.float32)))
    if not len(times):
        raise FingerprintUnavailable("the audio has no tonal peaks (silence or noise)")
    return LandmarkFingerprint(times, bins, _strongest(times, strength), duration)


def _spectrogram(x: np.ndarray) -> np.ndarray:
    """Level in dB, frames × bins."""
    frames = np.lib.stride_tricks.sliding_window_view(x, NFFT)[::HOP]
    window = np.hanning(NFFT + 1)[:-1].astype(np.float32)
    level = np.empty((len(frames), NFFT // 2 + 1), dtype=np.float32)
    for start in range(0, len(frames), 2048):  # bounded memory for an hour of audio
        chunk = np.abs(np.fft.rfft(frames[start : start + 2048] * window, axis=1))
        level[start : start + 2048] = 20 * np.log10(chunk + 1e-7)
    return level


def _peaks(level: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tonal peaks: frames, bins, strength (dB above the band's median in 10 s around)."""
    lo, hi = LOW_BIN, HIGH_BIN
    core = level[:, lo:hi]
    ok = core >= np.max(level) - FLOOR_DB
    for d in (1, 2):  # a local maximum in frequency
        ok &= (core >= level[:, lo - d : hi - d]) & (core >= level[:, lo + d : hi + d])
    sides = [level[:, lo + d : hi + d] for d in (-4, -3, 3, 4)]
    ok &= core - sum(sides) / 4 >= TONAL_DB  # narrow: a partial, not a noise burst
    # A local maximum in time too: a note's onset, not each frame of its decay.
    frames = len(core)
    padded = np.pad(core, ((TIME_REACH, TIME_REACH), (0, 0)), constant_values=-1e9)
    for d in range(1, TIME_REACH + 1):
        ok &= core > padded[TIME_REACH - d : TIME_REACH - d + frames]  # strictly after ties
        ok &= core >= padded[TIME_REACH + d : TIME_REACH + d + frames]
    times, bins = np.nonzero(ok)
    # Whitened strength: a loud bass and a faint high partial compete on equal terms.
    median = np.empty_like(core)
    for start in range(0, frames, MEDIAN_FRAMES):
        block = core[start : start + MEDIAN_FRAMES]
        median[start : start + MEDIAN_FRAMES] = np.median(block, axis=0)
    strength = core[times, bins] - median[times, bins]
    return times.astype(np.int64), (bins + lo).astype(np.int64), strength


def _strongest(times: np.ndarray, strength: np.ndarray) -> np.ndarray:
    """Whether each peak is among the STORED_PER_SECOND strongest of its second."""
    second = (times * HOP) // RATE
    order = np.lexsort((-strength, second))
    ranked = second[order]
    rank = np.arange(len(order)) - np.searchsorted(ranked, ranked, side="left")
    strong = np.zeros(len(times), dtype=bool)
    strong[order[rank < STORED_PER_SECOND]] = True
    return strong


# --- the keys -----------------------------------------------------------------------------------


def _pairs(times: np.ndarray, bins: np.ndarray, fan: int) -> tuple[np.ndarray, np.ndarray]:
    """(anchor frame, key) of each anchor with its `fan` nearest later peaks in the target
    zone, unsampled. Key: f1 (9 bits), f2 − f1 + 256 (9 bits), dt (6 bits)."""
    n = len(times)
    reach = np.searchsorted(times, times + ZONE_FRAMES, side="right") - np.arange(n)
    taken = np.zeros(n, dtype=np.int64)
    anchors, targets = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for j in range(1, int(reach.max(initial=0))):  # in time order: the nearest come first
        a = np.arange(n - j)
        dt = times[a + j] - times[a]
        ok = (dt >= 1) & (dt <= ZONE_FRAMES) & (np.abs(bins[a + j] - bins[a]) <= ZONE_BINS)
        ok &= taken[: n - j] < fan
        taken[: n - j] += ok
        anchors.append(a[ok])
        targets.append(a[ok] + j)
    a, b = np.concatenate(anchors), np.concatenate(targets)
    keys = (bins[a] << 16) | ((bins[b] - bins[a] + 256) << 6) | (times[b] - times[a])
    return times[a], keys


def _sampled(keys: np.ndarray) -> np.ndarray:
    """Content-defined sampling: the same pair is kept, or not, in every file it occurs in."""
    mixed = (keys.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)
    return mixed % np.uint64(SAMPLE) == 0


def _keys(anchor: np.ndarray, keys: np.ndarray) -> list[tuple[int, int]]:
    keep = _sampled(keys)
    order = np.lexsort((keys[keep], anchor[keep]))
    return list(zip(keys[keep][order].tolist(), anchor[keep][order].tolist(), strict=True))


def index_keys(fp: LandmarkFingerprint) -> list[tuple[int, int]]:
    """(key, frame) pairs a stored work is indexed under: pairs of its strongest peaks,
    sampled (about 21 a second). Keys fit a signed 64-bit column (they are under 2**25)."""
    return _keys(*fp.stored_pairs)


def probe_keys(fp: LandmarkFingerprint) -> list[tuple[int, int]]:
    """(key, frame) pairs an upload is looked up by: pairs of all its peaks, sampled the
    same way (about 380 a second, 470 for a mix: a source mixed under it is among them)."""
    return _keys(*fp.probe_pairs)


def probe_key_arrays(fp: LandmarkFingerprint) -> tuple[np.ndarray, np.ndarray]:
    """`probe_keys` as the look-up reads them: (keys, frames), sorted by key."""
    return fp.probe_sampled


# --- verification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LandmarkAlignment:
    """Where an upload repeats a stored work: the line t_stored = scale × t_upload + offset
    (frames), seconds in both, and the share of the stored strong peaks found along it."""

    scale: float
    offset: int
    upload_seconds: tuple[float, float]
    stored_seconds: tuple[float, float]
    excess: float  # share of strong peaks found beyond chance: 0 at chance, 1 all
    windows: int
    votes: int

    @property
    def score(self) -> float:
        """1 when every strong peak of the stored stretch is in the upload, 0 at chance."""
        return float(np.clip(self.excess, 0.0, 1.0))


def _hits(stored: LandmarkFingerprint, upload: LandmarkFingerprint) -> np.ndarray:
    """(upload frame, stored frame) of every shared pair, unsampled: for each key the stored
    work has at MAX_KEY_POSITIONS places or fewer, each of its places with each of the
    upload's. Both sides are sorted by key, so the stored work's few thousand keys are
    sought among the upload's (not the upload's 100,000 among them, once per candidate)."""
    s_anchor, s_keys = stored.stored_pairs
    u_anchor, u_keys = upload.probe_pairs
    shared, s_start, s_count = np.unique(s_keys, return_index=True, return_counts=True)
    u_start = np.searchsorted(u_keys, shared, side="left")
    u_count = np.searchsorted(u_keys, shared, side="right") - u_start
    u_count[s_count > MAX_KEY_POSITIONS] = 0
    per_key = s_count * u_count
    total = int(per_key.sum())
    which = np.repeat(np.arange(len(shared)), per_key)
    j = np.arange(total) - np.repeat(np.cumsum(per_key) - per_key, per_key)
    s_at = s_start[which] + j // u_count[which].clip(min=1)
    u_at = u_start[which] + j % u_count[which].clip(min=1)
    return np.stack([u_anchor[u_at], s_anchor[s_at]], axis=1)


@dataclass(frozen=True)
class _Along:
    """The stored work's strong peaks along the best line, window by window: how many fall
    inside the upload, how many the upload has too, and how many it would have by chance."""

    votes: int
    scale: float
    offset: int
    times: np.ndarray  # stored frames of the strong peaks
    found: np.ndarray  # bool: the upload has a peak there too
    window: np.ndarray  # each peak's window
    total: np.ndarray  # per window: peaks inside the upload
    agreed: np.ndarray  # per window: of those, found
    chance: np.ndarray  # per window: share found with the bins moved off the line

    @staticmethod
    def excess(agreed: np.ndarray, total: np.ndarray, chance: np.ndarray) -> np.ndarray:
        """The share found beyond chance: 0 at chance, 1 when all are found."""
        share = agreed / np.maximum(total, 1)
        return (share - chance) / np.maximum(1 - chance, 1e-9)


def _along(stored: LandmarkFingerprint, upload: LandmarkFingerprint) -> _Along | None:
    hits = _hits(stored, upload)
    if len(hits) < 10:
        return None
    votes, scale, offset = best_line(hits)
    # The upload's peaks as a grid, widened by a frame and a bin: a peak moves that much
    # under another track, an MP3 encoder or a tempo change.
    frames = int(upload.times.max()) + 2
    grid = np.zeros((frames + 2, HIGH_BIN + 2 + max(CHANCE_SHIFTS)), dtype=bool)
    for dt in (0, 1, 2):
        for df in (-1, 0, 1):
            grid[upload.times + dt, upload.bins + df] = True
    s_times, s_bins = stored.times[stored.strong], stored.bins[stored.strong]
    mapped = np.round((s_times - offset) / scale).astype(np.int64) + 1
    inside = (mapped >= 1) & (mapped <= frames)
    if not inside.any():
        return None
    found = np.zeros(len(s_times), dtype=bool)
    found[inside] = grid[mapped[inside], s_bins[inside]]
    per_window = int(round(WINDOW_SECONDS / FRAME_SECONDS))
    window = s_times // per_window
    n = int(window.max()) + 1
    # Chance: the same peaks a few bins off, where only coincidence puts the upload's peaks.
    # A busy upload (two pieces mixed) has more of them, and so more chance agreement.
    lucky = sum(
        np.bincount(window[inside], grid[mapped[inside], s_bins[inside] + d], minlength=n)
        for d in CHANCE_SHIFTS
    )
    total = np.bincount(window[inside], minlength=n)
    return _Along(
        votes=votes,
        scale=scale,
        offset=offset,
        times=s_times,
        found=found,
        window=window,
        total=total,
        agreed=np.bincount(window[found], minlength=n),
        chance=lucky / (len(CHANCE_SHIFTS) * np.maximum(total, 1)),
    )


def align(stored: LandmarkFingerprint, upload: LandmarkFingerprint) -> LandmarkAlignment | None:
    """The stretch of `upload` that repeats `stored` (possibly quieter, under other music,
    ±4% in tempo), or None: the longest run of windows whose strong peaks the upload has
    well beyond chance, MIN_WINDOWS or more, and beyond MATCH_MIN_EXCESS as a whole."""
    along = _along(stored, upload)
    if along is None:
        return None
    total, agreed, chance = along.total, along.agreed, along.chance
    agrees = along.excess(agreed, total, chance) >= WINDOW_MIN_EXCESS
    run = _longest_run(agrees & (total >= WINDOW_MIN_PEAKS))
    if run is None or run[1] - run[0] < MIN_WINDOWS:
        return None
    first, last = run
    # A window the upload only starts or ends in has few peaks: it extends the run if
    # those agree, so an excerpt's range reaches its ends.
    if first > 0 and agrees[first - 1] and total[first - 1] >= 3:
        first -= 1
    if last < len(total) and agrees[last] and total[last] >= 3:
        last += 1
    part = slice(first, last)
    weights = total[part]
    excess = float(
        along.excess(
            agreed[part].sum(), weights.sum(), (chance[part] * weights).sum() / weights.sum()
        )
    )
    if excess < MATCH_MIN_EXCESS:
        return None
    in_run = along.found & (along.window >= first) & (along.window < last)
    matched = along.times[in_run]
    stored_frames = (int(matched.min()), int(matched.max()))
    first_frame, last_frame = (int(round((t - along.offset) / along.scale)) for t in stored_frames)
    upload_frames = (first_frame, last_frame)
    return LandmarkAlignment(
        scale=along.scale,
        offset=along.offset,
        upload_seconds=_span(upload_frames, upload.duration_s),
        stored_seconds=_span(stored_frames, stored.duration_s),
        excess=excess,
        windows=last - first,
        votes=along.votes,
    )


def _longest_run(good: np.ndarray) -> tuple[int, int] | None:
    """[first, last) of the longest run of True, or None."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], good.astype(np.int8), [0]])))
    if not len(edges):
        return None
    starts, ends = edges[::2], edges[1::2]
    k = int(np.argmax(ends - starts))
    return int(starts[k]), int(ends[k])


def _span(frames: tuple[int, int], duration_s: float) -> tuple[float, float]:
    """Seconds from the first matched peak's frame to the end of the last one's."""
    start = max(0.0, frames[0] * FRAME_SECONDS)
    end = min(duration_s, frames[1] * FRAME_SECONDS + NFFT / RATE)
    return (round(start, 1), round(max(start, end), 1))


def match(stored: LandmarkFingerprint, upload: LandmarkFingerprint) -> Match | None:
    """A `Match` when at least 15 s of the upload repeats part of the stored work, even
    10 dB under louder music. The order is audio.match's: the earlier work first."""
    return sound_match(align(stored, upload))
