"""The projects section of a person's data export: the projects they are a member of."""

from collections.abc import Callable

from accounts.exports import ExportArchive, ExportSection
from accounts.models import User
from projects.models import ProjectMember


def projects_write(archive: ExportArchive, user: User, progress: Callable[[float], None]) -> None:
    memberships = ProjectMember.objects.filter(user=user).select_related("project")
    archive.write_json(
        "projects.json",
        [
            {
                "id": m.project.id,
                "title": m.project.title,
                "brief": m.project.brief,
                "status": m.project.status,
                "role": m.role,
                "accepted_at": m.accepted_at,
                "created_at": m.project.created_at,
            }
            for m in memberships.order_by("project_id")
        ],
    )


SECTION = ExportSection(stage="projects", order=20, weight=1, write=projects_write)
