"""Audio metadata, waveform peaks and a browser-playable preview."""

from __future__ import annotations

import json
import sys
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mutagen
from mutagen.aac import AAC
from mutagen.flac import FLAC
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from hitrec.messages import gettext_noop
from media import ffmpeg
from media.errors import DECODE_ERRORS, MediaRefused
from media.images import Rendition, staging

DEFAULT_PEAKS = 1000
DEFAULT_MAX_DURATION_S = 3600.0
WAVEFORM_RATE = 8000  # mono samples per second decoded for the waveform: plenty for a picture
_SAMPLE_BYTES = 2
_FULL_SCALE = 32768
# Blocks kept while streaming, per requested peak: bounded memory whatever the length.
_BLOCKS_PER_PEAK = 4
_PREVIEW_NAME = "preview.mp3"
_WAVEFORM_NAME = "waveform.json"

Progress = Callable[[str, int], None]

# Parsers by sniffed format; picking the class by content keeps file names out of the decision.
_MUTAGEN_TYPES: dict[str, type[mutagen.FileType]] = {
    "mp3": MP3,
    "flac": FLAC,
    "wav": WAVE,
    "aac": AAC,
    "opus": OggOpus,
    "ogg": OggVorbis,
    "m4a": MP4,
}
_MP4_CODECS = {"mp4a": "aac", "alac": "alac", "ac-3": "ac3", "ec-3": "eac3", "Opus": "opus"}


@dataclass(frozen=True)
class AudioInfo:
    """What a container says about its audio, read without decoding."""

    duration_s: float
    codec: str
    sample_rate: int | None
    channels: int | None


@dataclass(frozen=True)
class AudioResult:
    """Metadata, waveform and preview of an audio file.

    `preview` is None when the original already plays in every browser (MP3, Opus in Ogg);
    `preview_is_original` then says to serve the original itself.
    """

    duration_s: float
    codec: str
    sample_rate: int | None
    channels: int | None
    peaks: tuple[tuple[float, float], ...]
    waveform: Rendition
    preview: Rendition | None
    preview_is_original: bool


def read_audio_info(
    path: Path, *, fmt: str | None = None, probe: dict[str, Any] | None = None
) -> AudioInfo:
    """Duration, codec, sample rate and channels: mutagen when it can, ffprobe otherwise.

    An ffprobe answer already at hand wins: it costs nothing more, and it decodes stream
    headers that mutagen only estimates (mono AAC in MP4 reads as stereo there).
    """
    if probe is not None:
        return _probe_info(probe)
    info = mutagen_info(path, fmt)
    if info is not None:
        return info
    return _probe_info(ffmpeg.probe(path))


