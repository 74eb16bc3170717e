"""Celery tasks of proposals: thin, take ids, call services; each is safe to run twice."""

from celery import shared_task

from proposals import services


@shared_task(name="proposals.close_due")
def close_due() -> None:
    """The beat's run (CELERY_BEAT_SCHEDULE): one closing job per proposal whose window ended."""
    services.proposals_close_due()


@shared_task(name="proposals.close_proposal")
def close_proposal(proposal_id: int) -> None:
    """The window ended: the proposal becomes the release (guarded by its status)."""
    services.proposal_close(proposal_id=proposal_id)
