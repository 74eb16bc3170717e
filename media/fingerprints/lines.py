"""Candidates among many stored works: the works whose hits (upload frame, stored frame) lie
on one line t_stored = scale × t_upload + offset, found without trying every work.

An upload's sampled landmark keys (landmarks.py) reach thousands of stored works by chance,
a few dozen hits each; a copy's hits lie on one line, at the copy's tempo and offset. Most
works are ruled out by bounds on their votes (`line_vote_bounds`, counted as the look-up
reads its keys' postings: `LineVoteTally`); the few left are searched line by line
(`candidate_works`, `best_line`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

# A candidate (offset_votes) has this many sampled keys on one offset line (copies gathered
# 47 or more, a 30-s source mixed under included; unrelated pairs 12 at the 99th percentile).
CANDIDATE_VOTES = 20
# Lines: offsets within a frame, tempo scales 0.96–1.04 in steps of 0.003 (±1.2 frames of
# drift over 30 s between steps).
SCALES = np.linspace(0.96, 1.04, 27)
SCALE_GROUPS = 3  # `line_vote_bounds` bounds the likely works again, 9 scales at a time


def offset_votes(hits: Iterable[tuple[int, int]] | np.ndarray) -> int:
    """How many (upload frame, stored frame) hits of one stored work lie on one line
    t_stored = scale × t_upload + offset (±1 frame, scales 0.96–1.04): the candidate's
    strength. Exact lines, not audio.py's 2-s offset bins: unrelated pieces in one key at a
    similar tempo share keys at roughly one offset (16-frame bins: 8.5% of unrelated pairs
    reached 15 votes, lines 0.2%). Fewer hits than CANDIDATE_VOTES can be skipped unread."""
    if not isinstance(hits, np.ndarray):
        hits = list(hits)
    pairs = np.asarray(hits, dtype=np.int64).reshape(-1, 2)
    return best_line(pairs)[0] if len(pairs) else 0


def line_vote_bounds(
    works: np.ndarray,
    hits: np.ndarray,
    *,
    votes: int = CANDIDATE_VOTES,
    groups: int | None = None,
    group_bins: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For hits (upload frame, stored frame) of many stored works (`works`, one per hit, in
    any order), the works whose `offset_votes` may reach `votes`, ascending, each with a
    ceiling on its votes and, for each of the SCALE_GROUPS groups of scales, whether its
    lines at those scales may reach `votes`; every work left out has fewer. `offset_votes` tries 27 scales a
    work; an upload's keys reach thousands of works by chance, and trying them all cost most
    of a look-up (0.5 s for a minute of music among 20,000 works), when a bound rules nearly
    all of them out in a few passes over the hits, none of which sorts them (sorting a mix's
    340,000 hits by work took 15-30 ms on the benchmark's machine).

    Why it bounds: on a line t_stored = scale × t_upload + offset, ±1 frame, the difference
    t_stored − centre × t_upload (centre: the middle of the scales tried) moves by at most
    |scale − centre| × the longest upload span, plus the tolerance and rounding, so all of
    a line's hits fall within one interval that wide: in one or two neighbouring bins of at
    least that width. The two neighbours' count is never under the line's votes, and wider
    bins, or several works' hits counted together, only count more. So:

    1. the works merged into `groups` (WORK_GROUPS) by id, each group's hits in `group_bins`
       (GROUP_BINS) bins, a bin the interval's width, counted modulo `group_bins` (two
       neighbours stay neighbours, the first and the last included): a small table, and a
       work's few dozen chance hits rarely gather `votes` even so (`LineVoteTally` fills it
       a part of the hits at a time);
    2. the works of the groups that pass, each on its own, in bins as narrow as the scales
       allow;
    3. those that pass again, the scales taken in SCALE_GROUPS groups: a group's lines drift
       a third as far, so its bins are a third as wide and gather a third of the chance hits.
    """
    tally = LineVoteTally.of(works, hits, groups=groups, group_bins=group_bins)
    likely = tally.likely(votes)
    return likely.ids, likely.ceilings, likely.reach


@dataclass(frozen=True)
class _Likely:
    """`line_vote_bounds`'s works (`ids`, `ceilings`, `reach`) and every hit of theirs: its
    work's place in `ids` (`numbers`) and the hit (`hits`), in no order."""

    ids: np.ndarray
    ceilings: np.ndarray
    reach: np.ndarray
    numbers: np.ndarray
    hits: np.ndarray

    @classmethod
    def none(cls) -> _Likely:
        empty = np.empty(0, dtype=np.int64)
        no_reach = np.empty((0, SCALE_GROUPS), dtype=bool)
        return cls(empty, empty, no_reach, empty, np.empty((0, 2), dtype=np.int64))


