"""Use cases of the processing pipeline: enqueue a contribution's job, run it, record the result."""

import dataclasses
import functools
import logging
import shutil
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from contributions.models import Contribution
from hitrec.caching import public_reads_changed
from hitrec.i18n import message_of, writing_to
from hitrec.jobs import job_claim, job_failed, progress_recorder
from hitrec.storage import files_delete_on_commit
from media import sound_index, tasks
from media.clean import clean_copy
from media.credit_guard import (
    WorkPrints,
    matches_find,
    matches_store,
    prints_of,
    prints_store,
    work_text,
)
from media.errors import MediaRefused, MediaTransientError
from media.images import Rendition as PipelineRendition
from media.models import Rendition
from media.pipeline import Limits, ProcessResult, process_file
from media.text import process_text

logger = logging.getLogger(__name__)

# The reasons a contribution failed: its author reads them, in their language (`_failed`).
INTERNAL_ERROR = gettext_noop(
    "Processing failed because of a fault on our side, not in your file. Staff have been "
    "told and will process it again once the fault is fixed."
)
TOO_SLOW = gettext_noop(
    "Processing this file took longer than hitrec allows, so it was stopped. Staff have been "
    "told; a shorter or smaller file may go through."
)
# Translators: {times} is a number (at least 2).
INTERRUPTED = gettext_noop(
    "Processing this file was interrupted {times} times (it may need more memory than hitrec "
    "has), so hitrec stopped trying. Staff have been told."
)
UNAVAILABLE = gettext_noop(
    "hitrec could not process this file because a service it needs was unavailable. Staff "
    "have been told and will process it again."
)


def processing_enqueue(*, contribution: Contribution) -> None:
    """Queue the processing job once the upload's transaction has committed.

    Robust: in the embedded mode the job runs right there, inside the request, and whatever
    happens to it must not change the upload's answer (the job records its own outcome); with
    a broker, a failed send leaves the contribution pending for the sweeper.
    """
    contribution_id = contribution.id
    transaction.on_commit(lambda: tasks.process_contribution.delay(contribution_id), robust=True)


def pipeline_limits() -> Limits:
    limits = settings.HITREC_UPLOAD_LIMITS
    return Limits(
        max_pixels=settings.HITREC_MAX_PIXELS,
        max_audio_duration_s=settings.HITREC_MAX_AUDIO_SECONDS,
        max_video_duration_s=settings.HITREC_MAX_VIDEO_SECONDS,
        max_image_bytes=limits["image"],
        max_audio_bytes=limits["audio"],
        max_video_bytes=limits["video"],
        max_text_bytes=limits["text"],
    )


def _progress_recorder(contribution_id: int) -> Callable[[str, float], None]:
    return progress_recorder(
        Contribution.objects.filter(pk=contribution_id), after=public_reads_changed
    )


def _claim(contribution_id: int) -> Contribution | None:
    """Mark the job as running, unless it already finished: the guard that makes reruns no-ops."""

    def start(contribution: Contribution) -> list[str] | None:
        if contribution.is_removed:
            return None
        if contribution.status == Contribution.Status.PROCESSING:
            # A run started and never finished: its worker was killed, ran out of memory or
            # passed the hard time limit. Run it again, but not for ever.
            contribution.processing_interrupted += 1
            if contribution.processing_interrupted >= settings.HITREC_PROCESSING_MAX_INTERRUPTIONS:
                logger.error(
                    "contribution %s: processing interrupted %s times, giving up",
                    contribution_id,
                    contribution.processing_interrupted,
                )
                times = contribution.processing_interrupted
                _failed(contribution, lambda: gettext(INTERRUPTED).format(times=times))
                return None
        contribution.status = Contribution.Status.PROCESSING
        contribution.processing_since = timezone.now()
        contribution.progress_stage, contribution.progress_percent = "starting", 0
        return [
            "status",
            "processing_since",
            "processing_interrupted",
            "progress_stage",
            "progress_percent",
        ]

    claimed = job_claim(
        Contribution.objects.all(),
        contribution_id,
        finished=(Contribution.Status.READY, Contribution.Status.FAILED),
        start=start,
    )
    if claimed is not None:
        public_reads_changed()
    return claimed


