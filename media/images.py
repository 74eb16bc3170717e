"""Image metadata and thumbnails (WebP with JPEG fallbacks), plus the staging all renditions use."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, ImageOps

from hitrec.messages import gettext_noop
from media.errors import MediaRefused, MediaTransientError, decoding

DEFAULT_SIZES = (256, 768, 1600)
DEFAULT_MAX_PIXELS = 80_000_000  # a 10 000 × 8 000 photo; Pillow itself warns at ~89 MP
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "GIF", "TIFF"}
_STAGING_PREFIX = ".staging-"
# A staging folder this old belongs to a worker that died; a rerun may sweep it away.
_STALE_STAGING_S = 3600
# Encoder effort, measured on a 1600 px rendition: WebP method 1 takes 61 ms against 81 ms
# for method 2 and 165 ms for 3, for files of about the same size; a baseline JPEG with
# optimised Huffman tables takes 14 ms against 29 ms progressive, 5% larger. The JPEG is
# only the fallback for browsers without WebP, so it need not load progressively.
_WEBP_OPTIONS = {"quality": 80, "method": 1}
_JPEG_OPTIONS = {"quality": 82, "optimize": True}
_ORIENTATION_TAG = 0x0112
_SWAPS_AXES = {5, 6, 7, 8}

BROKEN = gettext_noop("This image is damaged or incomplete, so hitrec cannot read it.")


# Rendition and staging() live here, with the first producer of renditions; the audio and
# video processors import them from this module.
@dataclass(frozen=True)
class Rendition:
    """One file the pipeline produced, e.g. `thumb-256.webp`, ready to store beside the original."""

    name: str
    role: str  # "thumbnail", "waveform", "poster" or "preview"
    mime: str
    width: int | None
    height: int | None
    size_bytes: int
    path: Path


@dataclass(frozen=True)
class ImageResult:
    """Displayed size (after EXIF orientation), format ("jpeg", "png"...) and renditions."""

    width: int
    height: int
    format: str
    renditions: tuple[Rendition, ...]
    # What Pillow actually decoded: smaller than the original when JPEG draft mode applied.
    decoded_size: tuple[int, int]


class Staging:
    """A private folder inside `out_dir` where renditions are written before they are published."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.dir = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=out_dir))

    def publish(self, renditions: Sequence[Rendition]) -> tuple[Rendition, ...]:
        """Move staged files into `out_dir` (atomic per file) and return them at their new paths."""
        published = []
        for rendition in renditions:
            final = self.out_dir / rendition.name
            os.replace(rendition.path, final)
            published.append(dataclasses.replace(rendition, path=final))
        return tuple(published)


@contextlib.contextmanager
def staging(out_dir: Path) -> Iterator[Staging]:
    """Stage outputs so that a failure or a crash never leaves partial renditions in out_dir."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _sweep_stale_staging(out_dir)
        stage = Staging(out_dir)
    except OSError as exc:
        raise MediaTransientError(f"Cannot write renditions into {out_dir}: {exc}") from exc
    try:
        yield stage
    finally:
        shutil.rmtree(stage.dir, ignore_errors=True)


def _sweep_stale_staging(out_dir: Path) -> None:
    cutoff = time.time() - _STALE_STAGING_S
    for leftover in out_dir.glob(f"{_STAGING_PREFIX}*"):
        with contextlib.suppress(OSError):
            if leftover.stat().st_mtime < cutoff:
                shutil.rmtree(leftover, ignore_errors=True)


def process_image(
    path: Path,
    *,
    out_dir: Path,
    sizes: Sequence[int] = DEFAULT_SIZES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> ImageResult:
    """Check the image at `path` and write, for each long-side size, a WebP and a JPEG rendition.

    Never upscales; sizes at or above the image's own long side collapse into one rendition.
    `format` in the result is lower-case, as sniff() names it ("jpeg", "png"...).
    """
    if not sizes or min(sizes) < 1:
        raise ValueError("sizes must hold at least one positive long side")
    # Everything Pillow does with the upload may meet its damage, even reading its EXIF
    # (getexif() loads a PNG's pixels to reach chunks after the image data).
    with decoding(BROKEN), _open_checked(Path(path), max_pixels) as im:
        fmt = "jpeg" if im.format == "MPO" else str(im.format).lower()
        width, height = _displayed_size(im)
        targets = _target_sizes(sizes, max(width, height))
        largest, decoded_size = _decode_largest(im, targets[-1])
    with staging(out_dir) as stage:
        staged = render_sizes(largest, targets, stage.dir)
        renditions = stage.publish(staged)
    return ImageResult(width, height, fmt, renditions, decoded_size)


def render_sizes(largest: Image.Image, targets: Sequence[int], dest: Path) -> list[Rendition]:
    """Write WebP and JPEG renditions of `largest` for each target long side, all from `largest`."""
    renditions = []
    for target in targets:
        # Downscaling the already-small largest rendition is far cheaper than decoding again.
        image = _fit(largest, target)
        renditions.append(_save(image, dest / f"thumb-{target}.webp", "WEBP", "image/webp"))
        flat = _flatten(image)
        renditions.append(_save(flat, dest / f"thumb-{target}.jpg", "JPEG", "image/jpeg"))
    return renditions


@contextlib.contextmanager
def _open_checked(path: Path, max_pixels: int) -> Iterator[Image.Image]:
    try:
        with warnings.catch_warnings():
            # Pillow only warns for moderately oversized images; treat that as a refusal too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(path)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise _too_many_pixels(max_pixels) from exc
    with im:
        if im.format not in ACCEPTED_FORMATS:
            raise MediaRefused(
                # Translators: %(format)s is the name of an image format, such as BMP.
                gettext_noop(
                    "This is a %(format)s image, which hitrec does not accept. "
                    "Export it as PNG or JPEG instead."
                ),
                format=im.format,
            )
        # The header alone gives the size: refusing a bomb costs no decoding.
        if im.width * im.height > max_pixels:
            raise _too_many_pixels(max_pixels, im.size)
        yield im


def _too_many_pixels(max_pixels: int, size: tuple[int, int] | None = None) -> MediaRefused:
    megapixels = f"{max_pixels / 1e6:g}"
    if size is None:
        return MediaRefused(
            gettext_noop(
                "This image is too large; hitrec accepts up to %(megapixels)s megapixels. "
                "Scale it down and upload it again."
            ),
            megapixels=megapixels,
        )
    return MediaRefused(
        gettext_noop(
            "This image is too large (%(width)s × %(height)s pixels); hitrec accepts up to "
            "%(megapixels)s megapixels. Scale it down and upload it again."
        ),
        width=f"{size[0]:,}",
        height=f"{size[1]:,}",
        megapixels=megapixels,
    )


def _displayed_size(im: Image.Image) -> tuple[int, int]:
    orientation = im.getexif().get(_ORIENTATION_TAG, 1)
    return (im.height, im.width) if orientation in _SWAPS_AXES else im.size


def _target_sizes(sizes: Sequence[int], long_side: int) -> list[int]:
    """Requested sizes up to the first one that reaches the image's own long side."""
    targets = []
    for size in sorted(set(sizes)):
        targets.append(size)
        if size >= long_side:
            break
    return targets


