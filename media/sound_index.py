"""The sound keys' postings held in Redis: an upload's thousands of probes become hash look-ups.

A landmark look-up probes 5,000 to 18,000 keys (media/fingerprints/landmarks.py); in
PostgreSQL each is a descent through the look-up B-tree, 61-234 ms in all at a million works
with 1% of the sounds indexed, over the 50 ms a look-up may take, and 3.4 to 6 times what the
same keys take here (docs/benchmarks.md, "Credit guard look-up"). Audio-ID systems keep
their index in memory; this one is in Redis (HITREC_SOUND_INDEX_URL, best one of its own),
one string a key holding the postings of every work indexed under it, 8 bytes each (work,
position: unsigned 32-bit little-endian), in the order the works were added (a rebuild
puts them oldest first, as the database reads them; the two differ only for a key shared
by more works than a look-up reads, KEY_READ_LIMIT).

The database stays the record: `FingerprintKey` rows are written first, and this index is
derived from them, so it can be lost and made again. What it holds, in a namespace of the
database's name (tests and benchmarks each have their own):

- `…:current`, the generation look-ups read; absent, the index is not ready, look-ups read
  the database and a rebuild is queued;
- `…:building`, the generation a rebuild is filling (expires, should the build die);
- `…:g<n>:<kind>:<key as 16 hex digits>`, the postings.

A work's keys are appended to every generation in use as its fingerprint rows are written,
inside their transaction: should it roll back, the postings point at a work with no kept
prints, which is harmless (below), where appending after the commit could be lost with the
process in between, and a source would go unfound until the next rebuild.

Nothing is removed when a work is fingerprinted again or deleted: its old postings stay
until the next rebuild (`manage.py sound_index rebuild`). That is safe because the index
only proposes candidates: every candidate is verified against the prints kept in the
database, and a deleted work has none. A posting appended twice (a rebuild racing an add, a
work fingerprinted again from the same file) counts its hits twice, which only lets a work
be verified when fewer hits would have been enough.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable
from typing import cast

import numpy as np
import redis
from django.conf import settings
from django.db import connection, transaction

from media.models import FingerprintKey

logger = logging.getLogger(__name__)

# The kinds kept here: the landmark keys, thousands a look-up. A picture's few hundred keys,
# a text's, and Chromaprint's (about 360 for a minute of music) are read from the database
# quickly enough.
KINDS = (FingerprintKey.Kind.LANDMARK,)
POSTING = np.dtype([("work", "<u4"), ("position", "<u4")])
MGET_CHUNK = 10_000
BUILD_EXPIRES_S = 600  # renewed every chunk: a build that died lets another start after this
BUILD_CHUNK = 200_000  # rows read from the database at a time by a rebuild
REQUEST_EVERY_S = 300  # look-ups that find no index queue a rebuild at most this often
# A rebuild waits this long between announcing its generation and reading the rows: a work
# whose keys were appended just before (to the old generation only) has committed by then,
# so the rows read hold it (a fingerprint's transaction is its keys' delete and insert).
BUILD_GRACE_S = 5.0


@functools.cache
def _client(url: str) -> redis.Redis:
    # Short timeouts: a Redis that hangs must not hang the media job, which then reads the
    # database instead.
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)


def _redis() -> redis.Redis | None:
    url = settings.HITREC_SOUND_INDEX_URL
    return _client(url) if url else None


def _base() -> str:
    return f"hitrec:sound-index:{connection.settings_dict['NAME']}"


def _name(base: str, generation: bytes | str | int, kind: int, key: int) -> bytes:
    return f"{base}:g{_text(generation)}:{kind}:{key & _KEY_BITS:016x}".encode()


def _text(value: bytes | str | int) -> str:
    """A generation as Redis returns it (bytes) or as it was made (a number)."""
    return value.decode() if isinstance(value, bytes) else str(value)


_KEY_BITS = (1 << 64) - 1  # a key as 16 hex digits (a negative key as its two's complement)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _names(prefix: str, keys: np.ndarray) -> list[bytes]:
    """`_name` of many keys at once: a look-up asks for up to 20,000 (numpy, not a loop)."""
    head = np.frombuffer(prefix.encode(), dtype=np.uint8)
    shifts = np.arange(60, -1, -4, dtype=np.uint64)
    digits = _HEX[(keys.astype(np.uint64)[:, None] >> shifts) & np.uint64(15)]
    names = np.concatenate([np.broadcast_to(head, (len(keys), len(head))), digits], axis=1)
    return np.ascontiguousarray(names).view(f"S{names.shape[1]}").ravel().tolist()


def enabled() -> bool:
    """Whether a Redis is configured for the index (the embedded default has none)."""
    return bool(settings.HITREC_SOUND_INDEX_URL)


def ready() -> bool:
    """Whether look-ups read the index (one is configured and built)."""
    client = _redis()
    try:
        return client is not None and client.exists(f"{_base()}:current") == 1
    except redis.RedisError:
        return False


def postings(*, kind: int, keys: np.ndarray, exclude: int, limit: int) -> np.ndarray | None:
    """(key, work, position) rows of the works indexed under `keys` (sorted, distinct), at most
    `limit` a key, the oldest first, `exclude`'s left out: what the database's look-up
    returns, from memory. None when the index cannot answer (none configured, not ready,
    Redis down): the caller reads the database; a missing index is queued to be built."""
    client = _redis()
    if client is None or kind not in KINDS:
        return None
    base = _base()
    try:
        generation = client.get(f"{base}:current")
        if generation is None:
            rebuild_requested()
            return None
        names = _names(f"{base}:g{_text(generation)}:{kind}:", keys)
        values: list[bytes | None] = []
        for start in range(0, len(names), MGET_CHUNK):
            values += cast(list[bytes | None], client.mget(names[start : start + MGET_CHUNK]))
    except redis.RedisError as exc:
        logger.warning("the sound index did not answer (%s); reading the database", exc)
        return None
    # One more than the limit a key: `exclude` is left out before the limit, as in SQL.
    width = POSTING.itemsize
    kept = [value or b"" for value in values]
    sizes = np.fromiter(map(len, kept), dtype=np.int64, count=len(kept))
    if sizes.max(initial=0) > (limit + 1) * width:  # rare: only keys that many works share
        kept = [value[: (limit + 1) * width] for value in kept]
        sizes = np.minimum(sizes, (limit + 1) * width)
    counts = sizes // width
    found = np.frombuffer(b"".join(kept), dtype=POSTING)
    rows = np.empty((len(found), 3), dtype=np.int64)
    rows[:, 0] = np.repeat(keys, counts)
    rows[:, 1] = found["work"]
    rows[:, 2] = found["position"]
    rows = rows[rows[:, 1] != exclude]
    if counts.max(initial=0) <= limit:
        return rows
    rank = np.arange(len(rows)) - np.searchsorted(rows[:, 0], rows[:, 0], side="left")
    return rows[rank < limit]


def work_add(*, contribution_id: int, keys: Iterable[tuple[int, int, int]]) -> None:
    """Append a work's (kind, key, position) sound keys to every generation in use. Called
    as its fingerprint rows are written; a failure is logged, never raised (the rows are in
    the database, and the next rebuild has them)."""
    client = _redis()
    if client is None:
        return
    grouped: dict[tuple[int, int], list[int]] = {}
    for kind, key, position in keys:
        if kind in KINDS:
            grouped.setdefault((kind, key), []).append(position)
    if not grouped:
        return
    base = _base()
    try:
        generations = {g for g in client.mget(f"{base}:current", f"{base}:building") if g}
        if not generations:
            return  # no index yet: the rebuild will read this work's rows
        pipe = client.pipeline(transaction=True)  # all of a work's postings, or none
        for (kind, key), positions in grouped.items():
            packed = np.empty(len(positions), dtype=POSTING)
            packed["work"] = contribution_id
            packed["position"] = sorted(positions)
            data = packed.tobytes()
            for gen in generations:
                pipe.append(_name(base, gen, kind, key), data)
        pipe.execute()
    except redis.RedisError as exc:
        logger.warning(
            "contribution %s: not added to the sound index (%s); the next rebuild adds it",
            contribution_id,
            exc,
        )


def rebuild_requested() -> None:
    """Queue a rebuild once the transaction commits, at most once every REQUEST_EVERY_S
    however many look-ups find no index (the task itself is guarded by `building`). A
    broker that cannot take it is logged, never raised: the look-up goes on."""
    from media.tasks import sound_index_rebuild  # the task calls back into this module

    client = _redis()
    if client is not None and client.set(f"{_base()}:requested", 1, nx=True, ex=REQUEST_EVERY_S):
        transaction.on_commit(sound_index_rebuild.delay, robust=True)


def rebuild(
    *, progress: Callable[[int], None] | None = None, grace_s: float | None = None
) -> int | None:
    """Make the index again from the database's rows, in a new generation, then read from it
    and drop the old one; the number of postings, or None when another rebuild is under way.

    Works fingerprinted while it runs are appended to the new generation as well
    (`work_add` writes to `building` too), and those committed before it began are in the
    rows it reads, so none is missed."""
    client = _redis()
    if client is None:
        return None
    base = _base()
    generation = client.incr(f"{base}:generation")
    if not client.set(f"{base}:building", generation, nx=True, ex=BUILD_EXPIRES_S):
        return None
    previous = client.get(f"{base}:current")
    total = 0
    try:
        time.sleep(BUILD_GRACE_S if grace_s is None else grace_s)
        for kind in KINDS:
            for rows in _rows(kind):
                total += _append(client, base, generation, kind, rows)
                client.expire(f"{base}:building", BUILD_EXPIRES_S)
                if progress is not None:
                    progress(len(rows))
        pipe = client.pipeline(transaction=True)
        pipe.set(f"{base}:current", generation)
        pipe.delete(f"{base}:building")
        pipe.execute()
    except BaseException:
        client.delete(f"{base}:building")
        _drop(client, base, generation)
        raise
    if previous is not None:
        _drop(client, base, previous)
    return total


def rows_to_index() -> int:
    """How many rows a rebuild reads (for a progress bar)."""
    return FingerprintKey.objects.filter(kind__in=KINDS).count()


def _rows(kind: int):
    """The kind's rows, (key, work, position), in the look-up's order, a chunk at a time from
    a server-side cursor: a rebuild at a million works reads billions."""
    table = FingerprintKey._meta.db_table
    with connection.chunked_cursor() as cursor:
        cursor.execute(
            f"SELECT key, contribution_id, position FROM {table} WHERE kind = %s"  # noqa: S608
            " ORDER BY key, contribution_id, position",
            [kind],
        )
        while chunk := cursor.fetchmany(BUILD_CHUNK):
            yield np.array(chunk, dtype=np.int64).reshape(-1, 3)


def _append(client: redis.Redis, base: str, generation: int, kind: int, rows: np.ndarray) -> int:
    """Append rows sorted by key, one APPEND a key."""
    packed = np.empty(len(rows), dtype=POSTING)
    packed["work"] = rows[:, 1]
    packed["position"] = rows[:, 2]
    data = packed.tobytes()
    width = POSTING.itemsize
    keys, starts = np.unique(rows[:, 0], return_index=True)
    ends = np.append(starts[1:], len(rows))
    pipe = client.pipeline(transaction=False)
    for key, start, end in zip(keys.tolist(), starts.tolist(), ends.tolist(), strict=True):
        pipe.append(_name(base, generation, kind, key), data[start * width : end * width])
    pipe.execute()
    return len(rows)


def _drop(client: redis.Redis, base: str, generation: bytes | str | int) -> None:
    """Delete a generation's keys, a batch at a time (UNLINK frees them off Redis's thread)."""
    batch: list[bytes] = []
    for name in client.scan_iter(match=f"{base}:g{_text(generation)}:*", count=10_000):
        batch.append(name)
        if len(batch) >= 10_000:
            client.unlink(*batch)
            batch = []
    if batch:
        client.unlink(*batch)


def clear() -> None:
    """Forget the index of this database entirely (tests start from none)."""
    client = _redis()
    if client is None:
        return
    base = _base()
    for gen in (client.get(f"{base}:current"), client.get(f"{base}:building")):
        if gen is not None:
            _drop(client, base, gen)
    client.delete(f"{base}:current", f"{base}:building", f"{base}:requested")
