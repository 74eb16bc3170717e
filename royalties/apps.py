"""App configuration for royalties: the events it acts on, its part of the data export and of closing an account."""

from django.apps import AppConfig


class RoyaltiesConfig(AppConfig):
    name = "royalties"

    def ready(self) -> None:
        from accounts.closing import owed_check_register
        from accounts.exports import export_section_register
        from royalties import exports
        from royalties.subscribers import subscribe_all

        subscribe_all()
        export_section_register(exports.STATEMENTS)
        export_section_register(exports.LEDGER)
        # A closing account keeps its payout email while money is owed to it.
        owed_check_register(exports.money_owed_to)