def process_audio(
    path: Path,
    *,
    out_dir: Path,
    peaks: int = DEFAULT_PEAKS,
    max_duration_s: float = DEFAULT_MAX_DURATION_S,
    fmt: str | None = None,
    probe: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> AudioResult:
    """Check the audio at `path`, write `waveform.json` and, if needed, `preview.mp3` to out_dir.

    `fmt` and `probe` are what sniff() learned (format, ffprobe output); passing them saves
    work, leaving them out is fine.
    """
    if peaks < 1:
        raise ValueError("peaks must be at least 1")
    path = Path(path)
    info = read_audio_info(path, fmt=fmt, probe=probe)
    _check_duration(info.duration_s, max_duration_s)
    preview_is_original = _plays_everywhere(fmt, info.codec)
    with staging(out_dir) as stage:
        preview = None if preview_is_original else stage.dir / _PREVIEW_NAME
        waveform = _decode(
            path,
            peaks=peaks,
            info=info,
            read_at_most_s=max_duration_s + 1,
            preview=preview,
            progress=progress,
        )
        staged = [_write_waveform(waveform, stage.dir / _WAVEFORM_NAME, info.duration_s)]
        if preview is not None:
            staged.append(_rendition(preview, "preview", "audio/mpeg"))
        published = stage.publish(staged)
    return AudioResult(
        duration_s=info.duration_s,
        codec=info.codec,
        sample_rate=info.sample_rate,
        channels=info.channels,
        peaks=waveform,
        waveform=published[0],
        preview=published[1] if len(published) > 1 else None,
        preview_is_original=preview_is_original,
    )


def mutagen_info(path: Path, fmt: str | None) -> AudioInfo | None:
    """Audio facts from mutagen alone (no process started), or None if it cannot tell."""
    if fmt not in _MUTAGEN_TYPES:
        return None
    try:
        parsed = _MUTAGEN_TYPES[fmt](path)
    except (mutagen.MutagenError, *DECODE_ERRORS):  # type: ignore[misc]  # mypy reads no starred tuple here
        return None  # damaged, or a variant mutagen does not know: ffprobe decides
    stream = parsed.info
    length = float(getattr(stream, "length", 0) or 0)
    if length <= 0:
        return None
    return AudioInfo(
        duration_s=round(length, 3),
        codec=_mutagen_codec(fmt, stream),
        # Opus always decodes at 48 kHz; its header's "input rate" is only informative.
        sample_rate=48000 if fmt == "opus" else getattr(stream, "sample_rate", None),
        channels=getattr(stream, "channels", None),
    )


def _mutagen_codec(fmt: str | None, stream: Any) -> str:
    if fmt == "m4a":
        codec = str(getattr(stream, "codec", "")).split(".", 1)[0]
        return _MP4_CODECS.get(codec, codec or "unknown")
    return {"wav": "pcm", "ogg": "vorbis"}.get(str(fmt), str(fmt))


def _probe_info(probe: dict[str, Any]) -> AudioInfo:
    streams = [s for s in probe.get("streams", []) if s.get("codec_type") == "audio"]
    if not streams:
        raise MediaRefused(gettext_noop("This file contains no audio that hitrec can read."))
    stream = streams[0]
    duration = _float(stream.get("duration")) or _float(probe.get("format", {}).get("duration"))
    if not duration:
        raise MediaRefused(
            gettext_noop("hitrec could not tell how long this audio is; it may be damaged.")
        )
    rate = int(stream["sample_rate"]) if stream.get("sample_rate") else None
    return AudioInfo(
        round(duration, 3), str(stream.get("codec_name", "unknown")), rate, stream.get("channels")
    )


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _check_duration(duration_s: float, max_duration_s: float) -> None:
    if duration_s > max_duration_s:
        raise MediaRefused(
            # Translators: durations such as "3 min 05 s".
            gettext_noop(
                "This recording is %(duration)s long; hitrec accepts up to %(limit)s. "
                "Trim it and upload it again."
            ),
            duration=_minutes(duration_s),
            limit=_minutes(max_duration_s),
        )


def _minutes(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _plays_everywhere(fmt: str | None, codec: str) -> bool:
    return (fmt == "mp3" and codec == "mp3") or (fmt == "opus" and codec == "opus")


def _decode(
    path: Path,
    *,
    peaks: int,
    info: AudioInfo,
    read_at_most_s: float,
    preview: Path | None,
    progress: Progress | None,
) -> tuple[tuple[float, float], ...]:
    """One ffmpeg pass: low-rate mono PCM streamed to the peak finder, and the preview file."""
    expected = max(1, int(info.duration_s * WAVEFORM_RATE))
    finder = PeakFinder(peaks=peaks, expected_samples=expected)

    reported = -1

    def _consume(chunk: bytes) -> None:
        nonlocal reported
        finder.feed(chunk)
        percent = min(99, finder.samples * 100 // expected) // 10 * 10
        # Report in steps of 10 %: callers may write each report to a database.
        if progress is not None and percent > reported:
            reported = percent
            progress("decoding", percent)

    # Headers can lie about the length; reading stops at the limit whatever they claim.
    args: list[str | Path] = [
        "-t",
        f"{read_at_most_s:g}",
        "-i",
        path,
        "-map",
        "0:a:0",
        "-vn",
        "-sn",
        "-dn",
    ]
    # -flush_packets 0: ffmpeg writes the pipe in 32 KiB blocks instead of ~420-byte packets
    # (about 78× fewer reads on our side; the waveform itself is unchanged).
    args += ["-ac", "1", "-ar", str(WAVEFORM_RATE), "-f", "s16le", "-c:a", "pcm_s16le"]
    args += ["-flush_packets", "0", "pipe:1"]
    if preview is not None:
        args += _preview_args(preview, channels=min(info.channels or 2, 2))
    ffmpeg.run(
        "ffmpeg",
        args,
        what="decode this audio",
        timeout_s=60 + info.duration_s / 2,
        on_stdout=_consume,
    )
    return finder.result()


def _preview_args(dest: Path, *, channels: int) -> list[str | Path]:
    # Bit-exact output and no metadata: reruns give identical bytes, and no tags leak out.
    return [
        "-map", "0:a:0", "-vn", "-sn", "-dn", "-map_metadata", "-1",
        "-ac", str(channels), "-ar", "44100", "-c:a", "libmp3lame", "-b:a", "128k",
        "-fflags", "+bitexact", "-flags:a", "+bitexact",
        "-f", "mp3", "-y", dest,
    ]  # fmt: skip


class PeakFinder:
    """Min/max peaks over a stream of s16le mono samples, in bounded memory.

    Samples are folded into blocks; when blocks outnumber what the requested resolution
    needs (the length was underestimated), neighbours merge and blocks double in size.
    """

    def __init__(self, *, peaks: int, expected_samples: int) -> None:
        self.peaks = peaks
        self.samples = 0
        self._max_blocks = peaks * _BLOCKS_PER_PEAK
        self._block = max(1, expected_samples // self._max_blocks)
        self._blocks: list[tuple[int, int]] = []
        self._pending = array("h")
        self._odd_byte = b""

    def feed(self, chunk: bytes) -> None:
        data = self._odd_byte + chunk
        usable = len(data) - len(data) % _SAMPLE_BYTES
        self._odd_byte = data[usable:]
        samples = array("h", data[:usable])
        if sys.byteorder == "big":
            samples.byteswap()
        self.samples += len(samples)
        self._pending.extend(samples)
        start = 0
        while len(self._pending) - start >= self._block:
            part = self._pending[start : start + self._block]
            start += self._block
            self._blocks.append((min(part), max(part)))
            # Merge only on an even count, so every block keeps covering the same length.
            if len(self._blocks) > self._max_blocks and len(self._blocks) % 2 == 0:
                self._halve()
        del self._pending[:start]

    def result(self) -> tuple[tuple[float, float], ...]:
        """Exactly `peaks` (min, max) pairs in -1..1, relative to digital full scale."""
        blocks = list(self._blocks)
        if self._pending:
            blocks.append((min(self._pending), max(self._pending)))
        if not blocks:
            raise MediaRefused(
                gettext_noop("This file decodes to no sound at all, so hitrec cannot use it.")
            )
        count = len(blocks)
        pairs = []
        for i in range(self.peaks):
            start = i * count // self.peaks
            stop = max(start + 1, (i + 1) * count // self.peaks)
            group = blocks[start:stop]
            low = min(b[0] for b in group) / _FULL_SCALE
            high = max(b[1] for b in group) / _FULL_SCALE
            pairs.append((round(low, 4), round(high, 4)))
        return tuple(pairs)

    def _halve(self) -> None:
        pairs = zip(self._blocks[0::2], self._blocks[1::2], strict=True)
        self._blocks = [(min(a[0], b[0]), max(a[1], b[1])) for a, b in pairs]
        self._block *= 2


def _write_waveform(
    pairs: tuple[tuple[float, float], ...], dest: Path, duration_s: float
) -> Rendition:
    document = {
        "version": 1,
        "duration_s": duration_s,
        "peaks": len(pairs),
        "data": [list(pair) for pair in pairs],
    }
    dest.write_text(json.dumps(document, separators=(",", ":")), encoding="utf-8")
    return _rendition(dest, "waveform", "application/json")


def _rendition(path: Path, role: str, mime: str) -> Rendition:
    return Rendition(path.name, role, mime, None, None, path.stat().st_size, path)
