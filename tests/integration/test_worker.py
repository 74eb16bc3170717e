"""Tasks really travel through Redis to a separate worker process and read the database."""

import os

import pytest
from celery.result import allow_join_result

from contributions.models import RemixLink
from hitrec.tasks import health_probe
from projects.models import Submission
from projects.services import CreditInput, project_release
from royalties.models import Allocation, AllocationLine, EventItemisation
from royalties.services import revenue_record
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory
from tests.integration.worker import wait_for
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
