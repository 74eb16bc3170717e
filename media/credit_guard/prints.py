"""A work's fingerprints made from its files: its pictures' hashes (a video's frames too), its
sound's two prints and its text (the maths: media/fingerprints/)."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.storage import default_storage

from contributions.models import Contribution
from media import ffmpeg
from media.errors import MediaRefused, MediaTransientError
from media.fingerprints import (
    AudioFingerprint,
    FingerprintUnavailable,
    ImageHashes,
    LandmarkFingerprint,
    audio_fingerprint,
    image_hashes,
    landmark_fingerprint,
    text_fingerprint,
)

logger = logging.getLogger(__name__)

# A video is looked at every FRAME_SECONDS (more often when short), at most MAX_FRAMES times.
FRAME_SECONDS = 5.0
MAX_FRAMES = 48
_FRAME_SIDE = 320


@dataclass
class WorkPrints:
    """What a work's files yield: picture hashes (one for a picture, one per sampled frame for
    a video), the sound's two fingerprints (Chromaprint's, and the landmarks that find it
    under louder music), the text's; and why a part yielded nothing."""

    pictures: list[ImageHashes] = field(default_factory=list)
    audio: AudioFingerprint | None = None
    landmarks: LandmarkFingerprint | None = None
    text: str | None = None
    unavailable: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return (
            not self.pictures
            and self.audio is None
            and self.landmarks is None
            and self.text is None
        )


def prints_of(*, kind: str, original: Path | None, picture: Path | None, text: str) -> WorkPrints:
    """The fingerprints of a work of `kind`, from its files on this machine: `picture`, the
    image to hash (a picture's largest JPEG rendition, cheaper to decode than the original);
    `original`, for a sound or a video; `text`, a text's body. A part that cannot be
    fingerprinted is left out, its reason in `unavailable`; nothing here fails the job (a
    fault in one print is logged and kept as a reason, and the others are still made)."""
    prints = WorkPrints()
    if kind == "image" and picture is not None:
        _add(prints, lambda: prints.pictures.append(image_hashes(picture)))
    elif kind in ("audio", "video") and original is not None:
        if kind == "video":
            _add(prints, lambda: prints.pictures.extend(video_frame_hashes(original)))
        _add(prints, lambda: setattr(prints, "audio", audio_fingerprint(original)))
        _add(
            prints,
            lambda: setattr(prints, "landmarks", landmark_fingerprint(original)),
            what="landmarks",
        )
    elif kind == "text":
        _add(prints, lambda: _text_checked(prints, text))
    return prints


def _text_checked(prints: WorkPrints, text: str) -> None:
    text_fingerprint(text)  # raises FingerprintUnavailable for a text too short to quote
    prints.text = text


def _add(prints: WorkPrints, compute: Callable[[], object], *, what: str = "") -> None:
    """Make one print; if it cannot be made, keep why (prefixed by `what` unless the reason
    names it) and go on with the others."""
    try:
        compute()
        return
    except FingerprintUnavailable as why:
        reason = why.reason
    except (MediaRefused, MediaTransientError) as why:
        reason = f"the frames could not be read: {why}"
    except SoftTimeLimitExceeded:
        raise  # the job's time is up: the job says so, not a missing print
    except Exception as fault:  # our fault, not the file's: logged, and the work goes on
        logger.exception("a fingerprint (%s) failed", what or "print")
        reason = f"fingerprinting failed ({type(fault).__name__})"
    if what and what.rstrip("s") not in reason:
        reason = f"{what}: {reason}"
    prints.unavailable.append(reason)


def video_frame_hashes(original: Path) -> list[ImageHashes]:
    """The hashes of frames sampled through a video, FRAME_SECONDS apart (up to MAX_FRAMES)."""
    with tempfile.TemporaryDirectory(prefix="hitrec-frames-") as workdir:
        ffmpeg.run(
            "ffmpeg",
            [
                "-i", original, "-map", "0:v:0", "-an", "-sn", "-dn",
                "-vf", f"fps=1/{FRAME_SECONDS:g},scale={_FRAME_SIDE}:-2",
                "-frames:v", str(MAX_FRAMES), "-f", "image2", Path(workdir) / "f%03d.png",
            ],
            what="take pictures from this video",
            timeout_s=120,
        )  # fmt: skip
        frames = sorted(Path(workdir).glob("f*.png"))
        if not frames:
            raise FingerprintUnavailable("the video has no frame to take a picture of")
        return [image_hashes(frame) for frame in frames]


def work_text(work: Contribution) -> str:
    """A text work's words: its body, or its uploaded file's (UTF-8; "" if unreadable)."""
    if work.text or not work.file:
        return work.text
    try:
        with default_storage.open(work.file.name, "rb") as handle:
            return handle.read().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return ""
