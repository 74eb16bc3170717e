"""Where the apps above contributions plug in: what contributions asks of projects without
importing them (apps depend one way; docs/architecture.md, "Layers").

- `contribution_submitting`: sent inside an upload's transaction when the upload names a
  project (`POST /api/contributions/` with `project`). The projects app submits the work
  there; its refusal (a ValidationError) rolls the whole upload back, file and all.
- `project_works`: the works a project has taken in, as the list's `?project=` filter,
  answered by the projects app, which alone knows who may see a project.
"""

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.dispatch import Signal
from django.utils.translation import gettext as _

contribution_submitting = Signal()

# (works, project id, viewer) -> the works that project took in, or none if the viewer may
# not see it; registered by the projects app when Django starts.
ProjectWorks = Callable[..., QuerySet]
_project_works: list[ProjectWorks] = []


def project_works_register(answer: ProjectWorks) -> None:
    _project_works[:] = [answer]


def project_works(works: QuerySet, *, project_id: int, viewer) -> QuerySet:
    if not _project_works:
        return works.none()  # no projects app: no project took anything in
    return _project_works[0](works, project_id=project_id, viewer=viewer)


def submitting(*, contribution, project_id: int) -> None:
    """Hand an upload to the project it names, inside the upload's transaction."""
    if not contribution_submitting.send(
        sender=type(contribution), contribution=contribution, project_id=project_id
    ):
        raise ValidationError(
            {"project": [_("There is no project #%(id)s to submit to.") % {"id": project_id}]}
        )
