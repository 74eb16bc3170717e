"""The kit of a long job on a row (processing an upload, building a data export): claim the
row or skip it, report progress on it now and then, and mark it failed with a reason.

Each model keeps its own statuses and what else its job writes; what they share lives
here once: the status guard that makes a redelivered job a no-op, the throttled progress
writes, and a failure that says why and lets go of the row's files once it commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

from django.db import models, transaction
from django.utils.translation import gettext, gettext_noop

from hitrec.storage import files_delete_on_commit

# Progress is written at most this often (in percent) within a stage, so a long job does
# not hammer its table.
PROGRESS_STEP = 5


class JobRow(Protocol):
    """What a job's row has: a status, and the fields job_failed and progress write."""

    pk: Any
    status: str
    error: str
    progress_stage: str
    progress_percent: int

    def save(self, *, update_fields: Iterable[str]) -> None: ...


Row = TypeVar("Row", bound=models.Model)


def job_claim(
    rows: models.QuerySet[Row],
    pk: int,
    *,
    finished: Iterable[str],
    start: Callable[[Row], list[str] | None],
) -> Row | None:
    """Lock the job's row and start it, unless it is gone or `finished` (the guard).

    `start(row)` sets what a run's start sets on the row and returns the fields to save, or
    None to skip the run (say, a row taken down meanwhile); it runs under the row's lock.
    """
    with transaction.atomic():
        row = rows.select_for_update().filter(pk=pk).first()
        if row is None or getattr(row, "status") in set(finished):  # noqa: B009 - a job's row
            return None
        fields = start(row)
        if fields is None:
            return None
        row.save(update_fields=fields)
        return row


# The stages jobs record, stored in English (the API's `stage`, as it always was) and marked
# here so that pages and the API's `stage_label` say them in the reader's language.
STAGE_NAMES = [
    gettext_noop("queued"), gettext_noop("waiting to retry"), gettext_noop("ready"),
    gettext_noop("sniffing"), gettext_noop("validating"), gettext_noop("inspecting"),
    gettext_noop("decoding"), gettext_noop("rendering text"), gettext_noop("poster"),
    gettext_noop("preview"), gettext_noop("fingerprinting"), gettext_noop("done"),
    gettext_noop("profile"), gettext_noop("contributions"), gettext_noop("projects"),
    gettext_noop("comments"), gettext_noop("statements"), gettext_noop("ledger"),
    gettext_noop("saving"), gettext_noop("audit"),
]  # fmt: skip


def progress_shown(stage: str, percent: int) -> dict[str, Any]:
    """A job's progress as the API shows it: the stage as stored (English, stable for
    clients), the same in the reader's language, and the percent."""
    return {"stage": stage, "stage_label": gettext(stage) if stage else "", "percent": percent}


def progress_recorder(
    rows: models.QuerySet[Any], *, after: Callable[[], None] | None = None
) -> Callable[[str, float], None]:
    """A `progress(stage, percent)` callback writing `progress_stage` and `progress_percent`
    on `rows` at each new stage and every PROGRESS_STEP percent within one; `after()` runs
    after each write (say, to let cached reads go)."""
    last: dict[str, Any] = {"stage": None, "percent": -PROGRESS_STEP}

    def record(stage: str, percent: float) -> None:
        percent = max(0, min(100, int(percent)))
        if stage == last["stage"] and percent - last["percent"] < PROGRESS_STEP:
            return
        last.update(stage=stage, percent=percent)
        rows.update(progress_stage=stage[:40], progress_percent=percent)
        if after is not None:
            after()

    return record


def job_failed(
    row: JobRow,
    *,
    status: str,
    reason: str,
    files: Iterable[str] = (),
    also: Iterable[str] = (),
) -> None:
    """Mark a row locked by the caller's transaction failed, saying why; its `files` are
    deleted once the failure commits, and the fields named in `also` (set by the caller)
    are saved with it."""
    row.status = status
    row.error = reason
    row.progress_stage, row.progress_percent = "failed", 100
    row.save(update_fields=["status", "error", "progress_stage", "progress_percent", *also])
    files_delete_on_commit(files)
