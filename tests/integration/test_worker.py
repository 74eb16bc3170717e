"""Tasks really travel through Redis to a separate worker process and read the database."""

import os

import pytest
from celery.result import allow_join_result
from django.core.files.uploadedfile import SimpleUploadedFile

from contributions.models import Contribution, RemixLink
from hitrec.tasks import health_probe
from media import sound_index
from media.models import CreditMatch, FingerprintKey
from projects.models import Submission
from projects.services import CreditInput, project_release
from royalties.models import Allocation, AllocationLine, EventItemisation
from royalties.services import revenue_record
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory
from tests.integration.worker import wait_for
from tests.media import fingerprint_samples as samples
from tests.projects.factories import make_project

pytestmark = pytest.mark.integration


def test_a_task_round_trips_through_redis_and_a_worker_process(celery_worker):
    UserFactory.create_batch(3)

    # Earlier in-process (eager) tasks can leave Celery's "inside a task" guard set in this
    # process; this test is the client here, so it may wait for the result.
    with allow_join_result():
        result = health_probe.delay().get(timeout=30)

    assert result["hostname"] == celery_worker.nodename
    assert result["pid"] != os.getpid()
    assert result["eager"] is False
    # The worker reads the same (test) database and sees the rows this test committed.
    assert result["users"] == 3


def test_the_worker_divides_a_revenue_post_among_the_lines(celery_worker):
    """The post answers with the money posted; the worker's job then itemises the event."""
    loop, song = ContributionFactory(title="Loop"), ContributionFactory(title="Song")
    RemixLink.objects.create(source=loop, remix=song)
    project = make_project(title="Night Bus")
    Submission.objects.create(
        project=project, contribution=song, submitted_by=song.author, status="accepted"
    )
    project_release(
        project=project, actor=project.owner, credits=[CreditInput(song.id, 1)], commercial=True
    )

    event, _ = revenue_record(
        project=project, actor=project.owner, amount="10.00", currency="USD",
        idempotency_key="worker",
    )  # fmt: skip

    wait_for(
        lambda: EventItemisation.objects.filter(event=event).exists(),
        timeout=30, what="the itemisation job to run on the worker",
    )  # fmt: skip
    assert "royalties.itemise_revenue" in celery_worker.tasks()
    for allocation in Allocation.objects.filter(event=event):
        lines = AllocationLine.objects.filter(allocation=allocation)
        assert sum(line.amount_minor for line in lines) == allocation.amount_minor
    assert (
        AllocationLine.objects.filter(allocation__event=event).count() == 3
    )  # loop, song, producer


def test_the_worker_builds_the_sound_index_and_finds_a_mix_through_it(
    celery_worker, user_client, tmp_path
):
    sound_index.clear()
    track = samples.write_wav(tmp_path / "track.wav", samples.music(41, 30.0))
    louder = samples.write_wav(tmp_path / "louder.wav", samples.music(5041, 24.0))
    cut = samples.excerpt(track, tmp_path / "cut.wav", start=6.0, seconds=20.0)
    mixed = samples.mixed_under(cut, louder, tmp_path / "mix.wav", gain_db=-10.0)

    # The first look-up finds no index: it reads PostgreSQL and queues the rebuild, which
    # the worker runs, reading the source's keys.
    source = _uploaded(user_client, track, "The source")
    wait_for(sound_index.ready, timeout=120, what="the worker to build the sound index")
    assert "media.sound_index_rebuild" in celery_worker.tasks()
    # Only the index can lead the mix to its source now.
    FingerprintKey.objects.filter(contribution_id=source).delete()
    mix = _uploaded(user_client, mixed, "A mix")

    (match,) = CreditMatch.objects.filter(work_id=mix)
    assert (match.earlier_id, match.kind) == (source, "audio")


def _uploaded(client, path, title: str) -> int:
    """Upload a file and wait for the worker to process it: its id."""
    response = client.post(
        "/api/contributions/",
        {"title": title, "file": SimpleUploadedFile(path.name, path.read_bytes())},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    work = response.json()["id"]
    wait_for(
        lambda: Contribution.objects.get(pk=work).status == Contribution.Status.READY,
        timeout=120, what=f"the worker to process {title!r}",
    )  # fmt: skip
    return work
