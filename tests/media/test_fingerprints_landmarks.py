"""The landmark audio fingerprint finds a source mixed 10 dB under louder music, and places it."""

from pathlib import Path

import numpy as np
import pytest

from media.fingerprints import landmarks as lm
from media.fingerprints import lines
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
    return lines.offset_votes(hits)


def test_a_source_mixed_under_louder_music_is_found_where_it_is(prints) -> None:
    source, mixed = prints["source"], prints["mixed"]
    assert votes(source, mixed) >= lines.CANDIDATE_VOTES

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
    assert votes(prints["source"], prints["faster"]) >= lines.CANDIDATE_VOTES


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
