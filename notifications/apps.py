"""App configuration for notifications: it subscribes to what other apps announce, and writes
its section of a person's data export."""

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        from accounts.exports import export_section_register
        from notifications import exports
        from notifications.subscribers import subscribe_all

        subscribe_all()
        export_section_register(exports.SECTION)
