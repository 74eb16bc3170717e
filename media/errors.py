"""Errors the media pipeline raises: refused for good, or worth another try."""


class MediaRefused(Exception):
    """The file is refused or broken; retrying will not help.

    `reason` is a sentence for the person who uploaded the file; `detail` is an optional
    technical hint (such as ffmpeg's last error line) for logs, never the main message.
    """

    def __init__(self, reason: str, *, detail: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


class MediaTransientError(Exception):
    """Processing failed for a reason outside the file (memory, processes, disk); retry later."""
