"""App configuration for projects: uploads submitted to a project, the list of a project's
works, its part of closing an account and of the data export."""

from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"

    def ready(self) -> None:
        from accounts.closing import account_closing
        from accounts.exports import export_section_register
        from contributions.extensions import contribution_submitting, project_works_register
        from projects import exports, receivers, selectors

        account_closing.connect(receivers.forget_on_account_closing, dispatch_uid="projects-forget")
        contribution_submitting.connect(receivers.submit_on_upload, dispatch_uid="projects-submit")
        project_works_register(selectors.project_works)
        export_section_register(exports.SECTION)
