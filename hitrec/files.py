"""Serving stored files: safe types, byte ranges, validators, and offload to nginx or object storage."""

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import quote

from botocore.exceptions import ClientError
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header, http_date, parse_http_date_safe
from django.utils.translation import gettext as _
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

# Types a stored file may be served as: passive formats a browser shows but never runs.
# Anything else (HTML, SVG, XML, JavaScript, PDF, ...) goes out as application/octet-stream.
SAFE_FILE_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/gif",
        "audio/mpeg",
        "audio/ogg",
        "audio/wav",
        "audio/flac",
        "audio/mp4",
        "video/mp4",
        "video/webm",
        "application/json",
        "application/zip",
        "application/octet-stream",
    }
)
FILE_POLICY = "default-src 'none'; sandbox"
CHUNK = 64 * 1024
# A rendition URL carries its version (`?v=`), so what it names never changes: cache for good.
IMMUTABLE = "public, max-age=31536000, immutable"
# A stable URL whose file may be replaced (a cover, a work's download): keep, but revalidate.
PUBLIC = "public, no-cache"
PRIVATE = "private, no-cache"
# A presigned redirect embeds a credential that expires: nobody may keep it.
NO_STORE = "private, no-store"
DELIVERY_MODES = ("django", "x-accel", "redirect")

_R = TypeVar("_R", bound=HttpResponseBase)
_RANGE = re.compile(r"^\s*bytes\s*=\s*([0-9]*)\s*-\s*([0-9]*)\s*$", re.IGNORECASE | re.ASCII)


def safe_content_type(content_type: str | None) -> str:
    """The type to serve a stored file as: text as plain UTF-8 text, the allowlist as is,
    everything else as opaque bytes, so that no upload is ever read as a page or a script."""
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime == "text/plain":
        return "text/plain; charset=utf-8"
    return mime if mime in SAFE_FILE_TYPES else "application/octet-stream"


@dataclass(frozen=True)
class StoredFile:
    """What the storage says about one file: enough for validators and ranges."""

    name: str
    size: int
    modified: int  # seconds since the epoch, as Last-Modified has them
    etag: str  # strong, quoted


