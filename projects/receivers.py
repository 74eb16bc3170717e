"""What projects does when lower apps announce something: an upload submitted to a project,
a closing account leaving its projects."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from hitrec.storage import files_delete_on_commit
from projects.models import Project, ProjectMember, Submission
from projects.selectors import project_visible_to
from projects.services import submission_create


def forget_on_account_closing(sender, *, user, **kwargs) -> None:
    """accounts' `account_closing` (the rules are in accounts.services' module docstring):
    submissions to unreleased projects withdrawn, unreleased projects they own removed,
    memberships other than the producer on record ended."""
    Submission.objects.filter(
        contribution__author=user,
        status__in=[Submission.Status.PENDING, Submission.Status.ACCEPTED],
    ).exclude(project__status__in=[Project.Status.RELEASED, Project.Status.ARCHIVED]).update(
        status=Submission.Status.WITHDRAWN
    )
    unreleased = Project.objects.filter(owner=user, release__isnull=True)
    covers = list(unreleased.exclude(cover="").values_list("cover", flat=True))
    unreleased.delete()
    files_delete_on_commit(covers)
    ProjectMember.objects.filter(user=user).exclude(role=ProjectMember.Role.PRODUCER).delete()


def submit_on_upload(sender, *, contribution, project_id: int, **kwargs) -> bool:
    """contributions' `contribution_submitting`: submit the new work to the project it names
    (in the upload's transaction; a refusal rolls the upload back)."""
    target = project_visible_to(user=contribution.author).filter(pk=project_id).first()
    if target is None:
        raise ValidationError(
            {"project": [_("There is no project #%(id)s to submit to.") % {"id": project_id}]}
        )
    submission_create(project=target, actor=contribution.author, contribution=contribution)
    return True
