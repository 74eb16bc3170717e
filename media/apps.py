"""App configuration for media: it subscribes to the events it acts on when Django starts."""

from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "media"
    # "media" alone would collide with nothing in Django, but say what it is in the admin.
    verbose_name = "Media processing"

    def ready(self) -> None:
        from media.subscribers import subscribe_all

        subscribe_all()
