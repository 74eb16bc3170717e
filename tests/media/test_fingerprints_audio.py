"""Audio fingerprints: copies a remixer makes are found and placed in time; unrelated music is not."""

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from media.fingerprints import FingerprintUnavailable, audio_fingerprint
from media.fingerprints import audio as audio_fp
from tests.media import fingerprint_samples as fs

pytestmark = pytest.mark.skipif(
    shutil.which("fpcalc") is None, reason="needs fpcalc (scripts/system-deps.sh installs it)"
)

SOURCES = 20
SECONDS = 30
# The targets: 0.95 for each single transform, 0.90 for mixes and excerpts.
MIN_RECALL = {"MP3 128 kb/s": 0.95, "−6 dB": 0.95, "tempo +3%": 0.95, "tempo −3%": 0.95}
MIN_RECALL_MIXED = 0.90
# What the issue asks of these, measured in bench/bench_fingerprints.py. "Mixed at −10 dB
# under another track" is left out here: Chromaprint does not find it (docs/benchmarks.md).
TESTED = [name for name in fs.AUDIO_TRANSFORMS if name != "mixed at −10 dB under another track"]


def _parallel(function, items):
    """ffmpeg and fpcalc are separate processes: run them on every core."""
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return list(pool.map(function, items))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fingerprint-audio")


@pytest.fixture(scope="module")
def sources(workdir):
    """Twenty distinct 30-second pieces (and as many others to mix with), fingerprinted."""

    def make(seed: int) -> tuple[Path, Path]:
        source = fs.write_wav(workdir / f"source-{seed}.wav", fs.music(seed, SECONDS))
        other = fs.write_wav(workdir / f"other-{seed}.wav", fs.music(1000 + seed, SECONDS))
        return source, other

    made = _parallel(make, range(SOURCES))
    prints = _parallel(audio_fingerprint, [source for source, _ in made])
    return [(source, other, fp) for (source, other), fp in zip(made, prints, strict=True)]


@pytest.fixture(scope="module")
def copies(sources, workdir):
    """Each tested transform of each source, fingerprinted: {transform: [fingerprint, ...]}."""
    rng = np.random.default_rng(3)
    jobs = []
    for name in TESTED:
        suffix, make = fs.AUDIO_TRANSFORMS[name]
        for k, (source, other, _) in enumerate(sources):
            out = workdir / f"{TESTED.index(name)}-{k}{suffix}"
            jobs.append((name, make, source, other, out, float(rng.uniform(1, SECONDS - 21))))

    def run(job):
        name, make, source, other, out, start = job
        return name, audio_fingerprint(make(source, other, out, start))

    made: dict[str, list] = {name: [] for name in TESTED}
    for name, fingerprint in _parallel(run, jobs):
        made[name].append(fingerprint)
    return made


def found(stored, upload) -> bool:
    """As the credit guard looks: enough keys in common at one offset, then the alignment."""
    votes = audio_fp.offset_votes(audio_fp.key_hits(stored, upload))
    return votes >= audio_fp.CANDIDATE_VOTES and audio_fp.match(stored, upload) is not None


@pytest.mark.parametrize("transform", TESTED)
def test_each_transform_of_a_piece_is_found(sources, copies, transform):
    hits = sum(
        found(fingerprint, copy)
        for (_, _, fingerprint), copy in zip(sources, copies[transform], strict=True)
    )

    assert hits / SOURCES >= MIN_RECALL.get(transform, MIN_RECALL_MIXED), f"{hits}/{SOURCES}"


def test_unrelated_pieces_and_their_copies_do_not_match(sources, copies):
    false_matches = []
    for i, (_, _, stored) in enumerate(sources):
        for j, (_, _, other) in enumerate(sources):
            if i == j:
                continue
            # The verifier alone, without the index's filter in front of it.
            if audio_fp.align(stored, other) is not None:
                false_matches.append((i, j, "source"))
            for name in ("MP3 128 kb/s", "tempo +3%", "20-second excerpt"):
                if found(stored, copies[name][j]):
                    false_matches.append((i, j, name))

    assert false_matches == []


