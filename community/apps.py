"""App configuration for community."""

from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"

    def ready(self) -> None:
        # Imported here: the accounts app's services load models, which are ready only now.
        from accounts.services import account_closing
        from community.receivers import forget_on_account_closing

        account_closing.connect(forget_on_account_closing, dispatch_uid="community-forget")
