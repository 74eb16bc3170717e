"""What projects does when accounts announce something: a closing account leaves its projects."""

from hitrec.storage import files_delete_on_commit
from projects.models import Project, ProjectMember, Submission


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