def contribution_process(*, contribution_id: int) -> None:
    """Sniff, validate and render one contribution's original; mark it ready or failed.

    Every outcome is recorded on the contribution: ready, or failed with a sentence for its
    author. Only errors worth another try (`MediaTransientError`, a lost connection) are
    raised, for the task to retry, with the contribution back to pending meanwhile.
    """
    contribution = _claim(contribution_id)
    if contribution is None:
        return
    try:
        _process(contribution)
    except MediaRefused as refusal:
        _fail(contribution, functools.partial(message_of, refusal))
    except (MediaTransientError, ConnectionError):
        _pending_again(contribution)
        raise
    except SoftTimeLimitExceeded:
        logger.exception("processing contribution %s passed its time limit", contribution_id)
        _fail(contribution, lambda: gettext(TOO_SLOW))
    except Exception:
        # Our fault, not the file's: logged for staff (ERROR, mailed to ADMINS where set).
        logger.exception("processing contribution %s crashed", contribution_id)
        _fail(contribution, lambda: gettext(INTERNAL_ERROR))


def _process(contribution: Contribution) -> None:
    progress = _progress_recorder(contribution.pk)
    if contribution.kind == Contribution.Kind.TEXT and not contribution.file:
        progress("rendering text", 50)
        text_result = process_text(contribution.text)
        progress("fingerprinting", 90)
        fingerprint_record(
            contribution_id=contribution.pk,
            prints=prints_of(kind="text", original=None, picture=None, text=contribution.text),
        )
        _finish(contribution, fields={"metadata": dataclasses.asdict(text_result)}, renditions=())
        return
    with tempfile.TemporaryDirectory(prefix="hitrec-job-") as workdir:
        original = _local_copy(contribution.file.name, Path(workdir))
        progress("inspecting", 5)
        out_dir = Path(workdir) / "out"
        out_dir.mkdir()
        result = process_file(
            original,
            out_dir=out_dir,
            limits=pipeline_limits(),
            progress=_before_fingerprints(progress),
        )
        clean = _clean_rendition(original, result, out_dir)
        progress("fingerprinting", 90)
        fingerprint_record(contribution_id=contribution.pk, prints=_prints_from(original, result))
        _finish(contribution, fields=_fields_from(result), renditions=(*result.renditions, clean))


def _before_fingerprints(progress: Callable[[str, float], None]) -> Callable[[str, float], None]:
    """The file's processing as the job's first 90%: fingerprinting comes after it."""

    def scaled(stage: str, percent: float) -> None:
        if stage != "done":
            progress(stage, percent * 0.9)

    return scaled


def _prints_from(original: Path, result: ProcessResult) -> WorkPrints:
    """A processed file's fingerprints: a picture's from its largest JPEG rendition (decoded
    at a fraction of the original's cost; docs/benchmarks.md, "Fingerprints")."""
    jpegs = [r for r in result.renditions if r.mime == "image/jpeg" and r.role == "thumbnail"]
    picture = max(jpegs, key=lambda r: r.width or 0).path if jpegs else original
    text = ""
    if result.kind == Contribution.Kind.TEXT:
        text = original.read_text(encoding="utf-8-sig")
    return prints_of(kind=result.kind, original=original, picture=picture, text=text)


def contribution_fingerprint(*, contribution_id: int) -> bool:
    """Fingerprint a ready work from its stored files, as the job does for a new upload (works
    uploaded before the credit guard: `manage.py fingerprint`). False if it is not a ready,
    present work."""
    work = Contribution.objects.filter(
        pk=contribution_id, status=Contribution.Status.READY, removed_at__isnull=True
    ).first()
    if work is None:
        return False
    if work.kind == Contribution.Kind.TEXT:
        prints = prints_of(kind="text", original=None, picture=None, text=work_text(work))
        fingerprint_record(contribution_id=work.pk, prints=prints)
        return True
    with tempfile.TemporaryDirectory(prefix="hitrec-prints-") as workdir:
        try:
            original = _local_copy(work.file.name, Path(workdir))
            picture = original
            jpegs = work.renditions.filter(role=Rendition.Role.THUMBNAIL, mime="image/jpeg")
            largest = jpegs.order_by("-width").first()
            if work.kind == Contribution.Kind.IMAGE and largest is not None:
                (Path(workdir) / "rendition").mkdir()
                picture = _local_copy(largest.file.name, Path(workdir) / "rendition")
        except OSError as exc:
            prints = WorkPrints(unavailable=[f"its file could not be read: {exc}"])
        else:
            prints = prints_of(kind=work.kind, original=original, picture=picture, text="")
        fingerprint_record(contribution_id=work.pk, prints=prints)
    return True


