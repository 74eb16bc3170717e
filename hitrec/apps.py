"""The project's own app: loads the Celery app when Django starts, so tasks bind to it."""

from django.apps import AppConfig


class HitrecConfig(AppConfig):
    name = "hitrec"
    verbose_name = "hitrec"

    def ready(self) -> None:
        # @shared_task binds to the current app: it must exist before any task is sent.
        from hitrec import celery  # noqa: F401
