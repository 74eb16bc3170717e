"""Where this request's reads go: its state in a context variable, pins, Django's hooks."""

import logging
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import MiddlewareNotUsed
from django.db import DatabaseError, connections
from django.http import HttpRequest

from hitrec.replicas.breaker import replica_connect, replica_failed
from hitrec.replicas.rules import (
    DEFAULT,
    PIN_COOKIE,
    REPLICA,
    SAFE_METHODS,
    Route,
    cookie_pins,
    is_write,
    read_route,
)

logger = logging.getLogger("hitrec.replicas")


def replica_configured() -> bool:
    return REPLICA in connections.settings


def replica_reads_enabled() -> bool:
    """A replica is configured and in use (HITREC_REPLICA_READS; the test suite turns it off)."""
    return replica_configured() and getattr(settings, "HITREC_REPLICA_READS", True)


def pin_seconds() -> float:
    return float(getattr(settings, "HITREC_REPLICA_PIN_SECONDS", 5))


_UNKNOWN = object()


@dataclass
class _Reads:
    """What the router knows of the work being done in this context."""

    request: HttpRequest | None  # the request being served; None in a replica_reads() block
    may_use_replica: bool
    wrote: bool = False
    replica_ok: bool | None = None  # the replica was usable (or not) for this request
    cookie_pinned: bool | None = None
    pinned_for: object = _UNKNOWN  # the person the cache's pin was looked up for
    person_pinned: bool = False


_READS: ContextVar[_Reads | None] = ContextVar("hitrec_reads", default=None)
_PRIMARY_ONLY: ContextVar[bool] = ContextVar("hitrec_primary_only", default=False)
_MONEY_TOLERATED: ContextVar[bool] = ContextVar("hitrec_money_lag_tolerated", default=False)
_RESOLVING_READER: ContextVar[bool] = ContextVar("hitrec_resolving_reader", default=False)


def route_for(app_label: str) -> Route:
    """Where a read of this app's models goes now."""
    reads = _READS.get()
    if reads is None or not replica_reads_enabled():
        return Route(DEFAULT, "not a read-only web request")
    return read_route(
        enabled=True,
        may_use_replica=reads.may_use_replica and not _PRIMARY_ONLY.get(),
        in_transaction=connections[DEFAULT].in_atomic_block,
        wrote=reads.wrote,
        app_label=app_label,
        money_tolerated=_MONEY_TOLERATED.get(),
        pinned=lambda: _pinned(reads),
        replica_usable=lambda: _replica_usable(reads),
    )


def _notice_writes(execute, sql, params, many, context):
    """On the primary's connection, while a request is served: a statement that writes (the
    ORM's or raw SQL) sends the rest of the request's reads to the primary, and pins it."""
    reads = _READS.get()
    if reads is not None and not reads.wrote and is_write(sql):
        reads.wrote = True
    return execute(sql, params, many, context)


def _notice_replica_failure(execute, sql, params, many, context):
    """On the replica's connection: a query that fails for the connection's sake (the
    replica went away mid-request) opens the breaker, so the next requests skip it."""
    try:
        return execute(sql, params, many, context)
    except DatabaseError as exc:
        if not _connection_usable(connections[REPLICA]):
            replica_failed(exc)
            reads = _READS.get()
            if reads is not None:
                reads.replica_ok = False
        raise


def _connection_usable(connection) -> bool:
    try:
        return connection.connection is not None and connection.is_usable()
    except Exception:
        return False


