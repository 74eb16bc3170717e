"""Reads of the credit guard: who may see a work's matches, and the matches themselves."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import User
from claims.models import Claim
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
    works and declared sources are marked, not hidden. One query, whatever their number."""
    return works_matches(works=[work])[work.pk]


def works_matches(
    *, works: Iterable[Contribution], undeclared: bool = False
) -> dict[int, list[WorkMatch]]:
    """`work_matches` of several works at once, by work id (one query); `undeclared`: only
    the earlier works that are neither a declared source nor credited through the lineage,
    which a producer is asked to look at before a release."""
    by_id = {work.pk: work for work in works}
    matches = (
        CreditMatch.objects.filter(work_id__in=by_id, earlier__removed_at__isnull=True)
        .select_related("earlier", "earlier__author")
        .annotate(
            declared=Exists(
                RemixLink.objects.filter(
                    remix_id=OuterRef("work_id"), source_id=OuterRef("earlier_id")
                )
            ),
            in_lineage=Exists(
                Ancestry.objects.filter(
                    descendant_id=OuterRef("work_id"), ancestor_id=OuterRef("earlier_id")
                )
            ),
        )
        .order_by("work_id", "-score", "earlier_id", "kind")
    )
    if undeclared:
        matches = matches.filter(declared=False, in_lineage=False)
    found: dict[int, list[WorkMatch]] = {pk: [] for pk in by_id}
    for m in matches:
        found[m.work_id].append(
            WorkMatch(
                match=m,
                earlier=m.earlier,
                own=m.earlier.author_id == by_id[m.work_id].author_id,
                declared=m.declared,
                in_lineage=m.in_lineage,
            )
        )
    return found


# --- claims --------------------------------------------------------------------------------


def _claims_read() -> QuerySet[Claim]:
    """Claims with what a list shows of them (both works, their authors, the claimant, the
    decider), in one query."""
    return Claim.objects.select_related(
        "work__author", "earlier__author", "claimant", "decided_by"
    ).order_by("-id")


def claim_list(*, user: User, status: str | None = None, mine: bool = False) -> QuerySet[Claim]:
    """The claims a person sees, newest first: those they made and those on their works;
    staff see every claim (their queue is `status="open"`) unless they ask for `mine`."""
    claims = _claims_read()
    if mine or not user.is_staff:
        claims = claims.filter(Q(claimant=user) | Q(work__author=user))
    if status is not None:
        claims = claims.filter(status=status)
    return claims


def claim_visible(*, user: User | AnonymousUser, claim_id: int) -> Claim | None:
    """One claim, for its claimant, the author of the work it is on, and staff; for anyone
    else it does not exist (a claim says what a work probably uses, which is never public)."""
    if not user.is_authenticated:
        return None
    return claim_list(user=user).filter(pk=claim_id).first()
