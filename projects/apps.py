"""App configuration for projects: its part of closing an account and of the data export."""

from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"

    def ready(self) -> None:
        from accounts.closing import account_closing
        from accounts.exports import export_section_register
        from projects import exports
        from projects.receivers import forget_on_account_closing

        account_closing.connect(forget_on_account_closing, dispatch_uid="projects-forget")
        export_section_register(exports.SECTION)
