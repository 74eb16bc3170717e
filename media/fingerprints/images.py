"""Perceptual hashes of a picture (pHash and dHash, 64 bits each), their index keys and comparison.

Why our own DCT hash on numpy and Pillow rather than the `imagehash` package: imagehash
computes the same two hashes (pHash: the signs of a 32×32 DCT's 8×8 lowest frequencies
against their median; dHash: which of two neighbouring pixels of a 9×8 thumbnail is the
brighter), but pulls in SciPy and PyWavelets (some 40 MB of wheels) for one 32×32 DCT, which
is two products with a constant 32×32 matrix here. It also wants a decoded image, while
owning the decode lets JPEG decode at reduced scale (`draft`), most of the cost on a camera
photo; and the crop search below hashes some fifty regions of one small luma thumbnail,
which imagehash would each convert and resize from the full picture again. Owning the DCT
also gives a mirror image's pHash for free: a horizontal flip only changes the sign of the
odd horizontal frequencies.

Why the central region and the crop search: a global hash moves with the frame. Measured on
our test pictures, cutting 5% off each side changes a pHash by 10 bits (median; 18 at the
95th percentile), as far as some unrelated pictures are apart. So a stored work is hashed
on its central 80% (in each dimension) only, and an upload is hashed on the regions where
that centre would lie if the upload were the work cut down by up to 10% per dimension, on
either side (`CROP_HYPOTHESES`: 7 per dimension, 49 regions). One of them is within about
2.5% of the truth, and the best lands a few bits away (docs/benchmarks.md). The stored side
stays one pair of hashes; the search costs the upload alone, once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from media.fingerprints.results import FingerprintUnavailable, Match

HASH_BITS = 64
# Stored hashes cover the picture less MARGIN of its width and height on each side.
MARGIN = 0.1
# How much of each dimension a copy may have kept (1.0: not cut), and where the cut fell:
# every side, or half on each, or the other. A region per (kept, offset) pair and dimension.
_KEPT = (0.9, 0.95, 1.0)
# Multi-index hashing: each 64-bit hash is cut into CHUNKS exact-match keys of CHUNK_BITS.
# Two hashes that differ in fewer than CHUNKS bits agree on at least one whole chunk
# (pigeonhole); and with the 49 crop regions of an upload each looked up by its own chunks,
# one region or another shares chunks with the source well beyond that distance.
CHUNKS = 4
CHUNK_BITS = HASH_BITS // CHUNKS
_MIN_KEY_BITS = 4
# A stored picture sharing one key with an upload is mostly chance; two, seldom (measured
# among 3,000 unrelated pictures: 39 candidates per upload with one key, about 1 with two,
# while all but 10 of the 1,400 copies of 200 pictures in docs/benchmarks.md are found).
CANDIDATE_KEYS = 2
# Same picture: the best region's pHash and dHash distances to the stored pair add up to at
# most this (of 128 bits). Chosen from bench/bench_fingerprints.py's measurements.
MAX_DISTANCE = 22
# The luma thumbnail the regions are cut from: enough pixels for a 2.5% step, few enough
# that fifty regions cost about a millisecond.
_WORKING_SIDE = 160
# A 24 MP JPEG then decodes at 1/8 scale: plenty for a 160-pixel thumbnail.
_DECODE_SIDE = 2 * _WORKING_SIDE
_DCT_SIZE = 32
_LOW = 8


def _hypotheses() -> tuple[tuple[float, float], ...]:
    """Per dimension: where the stored centre lies in a copy that kept `kept` of it from
    `start` on, as fractions of the copy."""
    spans = []
    for kept in _KEPT:
        for start in sorted({0.0, (1 - kept) / 2, 1 - kept}):
            spans.append(((MARGIN - start) / kept, (1 - MARGIN - start) / kept))
    return tuple(spans)


def _copy_centres() -> tuple[tuple[float, float], ...]:
    """Per dimension, in `_hypotheses`'s order: where a copy's centre lies in the picture it
    was cut from, had it kept `kept` of it from `start` on, as fractions of that picture."""
    spans = []
    for kept in _KEPT:
        for start in sorted({0.0, (1 - kept) / 2, 1 - kept}):
            spans.append((start + MARGIN * kept, start + (1 - MARGIN) * kept))
    return tuple(spans)


CROP_HYPOTHESES = _hypotheses()
COPY_CENTRES = _copy_centres()
# The region of an upload that the "not cut" hypothesis compares: its own centre.
CENTRE = (MARGIN, MARGIN, 1 - MARGIN, 1 - MARGIN)


@dataclass(frozen=True)
class ImageProbe:
    """The hashes of one region of an upload, where a source's centre would be if the upload
    were that source cut down as `region` says (left, top, right, bottom, as fractions of the
    upload), maybe mirrored."""

    phash: int
    dhash: int
    region: tuple[float, float, float, float]
    mirrored: bool


@dataclass(frozen=True)
class ImageHashes:
    """A picture's pHash and dHash (unsigned 64-bit ints) of its central region, which are
    stored and indexed, and its probes, which look it up as a copy of an earlier work.

    `copy_centres` look it up the other way, as the source of a later work of which only
    the stored centre is at hand (`match_copy`): the regions of this picture where a copy's
    centre lies, had the copy cut it by up to 10% per dimension (`COPY_CENTRES`), and its
    mirror image. Each carries its hypothesis as `probes` do, as a region of the copy."""

    phash: int
    dhash: int
    probes: tuple[ImageProbe, ...]
    copy_centres: tuple[ImageProbe, ...] = ()


@dataclass(frozen=True)
class ImageComparison:
    """The probe of an upload nearest to a stored picture, and how near."""

    phash_distance: int
    dhash_distance: int
    probe: ImageProbe

    @property
    def distance(self) -> int:
        return self.phash_distance + self.dhash_distance

    @property
    def same(self) -> bool:
        return self.distance <= MAX_DISTANCE

    @property
    def score(self) -> float:
        """1 for identical hashes, falling linearly to 0 at twice the threshold."""
        return max(0.0, 1.0 - self.distance / (2 * MAX_DISTANCE))


def image_hashes(image: str | Path | Image.Image) -> ImageHashes:
    """pHash and dHash of the picture at a path (or of an open Pillow image), and its probes.

    A path is decoded at reduced scale where the format allows it (JPEG), turned by its EXIF
    orientation, and an animation contributes its first frame, as its thumbnail does. Raises
    `FingerprintUnavailable` when the file cannot be read as a picture.
    """
    if isinstance(image, Image.Image):
        return _fingerprint(_working_luma(image))
    try:
        with Image.open(image) as im:
            scale = _DECODE_SIDE / max(1, min(im.size))
            if scale < 1:
                # Before anything loads pixels, or draft() silently does nothing.
                im.draft("RGB", (math.ceil(im.width * scale), math.ceil(im.height * scale)))
            im.seek(0)  # an animation opens on its first frame; say so all the same
            im.load()
            luma = _working_luma(ImageOps.exif_transpose(im))
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
        raise FingerprintUnavailable(f"cannot read the picture: {exc}") from exc
    return _fingerprint(luma)


def hamming(a: int, b: int) -> int:
    """How many bits of two hashes differ."""
    return (a ^ b).bit_count()


def compare(stored_phash: int, stored_dhash: int, upload: ImageHashes) -> ImageComparison:
    """The upload's probe nearest to a stored work's hashes (by the sum of both distances)."""
    best = min(
        upload.probes,
        key=lambda p: hamming(stored_phash, p.phash) + hamming(stored_dhash, p.dhash),
    )
    return ImageComparison(
        hamming(stored_phash, best.phash), hamming(stored_dhash, best.dhash), best
    )


def chunks(value: int) -> list[int]:
    """A 64-bit hash cut into CHUNKS values of CHUNK_BITS bits, the most significant first."""
    mask = (1 << CHUNK_BITS) - 1
    return [(value >> (CHUNK_BITS * (CHUNKS - 1 - i))) & mask for i in range(CHUNKS)]


def _keys(phash: int, dhash: int, radius: int = 0) -> list[int]:
    # One int per (hash, chunk number, chunk value): 1 + 2 + 16 bits; with `radius` 1, also
    # every value one bit away from each chunk. dHash chunks with three bits or fewer set,
    # or three or fewer clear, are left out: flat areas and smooth gradients make dHash rows
    # runs of equal bits, and the few chunk values those make are shared by many unrelated
    # pictures.
    flips = [0] if radius == 0 else [0, *(1 << bit for bit in range(CHUNK_BITS))]
    keys = [
        (number << CHUNK_BITS) | (chunk ^ flip)
        for number, chunk in enumerate(chunks(phash))
        for flip in flips
    ]
    keys += [
        (1 << (CHUNK_BITS + 2)) | (number << CHUNK_BITS) | (chunk ^ flip)
        for number, chunk in enumerate(chunks(dhash))
        for flip in flips
        if _MIN_KEY_BITS <= (chunk ^ flip).bit_count() <= CHUNK_BITS - _MIN_KEY_BITS
    ]
    return keys


def index_keys(hashes: ImageHashes) -> list[int]:
    """The keys a stored picture is indexed under (up to 8): the chunks of its pHash and
    dHash. A stored picture is a candidate for an upload when it shares CANDIDATE_KEYS."""
    return _keys(hashes.phash, hashes.dhash)


def probe_keys(hashes: ImageHashes) -> set[int]:
    """The keys to look an upload up by (about 400): those of every probe, and for the
    probe of the uncut picture also every chunk value one bit away.

    Most copies are not cut, and a caption across the picture moves its hashes further
    than a cut does: searching one bit around the uncut probe's chunks found 8 more of 14
    captioned copies the keys missed (of 200), for 2.4 times the candidates.
    """
    return _probes_keys(hashes.probes)


def copy_centre_keys(hashes: ImageHashes) -> set[int]:
    """The keys to look a picture up by as the source of later works (about 400): those of
    its copies' centres (`ImageHashes.copy_centres`), which later works are indexed by,
    the uncut one's also one bit around, as `probe_keys`."""
    return _probes_keys(hashes.copy_centres)


