"""Reachability checks for the services hitrec depends on: database, broker, storage."""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    backend: str
    detail: str
    ms: float


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


def system_health() -> list[Check]:
    return [check_database(), check_broker(), check_storage()]
