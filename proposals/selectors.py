"""Reads of proposals: the split a revision proposes, who may see what, diffs, comments."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from claims.selectors import WorkMatch, works_matches
from contributions.lineage import closure_get
from contributions.models import Contribution
from media.models import CreditMatch
from projects.models import Project
from projects.selectors import is_producer, project_visible_or_404
from proposals.diff import share_diff
from proposals.models import (
    Proposal,
    ProposalComment,
    ProposalPerson,
    ProposalRevision,
)
from royalties.selectors import split_body, split_preview, usernames
from royalties.splits import (
    Credit,
    LineageSnapshot,
    PathIndex,
    Policy,
    SnapshotNode,
    Split,
    SplitInput,
    describe_path,
    format_fraction,
    format_percent,
)

# Paths listed per contribution: enough to explain a share, small enough to store per revision.
PATHS_PER_CONTRIBUTION = 3


def proposed_split(
    *, project: Project, credits: Sequence[tuple[int, Fraction]]
) -> tuple[Split, dict, dict[int, int]]:
    """The split these credits would have if released now: the Split, its body as
    `GET /api/projects/{id}/split/` shows it (plus the lineage `paths` behind each
    contribution), and the author of each contribution in the lineage."""
    split = split_preview(project=project, credits=credits)
    body = split_body(split=split, release_id=None)
    # split_preview keeps its lineage snapshot to itself; the paths need it, so it is read
    # again (one recursive query) in the same terms.
    closure = closure_get(contribution_ids=[cid for cid, _ in credits])
    snapshot = LineageSnapshot(
        nodes={n.id: SnapshotNode(author_id=n.author_id, title=n.title) for n in closure.nodes},
        edges=[(e.source, e.remix) for e in closure.edges],
    )
    index = PathIndex(
        SplitInput(
            credits=[Credit(contribution_id=cid, weight=weight) for cid, weight in credits],
            policy=Policy(
                contributor_pool=project.contributor_pool, upstream_share=project.upstream_share
            ),
            producer_id=project.owner_id,
            snapshot=snapshot,
        )
    )
    body["paths"] = []
    for cid, flow in sorted(split.contributions.items()):
        if not flow.kept:
            continue
        explanation = index.paths_to(cid, limit=PATHS_PER_CONTRIBUTION)
        body["paths"].append(
            {
                "contribution": cid,
                "path_count": explanation.path_count,
                "paths": [
                    {
                        "contributions": list(path.contribution_ids),
                        "description": describe_path(snapshot, path.contribution_ids),
                        "amount": format_fraction(path.amount),
                        "kept": format_fraction(path.kept),
                    }
                    for path in explanation.paths
                ],
            }
        )
    authors = {cid: node.author_id for cid, node in snapshot.nodes.items()}
    return split, body, authors


def split_shares(split_json: dict) -> dict[int, Fraction]:
    """A stored split's shares: person → exact share."""
    return {party["user"]: Fraction(party["share"]) for party in split_json["parties"]}


def same_split(a: dict, b: dict) -> bool:
    """Whether two split bodies give the same shares and flows (names and paths aside)."""

    def key(body: dict):
        return (
            sorted((p["user"], p["share"]) for p in body["parties"]),
            sorted((c["id"], c["received"], c["kept"]) for c in body["contributions"]),
        )

    return key(a) == key(b)


# --- visibility ----------------------------------------------------------------------------


def may_see_withdrawn(*, project: Project, user: User) -> bool:
    return user.is_authenticated and (user.is_staff or is_producer(project=project, user=user))


def proposal_list(*, project: Project, user: User) -> QuerySet[Proposal]:
    """A project's proposals, newest first; withdrawn ones only for its producers (and staff)."""
    proposals = (
        Proposal.objects.filter(project=project)
        .select_related("created_by")
        .annotate(revision_count=Max("revisions__number"))
        .order_by("-created_at", "-id")
    )
    if not may_see_withdrawn(project=project, user=user):
        proposals = proposals.exclude(status=Proposal.Status.WITHDRAWN)
    return proposals


