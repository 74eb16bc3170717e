"""Downloading all one's data: an archive built in the background, kept for a while."""

import logging
import tempfile
import uuid
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import tasks
from accounts.exports import ExportArchive, export_sections
from accounts.models import DataExport, User
from accounts.selectors import skills_of
from hitrec.i18n import writing_to
from hitrec.jobs import job_claim, job_failed, progress_recorder
from hitrec.storage import files_delete_on_commit

logger = logging.getLogger(__name__)


# Stored as the export's error, in its owner's language (`_export_fail`).
EXPORT_INTERNAL_ERROR = gettext_noop(
    "hitrec could not build your archive because of a fault on our side. "
    "Ask for a new one; if it fails again, tell us."
)

# Translators: the README of a person's data export; keep the file names and `field` names
# as they are, and {exported_at} and {expires_on} (a date and time, a date).
EXPORT_README = gettext_noop("""\
Everything hitrec holds about you, as of {exported_at} (UTC).

profile.json          your profile: username, display name, email, bio, payout email, joined,
                      and the skills you offer (`skills`).
contributions.json    every contribution you made: title, kind, license, description, facts
                      measured at upload (bytes, sha256, mime, size, duration), status, the
                      works it remixes (its sources), the projects you offered it to, and
                      `file`: its path in this archive (absent for deleted works).
contributions/        the originals, exactly as you uploaded them (byte for byte, with
                      whatever metadata they carried), and text bodies as .md files.
                      Renditions (thumbnails, previews, waveforms) are not included: they
                      are derived from these originals.
projects.json         the projects you produce or co-produce.
comments.json         your comments (only when comments exist on this site).
notifications.json    how you chose to hear about each kind of notification
                      (`preferences`), new asks that match your skills (`ask_for_you`) too.
claims.json           the credit you asked for as the author of an earlier work (`made`), and
                      that others asked of your works (`received`): both works, the message,
                      and how it was answered (by the remixer or staff), when and why.
statements.csv        one row per payout statement; statements/ holds each statement's
                      lines, as the statement download gives them.
ledger.json           what hitrec owes you per currency (`balances`) and every entry of your
                      payable account (`postings`): a credit to you is a negative amount in
                      the ledger's convention; `owed_change_minor` gives it with your sign.
                      Amounts are integers in the currency's minor unit (cents).

This archive expires on {expires_on}; you can ask for a new one at any time.
""")


def _export_expiry() -> timedelta:
    return timedelta(days=settings.HITREC_DATA_EXPORT_DAYS)


def _enqueue_export_build(export_id: int) -> None:
    transaction.on_commit(lambda: tasks.build_data_export.delay(export_id))


