"""Reads of contributions: the public list with its filters, one contribution, upstream credits."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import cast

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import Exists, JSONField, OuterRef, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import User
from contributions.extensions import project_works
from contributions.licenses import Work, commercial_licenses, licenses_remixable_into
from contributions.lineage import lineage_get
from contributions.models import Contribution, ContributionQuerySet, ContributionTag, RemixLink
from contributions.search import works_matching
from contributions.tagged_page import TagListedCount
from hitrec.messages import ExplainedError
from hitrec.search import query_parsed
from hitrec.tags import tags_normalised


def contribution_queryset() -> QuerySet[Contribution]:
    """Contributions with everything the API shows, in a fixed number of queries: the work,
    its author and counts in one, its renditions in a second. Its tags and its sources' ids
    come with the work as lists (`tag_names`, `source_ids`): a page of 20 works would
    otherwise build some 200 tag objects in two more queries to read their names."""
    return (
        Contribution.objects.select_related("author", "lineage_counts")
        .prefetch_related("renditions")  # media's; in their order (role, width, name)
        .annotate(tag_names=_listed("tags"), source_ids=_listed("sources"))
        .defer("text")
    )


# (table, the work's column, the value listed, its order), for `_listed`.
_LISTS = {
    "tags": ("contributions_contributiontag", "contribution_id", "name", "id"),
    "sources": ("contributions_remixlink", "remix_id", "source_id", "source_id"),
}


def _listed(what: str) -> Subquery | RawSQL:
    """A work's tag names (as the author gave them) or source ids (in id order), as a list
    read in the work's own row: PostgreSQL's ARRAY(subquery), SQLite's json_group_array."""
    table, work, value, order = _LISTS[what]
    if connection.vendor == "postgresql":
        model = ContributionTag if what == "tags" else RemixLink
        rows = model.objects.filter(**{work: OuterRef("pk")}).order_by(order).values(value)
        return ArraySubquery(rows)
    # The table names are this module's constants; the outer row is the list's own table.
    return RawSQL(  # noqa: S611
        f"(SELECT json_group_array(x.v) FROM (SELECT t.{value} AS v FROM {table} t"  # noqa: S608
        f" WHERE t.{work} = contributions_contribution.id ORDER BY t.{order}) x)",
        [],
        output_field=JSONField(),
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
    names = tags_normalised(tags) if tags else []
    if names and _read_off_the_tag_rows(
        kind, author, duration_min, duration_max, project, search, ordering
    ):
        return _tagged_list(
            qs,
            names=names,
            licenses=_licenses_asked(license, commercial, remixable_into),
            created_after=created_after,
            created_before=created_before,
        )
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
    for tag in names:
        # Every tag must be on the work: one EXISTS each, read off the (work, name) index.
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


def _read_off_the_tag_rows(*others) -> bool:
    """A tagged list asks nothing the tag rows cannot answer (its licences, creation days and
    presence are on them) and comes newest first: `_tagged_list` reads it."""
    *filters, ordering = others
    return all(value is None or value == "" for value in filters) and ordering in (
        None,
        "-created_at",
    )


def _licenses_asked(
    license: str | None, commercial: bool, remixable_into: str | None
) -> list[set[str]]:
    """Each licence filter as the set of licences it lets through (all must let one through)."""
    asked = []
    if license:
        asked.append({license})
    if commercial:
        asked.append(set(commercial_licenses()))
    if remixable_into:
        asked.append(set(licenses_remixable_into(remixable_into)))
    return asked


def _tagged_list(
    works: QuerySet[Contribution],
    *,
    names: list[str],
    licenses: list[set[str]],
    created_after: date | None,
    created_before: date | None,
) -> QuerySet[Contribution]:
    """The works carrying every tag of `names`, newest first, read off the first tag's rows.

    Its rows carry their work's licence, creation time and presence (contributions/
    tag_facts.py), so its partial indexes give the page newest first, stopping after it, and
    the count without reading a work: at a million works a popular tag is on a tenth of
    them, and the works table would be read for each (docs/decisions.md, "Tags and licences
    at a million works"). The works' own columns are filtered too: the same answer, and
    twenty probes for a page.
    """
    first, others = names[0], names[1:]
    on_first: dict[str, object] = {"name": first, "listed": True}
    if licenses:
        allowed = sorted(set.intersection(*licenses))
        # One licence as an equality: the index then still yields its rows newest first.
        if len(allowed) == 1:
            on_first["license"] = allowed[0]
        else:
            on_first["license__in"] = allowed
        works = works.filter(license__in=allowed)
    if created_after:
        on_first["created_at__gte"] = _day_starts(created_after)
        works = works.filter(created_at__gte=on_first["created_at__gte"])
    if created_before:
        on_first["created_at__lt"] = _day_starts(created_before + timedelta(days=1))
        works = works.filter(created_at__lt=on_first["created_at__lt"])
    rows = ContributionTag.objects.filter(**on_first)
    for other in others:
        has_it = ContributionTag.objects.filter(contribution=OuterRef("contribution"), name=other)
        rows = rows.filter(Exists(has_it))
        works = works.filter(
            Exists(ContributionTag.objects.filter(contribution=OuterRef("pk"), name=other))
        )
    # One join to the first tag's rows, filtered and ordered on them: the planner walks their
    # index newest first.
    works = works.filter(**{f"tags__{field}": value for field, value in on_first.items()})
    newest = cast(
        ContributionQuerySet, works.order_by("-tags__created_at", "-tags__contribution_id")
    )
    if not others and not created_after and not created_before:
        # One tag under some licences (or any): its count kept per (tag, licence), O(1)
        # instead of reading a popular tag's every row (contributions/tag_facts.py).
        kept = TagListedCount(first, tuple(allowed) if licenses else None)
        return newest.counted_from(cast(QuerySet, kept))
    return newest.counted_from(rows)


def _day_starts(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def contribution_get(*, contribution_id: int) -> Contribution | None:
    """One contribution as `contribution_queryset` reads them, its body included."""
    return contribution_queryset().defer(None).filter(pk=contribution_id).first()


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


def sources_declared(*, pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Those (remix, source) pairs of works where the remix names the source: one query."""
    if not pairs:
        return set()
    links = RemixLink.objects.filter(
        remix_id__in={remix for remix, _ in pairs}, source_id__in={source for _, source in pairs}
    ).values_list("remix_id", "source_id")
    return set(links) & pairs


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