def test_an_excerpt_is_placed_in_both_works(sources, workdir):
    source, _, stored = sources[0]
    upload = audio_fingerprint(fs.excerpt(source, workdir / "placed.wav", start=6.0))

    match = audio_fp.match(stored, upload)

    # The whole upload, from its first to its last second, is the source's 6–26 s.
    assert match is not None and match.kind == "audio"
    (u0, u1), (s0, s1) = match.upload_seconds, match.stored_seconds
    assert u0 == 0 and u1 >= 19.5
    assert abs(s0 - 6.0) <= 0.3 and abs(s1 - (6.0 + u1)) <= 0.3
    assert 0.5 < match.score <= 1


def test_an_excerpt_cut_into_a_long_mix_is_found_where_it_is(sources, workdir):
    source, _, stored = sources[1]
    mix = fs.write_wav(workdir / "long.wav", fs.music(5000, 120))
    upload = audio_fingerprint(
        fs.spliced_into(source, mix, workdir / "spliced.wav", start=4.0, at=70.0)
    )

    match = audio_fp.match(stored, upload)

    # Inside a file an item's 2.7 s of context blurs the edges: within 1.5 s.
    assert match is not None
    (u0, u1), (s0, s1) = match.upload_seconds, match.stored_seconds
    assert abs(u0 - 70) <= 1.5 and abs(u1 - 90) <= 1.5
    assert abs(s0 - (4.0 + u0 - 70)) <= 0.3 and abs(s1 - (4.0 + u1 - 70)) <= 0.3


def test_a_faster_copy_lines_up_with_its_time_scaled(sources, copies):
    _, _, stored = sources[2]
    match = audio_fp.match(stored, copies["tempo +3%"][2])

    assert match is not None
    (u0, u1), (s0, s1) = match.upload_seconds, match.stored_seconds
    # 3% faster: the stored stretch is 3% longer than the upload's.
    assert (s1 - s0) / (u1 - u0) == pytest.approx(1.03, abs=0.02)


def test_the_fingerprint_has_one_item_per_time_step(sources):
    _, _, fingerprint = sources[0]

    assert fingerprint.items.dtype == np.uint32
    assert fingerprint.duration_s == pytest.approx(SECONDS, abs=0.1)
    # Chromaprint's filters need a few frames: the last items of the file make none.
    expected = SECONDS / audio_fp.ITEM_SECONDS
    assert expected - 30 < len(fingerprint.items) <= expected


def test_index_keys_are_masked_one_per_run_in_order(sources):
    _, _, fingerprint = sources[0]
    keys = audio_fp.index_keys(fingerprint)

    positions = [p for _, p in keys]
    assert positions == sorted(positions)
    assert all(k & ~audio_fp.KEY_MASK == 0 for k, _ in keys)
    assert all(a != b for (a, _), (b, _) in zip(keys, keys[1:], strict=False))
    assert all(k == int(fingerprint.items[p]) & audio_fp.KEY_MASK for k, p in keys)


def test_audio_too_short_for_chromaprint_gives_a_reason(workdir):
    short = fs.write_wav(workdir / "blip.wav", fs.music(9, 1.0))

    with pytest.raises(FingerprintUnavailable) as unavailable:
        audio_fingerprint(short)

    assert "too short" in unavailable.value.reason


def test_a_file_that_is_not_audio_gives_a_reason(workdir):
    path = workdir / "noise.mp3"
    path.write_bytes(bytes(range(256)) * 4)

    with pytest.raises(FingerprintUnavailable) as unavailable:
        audio_fingerprint(path)

    assert unavailable.value.reason


def test_without_fpcalc_the_reason_says_so(workdir, monkeypatch):
    monkeypatch.setenv("PATH", str(workdir))  # a machine without libchromaprint-tools

    with pytest.raises(FingerprintUnavailable, match="not installed"):
        audio_fingerprint(workdir / "source-0.wav")
