"""Celery tasks of notifications: thin, take ids, call services; each is safe to run twice."""

from celery import shared_task

from notifications import services


@shared_task(name="notifications.notify")
def notify(kind: str, arguments: dict) -> None:
    """Record the notifications of one event (who is told is worked out here, off the request)."""
    services.notify(kind=kind, arguments=arguments)


# An SMTP failure (smtplib.SMTPException and socket errors are OSErrors) leaves the row
# unmarked; the retry sends it.
@shared_task(
    name="notifications.send_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=6,
)
def send_email(notification_id: int) -> None:
    services.email_send(notification_id=notification_id)


@shared_task(
    name="notifications.send_digest",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=6,
)
def send_digest(user_id: int) -> None:
    services.digest_send(user_id=user_id)


@shared_task(name="notifications.send_digests")
def send_digests() -> None:
    """The daily run (CELERY_BEAT_SCHEDULE): one digest job per person with something waiting."""
    services.digests_enqueue()
