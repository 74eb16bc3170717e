"""Celery tasks of royalties: thin, take ids, call services."""

from celery import shared_task
from django.db import OperationalError

from royalties import services

# A lost connection or a deadlock is worth another try (the jobs are idempotent); any other
# error is a bug or bad data, which another try would not mend.
RETRY_DATABASE_ERRORS = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
}


@shared_task(name="royalties.build_statements", **RETRY_DATABASE_ERRORS)
def build_statements(run_id: int) -> None:
    services.statement_run_execute(run_id=run_id)


@shared_task(name="royalties.build_statement_batch", **RETRY_DATABASE_ERRORS)
def build_statement_batch(batch_id: int) -> None:
    services.statement_batch_build(batch_id=batch_id)


@shared_task(name="royalties.issue_statements", **RETRY_DATABASE_ERRORS)
def issue_statements(run_id: int) -> None:
    services.statement_issue_run_execute(run_id=run_id)


@shared_task(name="royalties.prepare_release")
def prepare_release(release_id: int) -> None:
    services.release_parties_prepare(release_id=release_id)


@shared_task(name="royalties.itemise_revenue", **RETRY_DATABASE_ERRORS)
def itemise_revenue(release_id: int) -> None:
    services.revenue_itemise(release_id=release_id)