def fingerprint_record(*, contribution_id: int, prints: WorkPrints) -> None:
    """Keep a work's fingerprints and what they match, both ways (media/credit_guard/).

    Never fails the work: a fault here is logged and the work simply has no matches, as
    one whose files yield no fingerprint (its reason kept on the Fingerprint row).
    """
    try:
        fingerprint = prints_store(contribution_id=contribution_id, prints=prints)
        found = [] if prints.empty else matches_find(contribution_id=contribution_id, prints=prints)
        matches_store(contribution_id=contribution_id, found=found)
    except Exception:
        logger.exception("contribution %s: fingerprinting failed", contribution_id)
        return
    if fingerprint.status == fingerprint.Status.UNAVAILABLE:
        logger.info("contribution %s: no fingerprint: %s", contribution_id, fingerprint.reason)


def sound_index_rebuild(*, progress: Callable[[int], None] | None = None) -> int | None:
    """Make the credit guard's sound index in Redis again from the kept keys: when it was lost
    (a look-up then queues this), or to drop works' old postings (`manage.py sound_index`).
    The number of postings, or None while another rebuild runs or none is configured."""
    return sound_index.rebuild(progress=progress)


def processing_give_up(*, contribution_id: int) -> None:
    """The job's retries ran out on an error outside the file: fail it, saying so."""
    logger.error("contribution %s: processing retries exhausted", contribution_id)
    _fail(Contribution(pk=contribution_id), lambda: gettext(UNAVAILABLE))


def _pending_again(contribution: Contribution) -> None:
    """Back to pending while the task waits to retry, so that the retry's claim is no
    'interrupted run' (those count towards giving up)."""
    Contribution.objects.filter(pk=contribution.pk, status=Contribution.Status.PROCESSING).update(
        status=Contribution.Status.PENDING, progress_stage="waiting to retry"
    )
    public_reads_changed()