def _probes_keys(probes: tuple[ImageProbe, ...]) -> set[int]:
    keys: set[int] = set()
    for probe in probes:
        uncut = probe.region == CENTRE and not probe.mirrored
        keys.update(_keys(probe.phash, probe.dhash, radius=1 if uncut else 0))
    return keys


def _working_luma(im: Image.Image) -> Image.Image:
    """The picture as 8-bit luma, transparency flattened onto white as the renditions do,
    shrunk to between 1 and 2 × `_WORKING_SIDE` pixels on its short side."""
    if im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in im.info:
        rgba = im.convert("RGBA")
        im = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    if im.mode.startswith("I;16") or im.mode == "I":
        # 16-bit samples: scale to 8 bits, as a plain convert() would clip them instead.
        im = im.convert("I").point(lambda v: v * (1 / 256))
    luma = im.convert("L")
    # Whole-pixel box averaging (reduce) is the cheapest shrink, and the area averaging
    # that follows blurs it further: no resampling filter is needed on top.
    factor = min(luma.size) // _WORKING_SIDE
    return luma.reduce(factor) if factor > 1 else luma


def _dct_matrix(n: int) -> np.ndarray:
    """DCT-II as a matrix (unnormalised, as scipy.fftpack.dct's default, which pHash uses):
    `m @ x` transforms the columns of x."""
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    return 2 * np.cos(np.pi * k * (2 * i + 1) / (2 * n))


