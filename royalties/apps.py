"""App configuration for royalties: it subscribes to the events it acts on when Django starts."""

from django.apps import AppConfig


class RoyaltiesConfig(AppConfig):
    name = "royalties"

    def ready(self) -> None:
        from royalties.subscribers import subscribe_all

        subscribe_all()
