"""The read replica's rules as pure decisions: where a read goes, what counts as a write,
whether a pin cookie still holds, and WAL positions. No database, no request."""

from collections.abc import Callable
from dataclasses import dataclass

DEFAULT = "default"
REPLICA = "replica"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Set on a browser whose request wrote: its next reads, signed in or not, use the primary.
PIN_COOKIE = "hitrec_primary"
# Who a request acts for is read here: a token made or revoked a moment ago must count at
# once, and a person who just signed up must exist when their session is read.
IDENTITY_APPS = frozenset(
    {"accounts", "auth", "authtoken", "sessions", "otp_totp", "otp_static", "admin", "contenttypes"}
)
# Money a person acts on: balances, the ledger, statements, payouts, what a proposal pays.
MONEY_APPS = frozenset({"royalties", "proposals"})
# The first word of a statement that changes the database (or may: COPY, LOCK).
_WRITES = frozenset(
    {"INSERT", "UPDATE", "DELETE", "MERGE", "CREATE", "ALTER", "DROP", "TRUNCATE", "COPY",
     "LOCK", "GRANT", "REVOKE", "CALL", "DO", "COMMENT", "REINDEX", "CLUSTER", "VACUUM"}
)  # fmt: skip


@dataclass(frozen=True)
class Route:
    """Where a read goes, and the rule that decided it."""

    alias: str
    reason: str


def read_route(
    *,
    enabled: bool,
    may_use_replica: bool,
    in_transaction: bool,
    wrote: bool,
    app_label: str,
    money_tolerated: bool,
    pinned: Callable[[], bool],
    replica_usable: Callable[[], bool],
) -> Route:
    """The rules, in order; the last two are callables because they cost a cache lookup and
    a connection, paid only when every cheaper rule has let the read through."""
    if not enabled:
        return Route(DEFAULT, "no replica in use")
    if not may_use_replica:
        return Route(DEFAULT, "not a read-only web request")
    if in_transaction:
        return Route(DEFAULT, "inside a transaction")
    if wrote:
        return Route(DEFAULT, "this request wrote")
    if app_label in IDENTITY_APPS:
        return Route(DEFAULT, "identity")
    if app_label in MONEY_APPS and not money_tolerated:
        return Route(DEFAULT, "money")
    if pinned():
        return Route(DEFAULT, "the reader wrote a moment ago")
    if not replica_usable():
        return Route(DEFAULT, "the replica is down")
    return Route(REPLICA, "replica")


def is_write(sql: object) -> bool:
    """Whether a statement changes the database, judged by its first word."""
    if not isinstance(sql, str):
        return True  # a composed statement we cannot read: count it, to be safe
    words = sql.lstrip(" \t\r\n(").split(None, 1)
    return bool(words) and words[0].upper() in _WRITES


def cookie_pins(value: str | None, *, now: float, pin_seconds: float) -> bool:
    """Whether a pin cookie (the time it runs out, in epoch seconds) still pins its browser.

    A cookie claiming more than the pin's length is ignored, so a client cannot keep itself
    on the primary for longer than a pin lasts by writing its own.
    """
    if not value:
        return False
    try:
        until = float(value)
    except ValueError:
        return False
    return now < until <= now + pin_seconds + 1


def lsn(text: str | None) -> int | None:
    """A PostgreSQL WAL position ("16/B374D848") as a number of bytes."""
    if not text:
        return None
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)