class Unsatisfiable(Exception):
    """The Range asks for bytes the file does not have (416)."""


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The first and last byte a `Range` header asks for, or None to send the whole file.

    One range only: several ranges or a malformed header are ignored, which RFC 9110
    (14.2) allows, so no multipart/byteranges body is ever built. Raises Unsatisfiable
    when the one range starts past the end (or is an empty suffix).
    """
    if not header or "," in header:
        return None
    match = _RANGE.match(header)
    if match is None:
        return None
    first, last = match.groups()
    if first:
        start = int(first)
        end = int(last) if last else size - 1
        if last and end < start:
            return None  # malformed: ignored, not refused
        if start >= size:
            raise Unsatisfiable
        return start, min(end, size - 1)
    if not last:
        return None  # "bytes=-"
    suffix = int(last)
    if suffix == 0 or size == 0:
        raise Unsatisfiable
    return max(0, size - suffix), size - 1


def _if_range_matches(request, stored: StoredFile) -> bool:
    """Whether the range may be applied: no If-Range, or one naming this very file."""
    value = request.headers.get("If-Range", "").strip()
    if not value:
        return True
    if value.startswith(('"', "W/")):
        return value == stored.etag  # strong comparison: a weak tag never matches
    return parse_http_date_safe(value) == stored.modified


def _s3_key(storage: S3Storage, name: str) -> str:
    return storage._normalize_name(clean_name(name))


def _s3_client(storage: S3Storage):
    return storage.connection.meta.client


def _stat(storage, name: str) -> StoredFile:
    """Size, time and a strong ETag of the stored file; 404 if the storage has no such file."""
    if isinstance(storage, S3Storage):
        try:
            head = _s3_client(storage).head_object(
                Bucket=storage.bucket_name, Key=_s3_key(storage, name)
            )
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                raise Http404(_("No such file.")) from exc
            raise
        # The object store's own tag, so that it and we agree on the validators.
        return StoredFile(
            name, head["ContentLength"], int(head["LastModified"].timestamp()), head["ETag"]
        )
    try:
        if isinstance(storage, FileSystemStorage):
            info = os.stat(storage.path(name))
            size, modified_ns = info.st_size, info.st_mtime_ns
        else:
            size = storage.size(name)
            modified_ns = int(storage.get_modified_time(name).timestamp() * 1e9)
    except FileNotFoundError as exc:
        raise Http404(_("No such file.")) from exc
    # Size and time to the nanosecond say when the file changed; the name tells apart two
    # files one URL may serve (an author's original, others' clean copy), even when they
    # are the same size and were written in the same second.
    which = hashlib.blake2s(name.encode(), digest_size=4).hexdigest()
    etag = f'"{modified_ns:x}-{size:x}-{which}"'
    return StoredFile(name, size, modified_ns // 1_000_000_000, etag)


def _chunks(storage, name: str, start: int, length: int) -> Iterator[bytes]:
    """The bytes [start, start + length) of the file, a chunk at a time.

    On S3 one GetObject with a Range header: django-storages' S3File would download the
    whole object on its first read. Elsewhere the storage's file, sought to the start.
    """
    if length <= 0:
        return
    if isinstance(storage, S3Storage):
        body = _s3_client(storage).get_object(
            Bucket=storage.bucket_name,
            Key=_s3_key(storage, name),
            Range=f"bytes={start}-{start + length - 1}",
        )["Body"]
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()
        return
    with storage.open(name, "rb") as handle:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk


def _redirect(storage, name: str, headers: dict[str, str]) -> HttpResponse:
    """A short-lived presigned GetObject URL that makes the store send our type and disposition.

    The object store cannot be told to send `Content-Security-Policy` (GetObject has no such
    override); the bytes come from the store's origin, never the site's, so they cannot
    run with the site's cookies or pages anyway.
    """
    if not isinstance(storage, S3Storage):
        raise ImproperlyConfigured("HITREC_FILE_DELIVERY=redirect needs S3 storage.")
    url = _s3_client(storage).generate_presigned_url(
        "get_object",
        Params={
            "Bucket": storage.bucket_name,
            "Key": _s3_key(storage, name),
            "ResponseContentType": headers["Content-Type"],
            "ResponseContentDisposition": headers["Content-Disposition"],
            "ResponseCacheControl": headers["Cache-Control"],
        },
        ExpiresIn=settings.HITREC_PRESIGNED_SECONDS,
    )
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = NO_STORE
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_POLICY
    return response


def _with_headers(response: _R, headers: dict[str, str]) -> _R:
    for key, value in headers.items():
        response[key] = value
    return response


def stored_file_response(
    request,
    name: str,
    *,
    content_type: str,
    filename: str | None = None,
    inline: bool,
    public: bool = False,
    immutable: bool = False,
) -> HttpResponseBase:
    """A stored file, so that nothing uploaded can run in the site's origin.

    The type is forced safe (`safe_content_type`), with `nosniff` and a sandboxing CSP on
    every file; only a rendition we made is shown inline, anything else is an attachment
    (DESIGN.md, Known pitfalls). Call it after the permission checks: it serves whatever it
    is given. `public`: anyone may see this file at this URL (else `private`); `immutable`:
    the URL names this content for good (a versioned rendition URL).

    Delivery (HITREC_FILE_DELIVERY): `django` streams the bytes (one range, validators);
    `x-accel` hands them to nginx (X-Accel-Redirect); `redirect` answers 302 to a presigned
    object-store URL. Checked by tests/security/test_file_serving.py and
    tests/hitrec/test_file_serving.py.
    """
    mode = settings.HITREC_FILE_DELIVERY
    storage = default_storage
    safe_type = safe_content_type(content_type)
    # Opaque bytes are never shown inline, whatever the caller asked.
    as_attachment = not inline or safe_type == "application/octet-stream"
    disposition = content_disposition_header(as_attachment, filename or name.rsplit("/", 1)[-1])
    cache = (IMMUTABLE if immutable else PUBLIC) if public else PRIVATE
    headers = {
        "Content-Type": safe_type,
        "Content-Disposition": disposition or "attachment",
        "Cache-Control": cache,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": FILE_POLICY,
    }
    conditional = any(
        key in request.headers
        for key in ("If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since")
    )
    if mode == "redirect" and not conditional:
        # Nothing to compare: no round trip to the store, the redirect is all.
        return _redirect(storage, name, headers)

    stored = _stat(storage, name)
    headers["ETag"] = stored.etag
    headers["Last-Modified"] = http_date(stored.modified)
    headers["Accept-Ranges"] = "bytes"
    validators = _with_headers(HttpResponse(), headers)
    answered = get_conditional_response(
        request, etag=stored.etag, last_modified=stored.modified, response=validators
    )
    if answered is not None and answered is not validators:
        return answered  # 304 Not Modified or 412 Precondition Failed
    if mode == "redirect":
        return _redirect(storage, name, headers)
    if mode == "x-accel":
        if not isinstance(storage, FileSystemStorage):
            raise ImproperlyConfigured("HITREC_FILE_DELIVERY=x-accel needs local file storage.")
        # nginx sends the bytes and answers Range (and If-None-Match, against its own tag)
        # itself; its internal location re-adds nosniff and the CSP, which it drops on the
        # internal redirect (deploy/nginx).
        validators["X-Accel-Redirect"] = settings.HITREC_X_ACCEL_PREFIX + quote(name)
        return validators

    start, length, status = 0, stored.size, 200
    try:
        wanted = byte_range(request.headers.get("Range", ""), stored.size)
    except Unsatisfiable:
        refused = _with_headers(HttpResponse(status=416), headers)
        refused["Content-Range"] = f"bytes */{stored.size}"
        refused["Content-Type"] = "text/plain; charset=utf-8"
        return refused
    if wanted is not None and _if_range_matches(request, stored):
        start, length, status = wanted[0], wanted[1] - wanted[0] + 1, 206
        headers["Content-Range"] = f"bytes {wanted[0]}-{wanted[1]}/{stored.size}"
    headers["Content-Length"] = str(length)
    if request.method == "HEAD":
        return _with_headers(HttpResponse(status=status), headers)
    body = _chunks(storage, name, start, length)
    return _with_headers(StreamingHttpResponse(body, status=status), headers)
