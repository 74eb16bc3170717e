"""Reads of projects: who produces a project, what a person may see, lists and the release."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from contributions.licenses import LICENSES
from contributions.lineage import LineageClosure
from contributions.models import Contribution, RemixLink
from projects.models import Ask, Project, ProjectMember, Submission

if TYPE_CHECKING:
    from projects.services import CreditInput

PUBLIC_STATUSES = (Project.Status.OPEN, Project.Status.RELEASED, Project.Status.ARCHIVED)


def is_producer(*, project: Project, user: User) -> bool:
    """The owner, or a co-producer who accepted the invitation."""
    if not user.is_authenticated:
        return False
    if project.owner_id == user.id:
        return True
    return ProjectMember.objects.filter(
        project=project, user=user, accepted_at__isnull=False
    ).exists()


def project_visible_to(*, user: User) -> QuerySet[Project]:
    """Open, released and archived projects for everyone; drafts for their members."""
    visible = Q(status__in=PUBLIC_STATUSES)
    if user.is_authenticated:
        visible |= Q(members__user=user)
        if user.is_staff:
            visible = Q()
    return Project.objects.filter(visible).distinct()


def project_works(works: QuerySet, *, project_id: int, viewer: User) -> QuerySet:
    """Of `works`, those the project took in (accepted submissions and resources), if the
    viewer may see the project; none otherwise (contributions' list, `?project=`)."""
    if not project_visible_to(user=viewer).filter(pk=project_id).exists():
        return works.none()
    return works.filter(submissions__project_id=project_id, submissions__status="accepted")


def project_list(
    *, user: User, status: str | None = None, mine: bool = False, has_open_ask: bool = False
) -> QuerySet[Project]:
    """The projects this person may see, newest first; `has_open_ask`: those still asking
    for something (a remixer looking for where their work is wanted)."""
    projects = project_visible_to(user=user).select_related("owner")
    if status:
        projects = projects.filter(status=status)
    if has_open_ask:
        projects = projects.filter(
            Exists(Ask.objects.filter(project=OuterRef("pk"), status=Ask.Status.OPEN))
        )
    if mine and user.is_authenticated:
        projects = projects.filter(members__user=user)
    return projects.order_by("-created_at", "-id")


def submission_list(*, project: Project, user: User) -> QuerySet[Submission]:
    """Producers (and staff) see every submission; an artist sees their own and accepted ones."""
    submissions = Submission.objects.filter(project=project).select_related(
        "contribution", "contribution__author", "submitted_by", "ask"
    )
    if user.is_staff or is_producer(project=project, user=user):
        return submissions
    visible = Q(status=Submission.Status.ACCEPTED)
    if user.is_authenticated:
        visible |= Q(submitted_by=user)
    return submissions.filter(visible)


def project_visible_or_404(*, user: User, project_id: int) -> Project:
    """The project if this person may see it; otherwise a 404 that reveals nothing (a draft
    someone else owns is indistinguishable from no project at all)."""
    project = project_visible_to(user=user).select_related("owner").filter(pk=project_id).first()
    if project is None:
        raise Http404(_("No project with that id."))
    return project


def release_credit_problems(*, project: Project, credits: Sequence["CreditInput"]) -> list[str]:
    """What is wrong with these credits for releasing the project (empty: nothing)."""
    problems: list[str] = []
    ids = [credit.contribution for credit in credits]
    for contribution_id in {i for i in ids if ids.count(i) > 1}:
        problems.append(
            _("#%(id)s is credited twice; credit each contribution once.") % {"id": contribution_id}
        )
    for credit in credits:
        if credit.weight <= 0:
            problems.append(
                _("The weight of #%(id)s must be positive.") % {"id": credit.contribution}
            )
    accepted = {
        submission.contribution_id: submission.contribution
        for submission in Submission.objects.filter(
            project=project, contribution_id__in=ids, status=Submission.Status.ACCEPTED
        ).select_related("contribution")
    }
    for contribution_id in dict.fromkeys(ids):
        contribution = accepted.get(contribution_id)
        if contribution is None:
            problems.append(
                _("#%(id)s is not an accepted submission or resource of this project.")
                % {"id": contribution_id}
            )
        elif contribution.is_removed:
            problems.append(
                _("“%(title)s” (#%(id)s) was deleted by its author.")
                % {"title": contribution.title, "id": contribution.id}
            )
        elif contribution.status != Contribution.Status.READY:
            problems.append(
                # Translators: %(status)s is the work's processing status as stored: pending,
                # processing or failed.
                _(
                    "“%(title)s” (#%(id)s) is %(status)s, not ready: wait until it has been "
                    "processed."
                )
                % {
                    "title": contribution.title,
                    "id": contribution.id,
                    "status": contribution.status,
                }
            )
    return problems


def _most_restrictive(licenses: Sequence[str]) -> str:
    # A use that forbade commercial release binds the release, whatever the others allowed.
    return min(
        sorted(licenses),
        key=lambda slug: LICENSES[slug].commercial if slug in LICENSES else False,
    )


def licenses_as_agreed(*, project: Project, closure: LineageClosure) -> dict[int, str]:
    """The licence each work of a release's lineage is used under (docs/decisions.md):

    a credited work's as the project took it in (accepted or added as a resource), a source's
    as it was when each remix in this lineage was made from it; where a work has several such
    uses, the most restrictive; a work with no recorded use, its licence now. A change of
    licence therefore applies to new uses only. Three queries whatever the lineage's size.
    """
    ids = [node.id for node in closure.nodes]
    uses: dict[int, list[str]] = {}
    taken_in = (
        Submission.objects.filter(
            project=project, status=Submission.Status.ACCEPTED, contribution_id__in=ids
        )
        .exclude(license="")
        .values_list("contribution_id", "license")
    )
    for contribution_id, license in taken_in:
        uses.setdefault(contribution_id, []).append(license)
    edges = {(edge.source, edge.remix) for edge in closure.edges}
    links = (
        RemixLink.objects.filter(source_id__in=ids, remix_id__in=ids)
        .exclude(source_license="")
        .values_list("source_id", "remix_id", "source_license")
    )
    for source_id, remix_id, license in links:
        if (source_id, remix_id) in edges:
            uses.setdefault(source_id, []).append(license)
    now = dict(Contribution.objects.filter(id__in=ids).values_list("id", "license"))
    return {
        node_id: _most_restrictive(uses[node_id]) if node_id in uses else now[node_id]
        for node_id in ids
    }


def projects_that_took_in(*, contribution_id: int) -> int:
    """How many projects took this work in (accepted it, or added it as a resource)."""
    return (
        Submission.objects.filter(
            contribution_id=contribution_id, status=Submission.Status.ACCEPTED
        )
        .values("project_id")
        .distinct()
        .count()
    )
