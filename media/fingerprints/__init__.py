"""Fingerprints of pictures, audio and texts, their index keys, and matching (pure: no Django).

Per kind: compute a fingerprint from a file or a text, the keys to index a stored work
under and to look an upload up by (multi-index hash chunks, masked Chromaprint items,
spectral-peak pairs, LSH bands), and `match_*`, the exact verification of one candidate,
which returns a `Match` or None. Why these algorithms and thresholds: docs/decisions.md ("Credit guard").
"""

from media.fingerprints.audio import (
    CANDIDATE_VOTES,
    AudioFingerprint,
    audio_fingerprint,
    offset_votes,
)
from media.fingerprints.audio import index_keys as audio_index_keys
from media.fingerprints.audio import match as match_audio
from media.fingerprints.audio import probe_keys as audio_probe_keys
from media.fingerprints.images import (
    CANDIDATE_KEYS,
    CENTRE,
    ImageHashes,
    ImageProbe,
    chunks,
    hamming,
    image_hashes,
)
from media.fingerprints.images import copy_centre_keys as image_copy_centre_keys
from media.fingerprints.images import index_keys as image_index_keys
from media.fingerprints.images import match as match_image
from media.fingerprints.images import match_copy as match_image_copy
from media.fingerprints.images import probe_keys as image_probe_keys
from media.fingerprints.landmarks import LandmarkFingerprint, landmark_fingerprint
from media.fingerprints.landmarks import from_bytes as landmarks_from_bytes
from media.fingerprints.landmarks import index_keys as landmark_index_keys
from media.fingerprints.landmarks import match as match_landmarks
from media.fingerprints.landmarks import probe_key_arrays as landmark_probe_key_arrays
from media.fingerprints.landmarks import probe_keys as landmark_probe_keys
from media.fingerprints.landmarks import to_bytes as landmarks_to_bytes
from media.fingerprints.lines import LineVoteTally
from media.fingerprints.results import FingerprintUnavailable, Match
from media.fingerprints.text import (
    STORED_STEP,
    UPLOAD_STEP,
    TextFingerprint,
    band_keys,
    text_fingerprint,
)
from media.fingerprints.text import match as match_text

__all__ = [
    "CANDIDATE_KEYS",
    "CANDIDATE_VOTES",
    "CENTRE",
    "ImageProbe",
    "STORED_STEP",
    "UPLOAD_STEP",
    "AudioFingerprint",
    "FingerprintUnavailable",
    "ImageHashes",
    "LandmarkFingerprint",
    "LineVoteTally",
    "Match",
    "TextFingerprint",
    "audio_fingerprint",
    "audio_index_keys",
    "audio_probe_keys",
    "band_keys",
    "chunks",
    "hamming",
    "image_copy_centre_keys",
    "image_hashes",
    "image_index_keys",
    "image_probe_keys",
    "landmark_fingerprint",
    "landmark_index_keys",
    "landmark_probe_key_arrays",
    "landmark_probe_keys",
    "landmarks_from_bytes",
    "landmarks_to_bytes",
    "match_audio",
    "match_image",
    "match_image_copy",
    "match_landmarks",
    "match_text",
    "offset_votes",
    "text_fingerprint",
]