def processing_sweep() -> int:
    """Queue again every job left pending or processing past HITREC_PROCESSING_STUCK_SECONDS.

    A job is lost when its message is (a broker that lost it, a send that failed after the
    commit, a worker host that vanished with it unacknowledged). The limit is above the hard
    time limit, so no live run is still at work on a row it picks; each run it starts again
    counts as interrupted in `_claim`, which fails the file after a few.
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.HITREC_PROCESSING_STUCK_SECONDS)
    unfinished = Contribution.objects.filter(
        status__in=[Contribution.Status.PENDING, Contribution.Status.PROCESSING],
        removed_at__isnull=True,
        processing_since__lt=cutoff,
    )
    requeued = 0
    for contribution_id in list(unfinished.order_by("pk").values_list("pk", flat=True)):
        with transaction.atomic():
            # Still stuck (not claimed meanwhile); the new time keeps the next sweep off it.
            if unfinished.filter(pk=contribution_id).update(processing_since=now):
                processing_enqueue(contribution=Contribution(pk=contribution_id))
                requeued += 1
    if requeued:
        logger.warning("re-queued %s unfinished processing jobs", requeued)
    return requeued


def _clean_rendition(original: Path, result: ProcessResult, out_dir: Path) -> PipelineRendition:
    """The original without its metadata (location above all), for everyone but its author."""
    suffix = {"jpeg": "jpg", "opus": "ogg", "aac": "aac"}.get(result.format, result.format)
    dest = clean_copy(
        original, kind=result.kind, format=result.format, dest=out_dir / f"original.{suffix}"
    )
    return PipelineRendition(
        name=dest.name, role="clean", mime=result.mime, width=result.width,
        height=result.height, size_bytes=dest.stat().st_size, path=dest,
    )  # fmt: skip


def _local_copy(name: str, workdir: Path) -> Path:
    """A path to the original on this machine: the file itself, or a streamed copy (S3)."""
    try:
        return Path(default_storage.path(name))
    except NotImplementedError:
        target = workdir / "original"
        with default_storage.open(name, "rb") as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out, length=1024 * 1024)
        return target


def _fields_from(result: ProcessResult) -> dict:
    detail = dataclasses.asdict(result.detail)
    metadata = {
        key: value
        for key, value in detail.items()
        if key != "renditions" and isinstance(value, (str, int, float, bool, type(None), list))
    }
    return {
        "kind": result.kind,
        "mime": result.mime,
        "width": result.width,
        "height": result.height,
        "duration_s": result.duration_s,
        "codec": result.codec or "",
        "metadata": {"format": result.format, **metadata},
    }


def _rendition_name(contribution_id: int, name: str) -> str:
    return f"renditions/{contribution_id}/{name}"


def _finish(contribution: Contribution, *, fields: dict, renditions) -> None:
    """Store renditions under stable names, drop stale ones, and mark the contribution ready."""
    stored: dict[str, str] = {}
    for rendition in renditions:
        name = _rendition_name(contribution.id, rendition.name)
        # Same name on every run: replace, so reruns never pile up copies.
        default_storage.delete(name)
        with open(rendition.path, "rb") as handle:
            stored[rendition.name] = default_storage.save(name, File(handle))
    with transaction.atomic():
        locked = Contribution.objects.select_for_update().filter(pk=contribution.pk).first()
        if locked is None or locked.is_removed:
            # Deleted or taken down while it was processed: what we just stored is nobody's.
            files_delete_on_commit(stored.values())
            return
        if locked.status != Contribution.Status.PROCESSING:
            return  # finished meanwhile by another delivery of this job
        stale = list(locked.renditions.exclude(name__in=stored))
        for rendition in renditions:
            Rendition.objects.update_or_create(
                contribution=locked,
                name=rendition.name,
                defaults={
                    "role": rendition.role,
                    "file": stored[rendition.name],
                    "mime": rendition.mime,
                    "width": rendition.width,
                    "height": rendition.height,
                    "bytes": rendition.size_bytes,
                },
            )
        Rendition.objects.filter(pk__in=[r.pk for r in stale]).delete()
        for key, value in fields.items():
            setattr(locked, key, value)
        locked.status = Contribution.Status.READY
        locked.error = ""
        locked.progress_stage, locked.progress_percent = "ready", 100
        locked.save()
        public_reads_changed()
        logger.info("contribution %s: processed", locked.pk)
        stale_files = [r.file.name for r in stale if r.file.name not in stored.values()]
        files_delete_on_commit(stale_files)


def _fail(contribution: Contribution, reason: Callable[[], str]) -> None:
    with transaction.atomic():
        locked = Contribution.objects.select_for_update().filter(pk=contribution.pk).first()
        if locked is None or locked.status in (
            Contribution.Status.READY,
            Contribution.Status.FAILED,
        ):
            return  # deleted, or finished by another delivery: nothing left to mark
        _failed(locked, reason)


def _failed(locked: Contribution, say: Callable[[], str]) -> None:
    """Mark a contribution locked by the caller's transaction failed, without renditions;
    `say()` gives the reason, called in the language of its author, who reads it."""
    with writing_to(locked.author):
        reason = say()
    files = list(locked.renditions.values_list("file", flat=True))
    locked.renditions.all().delete()
    job_failed(
        locked,
        status=Contribution.Status.FAILED,
        reason=reason,
        files=files,
        also=["processing_interrupted"],
    )
    public_reads_changed()
    logger.info("contribution %s failed processing: %s", locked.pk, reason)


def processing_restart(*, contribution_id: int) -> bool:
    """Run a contribution's job again from the start (staff's reprocess); False if it is gone."""
    with transaction.atomic():
        updated = Contribution.objects.filter(pk=contribution_id, removed_at__isnull=True).update(
            status=Contribution.Status.PENDING,
            error="",
            progress_stage="queued",
            progress_percent=0,
            processing_since=timezone.now(),
            processing_interrupted=0,
        )
        if updated:
            processing_enqueue(contribution=Contribution(pk=contribution_id))
            public_reads_changed()
    return bool(updated)
