"""Stored files and transactions: a file a row no longer names goes only once the row's
change has committed, and a file saved for a row that rolled back goes with the rollback."""

import contextlib
import functools
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction


def files_delete_on_commit(names: Iterable[str]) -> None:
    """Delete these stored files once the current transaction commits (at once outside one).

    Never before: a rollback would leave rows naming files that are gone. Empty names (a
    field with no file) are skipped.
    """
    names = [name for name in names if name]
    if names:
        transaction.on_commit(functools.partial(_delete, names))


def _delete(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


class FilesSaved:
    """Saves files for rows being written; see `files_kept_only_if_saved`."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def save(self, name: str, content: Any) -> str:
        stored = default_storage.save(name, content)
        self.names.append(stored)
        return stored


@contextlib.contextmanager
def files_kept_only_if_saved() -> Iterator[FilesSaved]:
    """Save files for the rows written in the block; if the block fails (a refusal, a
    rollback), the files it saved are deleted, so no file outlives a row that never was.

        with files_kept_only_if_saved() as files, transaction.atomic():
            work.file.name = files.save(name, upload)
            work.save()
    """
    files = FilesSaved()
    try:
        yield files
    except BaseException:
        _delete(files.names)
        raise