def proposal_visible_or_404(*, user: User, proposal_id: int) -> Proposal:
    """The proposal if its project is visible to this person (and, withdrawn, they produce it)."""
    project_id = (
        Proposal.objects.filter(pk=proposal_id).values_list("project_id", flat=True).first()
    )
    if project_id is None:
        raise Http404(_("No proposal with that id."))
    project = project_visible_or_404(user=user, project_id=project_id)
    proposal = Proposal.objects.select_related("created_by").get(pk=proposal_id)
    proposal.project = project
    if proposal.status == Proposal.Status.WITHDRAWN and not may_see_withdrawn(
        project=project, user=user
    ):
        raise Http404(_("No proposal with that id."))
    return proposal


def open_proposal(*, project: Project) -> Proposal | None:
    return Proposal.objects.filter(project=project, status=Proposal.Status.OPEN).first()


# --- revisions -----------------------------------------------------------------------------


def revision_get(*, proposal: Proposal, number: int | None = None) -> ProposalRevision:
    """One revision (the current one when no number is given), with credits and people."""
    revisions = (
        ProposalRevision.objects.filter(proposal=proposal)
        .select_related("created_by")
        .prefetch_related(
            "credits",
            Prefetch(
                "people",
                queryset=ProposalPerson.objects.select_related("user", "acceptance").order_by(
                    "user_id"
                ),
            ),
        )
    )
    revision = (
        revisions.filter(number=number).first()
        if number is not None
        else revisions.order_by("-number").first()
    )
    if revision is None:
        raise Http404(
            _("Proposal #%(id)s has no revision %(number)s.")
            % {"id": proposal.id, "number": number}
        )
    return revision


def revision_list(*, proposal: Proposal) -> list[ProposalRevision]:
    return list(
        ProposalRevision.objects.filter(proposal=proposal)
        .select_related("created_by")
        .prefetch_related("credits")
        .order_by("number")
    )


def people_waiting(*, revision: ProposalRevision) -> list[ProposalPerson]:
    """The included people who have not accepted this revision yet."""
    return list(
        ProposalPerson.objects.filter(revision=revision, acceptance__isnull=True)
        .select_related("user")
        .order_by("user_id")
    )


def revision_diff(*, before: ProposalRevision, after: ProposalRevision) -> dict:
    """Who gains or loses what from one revision to another, exactly, and what changed."""
    diff = share_diff(split_shares(before.split), split_shares(after.split))
    names = usernames(user_ids=[change.user_id for change in diff.people])
    weights_before = {c.contribution_id: c.weight for c in before.credits.all()}
    weights_after = {c.contribution_id: c.weight for c in after.credits.all()}
    return {
        "from": before.number,
        "to": after.number,
        "people": [
            {
                "user": change.user_id,
                "username": names.get(change.user_id, ""),
                "before": format_fraction(change.before),
                "after": format_fraction(change.after),
                "change": format_fraction(change.change),
                "before_percent": format_percent(change.before),
                "after_percent": format_percent(change.after),
                "change_percent": format_percent(change.change),
                "status": change.status,
            }
            for change in diff.people
        ],
        "added": diff.added,
        "removed": diff.removed,
        "credits": [
            {
                "contribution": cid,
                "before": _weight(weights_before.get(cid)),
                "after": _weight(weights_after.get(cid)),
            }
            for cid in sorted(set(weights_before) | set(weights_after))
            if weights_before.get(cid) != weights_after.get(cid)
        ],
        "policy": {
            "contributor_pool": [
                format_fraction(before.contributor_pool),
                format_fraction(after.contributor_pool),
            ],
            "upstream_share": [
                format_fraction(before.upstream_share),
                format_fraction(after.upstream_share),
            ],
            "commercial": [before.commercial, after.commercial],
        },
    }


def _weight(value: Fraction | None) -> str | None:
    return None if value is None else format_fraction(value)


