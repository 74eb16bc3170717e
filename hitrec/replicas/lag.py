"""How far the replica is behind the primary, for the health check."""

from dataclasses import dataclass

from django.db import DatabaseError, connections

from hitrec.replicas.breaker import BREAKER, replica_failed
from hitrec.replicas.rules import DEFAULT, REPLICA, lsn


@dataclass(frozen=True)
class ReplicaState:
    in_recovery: bool  # a standby replaying a primary's WAL
    replay_paused: bool
    lag_bytes: int | None  # WAL the primary has written that the replica has not replayed
    lag_seconds: float | None  # 0 when caught up; else since the last commit it replayed


_REPLICA_STATE_SQL = """
    SELECT pg_is_in_recovery(),
           CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END,
           pg_last_wal_replay_lsn()::text,
           EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8
"""


def replica_state() -> ReplicaState:
    """Asks the replica (and the primary, for its WAL position) how far behind it is.

    The primary is asked first, so a replica that replays in between only looks closer.
    Raises the replica's connection error; the breaker then keeps reads off it.
    """
    primary_lsn = None
    if connections[DEFAULT].vendor == "postgresql":
        with connections[DEFAULT].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            primary_lsn = lsn(cursor.fetchone()[0])
    replica = connections[REPLICA]
    try:
        with replica.cursor() as cursor:
            cursor.execute(_REPLICA_STATE_SQL)
            in_recovery, paused, replay_lsn, replay_age = cursor.fetchone()
    except DatabaseError as exc:
        replica.close()
        replica_failed(exc)
        raise
    BREAKER.reset()
    replayed = lsn(replay_lsn)
    lag_bytes = (
        max(0, primary_lsn - replayed) if primary_lsn is not None and replayed is not None else None
    )
    if lag_bytes == 0:
        lag_seconds: float | None = 0.0
    else:
        lag_seconds = None if replay_age is None else round(max(0.0, replay_age), 3)
    return ReplicaState(bool(in_recovery), bool(paused), lag_bytes, lag_seconds)
