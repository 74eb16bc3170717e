"""The Celery application: configured from Django settings (CELERY_*), tasks found in the apps."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hitrec.settings")

app = Celery("hitrec")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["hitrec"])

# Which queue setting each app's jobs go to; every other app's jobs go to HITREC_QUEUE_DEFAULT.
QUEUE_SETTING_OF_APP = {
    "media": "HITREC_QUEUE_MEDIA",  # sniffing, validation, renditions: CPU-heavy, slow
    "royalties": "HITREC_QUEUE_MONEY",  # release preparation, statements: short, never late
    "proposals": "HITREC_QUEUE_MONEY",  # a payment proposal whose window ended becomes the release
}
# Jobs that leave their app's queue: the sweeper is a quick database look-up that must not
# wait behind a flood of uploads, nor hold a media worker while they wait.
QUEUE_SETTING_OF_TASK = {"media.requeue_unfinished": "HITREC_QUEUE_DEFAULT"}


def route_task(name: str, args, kwargs, options, task=None, **extra) -> dict:
    """CELERY_TASK_ROUTES: media jobs to the media queue, money jobs to the money queue.

    The names are read from the settings on every call (not once, as a routes dict is), so a
    test can point this process at its own queues with pytest-django's `settings` fixture.
    """
    from django.conf import settings

    setting = QUEUE_SETTING_OF_TASK.get(name) or QUEUE_SETTING_OF_APP.get(
        name.partition(".")[0], "HITREC_QUEUE_DEFAULT"
    )
    return {"queue": getattr(settings, setting)}
