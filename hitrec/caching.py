"""Conditional requests (ETag, Last-Modified) and a shared cache for the public API reads.

Each cached read belongs to a *scope* ("contributions"). A scope has a generation in the
`default` cache (Redis when REDIS_URL is set): a number that only grows, close to the
nanosecond time of the last change. Services call `public_reads_changed(scope)` when they
change something the scope's responses show; it bumps the generation once the transaction
commits. A response is stored under a key made of the scope, its generation, the full URL
(scheme, host, query), the viewer and the media type, so a bump makes every stored response
of the scope unreachable at once, with nothing to find or delete.

Why this is never stale: a read takes the generation *before* it reads the database, and a
bump happens *after* the change committed. A response built from data older than a change
was therefore stored under a generation the change's bump has replaced, and is never served
again. Last-Modified is the generation's second; it is sent only when that second had ended
before the generation was read, so a later change can never fall in the same second (see
`_last_modified`). Writes that bypass the services (the admin, a shell) are not seen: the
generation expires after GENERATION_SECONDS, which bounds how long they can go unnoticed.
The proof needs the read to see every commit made before it started, which a read replica
does not promise: a response about to be stored is therefore read from the primary
(`hitrec.replicas.primary_reads`); only the reads that are not stored may use the replica.

Without a shared cache (the embedded default's per-process locmem), run one web process.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from functools import wraps

from django.core.cache import caches
from django.db import transaction
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from hitrec.replicas import primary_reads

logger = logging.getLogger(__name__)

CONTRIBUTIONS = "contributions"
# Bounds how long a write that skipped the services (admin, shell) can go unseen.
GENERATION_SECONDS = 600
RESPONSE_SECONDS = GENERATION_SECONDS
# Raise when the stored representation changes shape, so a deploy never serves old bytes.
FORMAT_VERSION = 1
# The response depends on these request headers (the viewer, the format, the language).
VARY = ("Accept", "Accept-Language", "Authorization", "Cookie")


def _cache():
    return caches["default"]


def _generation_key(scope: str) -> str:
    return f"reads:{scope}:generation"


def generation(scope: str) -> int | None:
    """The scope's current generation, started at the current time if it has none yet.

    None when the cache keeps nothing (a DummyCache): then nothing can be served from it.
    """
    cache, key = _cache(), _generation_key(scope)
    value = cache.get(key)
    if value is None:
        cache.add(key, time.time_ns(), GENERATION_SECONDS)
        value = cache.get(key)
    return None if value is None else int(value)


def generation_bump(scope: str) -> None:
    """Move the scope's generation forward, to about now and always past its last value.

    `incr` is atomic (Redis INCR keeps the expiry too), so concurrent bumps never lose one
    another and the generation never goes back.
    """
    cache, key = _cache(), _generation_key(scope)
    for _ in range(3):
        current = cache.get(key)
        if current is None:
            if cache.add(key, time.time_ns(), GENERATION_SECONDS):
                return
            continue
        try:
            cache.incr(key, max(1, time.time_ns() - int(current)))
            return
        except ValueError:  # expired between the get and the incr: start it again
            continue
    raise RuntimeError(f"could not move the {scope} reads' generation forward")


def _bump_quietly(scope: str) -> None:
    try:
        generation_bump(scope)
    except Exception:  # a cache that is down must not fail a change; the expiry bounds it
        logger.exception("could not invalidate the cached %s reads", scope)


def public_reads_changed(scope: str = CONTRIBUTIONS) -> None:
    """Services call this when they change what a scope's public reads show.

    The bump that counts waits for the commit: a reader that took the generation before it
    cannot have read the new data yet, so what it stores is made unreachable by the bump. A
    first bump right away, inside a transaction, serves transactions that never commit (a
    test suite that rolls every test back); whatever a reader stores between the two bumps
    is made unreachable by the second.
    """
    if transaction.get_connection().in_atomic_block:
        _bump_quietly(scope)
    transaction.on_commit(lambda: _bump_quietly(scope))


def _last_modified(generation_ns: int, read_at: float) -> int | None:
    """The generation's second, if that second had ended before the generation was read.

    A response labelled with second S was then built after S ended, so any later change
    (whose bump reads the clock after its commit) gets a generation of S + 1 or more, and
    If-Modified-Since: S can no longer match.
    """
    second = generation_ns // 1_000_000_000
    return second if read_at >= second + 1 else None


def _viewer(request) -> str:
    user = getattr(request, "user", None)
    return f"user:{user.pk}" if user is not None and user.is_authenticated else "anonymous"


def _headers(response: HttpResponse, *, etag: str, last_modified: int | None, viewer: str):
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    # Revalidate every time (the ETag makes that cheap); per-person responses stay private.
    response["Cache-Control"] = "no-cache, " + ("public" if viewer == "anonymous" else "private")
    patch_vary_headers(response, VARY)
    return response


def cached_read(scope: str, *, uncached_params: tuple[str, ...] = ()) -> Callable:
    """Serve an APIView's GET from the shared cache, with ETag and Last-Modified.

    Only successful JSON responses are stored (the browsable API embeds the viewer's name
    and a CSRF token); everything else goes through the view as usual, and so do requests
    with any of `uncached_params` (filters on state the scope's generation does not follow).
    """

    def decorate(method: Callable) -> Callable:
        @wraps(method)
        def get(view, request, *args, **kwargs):
            renderer = getattr(request, "accepted_renderer", None)
            bypass = any(name in request.query_params for name in uncached_params)
            if bypass or not isinstance(renderer, JSONRenderer):
                return method(view, request, *args, **kwargs)
            viewer = _viewer(request)
            read_at = time.time()
            try:
                current = generation(scope)
            except Exception:  # the cache is down: answer from the database
                logger.warning("reads cache unavailable; serving %s uncached", scope, exc_info=True)
                return method(view, request, *args, **kwargs)
            if current is None:
                return method(view, request, *args, **kwargs)
            # The language too: a response's words (labels, reasons) are in the reader's.
            identity = "|".join(
                [str(FORMAT_VERSION), scope, str(current), viewer, request.accepted_media_type,
                 translation.get_language() or "", request.build_absolute_uri()]
            )  # fmt: skip
            digest = hashlib.sha256(identity.encode()).hexdigest()[:40]
            etag = f'W/"{digest}"'
            last_modified = _last_modified(current, read_at)
            not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
            if not_modified is not None:
                return _headers(not_modified, etag=etag, last_modified=last_modified, viewer=viewer)
            key = f"reads:{scope}:{digest}"
            body = _cache().get(key)
            if body is None:
                # Stored for everyone until the next change: never built from a lagging replica.
                with primary_reads():
                    response = method(view, request, *args, **kwargs)
                if not isinstance(response, Response) or response.status_code != 200:
                    return response
                body = renderer.render(
                    response.data,
                    request.accepted_media_type,
                    {"request": request, "response": response, "view": view},
                )
                _cache().set(key, body, RESPONSE_SECONDS)
            response = HttpResponse(body, content_type=renderer.media_type)
            return _headers(response, etag=etag, last_modified=last_modified, viewer=viewer)

        return get

    return decorate
