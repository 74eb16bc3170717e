"""The sound keys' postings held in Redis: an upload's thousands of probes become hash look-ups.

A landmark look-up probes 5,000 to 18,000 keys (media/fingerprints/landmarks.py); in
PostgreSQL each is a descent through the look-up B-tree, 54-229 ms in all at a million works
with 1% of the sounds indexed, over the 50 ms a look-up may take, and 7 to 9 times what the
same keys take here (docs/benchmarks.md, "Credit guard look-up"). Audio-ID systems keep
their index in memory; this one is in Redis (HITREC_SOUND_INDEX_URL, best one of its own):
one hash a kind, a field a key (4 bytes, big-endian: landmark keys are under 2**25) holding
the postings of every work indexed under it, 8 bytes each (work, position: unsigned 32-bit
little-endian), in the order the works were added (a rebuild puts them oldest first, as the
database reads them; the two differ only for a key shared by more works than a look-up
reads, KEY_READ_LIMIT). One hash, not a string a key: Redis finds a hash's fields in about
two thirds of the time it takes to find as many keys, a field's name is 4 bytes where a
key's was 60, and a generation is dropped with one UNLINK.

The database stays the record: `FingerprintKey` rows are written first, and this index is
derived from them, so it can be lost and made again. What it holds, in a namespace of the
database's name (tests and benchmarks each have their own):

- `…:current`, the generation look-ups read; absent, the index is not ready, look-ups read
  the database and a rebuild is queued;
- `…:building`, the generation a rebuild is filling (expires, should the build die);
- `…:g<n>:<kind>`, the postings: the hash above.

A work's keys are appended (a Lua script: a hash has no APPEND) to every generation in use
as its fingerprint rows are written, inside their transaction: should it roll back, the
postings point at a work with no kept prints, which is harmless (below), where appending
after the commit could be lost with the process in between, and a source would go unfound
until the next rebuild.

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
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import cast

import numpy as np
import redis
from django.conf import settings
from django.db import connection, transaction
from redis.connection import Connection

from media.models import FingerprintKey

logger = logging.getLogger(__name__)

# The kinds kept here: the landmark keys, thousands a look-up. A picture's few hundred keys,
# a text's, and Chromaprint's (about 360 for a minute of music) are read from the database
# quickly enough.
KINDS = (FingerprintKey.Kind.LANDMARK,)
POSTING = np.dtype([("work", "<u4"), ("position", "<u4")])
FIELD = np.dtype(">u4")  # a key as its field's name
# Keys an HMGET (a mix's 17,600 make 5, about 3 ms of Redis's time each), and how many are
# sent ahead of the one being read (`Question`).
PART_KEYS = 4_096
AHEAD = 2
BUILD_EXPIRES_S = 600  # renewed every chunk: a build that died lets another start after this
BUILD_CHUNK = 200_000  # rows read from the database at a time by a rebuild
APPEND_FIELDS = 2_000  # fields a call of the append script: Redis runs nothing else meanwhile
REQUEST_EVERY_S = 300  # look-ups that find no index queue a rebuild at most this often
# A rebuild waits this long between announcing its generation and reading the rows: a work
# whose keys were appended just before (to the old generation only) has committed by then,
# so the rows read hold it (a fingerprint's transaction is its keys' delete and insert).
BUILD_GRACE_S = 5.0

# Appends each ARGV[2i] to the field ARGV[2i-1] of every hash in KEYS (a hash has no APPEND).
_APPEND = """
for _, hash in ipairs(KEYS) do
  for i = 1, #ARGV, 2 do
    local held = redis.call('HGET', hash, ARGV[i])
    redis.call('HSET', hash, ARGV[i], held and (held .. ARGV[i + 1]) or ARGV[i + 1])
  end
