"""A job's outcome is always recorded on its contribution and never changes the upload's
answer: our own faults, errors outside the file that outlast their retries, and jobs lost on
the way (the sweeper) all end with a contribution ready or failed with a reason."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from contributions.models import Contribution
from media.services import INTERNAL_ERROR, INTERRUPTED, UNAVAILABLE
from media.tasks import requeue_unfinished
from tests.contributions.uploads import png_upload


def upload(client, path) -> tuple[int, Contribution | None]:
    response = client.post(
        "/api/contributions/",
        {"title": path.name, "file": SimpleUploadedFile(path.name, path.read_bytes())},
        format="multipart",
    )
    created = response.status_code == 201
    return response.status_code, Contribution.objects.get(
        pk=response.json()["id"]
    ) if created else None


@pytest.mark.django_db(transaction=True)
def test_a_fault_on_our_side_answers_201_fails_the_work_and_tells_staff(
    user_client, sample, settings
):
    # A broken deployment (a limit that is no number) is our fault, not the file's; the
    # job runs inside the request here, as in the embedded default.
    settings.HITREC_MAX_AUDIO_SECONDS = "an hour"
    settings.ADMINS = [("Staff", "staff@hitrec.test")]

    status, contribution = upload(user_client, sample("wav"))

    assert status == 201
    assert (contribution.status, contribution.error) == ("failed", INTERNAL_ERROR)
    assert not contribution.renditions.exists()
    (told,) = [m for m in mail.outbox if m.to == ["staff@hitrec.test"]]
    assert f"processing contribution {contribution.pk} crashed" in told.subject + told.body


@pytest.mark.django_db(transaction=True)
def test_an_error_outside_the_file_is_retried_then_fails_with_a_reason(
    user_client, sample, monkeypatch, tmp_path
):
    # ffmpeg missing from this worker: worth retrying (a deployment being fixed), but not
    # for ever. In the embedded mode the retries run at once, inside the request.
    wav = sample("wav")
    monkeypatch.setenv("PATH", str(tmp_path))

    status, contribution = upload(user_client, wav)

    assert status == 201
    assert (contribution.status, contribution.error) == ("failed", UNAVAILABLE)
    assert contribution.progress_stage == "failed"


@pytest.mark.django_db(transaction=True)
def test_a_refused_file_answers_201_and_reads_failed_with_its_reason(user_client, sample):
    status, contribution = upload(user_client, sample("old_style_jpeg_in_tiff"))

    assert status == 201
    assert contribution.status == "failed"
    assert contribution.error == "This image is damaged or incomplete, so hitrec cannot read it."


def lost_job(*, status: str, age: timedelta, interrupted: int = 0, **fields) -> Contribution:
    """A contribution whose job was lost: its row says pending or processing, nobody runs it."""
    from contributions.services import contribution_create
    from tests.accounts.factories import UserFactory

    contribution = contribution_create(author=UserFactory(), title="Lost", file=png_upload())
    Contribution.objects.filter(pk=contribution.pk).update(
        status=status,
        processing_since=timezone.now() - age,
        processing_interrupted=interrupted,
        **fields,
    )
    return contribution


STUCK = timedelta(seconds=settings.HITREC_PROCESSING_STUCK_SECONDS)


@pytest.mark.django_db
def test_the_sweeper_queues_again_jobs_lost_past_the_limit_and_only_those(
    django_capture_on_commit_callbacks,
):
    # Made outside the capture: their own jobs never run, as if the broker had lost them.
    lost_pending = lost_job(status="pending", age=STUCK + timedelta(minutes=1))
    lost_processing = lost_job(status="processing", age=STUCK + timedelta(minutes=1))
    recent = lost_job(status="pending", age=STUCK - timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True):
        requeued = requeue_unfinished.delay().get()

    assert requeued == 2
    for contribution in (lost_pending, lost_processing):
        contribution.refresh_from_db()
        assert contribution.status == "ready"
        assert contribution.renditions.filter(role="thumbnail").exists()
    recent.refresh_from_db()
    assert recent.status == "pending"


@pytest.mark.django_db
def test_a_job_interrupted_again_and_again_fails_instead_of_running_for_ever(
    django_capture_on_commit_callbacks,
):
    limit = settings.HITREC_PROCESSING_MAX_INTERRUPTIONS
    poison = lost_job(status="processing", age=STUCK * 2, interrupted=limit - 1)

    with django_capture_on_commit_callbacks(execute=True):
        requeue_unfinished.delay()

    poison.refresh_from_db()
    assert poison.status == "failed"
    assert poison.error == INTERRUPTED.format(times=limit)
    assert poison.processing_interrupted == limit


@pytest.mark.django_db
def test_a_job_interrupted_once_runs_again_and_finishes(django_capture_on_commit_callbacks):
    once = lost_job(status="processing", age=STUCK * 2)

    with django_capture_on_commit_callbacks(execute=True):
        requeue_unfinished.delay()

    once.refresh_from_db()
    assert (once.status, once.processing_interrupted) == ("ready", 1)


@pytest.mark.django_db
def test_the_sweeper_leaves_finished_and_removed_work_alone(django_capture_on_commit_callbacks):
    long_ago = STUCK * 10
    done = lost_job(status="ready", age=long_ago)
    failed = lost_job(status="failed", age=long_ago, error="damaged")
    removed = lost_job(status="pending", age=long_ago, removed_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_unfinished.delay().get() == 0

    assert [c.status for c in Contribution.objects.filter(pk__in=[done.pk, failed.pk])] == [
        "failed",
        "ready",
    ]
    removed.refresh_from_db()
    assert removed.status == "pending"


def test_beat_runs_the_sweeper_more_often_than_the_limit():
    (entry,) = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "media.requeue_unfinished"
    ]
    minutes = entry["schedule"].minute
    assert len(minutes) >= 6  # at least hourly several times; the limit is ~50 minutes
    assert settings.HITREC_PROCESSING_STUCK_SECONDS > settings.CELERY_TASK_TIME_LIMIT
