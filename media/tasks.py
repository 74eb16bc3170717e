"""Celery tasks of the processing pipeline: thin, take ids, call services."""

from celery import shared_task

from media.errors import MediaTransientError


@shared_task(
    name="media.process_contribution",
    autoretry_for=(MediaTransientError, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def process_contribution(contribution_id: int) -> None:
    from media.services import contribution_process

    contribution_process(contribution_id=contribution_id)