end
return #ARGV / 2
"""


@functools.cache
def _client(url: str) -> redis.Redis:
    # Short timeouts: a Redis that hangs must not hang the media job, which then reads the
    # database instead.
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)


def _redis() -> redis.Redis | None:
    url = settings.HITREC_SOUND_INDEX_URL
    return _client(url) if url else None


def _base() -> str:
    # v2: the hashes; session 13's index (v1, a string a key, `hitrec:sound-index:<name>:…`)
    # is not read, and is rebuilt in this layout on the first look-up.
    return f"hitrec:sound-index:v2:{connection.settings_dict['NAME']}"


def _hash(base: str, generation: bytes | str | int, kind: int) -> bytes:
    return f"{base}:g{_text(generation)}:{kind}".encode()


def _text(value: bytes | str | int) -> str:
    """A generation as Redis returns it (bytes) or as it was made (a number)."""
    return value.decode() if isinstance(value, bytes) else str(value)


def _fields(keys: np.ndarray) -> list[bytes]:
    # Sliced from the bytes, not viewed as numpy's "S4": that drops a name's trailing zeros.
    data = np.asarray(keys).astype(FIELD).tobytes()
    return [data[at : at + FIELD.itemsize] for at in range(0, len(data), FIELD.itemsize)]


def _hmget(name: bytes, keys: np.ndarray) -> bytes:
    """The HMGET of `keys`' fields, packed as Redis reads it (RESP), all at once: a look-up
    asks for up to 20,000 fields, and redis-py packs them one by one in Python (9 ms)."""
    head = f"*{len(keys) + 2}\r\n$5\r\nHMGET\r\n${len(name)}\r\n".encode() + name + b"\r\n"
    fields = np.empty((len(keys), 10), dtype=np.uint8)
    fields[:, :4] = np.frombuffer(b"$4\r\n", dtype=np.uint8)
    fields[:, 4:8] = np.asarray(keys).astype(FIELD).view(np.uint8).reshape(-1, 4)
    fields[:, 8:] = np.frombuffer(b"\r\n", dtype=np.uint8)
    return head + fields.tobytes()


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


class Question:
    """Keys asked of the index, their answers not yet read: Redis looks them up on its own
    core while the asker does other work (`ask`), a part at a time (PART_KEYS keys an
    HMGET). Redis replies to the parts in its read buffer all at once, so only AHEAD parts
    are sent ahead of the one being read: Redis finds the next part while the asker works
    on this one. Used as a context manager: a question left unanswered drops its
    connection, whose next replies would be this one's."""

    def __init__(
        self,
        client: redis.Redis | None,
        parts: list[np.ndarray],
        connection_: Connection | None,
        name: bytes = b"",
    ) -> None:
        self._client, self._parts, self._connection = client, parts, connection_
        self._name = name

    def answers(
        self, *, exclude: int, limit: int
    ) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
        """Each part's keys and its (key, work, position) rows, in key order, as Redis gives
        them: at most `limit` rows a key, the oldest works first, `exclude`'s left out, as
        the database's look-up returns them. None for a part the index cannot answer (not
        configured, not ready, Redis down): the caller reads that part from the database."""
        for number, part in enumerate(self._parts):
            conn = self._connection
            if conn is None or self._client is None:
                yield part, None
                continue
            try:
                values = cast(list[bytes | None], conn.read_response())
                if number + AHEAD < len(self._parts):
                    conn.send_packed_command([_hmget(self._name, self._parts[number + AHEAD])])
            except (redis.RedisError, OSError) as exc:
                self.close()
                logger.warning("the sound index did not answer (%s); reading the database", exc)
                yield part, None
                continue
            if number == len(self._parts) - 1:  # every reply read: the connection is free
                self._client.connection_pool.release(conn)
                self._connection = None
            yield part, _rows(part, values, exclude=exclude, limit=limit)

    def answer(self, *, exclude: int, limit: int) -> np.ndarray | None:
        """The rows of every part at once, or None if the index cannot answer them all."""
        rows = []
        for _, held in self.answers(exclude=exclude, limit=limit):
            if held is None:
                return None
            rows.append(held)
        return np.concatenate(rows) if rows else np.empty((0, 3), dtype=np.int64)

    def close(self) -> None:
        if self._connection is not None and self._client is not None:
            self._connection.disconnect()
            self._client.connection_pool.release(self._connection)
            self._connection = None

    def __enter__(self) -> Question:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def ask(*, kind: int, keys: np.ndarray, part_keys: int = PART_KEYS) -> Question:
    """Ask the index for the postings of `keys` (sorted, distinct), `part_keys` keys an HMGET,
    and return at once; `Question.answers` reads them. A question the index cannot take
    (none configured, not ready, Redis down) answers None; a missing index is queued to be
    built."""
    client = _redis()
    if client is None or kind not in KINDS:
        return Question(None, [keys], None)
    parts = [keys[at : at + part_keys] for at in range(0, len(keys), part_keys)]
    if not parts:
        return Question(client, [], None)  # answered at once: nothing is under no key
    base = _base()
    conn = None
    try:
        generation = client.get(f"{base}:current")
        if generation is None:
            rebuild_requested()
            return Question(None, [keys], None)
        name = _hash(base, generation, kind)
        conn = client.connection_pool.get_connection()
        conn.send_packed_command([_hmget(name, part) for part in parts[:AHEAD]])
    except (redis.RedisError, OSError) as exc:
        if conn is not None:
            conn.disconnect()
            client.connection_pool.release(conn)
        logger.warning("the sound index did not answer (%s); reading the database", exc)
        return Question(None, [keys], None)
    return Question(client, parts, conn, name)


