"""The landmark audio fingerprint finds a source mixed 10 dB under louder music, and places it."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from media.fingerprints import landmarks as lm
from media.fingerprints.results import FingerprintUnavailable
from tests.media import fingerprint_samples as fs

EXCERPT_START = 6.0


@pytest.fixture(scope="module")
def prints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, lm.LandmarkFingerprint]:
    """A source, an excerpt of it mixed at −10 dB under another piece, the source 3% faster,
    and an unrelated piece: each written by the real tools and fingerprinted from its file."""
    folder = tmp_path_factory.mktemp("landmarks")
    source = fs.write_wav(folder / "source.wav", fs.music(11, 30))
    other = fs.write_wav(folder / "other.wav", fs.music(5011, 24))
    cut = fs.excerpt(source, folder / "cut.wav", start=EXCERPT_START, seconds=20)
    mixed = fs.mixed_under(cut, other, folder / "mixed.wav", gain_db=-10.0)
    faster = fs.tempo(source, folder / "faster.wav", 1.03)
    unrelated = fs.write_wav(folder / "unrelated.wav", fs.music(12, 30))
    files = {"source": source, "mixed": mixed, "faster": faster, "unrelated": unrelated}
    return {name: lm.landmark_fingerprint(path) for name, path in files.items()}


def votes(stored: lm.LandmarkFingerprint, upload: lm.LandmarkFingerprint) -> int:
    """What the index would give: the upload's probe keys found among the stored keys."""
    where: dict[int, list[int]] = {}
    for key, position in lm.index_keys(stored):
        where.setdefault(key, []).append(position)
    hits = [(u, s) for key, u in lm.probe_keys(upload) for s in where.get(key, ())]
    return lm.offset_votes(hits)


def test_a_source_mixed_under_louder_music_is_found_where_it_is(prints) -> None:
    source, mixed = prints["source"], prints["mixed"]
    assert votes(source, mixed) >= lm.CANDIDATE_VOTES

    alignment = lm.align(source, mixed)
    assert alignment is not None
    # The mix's frame 0 is the source's 6th second.
    assert abs(alignment.offset * lm.FRAME_SECONDS - EXCERPT_START) < 0.2
    assert abs(alignment.scale - 1.0) < 0.005
    found = lm.match(source, mixed)
    assert found is not None and found.kind == "audio"
    assert 0.0 < found.score <= 1.0
    upload_start, upload_end = found.upload_seconds
    stored_start, stored_end = found.stored_seconds
    assert upload_start < 1.5 and upload_end > 17.0
    assert abs(stored_start - (EXCERPT_START + upload_start)) < 0.5
    assert abs(stored_end - (EXCERPT_START + upload_end)) < 0.5


def test_a_faster_copy_is_found_on_a_scaled_line(prints) -> None:
    alignment = lm.align(prints["source"], prints["faster"])
    assert alignment is not None
    # Played 3% faster: the source's frame t is the copy's t / 1.03.
    assert abs(alignment.scale - 1.03) < 0.006
    assert votes(prints["source"], prints["faster"]) >= lm.CANDIDATE_VOTES


def test_an_unrelated_piece_does_not_match(prints) -> None:
    for upload in (prints["unrelated"], prints["mixed"]):
        stored = prints["unrelated"] if upload is prints["mixed"] else prints["source"]
        assert lm.match(stored, upload) is None
        assert votes(stored, upload) < votes(prints["source"], prints["mixed"]) / 3


def test_keys_are_bounded_sampled_and_reproducible(prints, tmp_path: Path) -> None:
    source = prints["source"]
    stored = lm.index_keys(source)
    probe = lm.probe_keys(source)
    assert 5 < len(stored) / source.duration_s <= 30
    assert len(probe) > len(stored)
    assert all(0 <= key < 2**63 for key, _ in stored)
    assert all(lm._sampled(np.array([key]))[0] for key, _ in stored[:50])
    # The same samples give the same keys, from a file or from memory.
    again = lm.from_samples(fs.music(11, 30), fs.MUSIC_RATE)
    shared = set(lm.index_keys(again)) & set(stored)
    assert len(shared) >= 0.98 * len(stored)


