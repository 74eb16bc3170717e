"""App configuration for media."""

from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "media"
    # "media" alone would collide with nothing in Django, but say what it is in the admin.
    verbose_name = "Media processing"