# --- comments ------------------------------------------------------------------------------


def comment_list(*, proposal: Proposal) -> QuerySet[ProposalComment]:
    """Top-level comments, oldest first, with their replies (and authors) prefetched."""
    replies = ProposalComment.objects.select_related("author", "revision").order_by(
        "created_at", "id"
    )
    return (
        ProposalComment.objects.filter(proposal=proposal, parent__isnull=True)
        .select_related("author", "revision")
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("created_at", "id")
    )


# --- what the credited works may use without crediting it (the credit guard) -------------


@dataclass(frozen=True)
class CreditedWorkMatches:
    """A credited work and the earlier works it probably uses but neither declares nor
    credits through its sources, surest first."""

    work: Contribution
    matches: list[WorkMatch]


def undeclared_matches(*, revision: ProposalRevision) -> list[CreditedWorkMatches]:
    """The revision's credited works that probably use an earlier work they do not credit,
    in id order, each with those works: shown to everyone with the proposal, so the people
    left out can say so before the release. Read as of now, not frozen with the revision (a
    source declared since, or a work fingerprinted since, counts) until the release freezes
    them (`proposal_matches`). A removed credited work
    is left out: what matched would show words it no longer shows. Two queries, whatever
    the number of credits and matches (the revision's credits prefetched, as
    `revision_get` does)."""
    works = list(
        Contribution.objects.filter(
            pk__in=[credit.contribution_id for credit in revision.credits.all()],
            removed_at__isnull=True,
        )
        .only("id", "title", "author_id")
        .order_by("pk")
    )
    found = works_matches(works=works, undeclared=True)
    return [
        CreditedWorkMatches(work=work, matches=found[work.pk]) for work in works if found[work.pk]
    ]


# --- closing -------------------------------------------------------------------------------


def proposals_due(*, now: dt.datetime) -> list[int]:
    """Open proposals whose comment window has ended and that have not met a problem."""
    return list(
        Proposal.objects.filter(status=Proposal.Status.OPEN, window_ends_at__lte=now)
        .filter(Q(close_problem=""))
        .order_by("window_ends_at", "id")
        .values_list("id", flat=True)
    )


# --- who may comment on or accept a proposal (the page asks, the services enforce) ---------


# Why a closed proposal refuses an action: by its status and the action (`doing`).
_CLOSED = {
    ("released", "be revised"): gettext_lazy(
        "This proposal was released; it can no longer be revised."
    ),
    ("released", "be withdrawn"): gettext_lazy(
        "This proposal was released; it can no longer be withdrawn."
    ),
    ("released", "be released"): gettext_lazy(
        "This proposal was released; it can no longer be released."
    ),
    ("released", "take comments"): gettext_lazy(
        "This proposal was released; it can no longer take comments."
    ),
    ("released", "be accepted"): gettext_lazy(
        "This proposal was released; it can no longer be accepted."
    ),
    ("withdrawn", "be revised"): gettext_lazy(
        "This proposal was withdrawn; it can no longer be revised."
    ),
    ("withdrawn", "be withdrawn"): gettext_lazy(
        "This proposal was withdrawn; it can no longer be withdrawn."
    ),
    ("withdrawn", "be released"): gettext_lazy(
        "This proposal was withdrawn; it can no longer be released."
    ),
    ("withdrawn", "take comments"): gettext_lazy(
        "This proposal was withdrawn; it can no longer take comments."
    ),
    ("withdrawn", "be accepted"): gettext_lazy(
        "This proposal was withdrawn; it can no longer be accepted."
    ),
}


def proposal_closed_refusal(*, proposal: Proposal, doing: str) -> ValidationError | None:
    """Why an open proposal's action (`doing`: "be revised", "be withdrawn", "be released",
    "take comments" or "be accepted") is refused once it closed."""
    if proposal.status != Proposal.Status.OPEN:
        message = _CLOSED.get((proposal.status, doing))
        if message is None:  # an action or status this table does not know yet: in English
            return ValidationError(
                f"This proposal was {proposal.status}; it can no longer {doing}."
            )
        return ValidationError(str(message))
    return None