def test_too_short_silent_or_unreadable_audio_has_no_fingerprint(tmp_path: Path) -> None:
    short = fs.write_wav(tmp_path / "short.wav", fs.music(3, 1.5))
    silent = fs.write_wav(tmp_path / "silent.wav", np.zeros(fs.MUSIC_RATE * 5, dtype=np.float32))
    garbage = tmp_path / "garbage.mp3"
    garbage.write_bytes(b"not audio at all" * 100)
    for path in (short, silent, garbage):
        with pytest.raises(FingerprintUnavailable) as caught:
            lm.landmark_fingerprint(path)
        assert caught.value.reason


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
    """`lm._line` spelled out: at each scale in turn, each offset's hits within a frame of
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
@given(hits_of_works(), st.sampled_from([lm.SCALES, *np.array_split(lm.SCALES, lm.SCALE_GROUPS)]))
def test_the_best_line_is_the_one_counted_by_hand(found, scales) -> None:
    _, hits = found
    hits = hits[:60]  # by hand is slow

    assert lm._line(hits, scales) == (line_by_hand(hits, scales) if len(hits) else (0, 1.0, 0))


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
    ids, ceilings, reach = lm.line_vote_bounds(
        works, hits, votes=votes, groups=groups, group_bins=group_bins
    )

    assert ids.tolist() == sorted(set(ids.tolist()))
    assert (ceilings >= votes).all()
    scale_groups = np.array_split(lm.SCALES, lm.SCALE_GROUPS)
    for work in set(works.tolist()):
        mine = works == work
        best = lm.offset_votes(hits[mine])
        if best >= votes:
            assert work in ids
        if work in ids:
            at = ids.tolist().index(work)
            assert best <= ceilings[at] <= mine.sum()
            for scales, may in zip(scale_groups, reach[at], strict=True):
                if not may:  # a group ruled out has no line with the votes
                    assert lm._line(hits[mine], scales)[0] < votes
        if mine.sum() < votes:
            assert work not in ids


@settings(max_examples=200, deadline=None)
@given(hits_of_works(), st.integers(1, 30))
def test_the_candidates_are_the_works_with_enough_votes_on_one_line(found, votes) -> None:
    works, hits = found

    candidates = lm.candidate_works(works, hits, votes=votes)

    assert candidates == sorted(
        work for work in set(works.tolist()) if lm.offset_votes(hits[works == work]) >= votes
    )


@settings(max_examples=200, deadline=None)
@given(hits_of_works(), st.integers(1, 30), st.lists(st.integers(0, 400), max_size=5))
def test_hits_counted_a_part_at_a_time_give_the_same_candidates(found, votes, cuts) -> None:
    # As the look-up counts them: a part of the keys' postings at a time, the upload's
    # first and last frames known before any.
    works, hits = found
    tally = lm.LineVoteTally((0, 3000))
    for part in np.split(np.arange(len(works)), sorted(set(cuts))):
        tally.add(works[part], hits[part])

    assert tally.candidates(votes) == lm.candidate_works(works, hits, votes=votes)


@given(st.lists(st.integers(0, 2**40), min_size=1), st.integers(1, 9000))
def test_any_work_id_falls_in_one_of_the_first_tables_groups(ids, groups) -> None:
    # Ids up to 2**40: the sound index's postings hold 32-bit ids, and a product that wraps
    # must still give a group.
    works = np.array(ids, dtype=np.int64)

    numbers = lm._group(works, groups)

    assert ((numbers >= 0) & (numbers < groups)).all()
    assert (lm._group(works, groups) == numbers).all()  # the same work, the same group


def test_the_first_tables_bins_are_a_power_of_two() -> None:
    with pytest.raises(ValueError, match="power of two"):
        lm.LineVoteTally((0, 100), group_bins=24)


def test_the_bound_leaves_out_the_works_whose_hits_lie_on_no_line() -> None:
    rng = np.random.default_rng(7)
    # A copy: 60 hits on a line 2% faster; 300 works with 60 hits each scattered over their
    # 10 minutes, as an upload's keys reach works by chance.
    copy = np.arange(0, 1800, 30)
    line = np.stack([copy, np.round(1.02 * copy + 400).astype(np.int64)], axis=1)
    chance = np.stack([rng.integers(0, 1875, 300 * 60), rng.integers(0, 18750, 300 * 60)], axis=1)
    works = np.concatenate([np.full(60, 5), np.repeat(np.arange(1000, 1300), 60)])
    hits = np.concatenate([line, chance])

    ids, ceilings, reach = lm.line_vote_bounds(works, hits)

    assert ids.tolist() == [5]
    assert ceilings.tolist()[0] >= lm.offset_votes(line) >= 50
    assert reach.tolist()[0][-1]  # 1.02: among the fastest scales
    assert lm.candidate_works(works, hits) == [5]
