"""Abuse limits: request rates per scope, and password guessing slowed per account and address.

Rates come from `settings.HITREC_THROTTLE_RATES` at request time (tests lower them); the
counters live in the `throttle` cache, Redis in production, so every web process shares them.
A refusal is a 429 with a sentence saying what was limited and a `Retry-After` header.

When the counters cannot be read (Redis down), the limits on what people make (uploads,
comments) let the request through with a warning logged: the work is stored and its job is
re-queued by the sweeper once the broker is back, and an outage must not take uploads down.
The limits that guard accounts (sign-in, sign-up, tokens, password guessing) do not: those
requests answer 503 with `Retry-After` before anything is read or written, because letting
them through would open password guessing for as long as Redis is away (docs/security.md).
"""

import hashlib
import logging
import math
import re
import time
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from redis.exceptions import RedisError
from rest_framework import status
from rest_framework.exceptions import APIException, Throttled
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from hitrec.clients import client_address

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

THROTTLE_CACHE = "throttle"
# What a cache that cannot be reached raises: Redis's errors, and the socket's own.
COUNTERS_DOWN = (RedisError, OSError)
# How long a refused request is told to wait while the counters are away.
COUNTERS_DOWN_RETRY_SECONDS = 30


class CountersUnavailable(APIException):
    """The counters that guard accounts cannot be read: 503, come back shortly."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "counters_unavailable"
    default_detail = gettext_lazy(
        "Signing in and signing up are paused for a moment: hitrec cannot check for password "
        "guessing right now. Nothing was changed."
    )

    def __init__(self):
        # Translators: %(message)s says why; %(wait)s is e.g. “30 seconds”.
        super().__init__(
            _("%(message)s Try again in %(wait)s.")
            % {"message": self.default_detail, "wait": _in_words(COUNTERS_DOWN_RETRY_SECONDS)}
        )
        self.wait = COUNTERS_DOWN_RETRY_SECONDS  # DRF's handler turns it into Retry-After


_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$")


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """ "5/15m" -> (5, 900): how many requests in how many seconds; None means unlimited."""
    if rate is None:
        return None
    match = _RATE.match(rate.lower())
    if match is None or match.group(3) not in _UNITS:
        raise ValueError(f"Throttle rate {rate!r} is not of the form N/period, e.g. 5/15m.")
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * _UNITS[unit]


def rate_for(scope: str) -> tuple[int, int] | None:
    return parse_rate(settings.HITREC_THROTTLE_RATES.get(scope))


def _in_words(seconds: float) -> str:
    seconds = max(1, math.ceil(seconds))
    if seconds < 120:
        return ngettext("%(count)s second", "%(count)s seconds", seconds) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}


def too_many(message: "StrOrPromise", wait: float) -> Throttled:
    """A 429 whose detail says what was limited and when to come back, with `Retry-After`."""
    # Translators: %(message)s says what was limited; %(wait)s is e.g. “30 seconds”.
    detail = _("%(message)s Try again in %(wait)s.") % {"message": message, "wait": _in_words(wait)}
    exc = Throttled(detail=detail)
    exc.wait = max(1, math.ceil(wait))  # DRF's handler turns it into Retry-After
    return exc


class ScopedThrottle(SimpleRateThrottle):
    """A scope's rate read at request time, counted in the throttle cache; a refusal says why.

    Subclasses name the scope, who is counted (`ident`) and what was limited (`message`);
    only requests that change something are counted unless `safe_methods_too` is set.
    """

    message = gettext_lazy("Too many requests.")
    safe_methods_too = False
    # Whether a request goes through (True) or is refused with a 503 (False) while the
    # counters cannot be read.
    fail_open = False

    def __init__(self):
        # SimpleRateThrottle reads its rates once at import; ours are read per request.
        self.rate = settings.HITREC_THROTTLE_RATES.get(self.scope)
        parsed = parse_rate(self.rate)
        self.num_requests, self.duration = parsed if parsed else (None, None)

    @property
    def cache(self):
        return caches[THROTTLE_CACHE]

    def ident(self, request) -> str | None:
        raise NotImplementedError

    def get_cache_key(self, request, view):
        if not self.safe_methods_too and request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        ident = self.ident(request)
        if ident is None:
            return None
        return f"rate:{self.scope}:{ident}"

    def allow_request(self, request, view):
        try:
            allowed = super().allow_request(request, view)
        except COUNTERS_DOWN:
            if not self.fail_open:
                logger.error("throttle counters unavailable: %s refused with 503", self.scope)
                raise CountersUnavailable() from None
            logger.warning("throttle counters unavailable: %s not limited", self.scope)
            return True
        if allowed:
            return True
        raise too_many(self.message, self.wait() or self.duration)


class AuthRateThrottle(ScopedThrottle):
    """Sign-ups, sign-ins and token requests from one address."""

    scope = "auth"
    message = gettext_lazy("Too many sign-up or sign-in attempts from your address.")

    def ident(self, request) -> str | None:
        return client_address(request)


class UploadRateThrottle(ScopedThrottle):
    """New contributions and replaced files, per person."""

    scope = "uploads"
    message = gettext_lazy("You have uploaded too many files in a short time.")
    fail_open = True

    def ident(self, request) -> str | None:
        return str(request.user.pk) if request.user.is_authenticated else None


class CommentRateThrottle(ScopedThrottle):
    """New comments, per person."""

    scope = "comments"
    message = gettext_lazy("You are commenting too fast.")
    fail_open = True

    def ident(self, request) -> str | None:
        return str(request.user.pk) if request.user.is_authenticated else None


class ClaimRateThrottle(ScopedThrottle):
    """Claims of credit, per person: each one tells a remixer someone says their work uses
    theirs, so a flood of them is a flood of accusations."""

    scope = "claims"
    message = gettext_lazy("You have asked for credit too many times in a short time.")
    fail_open = True  # a claim waits in the database; Redis away must not stop it

    def ident(self, request) -> str | None:
        return str(request.user.pk) if request.user.is_authenticated else None


class ExportRateThrottle(ScopedThrottle):
    """Whole-lineage exports, per person or, signed out, per address: one of a popular work
    streams hundreds of thousands of lines and keeps a web process busy for seconds."""

    scope = "exports"
    message = gettext_lazy("You have asked for too many exports in a short time.")
    safe_methods_too = True
    fail_open = True  # a read that changes nothing; Redis away must not take it down

    def ident(self, request) -> str | None:
        if request.user.is_authenticated:
            return f"user:{request.user.pk}"
        return f"address:{client_address(request)}"


# --- password guessing -----------------------------------------------------------------------
# Failed sign-ins are counted per (account name, address): after N failures within the period
# that account cannot be tried from that address until the oldest failure ages out. The
# account itself is never locked, so nobody can lock someone else out from elsewhere.


def _failures_key(username: str, address: str) -> str:
    # Hashed: account names are user input and cache keys have a restricted alphabet.
    digest = hashlib.sha256(f"{username.strip().lower()}\0{address}".encode()).hexdigest()
    return f"login-failures:{digest}"


def login_wait(*, username: str, address: str) -> float | None:
    """Seconds until this account may be tried again from this address, or None if it may now."""
    limit = rate_for("login_failures")
    if limit is None or not username:
        return None
    count, period = limit
    now = time.time()
    try:
        recorded = caches[THROTTLE_CACHE].get(_failures_key(username, address), [])
    except COUNTERS_DOWN:
        logger.error("throttle counters unavailable: sign-in refused with 503")
        raise CountersUnavailable() from None
    failures = [t for t in recorded if t > now - period]
    if len(failures) < count:
        return None
    return failures[-count] + period - now


def login_failure_record(*, username: str, address: str) -> None:
    limit = rate_for("login_failures")
    if limit is None or not username:
        return
    count, period = limit
    cache, key, now = caches[THROTTLE_CACHE], _failures_key(username, address), time.time()
    try:
        failures = [t for t in cache.get(key, []) if t > now - period][-count:]
        cache.set(key, [*failures, now], period)
    except COUNTERS_DOWN:
        # The check before this sign-in read the counters; they went away since. The
        # failure is told to the person all the same; only its count is lost.
        logger.warning("throttle counters unavailable: a failed sign-in was not counted")


def login_failures_clear(*, username: str, address: str) -> None:
    try:
        caches[THROTTLE_CACHE].delete(_failures_key(username, address))
    except COUNTERS_DOWN:
        logger.warning("throttle counters unavailable: earlier failed sign-ins not cleared")


LOGIN_BLOCKED_MESSAGE = gettext_lazy("Too many failed sign-ins for this account from your address.")


class LoginFailureThrottle(BaseThrottle):
    """Refuses a token request for an account that failed too often from this address.

    The API's exception handler (hitrec.api) reports each refused attempt here through
    `attempt_failed`, so only failures count: a person who signs in well is never slowed.
    """

    def _who(self, request) -> tuple[str, str]:
        username = request.data.get("username") if hasattr(request.data, "get") else None
        return (username if isinstance(username, str) else ""), client_address(request)

    def allow_request(self, request, view):
        username, address = self._who(request)
        wait = login_wait(username=username, address=address)
        if wait is None:
            return True
        raise too_many(LOGIN_BLOCKED_MESSAGE, wait)

    def attempt_failed(self, request) -> None:
        username, address = self._who(request)
        login_failure_record(username=username, address=address)
