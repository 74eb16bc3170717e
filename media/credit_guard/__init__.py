"""The credit guard in the database: a work's fingerprints kept and indexed, and the works it
probably uses (or that probably use it) found through the index and verified.

The maths is pure, in media/fingerprints/; this package reads files (`prints`), writes the
three tables (media.models: Fingerprint, FingerprintKey, CreditMatch: `stored`) and asks the
index (`look_up`). Why these choices: docs/decisions.md ("Credit guard"). Callers import
from here.
"""

from media.credit_guard.look_up import KEY_READ_LIMIT, matches_find
from media.credit_guard.prints import (
    FRAME_SECONDS,
    MAX_FRAMES,
    WorkPrints,
    prints_of,
    video_frame_hashes,
    work_text,
)
from media.credit_guard.stored import (
    Found,
    match_detail,
    matches_store,
    prints_store,
    stored_audio,
    stored_landmarks,
    stored_pictures,
)

__all__ = [
    "FRAME_SECONDS",
    "KEY_READ_LIMIT",
    "MAX_FRAMES",
    "Found",
    "WorkPrints",
    "match_detail",
    "matches_find",
    "matches_store",
    "prints_of",
    "prints_store",
    "stored_audio",
    "stored_landmarks",
    "stored_pictures",
    "video_frame_hashes",
    "work_text",
]
