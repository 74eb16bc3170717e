"""Reads of contributions: the public list with its filters, one contribution, upstream credits."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from accounts.models import User
from contributions.extensions import project_works
from contributions.licenses import Work, commercial_licenses, licenses_remixable_into
from contributions.lineage import lineage_get
from contributions.models import Contribution, ContributionTag
from contributions.search import works_matching
from hitrec.messages import ExplainedError
from hitrec.search import query_parsed
from hitrec.tags import tags_normalised


def contribution_queryset() -> QuerySet[Contribution]:
    """Contributions with everything the API shows, in a fixed number of queries."""
    return (
        Contribution.objects.select_related("author", "lineage_counts")
        .prefetch_related(
            Prefetch("sources", queryset=Contribution.objects.only("id").order_by("id")),
            "renditions",  # media's; in their own order (role, width, name) within a work
            "tags",
        )
        .defer("text")
    )


def contribution_list(
    *,
    kind: str | None = None,
    author: str | None = None,
    license: str | None = None,
    search: str | None = None,
    project: int | None = None,
    tags: Sequence[str] = (),
    commercial: bool = False,
    remixable_into: str | None = None,
    duration_min: float | None = None,
    duration_max: float | None = None,
    created_after: date | None = None,
    created_before: date | None = None,
    ordering: str | None = None,
    viewer: User | AnonymousUser | None = None,
) -> QuerySet[Contribution]:
    """Public contributions, newest first unless the reader chooses another order; with a
    `search`, most relevant first (contributions/search.py; nothing for a search with no
    word to look for, which the API refuses first).

    What a remixer asks of a source: `commercial`, usable in a commercial release;
    `remixable_into`, may be a source of a remix under that licence (the rules of
    contributions/licenses.py); a duration in seconds (audio and video; works without one
    are left out by either bound); created on or after one day and on or before another
    (whole days in the site's time zone).

    Filtered by `project`, only if the `viewer` may see that project: what a draft has taken
    in is its team's business (a draft is answered like a project with no work).
    """
    qs = contribution_queryset().filter(removed_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    if author:
        # An id if it can be one (ASCII digits, 64-bit), else a username.
        is_id = author.isascii() and author.isdigit() and int(author) < 2**63
        qs = (
            qs.filter(author_id=int(author))
            if is_id
            else qs.filter(author__username__iexact=author)
        )
    if license:
        qs = qs.filter(license=license)
    if commercial:
        qs = qs.filter(license__in=commercial_licenses())
    if remixable_into:
        qs = qs.filter(license__in=licenses_remixable_into(remixable_into))
    if duration_min is not None:
        qs = qs.filter(duration_s__gte=duration_min)
    if duration_max is not None:
        qs = qs.filter(duration_s__lte=duration_max)
    if created_after:
        qs = qs.filter(created_at__gte=_day_starts(created_after))
    if created_before:
        qs = qs.filter(created_at__lt=_day_starts(created_before + timedelta(days=1)))
    for tag in tags_normalised(tags) if tags else ():
        # Every tag must be on the work: one EXISTS each, read off the (name, work) index.
        qs = qs.filter(
            Exists(ContributionTag.objects.filter(contribution=OuterRef("pk"), name=tag))
        )
    if project:
        qs = project_works(qs, project_id=project, viewer=viewer or AnonymousUser())
    if search:
        try:
            query = query_parsed(search)
        except ExplainedError:
            return qs.none()
        # Last, so that the search ranks the newest matches among the works filtered.
        qs = works_matching(qs, query=query)
        if ordering is None:
            return qs.order_by("-search_rank", "-id")
    ordering = ordering or "-created_at"
    return qs.order_by(ordering, "-id" if ordering.startswith("-") else "id")


def _day_starts(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def contribution_get(*, contribution_id: int) -> Contribution | None:
    return (
        Contribution.objects.select_related("author", "lineage_counts")
        .prefetch_related(
            Prefetch("sources", queryset=Contribution.objects.only("id").order_by("id")),
            "renditions",  # media's; in their own order (role, width, name) within a work
            "tags",
        )
        .filter(pk=contribution_id)
        .first()
    )


@dataclass(frozen=True)
class CreditedWork:
    id: int
    title: str
    license: str
    depth: int
    removed: bool


@dataclass(frozen=True)
class Credit:
    user_id: int
    username: str
    display_name: str
    works: list[CreditedWork]


def upstream_credits(*, contribution_id: int) -> list[Credit]:
    """Everyone whose work this one builds on, nearest first: the attribution CC requires."""
    lineage = lineage_get(contribution_id=contribution_id, direction="up")
    ancestors = [node for node in lineage.nodes if node.direction == "up"]
    licenses = dict(
        Contribution.objects.filter(id__in=[n.id for n in ancestors]).values_list("id", "license")
    )
    names = dict(
        User.objects.filter(id__in={n.author_id for n in ancestors}).values_list(
            "id", "display_name"
        )
    )
    by_author: dict[int, list] = {}
    for node in ancestors:
        by_author.setdefault(node.author_id, []).append(node)
    credits = [
        Credit(
            user_id=author_id,
            username=nodes[0].author_username,
            display_name=names.get(author_id, "") or nodes[0].author_username,
            works=[
                CreditedWork(n.id, n.title, licenses[n.id], n.depth, n.removed)
                for n in sorted(nodes, key=lambda n: (n.depth, n.id))
            ],
        )
        for author_id, nodes in by_author.items()
    ]
    return sorted(credits, key=lambda c: (c.works[0].depth, c.works[0].id))


def contributions_in_order(*, ids: Sequence[int]) -> list[Contribution]:
    """The contributions with these ids, in the order given, with their authors (the works
    an upload names as its sources); ids of no contribution are left out."""
    found = {c.id: c for c in Contribution.objects.filter(id__in=ids).select_related("author")}
    return [found[i] for i in ids if i in found]


def works_of(contributions: Iterable[Contribution]) -> list[Work]:
    """What the licence rules read of each contribution."""
    return [Work(id=c.id, title=c.title, license=c.license) for c in contributions]


@dataclass(frozen=True)
class OriginalDownload:
    """What `GET …/original` sends: the stored file, and the name to save it under."""

    stored_name: str
    filename: str


def original_download(
    *, user: User | AnonymousUser, contribution: Contribution
) -> OriginalDownload | None:
    """The file `user` downloads as the work's original: as uploaded for its author and
    staff; for everyone else the copy the pipeline made without its metadata (so no location
    leaves the upload), which exists once the work is processed (None until then)."""
    filename = contribution.original_name or contribution.file.name.rsplit("/", 1)[-1]
    if user.is_authenticated and (user.id == contribution.author_id or user.is_staff):
        return OriginalDownload(contribution.file.name, filename)
    # media's clean rendition, read through the relation (contributions sits below media).
    clean = next((r for r in contribution.renditions.all() if r.role == "clean"), None)
    return OriginalDownload(clean.file.name, filename) if clean is not None else None
