"""Who hears of each event, and in what words: a remix, an ask, a decision, a release,
revenue, a statement, a cost, a mention, a payment proposal's steps."""

import hashlib
from collections.abc import Callable, Sequence

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.text import Truncator

from accounts.models import User
from community.selectors import project_followers
from contributions.models import Contribution
from notifications.mentions import mention_candidates
from notifications.models import Kind
from notifications.services.recording import notifications_record, titles_quoted
from projects.models import Ask, ProjectMember, Release, ReleaseNode, Submission
from projects.selectors import PUBLIC_STATUSES
from proposals.models import (
    Proposal,
    ProposalAcceptance,
    ProposalComment,
    ProposalPerson,
    ProposalRevision,
)
from royalties.models import Allocation, ProductionCost, RevenueEvent, Statement
from royalties.money import format_minor
from royalties.splits import format_percent

MAX_MENTIONS = 20


def notify_remixed(*, remix_id: int, source_ids: Sequence[int]) -> int:
    """Each author of a newly named source learns that their work was remixed."""
    remix = Contribution.objects.select_related("author").filter(pk=remix_id).first()
    if remix is None or not source_ids:
        return 0
    by_author: dict[int, list[Contribution]] = {}
    for source in Contribution.objects.filter(id__in=source_ids).order_by("id"):
        by_author.setdefault(source.author_id, []).append(source)
    recorded = 0
    for author_id, sources in by_author.items():
        recorded += notifications_record(
            kind=Kind.REMIXED,
            key=f"remixed:{remix.id}:{sources[0].id}",
            actor_id=remix.author_id,
            link=f"/contributions/{remix.id}/",
            texts={
                author_id: f"{remix.author.username} remixed your "
                f"{titles_quoted([s.title for s in sources])} in “{remix.title}”."
            },
        )
    return recorded


def notify_ask_posted(*, ask_id: int, actor_id: int) -> int:
    """The followers of a project learn what it now asks for."""
    ask = Ask.objects.select_related("project").filter(pk=ask_id).first()
    if ask is None:
        return 0
    project = ask.project
    followers = project_followers(project_id=project.id)
    if project.status not in PUBLIC_STATUSES:
        # A draft is seen by its members (and staff) only; so are its asks.
        followers = followers.filter(Q(project_memberships__project=project) | Q(is_staff=True))
    text = (
        f"“{project.title}” asks for {ask.kind} ({ask.quantity}): "
        f"{Truncator(ask.description).chars(200)}"
    )
    return notifications_record(
        kind=Kind.ASK_POSTED,
        key=f"ask:{ask.id}",
        actor_id=actor_id,
        link=f"/projects/{project.id}/",
        texts=dict.fromkeys(followers.values_list("id", flat=True), text),
    )


