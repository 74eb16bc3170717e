"""Reads of the credit guard: who may see a work's matches, and the matches themselves."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q

from accounts.models import User
from contributions.models import Ancestry, Contribution, RemixLink
from media.models import CreditMatch
from projects.models import Project, ProjectMember, Submission


def matches_visible_to(*, work: Contribution, user: User | AnonymousUser) -> bool:
    """Fingerprints and matches are never public: the work's author, staff, and the producers
    of a project that took the work in (accepted it, or added it as a resource) see them."""
    if not user.is_authenticated:
        return False
    if user.is_staff or work.author_id == user.id:
        return True
    took_it_in = Submission.objects.filter(
        contribution=work, status=Submission.Status.ACCEPTED
    ).values("project_id")
    return Project.objects.filter(
        Q(owner=user)
        | Exists(
            ProjectMember.objects.filter(
                project=OuterRef("pk"), user=user, accepted_at__isnull=False
            )
        ),
        pk__in=took_it_in,
    ).exists()


@dataclass(frozen=True)
class WorkMatch:
    """An earlier work `work` probably uses, with how it stands: the work's own author's
    (`own`), already a declared source (`declared`), or credited through a source's own
    sources (`in_lineage`)."""

    match: CreditMatch
    earlier: Contribution
    own: bool
    declared: bool
    in_lineage: bool


def work_matches(*, work: Contribution) -> list[WorkMatch]:
    """The earlier works `work` probably uses, surest first; taken-down works left out. Own
    works and declared sources are marked, not hidden. Two queries, whatever their number."""
    matches = (
        CreditMatch.objects.filter(work=work, earlier__removed_at__isnull=True)
        .select_related("earlier", "earlier__author")
        .annotate(
            declared=Exists(
                RemixLink.objects.filter(remix_id=work.pk, source_id=OuterRef("earlier_id"))
            ),
            in_lineage=Exists(
                Ancestry.objects.filter(descendant_id=work.pk, ancestor_id=OuterRef("earlier_id"))
            ),
        )
        .order_by("-score", "earlier_id", "kind")
    )
    return [
        WorkMatch(
            match=m,
            earlier=m.earlier,
            own=m.earlier.author_id == work.author_id,
            declared=m.declared,
            in_lineage=m.in_lineage,
        )
        for m in matches
    ]
