"""App configuration for contributions: its part of closing an account and of the data export."""

from django.apps import AppConfig


class ContributionsConfig(AppConfig):
    name = "contributions"

    def ready(self) -> None:
        from accounts.closing import account_closing
        from accounts.exports import export_section_register
        from contributions import exports
        from contributions.receivers import forget_on_account_closing

        account_closing.connect(forget_on_account_closing, dispatch_uid="contributions-forget")
        export_section_register(exports.SECTION)
