"""A worker killed (SIGKILL) in the middle of a job: the job is delivered again and done once."""

import pytest
import redis
from django.core.files.uploadedfile import SimpleUploadedFile

from contributions.models import Contribution
from media.models import Rendition
from tests.integration.worker import (
    FAST_RESTORE,
    VISIBILITY_TIMEOUT_S,
    WorkerProcess,
    unacked,
    wait_for,
)
from tests.media.samples import ffmpeg

pytestmark = pytest.mark.integration


def test_a_killed_workers_job_completes_once_on_a_new_worker(
    real_queues, worker_media_root, tmp_path, user_client, settings
):
    # A long clip in a codec browsers can't play, so the job spends seconds transcoding it.
    clip = tmp_path / "long-take.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=640x480:rate=25:duration=40",
           "-c:v", "mpeg4", "-an", clip)  # fmt: skip
    first, second = (
        WorkerProcess(
            queues=real_queues,
            consume=["media"],
            name=f"{real_queues['media']}-{n}",
            media_root=worker_media_root,
            extra_env=FAST_RESTORE,
            log_path=tmp_path / f"{n}.log",
        )
        for n in ("first", "second")
    )
    first.start()
    try:
        created = user_client.post(
            "/api/contributions/",
            {"title": "Long take", "file": SimpleUploadedFile("long-take.mp4", clip.read_bytes())},
            format="multipart",
        ).json()
        pk = created["id"]

        wait_for(
            lambda: Contribution.objects.filter(pk=pk, progress_stage="preview").exists(),
            timeout=60,
            what="the job to reach its transcoding stage",
        )
        first.kill()
        assert Contribution.objects.get(pk=pk).status == "processing"

        second.start()
        wait_for(
            lambda: Contribution.objects.filter(pk=pk, status__in=["ready", "failed"]).exists(),
            timeout=180,
            what="the redelivered job to finish",
        )
        wait_for(lambda: second.tasks(), timeout=10, what="the worker to log success")
        # Nothing is left for anyone: no job waiting, none held unacknowledged.
        broker = redis.Redis.from_url(settings.REDIS_URL)
        wait_for(
            lambda: (
                not broker.llen(real_queues["media"]) and not unacked(broker, real_queues["media"])
            ),
            timeout=VISIBILITY_TIMEOUT_S + 30,
            what="the broker to hold nothing of the job",
        )
    finally:
        first.kill()
        second.stop()

    contribution = Contribution.objects.get(pk=pk)
    assert contribution.status == "ready", contribution.error
    assert contribution.duration_s == pytest.approx(40, abs=1)
    assert sorted(Rendition.objects.filter(contribution=contribution).values_list("name", flat=True)) == [
        "original.mp4", "poster.jpg", "preview.mp4", "thumb-256.jpg", "thumb-256.webp",
    ]  # fmt: skip
    assert first.tasks() == []
    assert first.processed(pk) == 0
    # Done once. Should Redis hand the job out again (a slow machine can outlast the
    # visibility timeout), the status guard turns the second run into a no-op.
    assert second.processed(pk) == 1
    assert set(second.tasks()) == {"media.process_contribution"}
