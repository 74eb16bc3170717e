"""Celery tasks of royalties: thin, take ids, call services."""

from celery import shared_task
from django.db import OperationalError


@shared_task(name="royalties.build_statements")
def build_statements(run_id: int) -> None:
    from royalties.services import statement_run_execute

    statement_run_execute(run_id=run_id)


@shared_task(
    name="royalties.build_statement_batch",
    autoretry_for=(OperationalError,),  # a lost connection, a deadlock: worth another try
    retry_backoff=True,
    retry_backoff_max=300,
)
def build_statement_batch(batch_id: int) -> None:
    from royalties.services import statement_batch_build

    statement_batch_build(batch_id=batch_id)


@shared_task(
    name="royalties.issue_statements",
    autoretry_for=(OperationalError,),  # a lost connection, a deadlock: worth another try
    retry_backoff=True,
    retry_backoff_max=300,
)
def issue_statements(run_id: int) -> None:
    from royalties.services import statement_issue_run_execute

    statement_issue_run_execute(run_id=run_id)


@shared_task(name="royalties.prepare_release")
def prepare_release(release_id: int) -> None:
    from royalties.services import release_parties_prepare

    release_parties_prepare(release_id=release_id)


@shared_task(
    name="royalties.itemise_revenue",
    autoretry_for=(OperationalError,),  # a lost connection, a deadlock: worth another try
    retry_backoff=True,
    retry_backoff_max=300,
)
def itemise_revenue(release_id: int) -> None:
    from royalties.services import revenue_itemise

    revenue_itemise(release_id=release_id)
