"""App configuration for community."""

from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"

    def ready(self) -> None:
        from accounts.closing import account_closing
        from accounts.exports import export_section_register
        from community import exports
        from community.receivers import forget_on_account_closing

        account_closing.connect(forget_on_account_closing, dispatch_uid="community-forget")
        export_section_register(exports.SECTION)
