"""App configuration for notifications: it subscribes to what other apps announce."""

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        from notifications.subscribers import subscribe_all

        subscribe_all()
