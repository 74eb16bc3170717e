"""Reachability checks for the services hitrec depends on: database, broker, storage, and
the read replica when there is one (which may lag or fail without taking the site down)."""

import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection

from hitrec import replicas


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool  # the service answered
    backend: str
    detail: str
    ms: float
    # Without a required service the site is down (503); without another, degraded (200).
    required: bool = True
    # Answered, but is not fit to use (a replica paused, far behind, or not a standby).
    behind: bool = False
    facts: dict[str, Any] = field(default_factory=dict)  # more fields of this check's report

    @property
    def status(self) -> str:
        if self.ok and not self.behind:
            return "ok"
        return "down" if self.required else "degraded"


def _timed(name: str, backend: str, probe) -> Check:
    started = time.perf_counter()
    try:
        detail = probe()
        ok = True
    except Exception as exc:  # a health check reports failures, it does not raise them
        detail = f"{type(exc).__name__}: {exc}"
        ok = False
    return Check(name, ok, backend, detail, round((time.perf_counter() - started) * 1000, 2))


def check_database() -> Check:
    def probe() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "reachable"

    return _timed("database", connection.vendor, probe)


def check_broker() -> Check:
    if not settings.REDIS_URL:
        return Check("broker", True, "in-process", "tasks run in the web process", 0.0)

    def probe() -> str:
        import redis

        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
        )
        try:
            client.ping()
        finally:
            client.close()
        return "reachable"

    return _timed("broker", "redis", probe)


def check_storage() -> Check:
    def probe() -> str:
        # exists() makes a real round trip (a stat, or a HEAD on S3) without writing anything.
        default_storage.exists("health/probe")
        return "reachable"

    return _timed("storage", default_storage.__class__.__name__, probe)


def check_replica() -> Check | None:
    """The read replica, if one is in use: reachable, replaying, and how far behind.

    Never required: while it is down the router reads from the primary, so the site works.
    A successful probe also lets the router use it again at once, and a failed one keeps
    the router off it (hitrec/replicas/breaker.py).
    """
    if not replicas.replica_reads_enabled():
        return None
    started = time.perf_counter()
    try:
        state = replicas.replica_state()
    except Exception as exc:  # a health check reports failures, it does not raise them
        return Check(
            "replica",
            False,
            "postgresql",
            f"{type(exc).__name__}: {exc}".strip() + "; reads go to the primary",
            round((time.perf_counter() - started) * 1000, 2),
            required=False,
        )
    max_lag = settings.HITREC_REPLICA_MAX_LAG_SECONDS
    lagging = state.lag_seconds is not None and state.lag_seconds > max_lag
    if not state.in_recovery:
        detail = "not a standby (pg_is_in_recovery() is false): it does not follow the primary"
    else:
        detail = "replay paused" if state.replay_paused else "streaming"
        if state.lag_bytes is not None:
            detail += f"; {state.lag_bytes} bytes of WAL behind the primary"
        if state.lag_seconds is not None:
            detail += f"; {state.lag_seconds} s behind"
            if lagging:
                detail += f" (more than {max_lag} s)"
    return Check(
        "replica",
        True,
        "postgresql",
        detail,
        round((time.perf_counter() - started) * 1000, 2),
        required=False,
        behind=not state.in_recovery or state.replay_paused or lagging,
        facts={
            "in_recovery": state.in_recovery,
            "replay_paused": state.replay_paused,
            "lag_bytes": state.lag_bytes,
            "lag_seconds": state.lag_seconds,
        },
    )


def system_health() -> list[Check]:
    checks = [check_database(), check_broker(), check_storage()]
    replica = check_replica()
    return checks if replica is None else [*checks, replica]
