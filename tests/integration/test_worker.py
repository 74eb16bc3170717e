"""A task really travels through Redis to a separate worker process and reads the database."""

import os

import pytest
from celery.result import allow_join_result

from hitrec.tasks import health_probe
from tests.accounts.factories import UserFactory

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
