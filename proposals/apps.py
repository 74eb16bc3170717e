"""App configuration for proposals."""

from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = "Payment proposals"

    def ready(self) -> None:
        # Imported here: the accounts app's services load models, which are ready only now.
        from accounts.closing import account_closing
        from proposals.receivers import forget_on_account_closing

        account_closing.connect(forget_on_account_closing, dispatch_uid="proposals-forget")