def postings(
    *, kind: int, keys: np.ndarray, exclude: int, limit: int, part_keys: int = PART_KEYS
) -> np.ndarray | None:
    """`ask` and `Question.answer` at once."""
    with ask(kind=kind, keys=keys, part_keys=part_keys) as question:
        return question.answer(exclude=exclude, limit=limit)


def _rows(keys: np.ndarray, values: list[bytes | None], *, exclude: int, limit: int) -> np.ndarray:
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
    if (found["work"] == exclude).any():  # only when a work is fingerprinted again
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
    grouped: dict[int, dict[int, list[int]]] = {}
    for kind, key, position in keys:
        if kind in KINDS:
            grouped.setdefault(kind, {}).setdefault(key, []).append(position)
    if not grouped:
        return
    base = _base()
    try:
        generations = {g for g in client.mget(f"{base}:current", f"{base}:building") if g}
        if not generations:
            return  # no index yet: the rebuild will read this work's rows
        pipe = client.pipeline(transaction=True)  # all of a work's postings, or none
        for kind, positions in grouped.items():
            rows = np.array(
                [(key, contribution_id, p) for key in positions for p in sorted(positions[key])],
                dtype=np.int64,
            )
            hashes = [_hash(base, gen, kind) for gen in generations]
            _append(client, hashes, rows, pipe=pipe)
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
            for rows in _table_rows(kind):
                _append(client, [_hash(base, generation, kind)], rows)
                total += len(rows)
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


def _table_rows(kind: int):
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


def _append(
    client: redis.Redis,
    hashes: list[bytes],
    rows: np.ndarray,
    *,
    pipe: redis.client.Pipeline | None = None,
) -> None:
    """Append (key, work, position) rows (a key's rows together) to the hashes, a field a
    key, through `pipe` when given (else at once), APPEND_FIELDS fields a call of the
    script."""
    if not len(rows):
        return
    packed = np.empty(len(rows), dtype=POSTING)
    packed["work"] = rows[:, 1]
    packed["position"] = rows[:, 2]
    data = packed.tobytes()
    width = POSTING.itemsize
    # A field a run of rows of one key: rows not sorted by key append a key's runs in turn,
    # which still holds every posting (a key's rows must never be sliced as one range).
    runs = np.flatnonzero(np.r_[True, rows[1:, 0] != rows[:-1, 0]])
    ends = np.append(runs[1:], len(rows)).tolist()
    fields, starts = _fields(rows[runs, 0]), runs.tolist()
    script = client.register_script(_APPEND)
    for first in range(0, len(fields), APPEND_FIELDS):
        args: list[bytes] = []
        for at in range(first, min(first + APPEND_FIELDS, len(fields))):
            args += [fields[at], data[starts[at] * width : ends[at] * width]]
        script(keys=hashes, args=args, client=pipe or client)


def _drop(client: redis.Redis, base: str, generation: bytes | str | int) -> None:
    """Delete a generation (UNLINK frees its hashes off Redis's main thread)."""
    client.unlink(*(_hash(base, generation, kind) for kind in KINDS))


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
