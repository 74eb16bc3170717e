"""App configuration for claims: the credit guard's matches as people see them, and claims."""

from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Credit guard"

    def ready(self) -> None:
        # Imported here: accounts' export registry is filled once the app registry is ready.
        from accounts.closing import account_closing
        from accounts.exports import export_section_register
        from claims import exports, receivers
        from contributions.events import ContributionRemoved
        from hitrec.events import subscribe

        export_section_register(exports.SECTION)
        account_closing.connect(receivers.forget_on_account_closing, dispatch_uid="claims-forget")
        subscribe(ContributionRemoved, receivers.contribution_removed)
