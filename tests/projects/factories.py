"""Factories for projects: a producer's project, open or draft, with its membership row."""

from projects.services import project_create, project_status_change
from tests.accounts.factories import UserFactory


def make_project(*, owner=None, status: str = "open", **fields):
    """A project made the way producers make them: through the services."""
    owner = owner or UserFactory()
    fields.setdefault("title", "Night Bus")
    project = project_create(owner=owner, **fields)
    if status in ("open", "released"):
        project = project_status_change(project=project, actor=owner, to="open")
    return project
