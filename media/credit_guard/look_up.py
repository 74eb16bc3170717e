"""Finding what a work uses, and what uses it: its keys looked up in the index (the database,
or the sound index in Redis for the landmarks), the candidates verified against their kept
prints."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import numpy as np
from django.db import connection
from django.db.models import Q

from contributions.models import Contribution
from media import sound_index
from media.credit_guard.prints import WorkPrints, work_text
from media.credit_guard.stored import Found, stored_audio, stored_landmarks, stored_pictures
from media.fingerprints import (
    CANDIDATE_KEYS,
    CANDIDATE_VOTES,
    UPLOAD_STEP,
    AudioFingerprint,
    ImageHashes,
    LandmarkFingerprint,
    LineVoteTally,
    Match,
    audio_probe_keys,
    band_keys,
    image_copy_centre_keys,
    image_index_keys,
    image_probe_keys,
    landmark_probe_key_arrays,
    match_audio,
    match_image,
    match_image_copy,
    match_landmarks,
    match_text,
    offset_votes,
    text_fingerprint,
)
from media.models import CreditMatch, Fingerprint, FingerprintKey

logger = logging.getLogger(__name__)

# A key shared by more works than this says little (a flat picture's chunk, a common chord):
# each key reads at most this many works from the index, so one look-up stays bounded.
KEY_READ_LIMIT = 200
# Keys per look-up statement on PostgreSQL: an upload's landmark probe holds 15,000 distinct
# keys for 4 minutes of music (90,000 with repeats), 40,000 for 4 minutes of two pieces mixed.
PROBE_CHUNK = 10_000


def matches_find(*, contribution_id: int, prints: WorkPrints) -> list[Found]:
    """The earlier works this one probably uses, and the later works (fingerprinted before
    this one was, as by `manage.py fingerprint`) that probably use it; verified, best first.

    The works matched before are verified again whatever the index returns: the index is
    not symmetric (landmarks keep a work's loudest peaks, so a source fingerprinted again
    may not find, from its side, the mix that found it from the mix's), and a match is
    kept while the prints still verify it, dropped once they do not (a replaced file)."""
    found: list[Found] = []
    # The landmark keys are asked of the sound index first: Redis looks them up on its own
    # core while the rest is looked up here.
    with _hits_asked(
        FingerprintKey.Kind.LANDMARK,
        landmark_probe_key_arrays(prints.landmarks)[0] if prints.landmarks is not None else [],
        contribution_id,
    ) as landmark_hits:
        known = _matched_before(contribution_id)
        if prints.pictures:
            found += _picture_matches(contribution_id, prints.pictures, known["image"])
        if prints.audio is not None:
            found += _audio_matches(contribution_id, prints.audio, known["audio"])
        if prints.landmarks is not None:
            found += _landmark_matches(
                contribution_id, prints.landmarks, landmark_hits(), known["audio"]
            )
    if prints.text is not None:
        found += _text_matches(contribution_id, prints.text, known["text"])
    return sorted(found, key=lambda f: (-f.match.score, f.work, f.earlier))


def _matched_before(contribution_id: int) -> defaultdict[str, set[int]]:
    """The works matched with this one, both ways, by kind of match."""
    known: defaultdict[str, set[int]] = defaultdict(set)
    rows = CreditMatch.objects.filter(
        Q(work_id=contribution_id) | Q(earlier_id=contribution_id)
    ).values_list("work_id", "earlier_id", "kind")
    for work, earlier, kind in rows:
        known[kind].add(earlier if work == contribution_id else work)
    return known


# PostgreSQL's look-up, a FROM clause: each key `k.key` of an array (the first parameter), and
# `h`, the other works indexed under it (the kind, then the work itself, the next two), at
# most KEY_READ_LIMIT a key, read off the look-up index alone. `_hits` and the pictures'
# candidates read it; `_LATER_KEY_PROBE` reads only the works after the one given.
_KEY_PROBE_AMONG = """unnest(%s::bigint[]) k(key),
    LATERAL (SELECT contribution_id, position FROM {table}
             WHERE kind = %s AND key = k.key AND contribution_id {among} %s
             ORDER BY contribution_id LIMIT {limit}) h"""
_KEY_PROBE, _LATER_KEY_PROBE = (
    _KEY_PROBE_AMONG.format(table=FingerprintKey._meta.db_table, among=among, limit=KEY_READ_LIMIT)
    for among in ("<>", ">")
)


def _hits(kind: int, keys: Iterable[int], contribution_id: int) -> np.ndarray:
    """(key, work, position) rows of other works indexed under `keys`, at most KEY_READ_LIMIT
    a key, the oldest first, the rows of a key together: from the sound index in Redis for
    the kinds it holds (media/sound_index.py), else off the database's look-up index alone.
    Each key is looked up once however often `keys` holds it."""
    with _hits_asked(kind, keys, contribution_id) as parts:
        rows = list(parts())
    return np.concatenate(rows) if rows else np.empty((0, 3), dtype=np.int64)


@contextmanager
def _hits_asked(
    kind: int, keys: Iterable[int], contribution_id: int
) -> Iterator[Callable[[], Iterator[np.ndarray]]]:
    """`_hits` in two steps: the keys are asked of the sound index on entering, and their
    rows read, a part of the keys at a time, from the iterator the function given returns
    (a part the index cannot answer is read from the database)."""
    keys = np.asarray(keys if isinstance(keys, np.ndarray) else list(keys), np.int64)
    if (keys[1:] < keys[:-1]).any():
        keys = np.sort(keys)
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys  # each key once
    with sound_index.ask(kind=kind, keys=keys) as question:

        def parts() -> Iterator[np.ndarray]:
            for part, held in question.answers(exclude=contribution_id, limit=KEY_READ_LIMIT):
                if held is None:
                    rows = _database_hits(kind, part.tolist(), contribution_id)
                    held = np.array(rows, dtype=np.int64).reshape(-1, 3)
                yield held

        yield parts


def _database_hits(kind: int, keys: list[int], contribution_id: int) -> list[tuple[int, int, int]]:
    table = FingerprintKey._meta.db_table
    rows: list[tuple[int, int, int]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for start in range(0, len(keys), PROBE_CHUNK):
                cursor.execute(
                    f"SELECT k.key, h.contribution_id, h.position FROM {_KEY_PROBE}",  # noqa: S608
                    [keys[start : start + PROBE_CHUNK], kind, contribution_id],
                )
                rows += cursor.fetchall()
            return rows
        for start in range(0, len(keys), 500):  # SQLite: a bounded IN list at a time
            chunk = keys[start : start + 500]
            cursor.execute(
                f"SELECT key, contribution_id, position FROM {table}"  # noqa: S608
                f" WHERE kind = %s AND key IN ({', '.join(['%s'] * len(chunk))})"
                f" AND contribution_id <> %s ORDER BY key, contribution_id",
                [kind, *chunk, contribution_id],
            )
            counted: Counter[int] = Counter()
            for key, work, position in cursor.fetchall():
                counted[key] += 1
                if counted[key] <= KEY_READ_LIMIT:
                    rows.append((key, work, position))
        return rows


def _fingerprints(ids: Iterable[int]) -> dict[int, Fingerprint]:
    return {
        f.contribution_id: f
        for f in Fingerprint.objects.filter(
            contribution_id__in=list(ids), status=Fingerprint.Status.INDEXED
        )
    }


# The works with one picture (a picture, or a video's frame: its position) sharing
# CANDIDATE_KEYS keys with the upload. Per picture, not per work: a video's 48 frames hold
# 384 keys, and counted together two of them would be shared by chance with one upload in a
# hundred videos (measured: 1,587 candidates an upload among a million works, against some
# 40 per frame). Counted in the database: an upload's 250-400 keys read some 20,000 rows at
# a million works, which only the few candidates need to leave.
_PICTURE_CANDIDATES_AMONG = """
SELECT DISTINCT contribution_id FROM (
    SELECT h.contribution_id, h.position FROM {probe}
    GROUP BY h.contribution_id, h.position HAVING count(DISTINCT k.key) >= %s
) pictures
"""
_PICTURE_CANDIDATES, _LATER_PICTURE_CANDIDATES = (
    _PICTURE_CANDIDATES_AMONG.format(probe=probe) for probe in (_KEY_PROBE, _LATER_KEY_PROBE)
)


def _later_fingerprinted(contribution_id: int) -> bool:
    """Whether a work later than this one has been fingerprinted (one index probe)."""
    return Fingerprint.objects.filter(contribution_id__gt=contribution_id).exists()


def _picture_candidates(
    keys: set[int], contribution_id: int, *, later_only: bool = False
) -> list[int]:
    """The other works (or, `later_only`, the works after this one) with a picture sharing
    CANDIDATE_KEYS of `keys`."""
    kind = FingerprintKey.Kind.PICTURE
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _LATER_PICTURE_CANDIDATES if later_only else _PICTURE_CANDIDATES,
                [sorted(keys), kind, contribution_id, CANDIDATE_KEYS],
            )
            return [work for (work,) in cursor.fetchall()]
    shared: dict[tuple[int, int], set[int]] = defaultdict(set)
    for key, work, position in _hits(kind, keys, contribution_id).tolist():
        if work > contribution_id or not later_only:
            shared[work, position].add(key)
    return sorted({work for (work, _), found in shared.items() if len(found) >= CANDIDATE_KEYS})


def _picture_matches(
    contribution_id: int, pictures: list[ImageHashes], known: set[int]
) -> list[Found]:
    # An upload's picture is looked up with all its probes (cuts, mirror); a video's frames
    # with their own keys only, or a long video would ask for tens of thousands of keys.
    probe = image_probe_keys if len(pictures) == 1 else image_index_keys
    keys = set().union(*(probe(picture) for picture in pictures))
    candidates = set(_picture_candidates(keys, contribution_id))
    if len(pictures) == 1 and _later_fingerprinted(contribution_id):
        # Later works may be cut copies of this one (it is fingerprinted after them, as by
        # `manage.py fingerprint`): their kept centres are among this picture's copy centres.
        # Looked up among the later works only, which a new upload's keys find few of.
        centres = image_copy_centre_keys(pictures[0])
        candidates |= set(_picture_candidates(centres, contribution_id, later_only=True))
    found = []
    for work, fingerprint in _fingerprints({*candidates, *known}).items():
        best: Match | None = None
        for phash, dhash in stored_pictures(fingerprint):
            for picture in pictures:
                if work < contribution_id:  # this one may use the earlier work
                    match = match_image(phash, dhash, picture)
                else:  # the later work may use this one: its kept centre against ours cut
                    match = match_image_copy(phash, dhash, picture)
                if match is not None and (best is None or match.score > best.score):
                    best = match
        if best is not None:
            found.append(_found(contribution_id, work, best))
    return found


def _audio_matches(contribution_id: int, audio: AudioFingerprint, known: set[int]) -> list[Found]:
    positions: dict[int, list[int]] = defaultdict(list)
    for key, position in audio_probe_keys(audio):
        positions[key].append(position)
    hits: dict[int, list[tuple[int, int]]] = defaultdict(list)
    rows = _hits(FingerprintKey.Kind.AUDIO, positions, contribution_id).tolist()
    for key, work, stored_position in rows:
        hits[work] += [(upload_position, stored_position) for upload_position in positions[key]]
    candidates = [work for work, pairs in hits.items() if offset_votes(pairs) >= CANDIDATE_VOTES]
    return _sound_verified(contribution_id, {*candidates, *known}, audio, stored_audio, match_audio)


def _landmark_matches(
    contribution_id: int,
    landmarks: LandmarkFingerprint,
    parts: Iterable[np.ndarray],
    known: set[int],
) -> list[Found]:
    """As `_audio_matches`, with the landmark keys: the upload's probe (pairs of all its
    peaks, a source mixed under louder music among them) against the index (pairs of each
    work's strongest peaks: `parts`, the `_hits` of the probe's keys a part at a time),
    candidates on one tempo/offset line, verified by `match`."""
    # The works with enough votes on one line: a few of the thousands the keys reach, counted
    # a part at a time while the index finds the next.
    frames = landmark_probe_key_arrays(landmarks)[1]
    tally = LineVoteTally((int(frames.min()), int(frames.max())) if len(frames) else (0, 0))
    for rows in parts:
        tally.add(*_landmark_join(landmarks, rows))
    candidates = set(tally.candidates())
    return _sound_verified(
        contribution_id, candidates | known, landmarks, stored_landmarks, match_landmarks
    )


def _landmark_join(
    landmarks: LandmarkFingerprint, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(works, hits): each row (key, work, stored frame) with every frame of the upload
    under that key, as (upload frame, stored frame); found once a run of rows of one key
    (they come a key at a time), not once a row."""
    probe_keys, probe_frames = landmark_probe_key_arrays(landmarks)  # sorted by key
    first = np.flatnonzero(np.diff(rows[:, 0], prepend=-1, append=-1))
    run_keys, run_rows = rows[first[:-1], 0], np.diff(first)
    run_lo = np.searchsorted(probe_keys, run_keys, side="left")
    run_count = np.searchsorted(probe_keys, run_keys, side="right") - run_lo
    lo, count = np.repeat(run_lo, run_rows), np.repeat(run_count, run_rows)
    works = np.repeat(rows[:, 1], count)
    at = np.repeat(lo - np.cumsum(count) + count, count) + np.arange(int(count.sum()))
    return works, np.stack([probe_frames[at], np.repeat(rows[:, 2], count)], axis=1)