_DCT8 = _dct_matrix(_DCT_SIZE)[:_LOW]
# The regions' spans per dimension, the last one the stored centre.
_SPANS = np.array([*CROP_HYPOTHESES, (MARGIN, 1 - MARGIN), *COPY_CENTRES])
# Cell edges as fractions of a span, for each number of cells used.
_STEPS = {n: np.linspace(0, 1, n + 1)[None, :] for n in (8, 9, _DCT_SIZE)}
# A horizontal flip multiplies the coefficient of horizontal frequency v by (-1)^v.
_FLIP_SIGNS = np.where(np.arange(_LOW) % 2 == 0, 1.0, -1.0)[None, :]


def _fingerprint(luma: Image.Image) -> ImageHashes:
    pixels = np.asarray(luma, dtype=np.float64)
    height, width = pixels.shape
    # Resampling a region to 32×32 (pHash) or 9×8 (dHash) by area averaging is a product
    # with one matrix per dimension; with the DCT's 8 lowest rows folded into them, pHash's
    # coefficients for all regions come out of two small products: about a millisecond.
    rows = _DCT8 @ _area_matrices(height, _DCT_SIZE, _SPANS)
    cols = _DCT8 @ _area_matrices(width, _DCT_SIZE, _SPANS)
    rows_d = _area_matrices(height, 8, _SPANS)
    cols_d = _area_matrices(width, 9, _SPANS)
    # [vertical span, horizontal span, row, column]
    low = (rows @ pixels)[:, None] @ cols.transpose(0, 2, 1)[None]
    tiny = (rows_d @ pixels)[:, None] @ cols_d.transpose(0, 2, 1)[None]
    n = len(CROP_HYPOTHESES)
    regions = [(h[0], v[0], h[1], v[1]) for v in CROP_HYPOTHESES for h in CROP_HYPOTHESES]
    # The crop probes, then the copies' centres (the spans after the centre's), each with
    # the region its hypothesis gives in the copy.
    probes, copy_centres = (
        [
            ImageProbe(int(p), int(d), region, False)
            for p, d, region in zip(
                _phashes(low[block, block].reshape(-1, _LOW, _LOW)),
                _dhashes(tiny[block, block].reshape(-1, 8, 9)),
                regions,
                strict=True,
            )
        ]
        for block in (np.s_[:n], np.s_[n + 1 :])
    )
    centre_low, centre_tiny = low[n, n], tiny[n, n]
    # A mirrored copy, uncut: the same coefficients with the odd horizontal frequencies
    # negated, and the thumbnail read right to left. Only this one probe: a copy both
    # mirrored and cut is out of reach.
    stored = np.stack([centre_low, centre_low * _FLIP_SIGNS])
    stored_d = np.stack([centre_tiny, centre_tiny[:, ::-1]])
    (phash, phash_mirrored), (dhash, dhash_mirrored) = _phashes(stored), _dhashes(stored_d)
    mirrored = ImageProbe(int(phash_mirrored), int(dhash_mirrored), CENTRE, True)
    return ImageHashes(int(phash), int(dhash), (*probes, mirrored), (*copy_centres, mirrored))


