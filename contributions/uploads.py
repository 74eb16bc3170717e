"""Uploads arrive streamed to a temporary file, hashed and size-checked chunk by chunk."""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.utils.translation import gettext_lazy
from rest_framework import status
from rest_framework.exceptions import APIException

from media.sniff import HEAD_BYTES, sniff_head


class UploadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "upload_too_large"


def human_bytes(size: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def size_limit(kind: str | None) -> int:
    limits = settings.HITREC_UPLOAD_LIMITS
    return limits[kind] if kind in limits else max(limits.values())


# Translators: sizes such as "12.0 MB".
_LARGER_THAN = {
    "image": gettext_lazy(
        "This file is larger than %(size)s; image uploads are limited to %(limit)s."
    ),
    "audio": gettext_lazy(
        "This file is larger than %(size)s; audio uploads are limited to %(limit)s."
    ),
    "video": gettext_lazy(
        "This file is larger than %(size)s; video uploads are limited to %(limit)s."
    ),
    "text": gettext_lazy(
        "This file is larger than %(size)s; text uploads are limited to %(limit)s."
    ),
    None: gettext_lazy("This file is larger than %(size)s; uploads are limited to %(limit)s."),
}
_TOO_LARGE = {
    "image": gettext_lazy("This file is too large; image uploads are limited to %(limit)s."),
    "audio": gettext_lazy("This file is too large; audio uploads are limited to %(limit)s."),
    "video": gettext_lazy("This file is too large; video uploads are limited to %(limit)s."),
    "text": gettext_lazy("This file is too large; text uploads are limited to %(limit)s."),
    None: gettext_lazy("This file is too large; uploads are limited to %(limit)s."),
}


def too_large_message(kind: str | None, size: int | None) -> str:
    limit = human_bytes(size_limit(kind))
    if size:
        message = _LARGER_THAN.get(kind, _LARGER_THAN[None])
        return message % {"size": human_bytes(size), "limit": limit}
    return _TOO_LARGE.get(kind, _TOO_LARGE[None]) % {"limit": limit}


class HashingUploadHandler(TemporaryFileUploadHandler):
    """Writes every upload to a temporary file (never to memory), hashing it on the way.

    The first chunk tells the kind, and from then on the kind's size limit applies: a file
    over it is refused with 413 while it streams in, before it is read whole.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > max(settings.HITREC_UPLOAD_LIMITS.values()) + 65536:
            raise UploadTooLarge(too_large_message(None, None))
        return None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.head = b""
        self.kind_guess: str | None = None

    def receive_data_chunk(self, raw_data, start):
        if len(self.head) < HEAD_BYTES:
            self.head += raw_data[: HEAD_BYTES - len(self.head)]
            self.kind_guess = sniff_head(self.head)
        self.size += len(raw_data)
        if self.size > size_limit(self.kind_guess):
            self.file.close()  # the temporary file is deleted on close
            raise UploadTooLarge(too_large_message(self.kind_guess, size_limit(self.kind_guess)))
        self.sha256.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        uploaded = super().file_complete(file_size)
        # What upload_facts reads back: the hash and kind found while it streamed in.
        uploaded.sha256 = self.sha256.hexdigest()  # type: ignore[union-attr]
        uploaded.kind_guess = self.kind_guess  # type: ignore[union-attr]
        return uploaded


@dataclass(frozen=True)
class UploadFacts:
    size: int
    sha256: str
    kind: str | None


def upload_facts(file: UploadedFile) -> UploadFacts:
    """Size, hash and kind of an upload: from the handler if it streamed in, else read once."""
    # The handler sets these on the files it streamed in (file_complete above).
    streamed_sha256 = getattr(file, "sha256", None)
    if streamed_sha256 and file.size is not None:
        return UploadFacts(
            size=file.size, sha256=streamed_sha256, kind=getattr(file, "kind_guess", None)
        )
    digest, size, head = hashlib.sha256(), 0, b""
    file.seek(0)
    for chunk in file.chunks():
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
        digest.update(chunk)
        size += len(chunk)
    file.seek(0)
    return UploadFacts(size=size, sha256=digest.hexdigest(), kind=sniff_head(head))
