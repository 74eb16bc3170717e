"""What the credit guard keeps: a work's fingerprints and index keys, appended to the sound
index too, read back for verifying; and the matches found, both ways."""

from __future__ import annotations

import logging
import struct
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.utils import timezone

from media import sound_index
from media.credit_guard.prints import WorkPrints
from media.fingerprints import (
    STORED_STEP,
    AudioFingerprint,
    LandmarkFingerprint,
    Match,
    audio_index_keys,
    band_keys,
    image_index_keys,
    landmark_index_keys,
    landmarks_from_bytes,
    landmarks_to_bytes,
    text_fingerprint,
)
from media.models import CreditMatch, Fingerprint, FingerprintKey

logger = logging.getLogger(__name__)

_PAIR = struct.Struct(">QQ")


@dataclass(frozen=True)
class Found:
    """`work` probably uses `earlier`, as `match` says."""

    work: int
    earlier: int
    match: Match


def prints_store(*, contribution_id: int, prints: WorkPrints) -> Fingerprint:
    """Keep `prints` as the work's fingerprint and index keys, replacing any earlier ones."""
    keys: list[FingerprintKey] = []
    for number, picture in enumerate(prints.pictures):
        keys += [
            FingerprintKey(kind=FingerprintKey.Kind.PICTURE, key=key, position=number)
            for key in image_index_keys(picture)
        ]
    if prints.audio is not None:
        keys += [
            FingerprintKey(kind=FingerprintKey.Kind.AUDIO, key=key, position=position)
            for key, position in audio_index_keys(prints.audio)
        ]
    if prints.landmarks is not None:
        keys += [
            FingerprintKey(kind=FingerprintKey.Kind.LANDMARK, key=key, position=frame)
            for key, frame in landmark_index_keys(prints.landmarks)
        ]
    if prints.text is not None:
        keys += [
            FingerprintKey(kind=FingerprintKey.Kind.TEXT, key=key)
            for key in band_keys(text_fingerprint(prints.text, step=STORED_STEP))
        ]
    for key in keys:
        key.contribution_id = contribution_id
    with transaction.atomic():
        FingerprintKey.objects.filter(contribution_id=contribution_id).delete()
        fingerprint, _ = Fingerprint.objects.update_or_create(
            contribution_id=contribution_id,
            defaults={
                "status": Fingerprint.Status.UNAVAILABLE
                if prints.empty
                else Fingerprint.Status.INDEXED,
                # Why it has none, or why a part is missing (kept on an indexed row too).
                "reason": "; ".join(prints.unavailable)[:300],
                "frames": b"".join(_PAIR.pack(p.phash, p.dhash) for p in prints.pictures),
                "audio": prints.audio.items.astype(">u4").tobytes() if prints.audio else b"",
                "landmarks": landmarks_to_bytes(prints.landmarks) if prints.landmarks else b"",
                "matched_at": None,
            },
        )
        FingerprintKey.objects.bulk_create(keys, batch_size=2_000)
        # Inside the transaction, so a crash cannot leave the rows without their postings.
        sound_index.work_add(
            contribution_id=contribution_id, keys=((k.kind, k.key, k.position) for k in keys)
        )
    return fingerprint


def stored_pictures(fingerprint: Fingerprint) -> list[tuple[int, int]]:
    """A kept fingerprint's (pHash, dHash) pairs, one per picture or frame."""
    data = bytes(fingerprint.frames)
    return [_PAIR.unpack_from(data, at) for at in range(0, len(data), _PAIR.size)]


def stored_audio(fingerprint: Fingerprint) -> AudioFingerprint | None:
    data = bytes(fingerprint.audio)
    if not data:
        return None
    items = np.frombuffer(data, dtype=">u4").astype(np.uint32)
    return AudioFingerprint(items, duration_s=0.0)


def stored_landmarks(fingerprint: Fingerprint) -> LandmarkFingerprint | None:
    """A kept landmark fingerprint, or None (none kept, or kept in a packing since changed:
    `manage.py fingerprint --all` makes it again)."""
    data = bytes(fingerprint.landmarks)
    if not data:
        return None
    try:
        return landmarks_from_bytes(data)
    except ValueError:
        logger.warning("contribution %s: its landmarks cannot be read", fingerprint.contribution_id)
        return None


def matches_store(*, contribution_id: int, found: list[Found]) -> None:
    """Keep what was found for this work (both ways), replacing what was found before."""
    rows: dict[tuple[int, int, str], CreditMatch] = {}
    for f in found:
        key = (f.work, f.earlier, f.match.kind)
        if key not in rows or rows[key].score < f.match.score:
            rows[key] = CreditMatch(
                work_id=f.work,
                earlier_id=f.earlier,
                kind=f.match.kind,
                score=round(min(1.0, max(0.0, f.match.score)), 4),
                detail=match_detail(f.match),
            )
    with transaction.atomic():
        CreditMatch.objects.filter(work_id=contribution_id).delete()
        CreditMatch.objects.filter(earlier_id=contribution_id).delete()
        CreditMatch.objects.bulk_create(rows.values())
        Fingerprint.objects.filter(contribution_id=contribution_id).update(
            matched_at=timezone.now()
        )


def match_detail(match: Match) -> dict:
    """What matched, as the API shows it: only the fields of the match's kind."""
    if match.kind == "image":
        return {
            "region": list(match.image_region or ()),
            "mirrored": match.mirrored,
            "distance": match.image_distance,
        }
    if match.kind == "audio":
        return {
            "work_seconds": [round(s, 1) for s in match.upload_seconds or ()],
            "earlier_seconds": [round(s, 1) for s in match.stored_seconds or ()],
        }
    return {
        "quoted_text": match.quoted_text,
        "work_chars": list(match.upload_chars or ()),
        "earlier_chars": list(match.stored_chars or ()),
    }
