"""Fallback: a per-process circuit breaker that keeps reads off a replica found down."""

import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connections

from hitrec.replicas.rules import REPLICA

logger = logging.getLogger("hitrec.replicas")


class Breaker:
    """Per process: once the replica cannot be reached, reads skip it for `retry_seconds`;
    then one caller at a time tries it again, so requests never queue on a connect timeout."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down_until = 0.0  # time.monotonic(); 0: closed, the replica is in use
        self.error = ""

    @property
    def down(self) -> bool:
        return self._down_until != 0.0

    def allows(self) -> bool:
        if self._down_until == 0.0:
            return True
        with self._lock:
            now = time.monotonic()
            if self._down_until == 0.0:
                return True
            if now < self._down_until:
                return False
            # This caller tries; the others keep to the primary until it knows.
            self._down_until = now + _connect_timeout() + 1
            return True

    def trip(self, error: str, retry_seconds: float) -> None:
        with self._lock:
            self._down_until = time.monotonic() + retry_seconds
            self.error = error

    def reset(self) -> None:
        if self._down_until != 0.0:
            with self._lock:
                self._down_until = 0.0
                self.error = ""

    def seconds_left(self) -> float:
        return max(0.0, self._down_until - time.monotonic()) if self.down else 0.0


BREAKER = Breaker()


def _connect_timeout() -> float:
    options = connections.settings.get(REPLICA, {}).get("OPTIONS", {})
    return float(options.get("connect_timeout") or 2)


def replica_failed(error: BaseException | str) -> None:
    """The replica could not be reached: reads use the primary for a while."""
    retry = float(getattr(settings, "HITREC_REPLICA_RETRY_SECONDS", 15))
    message = error if isinstance(error, str) else f"{type(error).__name__}: {error}".strip()
    if not BREAKER.down:
        logger.warning("read replica unavailable, reading from the primary for %ss: %s",
                       retry, message)  # fmt: skip
    BREAKER.trip(message, retry)


def replica_connect() -> bool:
    """Whether this thread's replica connection is open (connecting it if needed)."""
    if not BREAKER.allows():
        return False
    connection = connections[REPLICA]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except DatabaseError as exc:
        replica_failed(exc)
        connection.close()
        return False
    BREAKER.reset()
    return True