@contextmanager
def _serving(reads: _Reads) -> Iterator[None]:
    token = _READS.set(reads)
    try:
        with (
            connections[DEFAULT].execute_wrapper(_notice_writes),
            connections[REPLICA].execute_wrapper(_notice_replica_failure),
        ):
            yield
    finally:
        _READS.reset(token)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Opt in: reads in this block outside transactions may use the replica (a task or a
    command that reads much and tolerates a second's lag). A write in it sends the rest of
    the block to the primary. Inside a web request it changes nothing."""
    if _READS.get() is not None or not replica_reads_enabled():
        yield
        return
    with _serving(_Reads(request=None, may_use_replica=True)):
        yield


@contextmanager
def primary_reads() -> Iterator[None]:
    """Every read in this block uses the primary (e.g. a response about to be cached)."""
    token = _PRIMARY_ONLY.set(True)
    try:
        yield
    finally:
        _PRIMARY_ONLY.reset(token)


@contextmanager
def money_lag_tolerated() -> Iterator[None]:
    """Money read in this block may come from the replica when every other rule allows it:
    for records kept rather than acted on (a statement's document), not balances."""
    token = _MONEY_TOLERATED.set(True)
    try:
        yield
    finally:
        _MONEY_TOLERATED.reset(token)


# -- Pinning ------------------------------------------------------------------------------


def _pin_key(person_id: object) -> str:
    # The database's name keeps apart deployments (and parallel test runs) sharing a cache.
    return f"replica-pin:{connections[DEFAULT].settings_dict['NAME']}:{person_id}"


def _reader(request) -> tuple[bool, object | None]:
    """(known, person id or None for anonymous); not known while the request's user is
    being worked out (its own reads come through here)."""
    if _RESOLVING_READER.get():
        return False, None
    token = _RESOLVING_READER.set(True)
    try:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return True, None
        return True, user.pk
    finally:
        _RESOLVING_READER.reset(token)


def _person_pinned(person_id: object) -> bool:
    try:
        until = caches["default"].get(_pin_key(person_id))
    except Exception:  # a cache that is down: the primary, which is never behind
        logger.warning("could not read the replica pin; reading from the primary", exc_info=True)
        return True
    return until is not None and float(until) > time.time()


def _pinned(reads: _Reads) -> bool:
    request = reads.request
    if request is None:
        return False  # an opt-in block has no reader to pin
    if reads.cookie_pinned is None:
        cookie = request.COOKIES.get(PIN_COOKIE)
        reads.cookie_pinned = cookie_pins(cookie, now=time.time(), pin_seconds=pin_seconds())
    if reads.cookie_pinned:
        return True
    known, person_id = _reader(request)
    if not known:
        return True
    if person_id is None:
        return False
    # DRF sets the person on the request only once it authenticates, inside the view: a
    # read before that was anonymous, and the person's own pin is looked up when they show.
    if reads.pinned_for != person_id:
        reads.pinned_for = person_id
        reads.person_pinned = _person_pinned(person_id)
    return reads.person_pinned


def pin(request, response) -> None:
    """The request wrote: its person (and, for a write, its browser) reads from the primary
    for the next HITREC_REPLICA_PIN_SECONDS, so they see their own work at once."""
    seconds = pin_seconds()
    if seconds <= 0:
        return
    until = time.time() + seconds
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        try:
            caches["default"].set(_pin_key(user.pk), until, math.ceil(seconds))
        except Exception:  # the cookie below still pins a browser
            logger.warning("could not pin %s to the primary", user.pk, exc_info=True)
    # Only on writes' answers: a cookie on a GET's answer could be kept by a shared cache.
    if request.method not in SAFE_METHODS:
        response.set_cookie(
            PIN_COOKIE,
            f"{until:.3f}",
            max_age=math.ceil(seconds),
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )


def _replica_usable(reads: _Reads) -> bool:
    if reads.replica_ok is None:
        reads.replica_ok = replica_connect()
    return reads.replica_ok


# -- Django's hooks -----------------------------------------------------------------------


class ReplicaRouter:
    """DATABASE_ROUTERS' router when a replica is configured: reads by `route_for`, writes
    and migrations on the primary."""

    def db_for_read(self, model, **hints):
        return route_for(model._meta.app_label).alias

    def db_for_write(self, model, **hints):
        # A write is noticed where its SQL runs (`_notice_writes`), not here: asking where a
        # write would go is also how a read that must see the primary finds it.
        return DEFAULT

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: a row read from either may refer to the other.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A standby is read-only; it gets its tables from the primary's WAL.
        return False if db == REPLICA else None


class ReplicaReadsMiddleware:
    """Marks the reads of a safe-method request as allowed on the replica, notices writes,
    and pins whoever wrote to the primary for a few seconds. Absent without a replica."""

    def __init__(self, get_response):
        if not replica_configured():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        if not replica_reads_enabled():
            return self.get_response(request)
        reads = _Reads(request=request, may_use_replica=request.method in SAFE_METHODS)
        with _serving(reads):
            response = self.get_response(request)
        # A streamed body is read after this returns: its reads use the primary.
        if reads.wrote:
            pin(request, response)
        return response
