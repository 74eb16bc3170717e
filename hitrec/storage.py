"""Stored files and transactions: a file a row no longer names goes only once the row's
change has committed, and a file saved for a row that rolled back goes with the rollback."""

import functools
from collections.abc import Iterable

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
