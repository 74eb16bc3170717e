"""Damaged files of every format, uploaded through the API and processed by a real worker:
never a 500, every upload ends ready or failed with a reason, and no file left over; a job
whose error lies outside the file is retried by the worker, then fails with a reason."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contributions.models import Contribution
from media.services import UNAVAILABLE
from tests.integration.worker import WorkerProcess, wait_for
from tests.media import samples
from tests.media.corpus import assert_finished_with_a_reason, corpus, referenced_files, stored_files

pytestmark = pytest.mark.integration

# (cuts, flips) per sample: fewer than in-process (tests/media/test_corpus.py); this one
# proves the worker's path (storage, retries, status) rather than the decoders again.
DAMAGE = {"image": (4, 4), "audio": (2, 2), "video": (2, 2), "text": (3, 3)}


def test_damaged_uploads_end_ready_or_failed_on_a_real_worker(
    celery_worker, user_client, tmp_path, settings
):
    started = time.time()
    uploaded: dict[int, str] = {}
    for kind, (cuts, flips) in DAMAGE.items():
        for damaged in corpus(kind, tmp_path / kind, cuts=cuts, flips=flips):
            response = user_client.post(
                "/api/contributions/",
                {"title": damaged.name, "file": SimpleUploadedFile(damaged.name, damaged.data)},
                format="multipart",
            )
            assert response.status_code < 500, f"{damaged.name}: {response.content[:300]!r}"
            if response.status_code == 201:
                uploaded[response.json()["id"]] = damaged.name

    wait_for(
        lambda: (
            not Contribution.objects.filter(
                pk__in=uploaded, status__in=["pending", "processing"]
            ).exists()
        ),
        timeout=300,
        what="the worker to finish every damaged upload",
        interval=0.5,
    )
    for contribution in Contribution.objects.filter(pk__in=uploaded):
        assert_finished_with_a_reason(contribution, uploaded[contribution.pk])
    assert Contribution.objects.filter(pk__in=uploaded, status="failed").exists()
    assert "crashed" not in celery_worker.log_text()
    # Everything this test stored is an original or a rendition some row points at.
    assert stored_files(settings.MEDIA_ROOT, since=started) <= referenced_files()


def test_a_job_failing_outside_the_file_is_retried_on_the_worker_then_fails_with_a_reason(
    real_queues, worker_media_root, user_client, tmp_path
):
    # A media worker without ffmpeg on its PATH (a deployment being fixed): each try fails
    # with MediaTransientError; after two retries (2 s, then 4 s) the job gives up.
    worker = WorkerProcess(
        queues=real_queues,
        consume=["media"],
        media_root=worker_media_root,
        log_path=tmp_path / "worker.log",
        extra_env={"PATH": str(tmp_path), "HITREC_PROCESSING_RETRIES": "2"},
    )
    worker.start()
    try:
        wav = samples.wav(tmp_path)
        created = user_client.post(
            "/api/contributions/",
            {"title": "Tone", "file": SimpleUploadedFile(wav.name, wav.read_bytes())},
            format="multipart",
        )
        assert created.status_code == 201
        pk = created.json()["id"]

        wait_for(
            lambda: Contribution.objects.filter(pk=pk, status="failed").exists(),
            timeout=60,
            what="the job's retries to run out",
        )
    finally:
        worker.stop()
    contribution = Contribution.objects.get(pk=pk)
    assert contribution.error == UNAVAILABLE
    assert worker.log_text().count("retry: Retry in") == 2
    assert not contribution.renditions.exists()
