"""A worker killed (SIGKILL) in the middle of a job: the job is delivered again and done once."""

import re
import time
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contributions.models import Contribution
from hitrec.celery import app as celery_app
from media.models import Rendition
from tests.integration.worker import WorkerProcess
from tests.media.samples import ffmpeg

pytestmark = pytest.mark.integration

# Redis hands an unacknowledged job to another worker after this many seconds. It must be
# longer than the job takes, or the job is handed out again while it still runs (the
# pitfall DESIGN.md names), so not much shorter than production's hour.
VISIBILITY_TIMEOUT_S = 20


def _wait_for(predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _succeeded(worker: WorkerProcess) -> int:
    return len(
        re.findall(r"Task media\.process_contribution\[[^\]]+\] succeeded", worker.log_text())
    )


def _processed(worker: WorkerProcess, pk: int) -> int:
    """How many times this worker did the job's work (not merely ran the task)."""
    return worker.log_text().count(f"contribution {pk}: processed")


def test_a_killed_workers_job_completes_once_on_a_new_worker(
    _redis_required, transactional_db, settings, worker_media_root, tmp_path, user_client
):
    queue = f"hitrec-kill-{uuid.uuid4().hex[:8]}"
    env = {
        "CELERY_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_S),
        "CELERY_BROKER_RESTORE_INTERVAL": "1",
        "CELERY_BROKER_RESTORE_THROTTLE": "1",
    }
    settings.MEDIA_ROOT = worker_media_root
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    # A long clip in a codec browsers can't play, so the job spends seconds transcoding it.
    clip = tmp_path / "long-take.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=640x480:rate=25:duration=40",
           "-c:v", "mpeg4", "-an", clip)  # fmt: skip
    first = WorkerProcess(
        queue=queue, name=f"{queue}-a", media_root=worker_media_root, extra_env=env,
        log_path=tmp_path / "first.log",
    )  # fmt: skip
    second = WorkerProcess(
        queue=queue, name=f"{queue}-b", media_root=worker_media_root, extra_env=env,
        log_path=tmp_path / "second.log",
    )  # fmt: skip
    first.start()
    try:
        created = user_client.post(
            "/api/contributions/",
            {"title": "Long take", "file": SimpleUploadedFile("long-take.mp4", clip.read_bytes())},
            format="multipart",
        ).json()
        pk = created["id"]

        _wait_for(
            lambda: Contribution.objects.filter(pk=pk, progress_stage="preview").exists(),
            timeout=60,
            what="the job to reach its transcoding stage",
        )
        first.kill()
        assert Contribution.objects.get(pk=pk).status == "processing"

        second.start()
        _wait_for(
            lambda: Contribution.objects.filter(pk=pk, status__in=["ready", "failed"]).exists(),
            timeout=180,
            what="the redelivered job to finish",
        )
        _wait_for(lambda: _succeeded(second), timeout=10, what="the worker to log success")
    finally:
        first.kill()
        second.stop()
        celery_app.conf.task_default_queue = previous_queue

    contribution = Contribution.objects.get(pk=pk)
    assert contribution.status == "ready", contribution.error
    assert contribution.duration_s == pytest.approx(40, abs=1)
    assert sorted(Rendition.objects.filter(contribution=contribution).values_list("name", flat=True)) == [
        "original.mp4", "poster.jpg", "preview.mp4", "thumb-256.jpg", "thumb-256.webp",
    ]  # fmt: skip
    assert _succeeded(first) == 0
    assert _processed(first, pk) == 0
    # Done once. Should Redis hand the job out again (a slow machine can outlast the
    # visibility timeout), the status guard turns the second run into a no-op.
    assert _processed(second, pk) == 1
    assert _succeeded(second) >= 1
