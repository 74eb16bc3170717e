"""Damaged copies of every valid sample, made on the spot: truncated at many points, bytes flipped."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from contributions.models import Contribution
from media.models import Rendition
from media.services import INTERNAL_ERROR, TOO_SLOW, UNAVAILABLE
from tests.media import samples

# Every valid sample of every format the test data has, by kind.
VALID_SAMPLES = {
    "image": ["rotated_jpeg_with_gps", "small_png", "noisy_png", "webp", "tiff",
              "jpeg_in_tiff", "old_style_jpeg_in_tiff", "animated_gif"],
    "audio": ["wav", "mp3_with_id3", "mp3_without_id3", "flac", "opus", "vorbis", "m4a",
              "aac_adts", "webm_audio", "mp4_audio_only"],
    "video": ["mp4_h264", "mp4_mpeg4", "ogg_theora", "webm_vp8", "mov_h264"],
    "text": ["markdown"],
}  # fmt: skip
# Where damage is most telling: the header the sniffer and decoders read first.
HEADER_BYTES = 512


@dataclass(frozen=True)
class Damaged:
    """One damaged file: which sample it came from, what was done to it, and its bytes."""

    sample: str
    damage: str
    data: bytes

    @property
    def name(self) -> str:
        return f"{self.sample}-{self.damage}"


def damaged(sample: str, data: bytes, *, cuts: int, flips: int, seed: int = 0) -> Iterator[Damaged]:
    """`cuts` truncations (the first few bytes, fixed fractions, random points) and `flips`
    copies with one to eight bytes changed, half of them in the header; the same every run."""
    rng = random.Random(f"{sample}-{seed}")
    size = len(data)
    fixed = [4, 16, size // 8, size // 2, size - 1]
    points = sorted({p for p in fixed[:cuts] if 0 < p < size})
    while len(points) < min(cuts, size - 1):
        points = sorted({*points, rng.randrange(1, size)})
    for point in points:
        yield Damaged(sample, f"cut-{point}", data[:point])
    for flip in range(flips):
        copy = bytearray(data)
        region = min(HEADER_BYTES, size) if flip % 2 == 0 else size
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(region)
            copy[at] ^= rng.randrange(1, 256)
        yield Damaged(sample, f"flip-{flip}", bytes(copy))


def corpus(kind: str, directory: Path, *, cuts: int, flips: int) -> list[Damaged]:
    """The damaged copies of every valid sample of `kind`, generated into memory."""
    made = []
    directory.mkdir(parents=True, exist_ok=True)
    for sample in VALID_SAMPLES[kind]:
        data = getattr(samples, sample)(directory).read_bytes()
        made.extend(damaged(sample, data, cuts=cuts, flips=flips))
    return made


OUR_FAULTS = {INTERNAL_ERROR, TOO_SLOW, UNAVAILABLE}


def assert_finished_with_a_reason(contribution: Contribution, name: str) -> None:
    """Ready, or failed with a sentence about the file (not about our faults), no renditions."""
    assert contribution.status in ("ready", "failed"), f"{name} ended {contribution.status}"
    if contribution.status == "failed":
        assert contribution.error, f"{name} failed without a reason"
        assert contribution.error not in OUR_FAULTS, f"{name}: {contribution.error}"
        assert not contribution.renditions.exists(), f"{name} failed but kept renditions"


def stored_files(root: str, *, since: float = 0) -> set[str]:
    """Files under the media root (written at or after `since`, a time.time())."""
    return {
        str(path.relative_to(root))
        for path in Path(root).rglob("*")
        if path.is_file() and path.stat().st_mtime >= since
    }


def referenced_files() -> set[str]:
    """Every stored name a row points at: originals and renditions."""
    originals = Contribution.objects.exclude(file="").values_list("file", flat=True)
    return {*originals, *Rendition.objects.values_list("file", flat=True)}