SoundPrint = TypeVar("SoundPrint", AudioFingerprint, LandmarkFingerprint)


def _sound_verified(
    contribution_id: int,
    candidates: set[int],
    upload: SoundPrint,
    stored_of: Callable[[Fingerprint], SoundPrint | None],
    match: Callable[[SoundPrint, SoundPrint], Match | None],
) -> list[Found]:
    """The candidates whose stored sound print `match` verifies against the upload's, the
    earlier work's print first."""
    found = []
    for work, fingerprint in _fingerprints(candidates).items():
        stored = stored_of(fingerprint)
        if stored is None:
            continue
        verified = match(stored, upload) if work < contribution_id else match(upload, stored)
        if verified is not None:
            found.append(_found(contribution_id, work, verified))
    return found


def _text_matches(contribution_id: int, text: str, known: set[int]) -> list[Found]:
    upload = text_fingerprint(text, step=UPLOAD_STEP)
    works = {
        work
        for _key, work, _ in _hits(FingerprintKey.Kind.TEXT, band_keys(upload), contribution_id)
    } | known
    found = []
    for work, body in _texts(works).items():
        match = match_text(body, text) if work < contribution_id else match_text(text, body)
        if match is not None:
            found.append(_found(contribution_id, work, match))
    return found


def _texts(ids: set[int]) -> dict[int, str]:
    return {
        work.id: work_text(work)
        for work in Contribution.objects.filter(id__in=ids, kind="text").only("id", "text", "file")
    }


def _found(contribution_id: int, other: int, match: Match) -> Found:
    if other < contribution_id:
        return Found(work=contribution_id, earlier=other, match=match)
    return Found(work=other, earlier=contribution_id, match=match)
