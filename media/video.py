"""Video metadata, a poster frame with a thumbnail, and a browser-playable preview when needed."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from hitrec.messages import gettext_noop
from media import ffmpeg
from media.errors import MediaRefused
from media.images import Rendition, render_sizes, staging

DEFAULT_MAX_DURATION_S = 1800.0
MAX_FRAME_PIXELS = 7680 * 4320  # 8K; anything larger is a decoder attack, not a video
POSTER_AT = 0.10  # fraction of the duration: past fade-ins, still early in the piece
POSTER_AT_MOST_S = 30.0
POSTER_LONG_SIDE = 1280
THUMB_LONG_SIDE = 256
PREVIEW_LONG_SIDE = 854  # "480p"
_PLAYABLE = {
    "mp4": ({"h264"}, {None, "aac", "mp3"}),
    "webm": ({"vp8", "vp9"}, {None, "opus", "vorbis"}),
}
_PLAYABLE_PIXEL_FORMATS = {"yuv420p", "yuvj420p"}

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class VideoInfo:
    """What ffprobe says about a video's first picture stream and first audio stream."""

    duration_s: float
    width: int
    height: int
    codec: str
    pixel_format: str | None
    audio_codec: str | None


@dataclass(frozen=True)
class VideoResult:
    """Metadata and renditions of a video.

    `preview` is None when the original already plays in browsers (H.264 MP4, VP8/VP9 WebM);
    `preview_is_original` then says to serve the original itself.
    """

    duration_s: float
    width: int
    height: int
    codec: str
    audio_codec: str | None
    poster: Rendition
    thumbnails: tuple[Rendition, ...]
    preview: Rendition | None
    preview_is_original: bool


def read_video_info(probe: dict[str, Any]) -> VideoInfo:
    """Duration, displayed size (rotation applied) and codecs from ffprobe's JSON."""
    video = _first(probe, "video")
    if video is None:
        raise MediaRefused(
            gettext_noop("This file contains no video picture that hitrec can read.")
        )
    audio = _first(probe, "audio")
    duration = _float(probe.get("format", {}).get("duration")) or _float(video.get("duration"))
    if not duration or duration <= 0:
        raise MediaRefused(
            gettext_noop("hitrec could not tell how long this video is; it may be damaged.")
        )
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if width <= 0 or height <= 0:
        raise MediaRefused(
            gettext_noop("This video has no picture size, so it is probably damaged.")
        )
    if _rotation(video) in (90, 270):
        width, height = height, width
    return VideoInfo(
        duration_s=round(duration, 3),
        width=width,
        height=height,
        codec=str(video.get("codec_name", "unknown")),
        pixel_format=video.get("pix_fmt"),
        audio_codec=audio.get("codec_name") if audio else None,
    )


