"""Errors the media pipeline raises: refused for good, or worth another try."""

import contextlib
import struct
import zlib
from collections.abc import Iterator

from hitrec.messages import ExplainedError

# What decoders (Pillow, mutagen, our own chunk readers) raise on data they cannot read: a
# truncated PNG raises OSError even from getexif(), damaged chunks zlib.error or
# struct.error, a damaged header SyntaxError or EOFError (tests/media/test_corpus.py damages
# every sample). Inside a `decoding()` block these are the file's fault; anywhere else, and
# any other exception anywhere, they are ours.
DECODE_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    struct.error,
    zlib.error,
)


class MediaRefused(ExplainedError):
    """The file is refused or broken; retrying will not help.

    `reason` is the sentence for the person who uploaded the file, in English (its marked
    message and parameters are kept apart: show it with `hitrec.i18n.message_of`); `detail`
    is an optional technical hint (such as ffmpeg's last error line) for logs, never the main
    message.
    """

    def __init__(self, reason: str, *, detail: str | None = None, **params: object) -> None:
        super().__init__(reason, **params)
        self.reason = str(self)
        self.detail = detail


class MediaTransientError(Exception):
    """Processing failed for a reason outside the file (memory, processes, disk); retry later."""


@contextlib.contextmanager
def decoding(reason: str, **params: object) -> Iterator[None]:
    """Within the block, a decoder's error on the person's data is `MediaRefused(reason)`.

    Wrap only the calls that read the uploaded bytes: writing renditions raises OSError too,
    and that is the machine's fault (MediaTransientError), not the file's.
    """
    try:
        yield
    except (MediaRefused, MediaTransientError):
        raise
    except DECODE_ERRORS as exc:
        raise MediaRefused(reason, detail=f"{type(exc).__name__}: {exc}", **params) from exc
