"""What a fingerprint comparison answers: a match with its score and what matched, or why not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class FingerprintUnavailable(Exception):
    """This file yields no fingerprint (too short, unreadable, no words): `reason` says why.

    Not a refusal of the file: the pipeline logs the reason and the work simply has no
    matches.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Match:
    """An upload that probably uses an earlier work: how sure (`score`, 0 to 1) and what matched.

    Exactly the fields of the match's kind are set: for pictures the hash distance (pHash +
    dHash bits, of 128), where in the upload the earlier work's centre lies (left, top,
    right, bottom as fractions of the upload) and whether it is mirrored; for audio the time
    ranges in seconds in both works; for text the quoted passage as the upload has it and
    where it is in both texts (character offsets).
    """

    kind: str  # "image", "audio" or "text"
    score: float
    image_distance: int | None = None
    image_region: tuple[float, float, float, float] | None = None
    mirrored: bool = False
    upload_seconds: tuple[float, float] | None = None
    stored_seconds: tuple[float, float] | None = None
    quoted_text: str | None = None
    upload_chars: tuple[int, int] | None = None
    stored_chars: tuple[int, int] | None = None


class SoundAlignment(Protocol):
    """Where an upload repeats a stored sound, as both sound fingerprints find it."""

    @property
    def score(self) -> float: ...
    @property
    def upload_seconds(self) -> tuple[float, float]: ...
    @property
    def stored_seconds(self) -> tuple[float, float]: ...


def sound_match(alignment: SoundAlignment | None) -> Match | None:
    """An audio `Match` from an alignment of two sounds (Chromaprint's or the landmarks')."""
    if alignment is None:
        return None
    return Match(
        kind="audio",
        score=alignment.score,
        upload_seconds=alignment.upload_seconds,
        stored_seconds=alignment.stored_seconds,
    )