def _decode_largest(im: Image.Image, target: int) -> tuple[Image.Image, tuple[int, int]]:
    """Decode once, at the smallest JPEG scale that still covers `target`, then orient and fit."""
    scale = target / max(im.size)
    if scale < 1:
        # draft() must come before anything that loads pixels, or it silently does nothing.
        im.draft("RGB", (max(1, math.ceil(im.width * scale)), max(1, math.ceil(im.height * scale))))
    im.load()  # an animated GIF or WebP opens on its first frame, which stands for the whole
    decoded_size = im.size
    # In place: a transposed copy of a 24 MP decode would cost another 70 MB.
    ImageOps.exif_transpose(im, in_place=True)
    fitted = _fit(_resizable(im), target)
    return _to_srgb(fitted, im.info.get("icc_profile")), decoded_size


def _resizable(im: Image.Image) -> Image.Image:
    """A mode that resizes smoothly; palettes would force nearest-neighbour resampling."""
    if im.mode in ("RGB", "RGBA", "CMYK", "L"):
        return im
    if im.mode.startswith("I;16") or im.mode == "I":
        # 16-bit samples: scale to 8 bits, as a plain convert() would clip them instead.
        return im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    return im.convert("RGBA" if _has_alpha(im) else "RGB")


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in im.info


def _to_srgb(im: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Bake any embedded colour profile into sRGB pixels, because renditions carry no profile."""
    target_mode = "RGBA" if _has_alpha(im) else "RGB"
    if icc_profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            srgb = ImageCms.createProfile("sRGB")
            converted = ImageCms.profileToProfile(im, source, srgb, outputMode=target_mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            converted = None  # a broken profile is not worth refusing the picture for
        if converted is not None:
            converted.info = {}
            return converted
    return im if im.mode == target_mode else im.convert(target_mode)


def _fit(im: Image.Image, long_side: int) -> Image.Image:
    """`im` scaled to fit `long_side` (never up), as thumbnail() would, without a full copy."""
    size = fitted_size(im.size, long_side)
    if size == im.size:
        fitted = im.copy()  # the caller closes `im`; the rendition must outlive it
    else:
        # Hamming: Pillow widens a filter's support when shrinking, so it stays antialiased;
        # Hamming is sharper than bilinear at the same cost, and 3000→1600 px takes 25 ms
        # against Lanczos's 58 ms (thumbnails only ever shrink).
        fitted = im.resize(size, Image.Resampling.HAMMING, reducing_gap=2.0)
    fitted.info = {}  # no EXIF, GPS, XMP, ICC or comments may travel into a rendition
    return fitted


def fitted_size(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """The size Image.thumbnail() picks for a (long_side, long_side) box, by its own rounding."""
    width, height = size
    if max(width, height) <= long_side:
        return size
    aspect = width / height
    if aspect <= 1:
        near = (math.floor(long_side * aspect), math.ceil(long_side * aspect))
        return max(min(near, key=lambda n: abs(aspect - n / long_side)), 1), long_side
    near = (math.floor(long_side / aspect), math.ceil(long_side / aspect))
    return long_side, max(min(near, key=lambda n: 0 if n == 0 else abs(aspect - long_side / n)), 1)


def _flatten(im: Image.Image) -> Image.Image:
    if im.mode != "RGBA":
        return im
    background = Image.new("RGB", im.size, (255, 255, 255))
    background.paste(im, mask=im.getchannel("A"))
    return background


def _save(im: Image.Image, dest: Path, fmt: str, mime: str) -> Rendition:
    options = _WEBP_OPTIONS if fmt == "WEBP" else _JPEG_OPTIONS
    try:
        im.save(dest, fmt, **options)
    except OSError as exc:
        raise MediaTransientError(f"Cannot write {dest.name}: {exc}") from exc
    size_bytes = dest.stat().st_size
    return Rendition(dest.name, "thumbnail", mime, im.width, im.height, size_bytes, dest)