class LineVoteTally:
    """The hits of one upload's look-up, counted as the look-up reads them (`add`, a part of
    its keys' postings at a time): each part fills `line_vote_bounds`'s first table while
    the sound index finds the next part, so only the later, smaller passes wait for the
    last one (`likely`, `candidates`). `upload_frames` are the first and last frames of the
    upload any hit can come from: they set the first table's bin width."""

    def __init__(
        self,
        upload_frames: tuple[int, int],
        *,
        groups: int | None = None,
        group_bins: int | None = None,
    ) -> None:
        self.groups, self.bins = groups or WORK_GROUPS, group_bins or GROUP_BINS
        if self.bins & (self.bins - 1):
            raise ValueError("the first table's bins are counted modulo a power of two")
        # A line's hits lie within drift × span + 3 frames of t_stored − t_upload (the scales'
        # centre is 1): in this width, within two neighbouring bins.
        drift = float(np.abs(SCALES - 1.0).max())
        self.width = int(np.ceil(drift * (upload_frames[1] - upload_frames[0]))) + 4
        self.table = np.zeros((self.groups, self.bins), dtype=np.int64)
        self.works: list[np.ndarray] = []
        self.hits: list[np.ndarray] = []

    @classmethod
    def of(
        cls,
        works: np.ndarray,
        hits: np.ndarray,
        *,
        groups: int | None = None,
        group_bins: int | None = None,
    ) -> LineVoteTally:
        """A tally of these hits, all at once."""
        frames = (int(hits[:, 0].min()), int(hits[:, 0].max())) if len(hits) else (0, 0)
        tally = cls(frames, groups=groups, group_bins=group_bins)
        tally.add(works, hits)
        return tally

    def add(self, works: np.ndarray, hits: np.ndarray) -> None:
        """Count hits (upload frame, stored frame) of `works` (one per hit, any order)."""
        at = ((hits[:, 1] - hits[:, 0]) // self.width) & (self.bins - 1)
        np.add.at(self.table.reshape(-1), _group(works, self.groups) * self.bins + at, 1)
        self.works.append(works)
        self.hits.append(hits)

    def likely(self, votes: int = CANDIDATE_VOTES) -> _Likely:
        """`line_vote_bounds` of every hit added, with their hits."""
        if not self.works:
            return _Likely.none()
        table = self.table
        pairs = table if self.bins == 1 else table + np.roll(table, -1, axis=1)
        passed = pairs.max(axis=1) >= votes
        works = np.concatenate(self.works)
        chosen = passed[_group(works, self.groups)]
        if not chosen.any():
            return _Likely.none()
        return _refined(works[chosen], np.concatenate(self.hits)[chosen], votes)

    def candidates(self, votes: int = CANDIDATE_VOTES) -> list[int]:
        """`candidate_works` of every hit added."""
        return _on_a_line(self.likely(votes), votes)


def _group(works: np.ndarray, groups: int) -> np.ndarray:
    """Each work's group, 0 to `groups` − 1: the low 32 bits of id × a large odd number,
    scaled to the groups (ids a round number apart still spread; no division)."""
    # In int64: a product past 2**63 wraps, which leaves its low 32 bits as they are.
    return (((works * 0x9E3779B1) & 0xFFFFFFFF) * groups) >> 32


def _refined(works: np.ndarray, hits: np.ndarray, votes: int) -> _Likely:
    """`line_vote_bounds`'s passes after the first, on the hits of the groups that pass."""
    ids, numbers = np.unique(works, return_inverse=True)
    numbers = numbers.reshape(-1)
    ceilings = np.full(len(ids), len(hits), dtype=np.int64)
    for scale_groups in ([SCALES], np.array_split(SCALES, SCALE_GROUPS)):
        refined = np.stack([_bins_bound(numbers, len(ids), hits, g) for g in scale_groups], 1)
        ceilings = np.minimum(ceilings, refined.max(axis=1))
        passed = ceilings >= votes
        ids, ceilings, reach = ids[passed], ceilings[passed], refined[passed] >= votes
        if not len(ids):
            return _Likely.none()
        chosen = passed[numbers]
        numbers, hits = (np.cumsum(passed) - 1)[numbers[chosen]], hits[chosen]
    return _Likely(ids.astype(np.int64), ceilings, reach, numbers, hits)


def candidate_works(
    works: np.ndarray, hits: np.ndarray, *, votes: int = CANDIDATE_VOTES
) -> list[int]:
    """The works whose hits (upload frame, stored frame; `works` one per hit, in any order)
    have `votes` or more on one line (`offset_votes`), ascending: `line_vote_bounds` rules
    out nearly all, and the rest are tried only at the scales of the groups whose bound
    reaches `votes` (a chance work's hits rarely bunch in more than one)."""
    return LineVoteTally.of(works, hits).candidates(votes)


def _on_a_line(likely: _Likely, votes: int) -> list[int]:
    """The likely works with `votes` on one line, at the scales their bound reaches."""
    groups = np.array_split(SCALES, SCALE_GROUPS)
    # Each likely work's hits together: a few thousand, sorted by their work's place.
    order = np.argsort(likely.numbers, kind="stable")
    edges = np.searchsorted(likely.numbers[order], np.arange(len(likely.ids) + 1))
    found = []
    for number, (work, may) in enumerate(zip(likely.ids.tolist(), likely.reach, strict=True)):
        scales = np.concatenate([group for group, m in zip(groups, may, strict=True) if m])
        mine = likely.hits[order[edges[number] : edges[number + 1]]]
        if best_line(mine, scales)[0] >= votes:
            found.append(work)
    return found


# The first bound's table (`line_vote_bounds`): works merged into this many groups by id,
# each group's hits in this many bins (a power of two: counted modulo it).
WORK_GROUPS = 8191
GROUP_BINS = 32
# The later bounds' tables, works × bins, are at most this many counters (16 MB), their
# bins widened to fit: only a very short upload, whose bins are narrow, reaches it.
BOUND_CELLS = 1 << 21


def _bins_bound(numbers: np.ndarray, n: int, hits: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """`line_vote_bounds` over the lines of `scales` for works numbered 0 to n − 1: each
    work's most hits in two neighbouring bins of t_stored − centre × t_upload, counted in a
    table of works × bins."""
    centre = float(scales.min() + scales.max()) / 2
    drift = float(scales.max() - scales.min()) / 2
    span = int(hits[:, 0].max() - hits[:, 0].min())
    residuals = hits[:, 1] - centre * hits[:, 0]
    spread = float(residuals.max() - residuals.min()) + 1
    width = max(int(np.ceil(drift * span)) + 4, int(np.ceil(spread * n / BOUND_CELLS)))
    at = np.floor(residuals / width).astype(np.int64)
    at -= at.min()
    stride = int(at.max()) + 2  # an empty last bin: each bin has a next one in its row
    counts = np.bincount(numbers * stride + at, minlength=n * stride).reshape(n, stride)
    return (counts[:, :-1] + counts[:, 1:]).max(axis=1)


# Hits × scales `best_line` counts in one table: a likely work's few thousand hits take every
# scale at once; a verification's hundreds of thousands (4 minutes against 4 minutes) a scale
# at a time, as a table that size in fresh memory cost 4 times the loop over scales.
LINE_CELLS = 1 << 18


def best_line(
    hits: np.ndarray, scales: np.ndarray = SCALES, *, cells: int = LINE_CELLS
) -> tuple[int, float, int]:
    """(votes, scale, offset): the line most hits lie on, ±1 frame, among `scales` (the
    first scale, then the lowest offset, of those with the most). The offsets of as many
    scales as `cells` allows are counted in one table, one row a scale: a loop over the
    scales cost a candidate about a millisecond, most of it numpy's overhead on a few
    hundred hits."""
    best = (0, 1.0, 0)
    step = max(1, cells // max(1, len(hits)))
    for first in range(0, len(scales) if len(hits) else 0, step):
        found = _best_line_among(hits, scales[first : first + step])
        if found[0] > best[0]:  # an earlier scale keeps a tie
            best = found
    return best


def _best_line_among(hits: np.ndarray, scales: np.ndarray) -> tuple[int, float, int]:
    residuals = np.round(hits[:, 1] - scales[:, None] * hits[:, 0]).astype(np.int64)
    low = residuals.min(axis=1)
    # Offsets from each row's lowest, one empty column either side: a column's votes are
    # its own hits and its two neighbours'.
    width = int((residuals - low[:, None]).max()) + 3
    at = residuals - low[:, None] + 1 + width * np.arange(len(scales))[:, None]
    counts = np.bincount(at.ravel(), minlength=len(scales) * width).reshape(len(scales), width)
    votes = counts[:, :-2] + counts[:, 1:-1] + counts[:, 2:]
    row, column = np.unravel_index(int(np.argmax(votes)), votes.shape)
    return int(votes[row, column]), float(scales[row]), int(column + low[row])