def process_video(
    path: Path,
    *,
    out_dir: Path,
    max_duration_s: float = DEFAULT_MAX_DURATION_S,
    fmt: str | None = None,
    probe: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> VideoResult:
    """Check the video at `path`; write `poster.jpg`, thumbnails and maybe `preview.mp4`.

    `fmt` and `probe` are what sniff() learned; passing them saves an ffprobe run.
    """
    path = Path(path)
    probe = probe if probe is not None else ffmpeg.probe(path)
    info = read_video_info(probe)
    _check(info, max_duration_s)
    playable = _browser_playable(_container(probe, fmt), info)
    with staging(out_dir) as stage:
        poster = _poster(path, stage.dir / "poster.jpg", info.duration_s)
        thumbs = _thumbnails(poster.path, stage.dir)
        if progress is not None:
            progress("poster", 100 if playable else 10)
        staged = [poster, *thumbs]
        if not playable:
            preview = _preview(
                path,
                stage.dir / "preview.mp4",
                duration_s=info.duration_s,
                read_at_most_s=max_duration_s + 1,
                progress=progress,
            )
            staged.append(preview)
        published = stage.publish(staged)
    return VideoResult(
        duration_s=info.duration_s,
        width=info.width,
        height=info.height,
        codec=info.codec,
        audio_codec=info.audio_codec,
        poster=published[0],
        thumbnails=published[1 : 1 + len(thumbs)],
        preview=None if playable else published[-1],
        preview_is_original=playable,
    )


def _first(probe: dict[str, Any], codec_type: str) -> dict[str, Any] | None:
    for stream in probe.get("streams", []):
        # Cover art rides along as a one-picture video stream; it is not the video.
        if stream.get("codec_type") == codec_type and not stream.get("disposition", {}).get(
            "attached_pic"
        ):
            return stream
    return None


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _rotation(stream: dict[str, Any]) -> int:
    """Phones store portrait video as landscape plus a rotation; ffmpeg applies it on decode."""
    degrees: Any = stream.get("tags", {}).get("rotate", 0)
    for side_data in stream.get("side_data_list", []):
        if "rotation" in side_data:
            degrees = side_data["rotation"]
    try:
        return int(float(degrees)) % 360
    except (TypeError, ValueError):
        return 0


def _check(info: VideoInfo, max_duration_s: float) -> None:
    if info.duration_s > max_duration_s:
        raise MediaRefused(
            # Translators: durations such as "3 min 05 s".
            gettext_noop(
                "This video is %(duration)s long; hitrec accepts up to %(limit)s. "
                "Trim it and upload it again."
            ),
            duration=_minutes(info.duration_s),
            limit=_minutes(max_duration_s),
        )
    if info.width * info.height > MAX_FRAME_PIXELS:
        raise MediaRefused(
            gettext_noop(
                "This video's picture is %(width)s × %(height)s pixels; hitrec accepts up "
                "to 8K (7680 × 4320). Export it at a smaller size."
            ),
            width=info.width,
            height=info.height,
        )


def _minutes(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _container(probe: dict[str, Any], fmt: str | None) -> str:
    if fmt in ("mp4", "webm", "mov", "ogg"):
        return fmt
    names = set(probe.get("format", {}).get("format_name", "").split(","))
    brand = probe.get("format", {}).get("tags", {}).get("major_brand", "")
    if "webm" in names:
        return "webm"
    if "mov" in names:
        return "mov" if brand.strip() == "qt" else "mp4"
    return "other"


def _browser_playable(container: str, info: VideoInfo) -> bool:
    if container not in _PLAYABLE:
        return False
    video_codecs, audio_codecs = _PLAYABLE[container]
    if container == "mp4" and info.pixel_format not in _PLAYABLE_PIXEL_FORMATS:
        return False  # 10-bit or 4:4:4 H.264 plays in almost no browser
    return info.codec in video_codecs and info.audio_codec in audio_codecs


def _poster(source: Path, dest: Path, duration_s: float) -> Rendition:
    at = min(duration_s * POSTER_AT, POSTER_AT_MOST_S)
    _grab_frame(source, dest, at)
    if not _nonempty(dest):
        _grab_frame(source, dest, 0.0)  # the container's duration overstated the stream's
    if not _nonempty(dest):
        raise MediaRefused(gettext_noop("hitrec could not find a single picture in this video."))
    with Image.open(dest) as im:
        width, height = im.size
    return Rendition(dest.name, "poster", "image/jpeg", width, height, _size(dest), dest)


def _grab_frame(source: Path, dest: Path, at_s: float) -> None:
    box = f"{POSTER_LONG_SIDE}"
    ffmpeg.run(
        "ffmpeg",
        [
            # -ss before -i seeks in the container instead of decoding up to that point.
            "-ss", f"{at_s:.3f}", "-i", source,
            "-map", "0:v:0", "-an", "-sn", "-dn", "-frames:v", "1", "-map_metadata", "-1",
            "-vf", f"scale='min({box},iw)':'min({box},ih)':force_original_aspect_ratio=decrease",
            "-q:v", "3", "-fflags", "+bitexact", "-flags:v", "+bitexact",
            "-f", "image2", "-update", "1", "-y", dest,
        ],
        what="take a picture from this video",
        timeout_s=60,
    )  # fmt: skip


def _nonempty(path: Path) -> bool:
    with contextlib.suppress(OSError):
        return path.stat().st_size > 0
    return False


def _thumbnails(poster: Path, dest: Path) -> list[Rendition]:
    try:
        with Image.open(poster) as im:
            # The poster is a JPEG: decoding it at reduced scale is almost free.
            im.draft("RGB", (THUMB_LONG_SIDE, THUMB_LONG_SIDE))
            frame = im.convert("RGB")
    except OSError as exc:
        raise MediaRefused(
            gettext_noop("hitrec could not read the picture it took from this video.")
        ) from exc
    return render_sizes(frame, [THUMB_LONG_SIDE], dest)


def _preview(
    source: Path,
    dest: Path,
    *,
    duration_s: float,
    read_at_most_s: float,
    progress: Progress | None,
) -> Rendition:
    box = f"{PREVIEW_LONG_SIDE}"
    timeout_s = 120 + duration_s  # x264 "veryfast" at 480p runs several times real time
    reporter = _EncodeProgress(duration_s, progress)
    ffmpeg.run(
        "ffmpeg",
        [
            # Headers can lie about the length; reading stops at the limit whatever they claim.
            "-t", f"{read_at_most_s:g}", "-i", source,
            "-map", "0:v:0", "-map", "0:a:0?", "-sn", "-dn", "-map_metadata", "-1",
            "-vf", (
                f"scale='min({box},iw)':'min({box},ih)'"
                ":force_original_aspect_ratio=decrease:force_divisible_by=2"
            ),
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "128k", "-ac", "2",
            "-movflags", "+faststart", "-fflags", "+bitexact", "-flags", "+bitexact",
            "-progress", "pipe:1", "-nostats", "-f", "mp4", "-y", dest,
        ],
        what="convert this video into a preview",
        timeout_s=timeout_s,
        on_stdout=reporter.feed,
        limits=ffmpeg.ResourceLimits(cpu_seconds=int(timeout_s * 2)),
    )  # fmt: skip
    # The scale filter's rounding is ffmpeg's business; ask the result rather than redo it.
    encoded = read_video_info(ffmpeg.probe(dest))
    return Rendition(
        dest.name, "preview", "video/mp4", encoded.width, encoded.height, _size(dest), dest
    )


def _size(path: Path) -> int:
    return path.stat().st_size


class _EncodeProgress:
    """Turns ffmpeg's `-progress` key=value lines into percentages of the duration."""

    def __init__(self, duration_s: float, progress: Progress | None) -> None:
        self._duration_us = max(1.0, duration_s * 1_000_000)
        self._progress = progress
        self._reported = -1
        self._partial = b""

    def feed(self, chunk: bytes) -> None:
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            if not line.startswith(b"out_time_us=") or self._progress is None:
                continue
            try:
                done_us = int(line.split(b"=", 1)[1])
            except ValueError:
                continue  # "N/A" before the first frame
            # Encoding is the last 90 % of the work; the poster took the first 10 %.
            percent = 10 + min(89, int(done_us * 90 / self._duration_us)) // 10 * 10
            if percent > self._reported:
                self._reported = percent
                self._progress("preview", percent)