def notify_submission_decided(*, submission_id: int) -> int:
    """The artist learns that their submission was accepted or declined, with the note."""
    submission = (
        Submission.objects.select_related("project", "contribution")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None or submission.status not in ("accepted", "declined"):
        return 0
    text = (
        f"“{submission.project.title}” {submission.status} your “{submission.contribution.title}”."
    )
    if submission.decision_note:
        text += f" Note: {Truncator(submission.decision_note).chars(300)}"
    return notifications_record(
        kind=Kind.SUBMISSION_DECIDED,
        key=f"submission:{submission.id}:{submission.status}",
        actor_id=submission.decided_by_id,
        link=f"/projects/{submission.project_id}/",
        texts={submission.submitted_by_id: text},
    )


def notify_released(*, release_id: int) -> int:
    """Everyone whose work is in the frozen lineage learns that the project was released."""
    release = Release.objects.select_related("project").filter(pk=release_id).first()
    if release is None:
        return 0

    if Proposal.objects.filter(release=release).exists():
        # A proposal became this release: its own notification tells the same people, with
        # their share (notify_proposal_released); one message, not two.
        return 0
    titles: dict[int, list[str]] = {}
    for author_id, title in (
        ReleaseNode.objects.filter(release=release)
        .order_by("depth", "contribution_id")
        .values_list("author_id", "title")
    ):
        titles.setdefault(author_id, []).append(title)
    project = release.project
    return notifications_record(
        kind=Kind.RELEASED,
        key=f"released:{release.id}",
        actor_id=release.released_by_id,
        link=f"/projects/{project.id}/",
        texts={
            author_id: f"“{project.title}” was released; you are credited for {titles_quoted(works)}."
            for author_id, works in titles.items()
        },
    )


def notify_revenue(*, event_id: int) -> int:
    """Everyone allocated a part of a revenue event learns how much."""
    event = RevenueEvent.objects.select_related("project").filter(pk=event_id).first()
    if event is None:
        return 0
    currency = event.currency
    # Each person's own part only: the project's total is shown to its producers alone.
    parts = Allocation.objects.filter(event=event, amount_minor__gt=0).values_list(
        "user_id", "amount_minor"
    )
    return notifications_record(
        kind=Kind.REVENUE,
        key=f"revenue:{event.id}",
        actor_id=event.recorded_by_id,
        link="/dashboard/",
        texts={
            user_id: f"Revenue was recorded for “{event.project.title}”: your part is "
            f"{format_minor(amount, currency=currency)} {currency}."
            for user_id, amount in parts
        },
    )


def notify_statement_issued(*, statement_id: int) -> int:
    """The person learns that their statement was issued, and what it pays."""
    statement = Statement.objects.filter(pk=statement_id).first()
    if statement is None:
        return 0
    currency = statement.currency
    if statement.payable_minor:
        outcome = f"{format_minor(statement.payable_minor, currency=currency)} {currency} payable"
    else:
        carried = format_minor(statement.carried_forward_minor, currency=currency)
        outcome = f"{carried} {currency} carried forward (below the payout threshold)"
    return notifications_record(
        kind=Kind.STATEMENT_ISSUED,
        key=f"statement:{statement.id}",
        actor_id=None,
        link="/dashboard/",
        texts={
            statement.user_id: f"Your {statement.period:%B %Y} statement ({currency}) was "
            f"issued: {outcome}."
        },
    )


def mentioned_users(*, text: str, actor_id: int | None) -> list[User]:
    """The existing people `text` mentions, each once, in order, not the actor, at most 20."""
    # A text full of @s costs one bounded query, whatever it holds.
    candidates = mention_candidates(text)[: MAX_MENTIONS * 5]
    names = {name.lower() for options in candidates for name in options}
    if not names:
        return []
    found = {
        user.lowered: user
        for user in User.objects.annotate(lowered=Lower("username")).filter(
            lowered__in=names, is_active=True
        )
    }
    people: dict[int, User] = {}
    for options in candidates:
        user = next((found[name.lower()] for name in options if name.lower() in found), None)
        if user is not None and user.id != actor_id:
            people.setdefault(user.id, user)
    return list(people.values())[:MAX_MENTIONS]


def notify_mentioned(*, text: str, actor_id: int, url: str, where: str) -> int:
    """Everyone mentioned with `@username` in a text (a comment) is told where."""
    actor = User.objects.filter(pk=actor_id).first()
    if actor is None:
        return 0
    people = mentioned_users(text=text, actor_id=actor_id)
    # Only a path on this site: the link is shown in the app and in emails.
    link = url if url.startswith("/") and not url.startswith("//") else ""
    digest = hashlib.sha256(f"{url}\x1f{where}\x1f{text}".encode()).hexdigest()[:40]
    excerpt = Truncator(text).chars(140)
    return notifications_record(
        kind=Kind.MENTION,
        key=f"mention:{digest}",
        actor_id=actor_id,
        link=link,
        texts={
            person.id: f"{actor.username} mentioned you in {where}: “{excerpt}”"
            for person in people
        },
    )


def _proposal_link(proposal_id: int, anchor: str = "") -> str:
    from django.urls import reverse

    return reverse("proposals:proposal", args=[proposal_id]) + anchor


def _share_words(share: str) -> str:
    from fractions import Fraction

    return f"{share} ({format_percent(Fraction(share))}%)"


def _producer_ids(project_id: int) -> list[int]:
    return list(
        ProjectMember.objects.filter(project_id=project_id, accepted_at__isnull=False)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def _revision_with_project(revision_id: int) -> ProposalRevision | None:
    """A proposal revision with its proposal and project, if it still exists."""
    return (
        ProposalRevision.objects.select_related("proposal__project").filter(pk=revision_id).first()
    )


def notify_proposal_published(*, revision_id: int) -> int:
    """Everyone whose work is in a new payment proposal learns their share and the deadline."""
    revision = _revision_with_project(revision_id)
    if revision is None:
        return 0
    proposal = revision.proposal
    title = proposal.project.title
    return notifications_record(
        kind=Kind.PROPOSAL_PUBLISHED,
        key=f"proposal_published:{proposal.id}",
        actor_id=revision.created_by_id,
        link=_proposal_link(proposal.id),
        texts={
            user_id: f"“{title}” proposes how to pay everyone in it: your share would be "
            f"{_share_words(share)}. Comment or accept it by {proposal.window_ends_at:%d %B %Y}."
            for user_id, share in revision.people.values_list("user_id", "share")
        },
    )


def notify_proposal_revised(*, revision_id: int, previous_id: int) -> int:
    """Everyone in the new or the previous revision learns what changed for them."""
    revision = _revision_with_project(revision_id)
    if revision is None:
        return 0
    proposal = revision.proposal
    title = proposal.project.title
    before = dict(
        ProposalPerson.objects.filter(revision_id=previous_id).values_list("user_id", "share")
    )
    after = dict(revision.people.values_list("user_id", "share"))
    texts = {}
    for user_id in sorted(set(before) | set(after)):
        if user_id not in after:
            change = "your work is no longer in it"
        elif user_id not in before:
            change = f"your work is now in it, for {_share_words(after[user_id])}"
        elif before[user_id] == after[user_id]:
            change = f"your share stays {_share_words(after[user_id])}"
        else:
            change = (
                f"your share goes from {_share_words(before[user_id])} to "
                f"{_share_words(after[user_id])}"
            )
        texts[user_id] = (
            f"The payment proposal for “{title}” was revised (revision {revision.number}): "
            f"{change}. Please look again by {proposal.window_ends_at:%d %B %Y}."
        )
    return notifications_record(
        kind=Kind.PROPOSAL_REVISED,
        key=f"proposal_revised:{revision.id}",
        actor_id=revision.created_by_id,
        link=_proposal_link(proposal.id),
        texts=texts,
    )


def notify_proposal_commented(*, comment_id: int) -> int:
    """The producers learn of a comment on their proposal; an answered person of the answer."""
    comment = (
        ProposalComment.objects.select_related("proposal__project", "author", "parent")
        .filter(pk=comment_id)
        .first()
    )
    if comment is None or comment.removed_at is not None:
        return 0
    proposal = comment.proposal
    title = proposal.project.title
    excerpt = Truncator(comment.body).chars(200)
    texts = dict.fromkeys(
        _producer_ids(proposal.project_id),
        f"{comment.author.username} commented on the payment proposal for “{title}”: “{excerpt}”",
    )
    if comment.parent is not None:
        texts[comment.parent.author_id] = (
            f"{comment.author.username}{' (a producer)' if comment.from_producer else ''} "
            f"answered your comment on the payment proposal for “{title}”: “{excerpt}”"
        )
    return notifications_record(
        kind=Kind.PROPOSAL_COMMENTED,
        key=f"proposal_comment:{comment.id}",
        actor_id=comment.author_id,
        link=_proposal_link(proposal.id, f"#comment-{comment.id}"),
        texts=texts,
    )


def notify_proposal_accepted(*, acceptance_id: int) -> int:
    """The producers learn who accepted, and how many are still to."""
    acceptance = (
        ProposalAcceptance.objects.select_related(
            "person__user", "person__revision__proposal__project"
        )
        .filter(pk=acceptance_id)
        .first()
    )
    if acceptance is None:
        return 0
    revision = acceptance.person.revision
    proposal = revision.proposal
    people = ProposalPerson.objects.filter(revision=revision)
    accepted = people.filter(acceptance__isnull=False).count()
    text = (
        f"{acceptance.person.user.username} accepted revision {revision.number} of the payment "
        f"proposal for “{proposal.project.title}” ({accepted} of {people.count()} have)."
    )
    return notifications_record(
        kind=Kind.PROPOSAL_ACCEPTED,
        key=f"proposal_accepted:{acceptance.id}",
        actor_id=acceptance.person.user_id,
        link=_proposal_link(proposal.id),
        texts=dict.fromkeys(_producer_ids(proposal.project_id), text),
    )


def notify_proposal_released(*, proposal_id: int) -> int:
    """Everyone in the final revision, the producers and the commenters learn it is final."""
    proposal = Proposal.objects.select_related("project").filter(pk=proposal_id).first()
    if proposal is None or proposal.release_id is None:
        return 0
    revision = proposal.revisions.order_by("-number").first()
    if revision is None:
        # Publishing writes revision 1 with the proposal, and revisions are never deleted.
        raise ProposalRevision.DoesNotExist(f"Proposal #{proposal.id} has no revision.")
    title = proposal.project.title
    final = f"The payment proposal for “{title}” became its release"
    commenters = ProposalComment.objects.filter(proposal=proposal).values_list(
        "author_id", flat=True
    )
    texts = dict.fromkeys([*_producer_ids(proposal.project_id), *commenters], f"{final}.")
    for user_id, share in revision.people.values_list("user_id", "share"):
        texts[user_id] = f"{final}: your share is {_share_words(share)}, frozen for ever."
    return notifications_record(
        kind=Kind.PROPOSAL_RELEASED,
        key=f"proposal_released:{proposal.id}",
        actor_id=proposal.closed_by_id,
        link=_proposal_link(proposal.id),
        texts=texts,
    )


def notify_cost(*, cost_id: int, change: str) -> int:
    """The producer who bore a cost learns that another recorded it, or withdrew it, and what
    that means for what revenue pays them back."""
    cost = (
        ProductionCost.objects.select_related("project", "recorded_by", "withdrawn_by")
        .filter(pk=cost_id)
        .first()
    )
    if cost is None or (change == "withdrawn" and cost.withdrawn_at is None):
        return 0
    project, currency = cost.project, cost.currency
    if change == "withdrawn":
        actor = cost.withdrawn_by
        if actor is None:
            # `production_cost_withdraw` sets both; without it `actor.username` fails alike.
            raise AttributeError(f"Cost #{cost.id} is withdrawn by nobody.")
        amount = format_minor(cost.withdrawn_minor, currency=currency)
        text = (
            f"{actor.username} withdrew {amount} {currency} of “{cost.note}”, a cost you bore on "
            f"“{project.title}”: revenue will not pay it back. Reason: "
            f"{Truncator(cost.withdrawal_reason).chars(300)}"
        )
    else:
        actor = cost.recorded_by
        amount = format_minor(cost.amount_minor, currency=currency)
        text = (
            f"{actor.username} recorded a cost you bore on “{project.title}”: {amount} "
            f"{currency} for “{cost.note}”. Revenue pays it back to you first."
        )
    return notifications_record(
        kind=Kind.COST,
        key=f"cost:{cost.id}:{change}",
        actor_id=actor.id,
        link=f"/projects/{project.id}/desk/#costs",
        texts={cost.borne_by_id: text},
    )


FAN_OUT: dict[Kind, Callable[..., int]] = {
    Kind.REMIXED: notify_remixed,
    Kind.ASK_POSTED: notify_ask_posted,
    Kind.SUBMISSION_DECIDED: notify_submission_decided,
    Kind.RELEASED: notify_released,
    Kind.REVENUE: notify_revenue,
    Kind.STATEMENT_ISSUED: notify_statement_issued,
    Kind.COST: notify_cost,
    Kind.MENTION: notify_mentioned,
    Kind.PROPOSAL_PUBLISHED: notify_proposal_published,
    Kind.PROPOSAL_REVISED: notify_proposal_revised,
    Kind.PROPOSAL_COMMENTED: notify_proposal_commented,
    Kind.PROPOSAL_ACCEPTED: notify_proposal_accepted,
    Kind.PROPOSAL_RELEASED: notify_proposal_released,
}


def notify(*, kind: str, arguments: dict) -> int:
    """The fan-out task's entry: record the notifications of one event of this kind."""
    return FAN_OUT[Kind(kind)](**arguments)