def proposal_comment_refusal(
    *, proposal: Proposal, user: User | AnonymousUser
) -> ValidationError | PermissionDenied | None:
    """Why `user` may not comment on the proposal now, or None: anyone signed in comments
    while it is open and its window has not ended."""
    if not user.is_authenticated:
        return PermissionDenied(_("Sign in to comment."))
    closed = proposal_closed_refusal(proposal=proposal, doing="take comments")
    if closed is not None:
        return closed
    if proposal.window_ends_at <= timezone.now():
        return ValidationError(
            _("The comment window ended at %(moment)s.")
            % {"moment": f"{proposal.window_ends_at:%Y-%m-%d %H:%M %Z}"}
        )
    return None


def proposal_accept_refusal(
    *, proposal: Proposal, user: User | AnonymousUser
) -> ValidationError | PermissionDenied | None:
    """Why `user` may not accept the proposal's current revision, or None: the people whose
    work is in it accept it while it is open (again, harmlessly)."""
    closed = proposal_closed_refusal(proposal=proposal, doing="be accepted")
    if closed is not None:
        return closed
    revision = proposal.revisions.order_by("-number").first()
    if (
        not user.is_authenticated
        or not ProposalPerson.objects.filter(revision=revision, user_id=user.id).exists()
    ):
        return PermissionDenied(
            _("Only the people whose work is in this proposal's current revision can accept it.")
        )
    return None


def proposal_matches(
    *, proposal: Proposal, revision: ProposalRevision
) -> list[CreditedWorkMatches]:
    """What a proposal shows of its credited works' undeclared matches: as of now while it
    is open (`undeclared_matches`); once released, as they stood when the producers
    released it, so the record keeps what they released with in front of everyone, even
    after a claim accepted later adds the source (which the next release pays)."""
    if proposal.status == Proposal.Status.RELEASED and proposal.matches_at_release is not None:
        return matches_thawed(proposal.matches_at_release)
    return undeclared_matches(revision=revision)


def matches_frozen(rows: list[CreditedWorkMatches]) -> list[dict]:
    """`undeclared_matches` as plain data, kept on the proposal at its release."""
    return [
        {
            "work": {"id": row.work.id, "title": row.work.title, "author": row.work.author_id},
            "matches": [
                {
                    "earlier": {
                        "id": found.earlier.id,
                        "title": found.earlier.title,
                        "kind": found.earlier.kind,
                        "license": found.earlier.license,
                        "author": {
                            "id": found.earlier.author.id,
                            "username": found.earlier.author.username,
                            "display_name": found.earlier.author.display_name,
                        },
                    },
                    "kind": found.match.kind,
                    "score": found.match.score,
                    "detail": found.match.detail,
                    "own": found.own,
                }
                for found in row.matches
            ],
        }
        for row in rows
    ]


def matches_thawed(data: list[dict]) -> list[CreditedWorkMatches]:
    """`matches_frozen`'s data as the objects the page and the API show (unsaved: a record
    of then, not rows of now)."""
    rows = []
    for row in data:
        work = Contribution(id=row["work"]["id"], title=row["work"]["title"])
        work.author_id = row["work"]["author"]
        found = []
        for m in row["matches"]:
            earlier = Contribution(
                id=m["earlier"]["id"],
                title=m["earlier"]["title"],
                kind=m["earlier"]["kind"],
                license=m["earlier"]["license"],
                author=User(**m["earlier"]["author"]),
            )
            match = CreditMatch(
                work_id=work.id, earlier_id=earlier.id, kind=m["kind"], score=m["score"],
                detail=m["detail"],
            )  # fmt: skip
            found.append(
                WorkMatch(
                    match=match, earlier=earlier, own=m["own"], declared=False, in_lineage=False
                )
            )
        rows.append(CreditedWorkMatches(work=work, matches=found))
    return rows
