"""Who hears of a payment proposal's steps: published, revised, commented, accepted, released."""

import functools
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.models import Kind
from notifications.services.fan_out.wording import day_written
from notifications.services.recording import notifications_record
from projects.models import ProjectMember
from proposals.models import (
    Proposal,
    ProposalAcceptance,
    ProposalComment,
    ProposalPerson,
    ProposalRevision,
)
from royalties.splits import format_percent
from royalties.wording import fixed_number


def _proposal_link(proposal_id: int, anchor: str = "") -> str:
    from django.urls import reverse

    return reverse("proposals:proposal", args=[proposal_id]) + anchor


def _share_words(share: str) -> str:
    """A share as "1/2 (50.00%)", the percentage with the reader's decimal sign."""
    percent = fixed_number(Decimal(format_percent(Fraction(share))))
    # Translators: an exact share and its percentage, e.g. "1/2 (50.00%)".
    return _("%(share)s (%(percent)s%%)") % {"share": share, "percent": percent}


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

    def words(share: str) -> str:
        return _(
            "“%(title)s” proposes how to pay everyone in it: your share would be "
            "%(share)s. Comment or accept it by %(day)s."
        ) % {
            "title": title,
            "share": _share_words(share),
            "day": day_written(proposal.window_ends_at),
        }

    return notifications_record(
        kind=Kind.PROPOSAL_PUBLISHED,
        key=f"proposal_published:{proposal.id}",
        actor_id=revision.created_by_id,
        link=_proposal_link(proposal.id),
        texts={
            user_id: functools.partial(words, share)
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

    def words(was: str | None, now: str | None) -> str:
        if now is None:
            change = _("your work is no longer in it")
        elif was is None:
            change = _("your work is now in it, for %(share)s") % {"share": _share_words(now)}
        elif was == now:
            change = _("your share stays %(share)s") % {"share": _share_words(now)}
        else:
            change = _("your share goes from %(before)s to %(after)s") % {
                "before": _share_words(was),
                "after": _share_words(now),
            }
        # Translators: %(change)s is one of "your work is no longer in it", "your share
        # stays …", "your share goes from … to …", "your work is now in it, for …".
        return _(
            "The payment proposal for “%(title)s” was revised (revision %(number)s): "
            "%(change)s. Please look again by %(day)s."
        ) % {
            "title": title,
            "number": revision.number,
            "change": change,
            "day": day_written(proposal.window_ends_at),
        }

    texts = {
        user_id: functools.partial(words, before.get(user_id), after.get(user_id))
        for user_id in sorted(set(before) | set(after))
    }
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
    names = {"name": comment.author.username, "title": title, "excerpt": excerpt}

    def commented() -> str:
        return (
            _("%(name)s commented on the payment proposal for “%(title)s”: “%(excerpt)s”") % names
        )

    def answered() -> str:
        if comment.from_producer:
            return (
                _(
                    "%(name)s (a producer) answered your comment on the payment proposal for "
                    "“%(title)s”: “%(excerpt)s”"
                )
                % names
            )
        return (
            _(
                "%(name)s answered your comment on the payment proposal for “%(title)s”: "
                "“%(excerpt)s”"
            )
            % names
        )

    texts: dict[int, Callable[[], str]] = dict.fromkeys(
        _producer_ids(proposal.project_id), commented
    )
    if comment.parent is not None:
        texts[comment.parent.author_id] = answered
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
    total = people.count()

    def words() -> str:
        return ngettext(
            "%(name)s accepted revision %(number)s of the payment proposal for “%(title)s” "
            "(%(accepted)s of %(total)s have).",
            "%(name)s accepted revision %(number)s of the payment proposal for “%(title)s” "
            "(%(accepted)s of %(total)s have).",
            total,
        ) % {
            "name": acceptance.person.user.username,
            "number": revision.number,
            "title": proposal.project.title,
            "accepted": accepted,
            "total": total,
        }

    return notifications_record(
        kind=Kind.PROPOSAL_ACCEPTED,
        key=f"proposal_accepted:{acceptance.id}",
        actor_id=acceptance.person.user_id,
        link=_proposal_link(proposal.id),
        texts=dict.fromkeys(_producer_ids(proposal.project_id), words),
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

    def final() -> str:
        return _("The payment proposal for “%(title)s” became its release.") % {"title": title}

    def final_with_share(share: str) -> str:
        return _(
            "The payment proposal for “%(title)s” became its release: your share is "
            "%(share)s, frozen for ever."
        ) % {"title": title, "share": _share_words(share)}

    commenters = ProposalComment.objects.filter(proposal=proposal).values_list(
        "author_id", flat=True
    )
    texts: dict[int, Callable[[], str]] = dict.fromkeys(
        [*_producer_ids(proposal.project_id), *commenters], final
    )
    for user_id, share in revision.people.values_list("user_id", "share"):
        texts[user_id] = functools.partial(final_with_share, share)
    return notifications_record(
        kind=Kind.PROPOSAL_RELEASED,
        key=f"proposal_released:{proposal.id}",
        actor_id=proposal.closed_by_id,
        link=_proposal_link(proposal.id),
        texts=texts,
    )
