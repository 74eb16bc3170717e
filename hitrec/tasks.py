"""Platform-level Celery tasks: a probe that proves a job reaches a worker and the database."""

import os

from celery import shared_task


@shared_task(name="hitrec.health_probe", bind=True)
def health_probe(self) -> dict:
    """Answer from wherever the task ran: the worker's name and pid, and a database read."""
    from django.contrib.auth import get_user_model

    return {
        "hostname": self.request.hostname,
        "pid": os.getpid(),
        "eager": bool(self.request.is_eager),
        "users": get_user_model().objects.count(),
    }
