"""Celery tasks of the processing pipeline: thin, take ids, call services."""

from celery import shared_task
from django.conf import settings

from media import services
from media.errors import MediaTransientError


@shared_task(bind=True, name="media.process_contribution")
def process_contribution(self, contribution_id: int) -> None:
    try:
        services.contribution_process(contribution_id=contribution_id)
    except (MediaTransientError, ConnectionError) as exc:
        # Only errors outside the file are retried; when the tries run out the file ends
        # failed, saying so, rather than pending for ever. Run in-process (the embedded
        # mode) there is no later to retry at: it fails at once.
        tries = settings.HITREC_PROCESSING_RETRIES
        if self.request.is_eager or self.request.retries >= tries:
            services.processing_give_up(contribution_id=contribution_id)
            return
        backoff = min(300, 2 ** (self.request.retries + 1))
        raise self.retry(exc=exc, countdown=backoff, max_retries=tries) from exc


@shared_task(name="media.requeue_unfinished")
def requeue_unfinished() -> int:
    """Periodic (beat): queue again the jobs lost on the way (media.services.processing_sweep)."""
    return services.processing_sweep()


@shared_task(name="media.sound_index_rebuild")
def sound_index_rebuild() -> int | None:
    """The credit guard's sound index made again from the database (media/sound_index.py);
    a no-op while another rebuild is under way."""
    return services.sound_index_rebuild()
