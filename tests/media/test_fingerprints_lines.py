"""Candidates on one tempo/offset line: every stored work whose hits have enough votes on
one line is kept by the bounds and found by the search, however the hits come."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from media.fingerprints import lines


@st.composite
def hits_of_works(draw):
    """Hits (upload frame, stored frame) of a few stored works, in any order: random ones,
    and for some works a line (a copy at a tempo within 4%) among them. Work ids up to 2**31:
    some past the table `line_vote_bounds` numbers works by."""
    works, hits = [], []
    ids = draw(st.lists(st.integers(1, 2**31), min_size=1, max_size=6, unique=True))
    for work in ids:
        for _ in range(draw(st.integers(0, 40))):
            works.append(work)
            hits.append((draw(st.integers(0, 3000)), draw(st.integers(0, 3000))))
        if draw(st.booleans()):
            scale = draw(st.floats(0.96, 1.04))
            offset = draw(st.integers(-500, 500))
            for u in draw(st.lists(st.integers(0, 3000), min_size=1, max_size=40)):
                jitter = draw(st.integers(-1, 1))
                works.append(work)
                hits.append((u, max(0, round(scale * u + offset) + jitter)))
    order = draw(st.permutations(range(len(works))))
    pairs = np.array(hits, dtype=np.int64).reshape(-1, 2)
    return np.array(works, dtype=np.int64)[order], pairs[order]


def line_by_hand(hits: np.ndarray, scales: np.ndarray) -> tuple[int, float, int]:
    """`lines._line` spelled out: at each scale in turn, each offset's hits within a frame of
    it; the first scale, then the lowest offset, among those with the most."""
    best = (0, 1.0, 0)
    for scale in scales:
        residuals = np.round(hits[:, 1] - scale * hits[:, 0]).astype(np.int64).tolist()
        for offset in range(min(residuals), max(residuals) + 1):
            votes = sum(abs(r - offset) <= 1 for r in residuals)
            if votes > best[0]:
                best = (votes, float(scale), offset)
    return best


@settings(max_examples=200, deadline=None)
@given(
    hits_of_works(),
    st.sampled_from([lines.SCALES, *np.array_split(lines.SCALES, lines.SCALE_GROUPS)]),
    st.sampled_from([1, 100, 500, lines.LINE_CELLS]),
)
def test_the_best_line_is_the_one_counted_by_hand(found, scales, cells) -> None:
    # `cells` small: the scales counted a few at a time, as a verification's many hits are.
    _, hits = found
    hits = hits[:60]  # by hand is slow

    assert lines.best_line(hits, scales, cells=cells) == (
        line_by_hand(hits, scales) if len(hits) else (0, 1.0, 0)
    )


@settings(max_examples=300, deadline=None)
@given(
    hits_of_works(),
    st.integers(1, 30),
    st.sampled_from([(None, None), (3, 2), (1, 1)]),
)
def test_every_work_whose_best_line_has_enough_votes_is_kept_under_a_ceiling(
    found, votes, first_table
) -> None:
    works, hits = found
    # The first table as given, or tiny: works merged into 3 groups, or all into one, and
    # bins as wide as the hits spread.
    groups, group_bins = first_table
    ids, ceilings, reach = lines.line_vote_bounds(
        works, hits, votes=votes, groups=groups, group_bins=group_bins
    )

    assert ids.tolist() == sorted(set(ids.tolist()))
    assert (ceilings >= votes).all()
    scale_groups = np.array_split(lines.SCALES, lines.SCALE_GROUPS)
    for work in set(works.tolist()):
        mine = works == work
        best = lines.offset_votes(hits[mine])
        if best >= votes:
            assert work in ids
        if work in ids:
            at = ids.tolist().index(work)
            assert best <= ceilings[at] <= mine.sum()
            for scales, may in zip(scale_groups, reach[at], strict=True):
                if not may:  # a group ruled out has no line with the votes
                    assert lines.best_line(hits[mine], scales)[0] < votes
        if mine.sum() < votes:
            assert work not in ids


@settings(max_examples=200, deadline=None)
@given(hits_of_works(), st.integers(1, 30))
def test_the_candidates_are_the_works_with_enough_votes_on_one_line(found, votes) -> None:
    works, hits = found

    candidates = lines.candidate_works(works, hits, votes=votes)

    assert candidates == sorted(
        work for work in set(works.tolist()) if lines.offset_votes(hits[works == work]) >= votes
    )


@settings(max_examples=200, deadline=None)
@given(hits_of_works(), st.integers(1, 30), st.lists(st.integers(0, 400), max_size=5))
def test_hits_counted_a_part_at_a_time_give_the_same_candidates(found, votes, cuts) -> None:
    # As the look-up counts them: a part of the keys' postings at a time, the upload's
    # first and last frames known before any.
    works, hits = found
    tally = lines.LineVoteTally((0, 3000))
    for part in np.split(np.arange(len(works)), sorted(set(cuts))):
        tally.add(works[part], hits[part])

    assert tally.candidates(votes) == lines.candidate_works(works, hits, votes=votes)


@given(st.lists(st.integers(0, 2**40), min_size=1), st.integers(1, 9000))
def test_any_work_id_falls_in_one_of_the_first_tables_groups(ids, groups) -> None:
    # Ids up to 2**40: the sound index's postings hold 32-bit ids, and a product that wraps
    # must still give a group.
    works = np.array(ids, dtype=np.int64)

    numbers = lines._group(works, groups)

    assert ((numbers >= 0) & (numbers < groups)).all()


@pytest.mark.parametrize("step", [1, 1000, lines.WORK_GROUPS, 8192, 65536])
def test_ids_a_round_number_apart_spread_over_the_groups(step) -> None:
    # Ids that step by the number of groups all fell in one group of `id % groups`.
    works = np.arange(1, 1001, dtype=np.int64) * step

    assert len(set(lines._group(works, lines.WORK_GROUPS).tolist())) >= 990


def test_the_first_tables_bins_are_a_power_of_two() -> None:
    with pytest.raises(ValueError, match="power of two"):
        lines.LineVoteTally((0, 100), group_bins=24)


def test_the_bound_leaves_out_the_works_whose_hits_lie_on_no_line() -> None:
    rng = np.random.default_rng(7)
    # A copy: 60 hits on a line 2% faster; 300 works with 60 hits each scattered over their
    # 10 minutes, as an upload's keys reach works by chance.
    copy = np.arange(0, 1800, 30)
    line = np.stack([copy, np.round(1.02 * copy + 400).astype(np.int64)], axis=1)
    chance = np.stack([rng.integers(0, 1875, 300 * 60), rng.integers(0, 18750, 300 * 60)], axis=1)
    works = np.concatenate([np.full(60, 5), np.repeat(np.arange(1000, 1300), 60)])
    hits = np.concatenate([line, chance])

    ids, ceilings, reach = lines.line_vote_bounds(works, hits)

    assert ids.tolist() == [5]
    assert ceilings.tolist()[0] >= lines.offset_votes(line) >= 50
    assert reach.tolist()[0][-1]  # 1.02: among the fastest scales
    assert lines.candidate_works(works, hits) == [5]