def _area_matrices(n_in: int, n_out: int, spans: np.ndarray) -> np.ndarray:
    """For each span (start, end as fractions of n_in pixels), the (n_out × n_in) matrix that
    averages it into n_out equal cells, with fractional pixels at the cells' edges."""
    edges = spans[:, :1] * n_in + (spans[:, 1:] - spans[:, :1]) * n_in * _STEPS[n_out]
    pixel = np.arange(n_in)[None, None, :]
    overlap = np.minimum(edges[:, 1:, None], pixel + 1) - np.maximum(edges[:, :-1, None], pixel)
    weights = np.clip(overlap, 0, None)
    return weights / weights.sum(axis=2, keepdims=True)


def _phashes(low: np.ndarray) -> np.ndarray:
    """pHash of each 8×8 block of DCT coefficients: which are above the block's median."""
    median = np.median(low.reshape(len(low), -1), axis=1)
    return _bits(low > median[:, None, None])


def _dhashes(tiny: np.ndarray) -> np.ndarray:
    """dHash of each 8×9 thumbnail: which pixels are darker than their right neighbour."""
    return _bits(tiny[:, :, 1:] > tiny[:, :, :-1])


def _bits(flags: np.ndarray) -> np.ndarray:
    """Each block of 64 booleans, row by row, as an unsigned int whose first is the top bit."""
    packed = np.packbits(flags.reshape(len(flags), HASH_BITS), axis=1)
    return packed.view(">u8").ravel()


def match(stored_phash: int, stored_dhash: int, upload: ImageHashes) -> Match | None:
    """A `Match` when the upload is the stored picture (resized, re-encoded, cut by up to 10%,
    recoloured, captioned or mirrored), else None."""
    comparison = compare(stored_phash, stored_dhash, upload)
    if not comparison.same:
        return None
    return Match(
        kind="image",
        score=comparison.score,
        image_distance=comparison.distance,
        image_region=comparison.probe.region,
        mirrored=comparison.probe.mirrored,
    )


def match_copy(copy_phash: int, copy_dhash: int, source: ImageHashes) -> Match | None:
    """`match` the other way round: a `Match` when a later work whose stored hashes alone are
    at hand (`copy_phash`, `copy_dhash`: it was fingerprinted first) is `source` resized,
    re-encoded, cut by up to 10%, recoloured, captioned or mirrored. The region is the
    copy's, as `match` gives it. Without copy centres (hashes made before they were), only
    the centres are compared."""
    centres = source.copy_centres or (ImageProbe(source.phash, source.dhash, CENTRE, False),)
    return match(copy_phash, copy_dhash, ImageHashes(source.phash, source.dhash, centres))
