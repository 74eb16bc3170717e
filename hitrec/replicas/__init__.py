"""Read replicas: which database a read goes to, who is pinned to the primary, and fallback.

With DATABASE_REPLICA_URL set, the settings add a `replica` database alias and this router
(docs/operations.md, "PostgreSQL and read replicas"; the reasons: docs/decisions.md). A read
goes to the replica only when every rule of `read_route` lets it:

- it is made while serving a web request with a safe method (GET, HEAD, OPTIONS), which
  `ReplicaReadsMiddleware` marks, or inside an explicit `replica_reads()` block; Celery
  tasks, management commands, migrations and the test suite read from the primary;
- no transaction is open on the primary, and the request has written nothing yet;
- its model is neither identity (tokens, sessions, accounts) nor money (royalties,
  proposals), except money inside `money_lag_tolerated()` (a statement's document);
- the reader has not written in the last HITREC_REPLICA_PIN_SECONDS: a key per person in
  the cache, looked up lazily because an API client is known only once DRF authenticates it
  inside the view, and a cookie for a browser that wrote, signed in or not;
- the replica answers: a connection that fails opens a per-process circuit breaker, and
  reads go to the primary for HITREC_REPLICA_RETRY_SECONDS before one request tries again.

The package: `rules` (the pure decisions), `routing` (a request's state, pins, the router
and the middleware), `breaker` (fallback), `lag` (for /api/health/).
"""

from hitrec.replicas.breaker import BREAKER, Breaker, replica_connect, replica_failed
from hitrec.replicas.lag import ReplicaState, replica_state
from hitrec.replicas.routing import (
    ReplicaReadsMiddleware,
    ReplicaRouter,
    money_lag_tolerated,
    pin,
    pin_seconds,
    primary_reads,
    replica_configured,
    replica_reads,
    replica_reads_enabled,
    route_for,
)
from hitrec.replicas.rules import (
    DEFAULT,
    IDENTITY_APPS,
    MONEY_APPS,
    PIN_COOKIE,
    REPLICA,
    SAFE_METHODS,
    Route,
    cookie_pins,
    is_write,
    lsn,
    read_route,
)

__all__ = [
    "BREAKER", "DEFAULT", "IDENTITY_APPS", "MONEY_APPS", "PIN_COOKIE", "REPLICA",
    "SAFE_METHODS", "Breaker", "ReplicaReadsMiddleware", "ReplicaRouter", "ReplicaState",
    "Route", "cookie_pins", "is_write", "lsn", "money_lag_tolerated",
    "pin", "pin_seconds", "primary_reads", "read_route", "replica_configured",
    "replica_connect", "replica_failed", "replica_reads", "replica_reads_enabled",
    "replica_state", "route_for",
]  # fmt: skip
