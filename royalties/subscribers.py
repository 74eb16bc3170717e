"""What royalties does when other apps announce something (hitrec.events): prepare releases."""

from hitrec.events import subscribe
from projects.events import ProjectReleased
from royalties import tasks


def project_released(event: ProjectReleased) -> None:
    """Prepare the release's parties and lines ahead of its first revenue (a job)."""
    tasks.prepare_release.delay(event.release_id)


def subscribe_all() -> None:
    subscribe(ProjectReleased, project_released)
