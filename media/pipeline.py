"""Process one uploaded file: sniff its real type, check limits, extract facts, write renditions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hitrec.messages import gettext_noop
from media.audio import AudioResult, process_audio
from media.errors import MediaRefused
from media.images import DEFAULT_MAX_PIXELS, DEFAULT_SIZES, ImageResult, Rendition, process_image
from media.sniff import NOT_UTF8, Sniffed, sniff
from media.text import TextResult, process_text
from media.video import VideoResult, process_video

MiB = 1024 * 1024
Progress = Callable[[str, int], None]
# Translators: sizes such as "12.0 MB".
_TOO_LARGE = {
    "image": gettext_noop("This file is %(size)s; hitrec accepts images up to %(limit)s."),
    "audio": gettext_noop("This file is %(size)s; hitrec accepts audio up to %(limit)s."),
    "video": gettext_noop("This file is %(size)s; hitrec accepts video up to %(limit)s."),
    "text": gettext_noop("This file is %(size)s; hitrec accepts texts up to %(limit)s."),
}


@dataclass(frozen=True)
class Limits:
    """What hitrec accepts, per kind of media."""

    max_pixels: int = DEFAULT_MAX_PIXELS
    max_audio_duration_s: float = 60 * 60
    max_video_duration_s: float = 30 * 60
    max_image_bytes: int = 50 * MiB
    max_audio_bytes: int = 500 * MiB
    max_video_bytes: int = 2048 * MiB
    max_text_bytes: int = 1 * MiB
    image_sizes: tuple[int, ...] = DEFAULT_SIZES
    waveform_peaks: int = 1000

    def max_bytes(self, kind: str) -> int:
        return {
            "image": self.max_image_bytes,
            "audio": self.max_audio_bytes,
            "video": self.max_video_bytes,
            "text": self.max_text_bytes,
        }[kind]


@dataclass(frozen=True)
class ProcessResult:
    """Everything the pipeline learned and produced; `detail` holds the kind-specific result."""

    kind: str
    mime: str
    format: str
    size_bytes: int
    width: int | None
    height: int | None
    duration_s: float | None
    codec: str | None
    renditions: tuple[Rendition, ...]
    detail: ImageResult | AudioResult | VideoResult | TextResult


def process_file(
    path: Path,
    *,
    out_dir: Path,
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> ProcessResult:
    """Process the file at `path`, writing renditions into `out_dir`.

    Raises `MediaRefused` (with a `.reason` for people) when the file is not acceptable, and
    `MediaTransientError` when a retry may succeed. Rerunning on the same file rewrites the
    same rendition names; a failure leaves no renditions behind.
    `progress(stage, percent)` is called at each stage with the job's overall percent.
    """
    path, limits = Path(path), limits or Limits()
    report = progress or _ignore
    report("sniffing", 0)
    sniffed = sniff(path)
    size = path.stat().st_size
    report("validating", 10)
    _check_size(sniffed.kind, size, limits)
    report(f"processing {sniffed.kind}", 20)
    result = _dispatch(path, sniffed, size, out_dir, limits, _scaled(report, 20, 95))
    report("done", 100)
    return result


def _ignore(stage: str, percent: int) -> None:
    return None


def _scaled(report: Progress, low: int, high: int) -> Progress:
    """A progress callback for one step that maps its own 0–100 onto low–high of the job."""

    def scaled(stage: str, percent: int) -> None:
        report(stage, low + (high - low) * max(0, min(100, percent)) // 100)

    return scaled


def _check_size(kind: str, size: int, limits: Limits) -> None:
    limit = limits.max_bytes(kind)
    if size > limit:
        raise MediaRefused(_TOO_LARGE[kind], size=_human(size), limit=_human(limit))


def _human(size: float) -> str:
    for unit in ("bytes", "KB", "MB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


def _dispatch(
    path: Path,
    sniffed: Sniffed,
    size: int,
    out_dir: Path,
    limits: Limits,
    progress: Progress,
) -> ProcessResult:
    if sniffed.kind == "image":
        image = process_image(
            path, out_dir=out_dir, sizes=limits.image_sizes, max_pixels=limits.max_pixels
        )
        return _result(sniffed, size, image, width=image.width, height=image.height)
    if sniffed.kind == "audio":
        audio = process_audio(
            path,
            out_dir=out_dir,
            peaks=limits.waveform_peaks,
            max_duration_s=limits.max_audio_duration_s,
            fmt=sniffed.format,
            probe=sniffed.probe,
            progress=progress,
        )
        return _result(sniffed, size, audio, duration_s=audio.duration_s, codec=audio.codec)
    if sniffed.kind == "video":
        video = process_video(
            path,
            out_dir=out_dir,
            max_duration_s=limits.max_video_duration_s,
            fmt=sniffed.format,
            probe=sniffed.probe,
            progress=progress,
        )
        return _result(
            sniffed,
            size,
            video,
            width=video.width,
            height=video.height,
            duration_s=video.duration_s,
            codec=video.codec,
        )
    return _result(sniffed, size, process_text(_read_text(path)))


def _read_text(path: Path) -> str:
    try:
        # "utf-8-sig" drops a byte-order mark if there is one.
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        # sniff() checks only the start of very large texts; the rest may still be broken.
        raise MediaRefused(NOT_UTF8) from exc


def _result(
    sniffed: Sniffed,
    size: int,
    detail: ImageResult | AudioResult | VideoResult | TextResult,
    *,
    width: int | None = None,
    height: int | None = None,
    duration_s: float | None = None,
    codec: str | None = None,
) -> ProcessResult:
    return ProcessResult(
        kind=sniffed.kind,
        mime=sniffed.mime,
        format=sniffed.format,
        size_bytes=size,
        width=width,
        height=height,
        duration_s=duration_s,
        codec=codec,
        renditions=_renditions(detail),
        detail=detail,
    )


def _renditions(
    detail: ImageResult | AudioResult | VideoResult | TextResult,
) -> tuple[Rendition, ...]:
    if isinstance(detail, ImageResult):
        return detail.renditions
    if isinstance(detail, AudioResult):
        return (detail.waveform, *_optional(detail.preview))
    if isinstance(detail, VideoResult):
        return (detail.poster, *detail.thumbnails, *_optional(detail.preview))
    return ()


def _optional(rendition: Rendition | None) -> tuple[Rendition, ...]:
    return (rendition,) if rendition is not None else ()