@transaction.atomic
def data_export_request(*, user: User) -> DataExport:
    """A person asks for an archive of all their data; a background job builds it.

    While one is still queued or running, asking again returns that one: a double click
    does not build two archives.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    pending = user.data_exports.filter(
        status__in=[DataExport.Status.QUEUED, DataExport.Status.RUNNING]
    ).first()
    if pending is not None:
        return pending
    export = DataExport.objects.create(user=user)
    _enqueue_export_build(export.id)
    return export


def _export_progress_recorder(export_id: int) -> Callable[[str, float], None]:
    return progress_recorder(DataExport.objects.filter(pk=export_id))


def _export_claim(export_id: int) -> DataExport | None:
    """Mark the job running unless it already finished: the guard that makes reruns no-ops."""

    def start(export: DataExport) -> list[str]:
        # QUEUED, or RUNNING left behind by a worker that died: (re)build it. The storage
        # name is chosen once, so a rerun replaces a half-saved archive instead of orphaning
        # it; a random folder, because names under MEDIA_ROOT must not be guessable.
        if not export.file.name:
            export.file.name = f"exports/{uuid.uuid4().hex}/hitrec-data.zip"
        export.status = DataExport.Status.RUNNING
        export.progress_stage, export.progress_percent, export.error = "starting", 0, ""
        return ["file", "status", "progress_stage", "progress_percent", "error"]

    return job_claim(
        DataExport.objects.select_related("user"),
        export_id,
        finished=(
            DataExport.Status.READY,
            DataExport.Status.FAILED,
            DataExport.Status.EXPIRED,
        ),
        start=start,
    )


def data_export_build(*, export_id: int) -> None:
    """Build the archive into a temporary file, store it, and mark the export ready."""
    export = _export_claim(export_id)
    if export is None:
        return
    progress = _export_progress_recorder(export_id)
    name = export.file.name
    try:
        with tempfile.TemporaryDirectory(prefix="hitrec-export-") as workdir:
            path = Path(workdir) / "archive.zip"
            _archive_write(path, user=export.user, progress=progress)
            progress("saving", 95)
            # Same name on every run: replace what an interrupted run may have left.
            default_storage.delete(name)
            with open(path, "rb") as handle:
                stored = default_storage.save(name, File(handle))
            size = path.stat().st_size
    except ConnectionError:
        raise  # the task retries these with backoff; the export stays "running"
    except Exception:
        logger.exception("building data export %s crashed", export_id)
        _export_fail(export_id, EXPORT_INTERNAL_ERROR)
        return
    _export_finish(export_id, stored=stored, size=size)


def _export_finish(export_id: int, *, stored: str, size: int) -> None:
    with transaction.atomic():
        export = DataExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status != DataExport.Status.RUNNING:
            # Deleted meanwhile (the account was closed) or finished by another delivery.
            if export is None or export.file.name != stored:
                transaction.on_commit(lambda: default_storage.delete(stored))
            return
        now = timezone.now()
        export.file.name = stored
        export.bytes = size
        export.status = DataExport.Status.READY
        export.progress_stage, export.progress_percent = "ready", 100
        export.finished_at, export.expires_at = now, now + _export_expiry()
        export.save()


def _export_fail(export_id: int, reason: str) -> None:
    """`reason` is a message marked for translation: the export's owner reads it in theirs."""
    with transaction.atomic():
        export = DataExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None:
            return
        with writing_to(export.user):
            reason = _(reason)
        name = export.file.name
        export.file.name = ""
        export.finished_at = timezone.now()
        job_failed(
            export,
            status=DataExport.Status.FAILED,
            reason=reason,
            files=[name],
            also=["file", "finished_at"],
        )


@transaction.atomic
def data_exports_expire(*, now=None) -> int:
    """Remove the archives of exports past their expiry (a periodic job); returns how many."""
    now = now or timezone.now()
    expired = list(
        DataExport.objects.select_for_update().filter(
            status=DataExport.Status.READY, expires_at__lte=now
        )
    )
    names = [export.file.name for export in expired]
    DataExport.objects.filter(pk__in=[export.pk for export in expired]).update(
        status=DataExport.Status.EXPIRED, file=""
    )
    files_delete_on_commit(names)
    return len(expired)


def _archive_write(path: Path, *, user: User, progress: Callable[[str, float], None]) -> None:
    """The profile, then each app's section (accounts.exports) in order, then a README."""
    now = timezone.now()
    with zipfile.ZipFile(path, "w", allowZip64=True) as zf:
        archive = ExportArchive(zf, timezone.localtime(now))
        progress("profile", 2)
        archive.write_json("profile.json", _profile(user))
        sections = export_sections()
        whole = sum(section.weight for section in sections) or 1
        done = 0
        for section in sections:
            # Each section's own 0..1 maps onto its share of 5..95 (saving starts at 95).
            low = 5 + 90 * done / whole
            high = 5 + 90 * (done + section.weight) / whole
            progress(section.stage, low)
            section.write(archive, user, _section_progress(progress, section.stage, low, high))
            done += section.weight
        expires_on = f"{now + _export_expiry():%Y-%m-%d}"
        with writing_to(user):
            readme = _(EXPORT_README).format(
                exported_at=f"{now:%Y-%m-%d %H:%M}", expires_on=expires_on
            )
        archive.write("README.txt", readme.encode("utf-8"))


def _section_progress(
    progress: Callable[[str, float], None], stage: str, low: float, high: float
) -> Callable[[float], None]:
    def report(fraction: float) -> None:
        progress(stage, low + (high - low) * max(0.0, min(1.0, fraction)))

    return report


def _profile(user: User) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "bio": user.bio,
        "payout_email": user.payout_email,
        "joined": user.date_joined,
        "skills": skills_of(user=user),
    }
