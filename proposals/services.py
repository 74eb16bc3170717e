"""Use cases of proposals: publish, revise, comment, accept, withdraw, and become the release."""

import datetime as dt
import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from accounts.models import User
from contributions.licenses import Work, commercial_release_refusals
from contributions.lineage import closure_get
from hitrec.events import TextPublished, announce
from hitrec.i18n import message_of
from hitrec.text_input import clean_text
from media.text import render_markdown
from projects.models import Project, Release
from projects.selectors import is_producer, licenses_as_agreed, release_credit_problems
from projects.services import CreditInput, project_release
from proposals import tasks
from proposals.events import (
    ProposalAccepted,
    ProposalCommented,
    ProposalPublished,
    ProposalReleased,
    ProposalRevised,
)
from proposals.models import (
    COMMENT_MAX_CHARS,
    NOTE_MAX_CHARS,
    Proposal,
    ProposalAcceptance,
    ProposalComment,
    ProposalCredit,
    ProposalPerson,
    ProposalRevision,
)
from proposals.selectors import (
    matches_frozen,
    people_waiting,
    proposal_accept_refusal,
    proposal_closed_refusal,
    proposal_comment_refusal,
    proposals_due,
    proposed_split,
    same_split,
    undeclared_matches,
)
from royalties.splits import format_fraction

logger = logging.getLogger(__name__)

# --- helpers -------------------------------------------------------------------------------


def _current_revision(revisions: QuerySet[ProposalRevision]) -> ProposalRevision:
    """The latest of a proposal's `revisions`. There always is one: publishing writes
    revision 1 in the proposal's own transaction, and revisions are never deleted."""
    revision = revisions.order_by("-number").first()
    if revision is None:
        raise ProposalRevision.DoesNotExist("A payment proposal without a revision.")
    return revision


# What only a project's producers may do, as the refusal says it.
_PRODUCERS_ONLY = {
    "publish": gettext_lazy("Only the producers of “%(title)s” can publish a payment proposal."),
    "revise": gettext_lazy("Only the producers of “%(title)s” can revise its payment proposal."),
    "withdraw": gettext_lazy(
        "Only the producers of “%(title)s” can withdraw its payment proposal."
    ),
    "release": gettext_lazy("Only the producers of “%(title)s” can release its payment proposal."),
}


# A project's status as a sentence says it ("“Night Bus” is released; …").
_PROJECT_STATUS_WORDS = {
    "draft": pgettext_lazy("project status, within a sentence", "draft"),
    "open": pgettext_lazy("project status, within a sentence", "open"),
    "released": pgettext_lazy("project status, within a sentence", "released"),
    "archived": pgettext_lazy("project status, within a sentence", "archived"),
}


def _status_word(project: Project) -> str:
    return str(_PROJECT_STATUS_WORDS.get(project.status, project.status))


def _require_producer(project: Project, actor: User, action: str) -> None:
    """`action` is a key of _PRODUCERS_ONLY."""
    if not is_producer(project=project, user=actor):
        raise PermissionDenied(str(_PRODUCERS_ONLY[action]) % {"title": project.title})


def _locked(proposal: Proposal) -> Proposal:
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    locked.project = proposal.project  # the same row: a proposal never changes project
    return locked


def _require_open(proposal: Proposal, doing: str) -> None:
    refusal = proposal_closed_refusal(proposal=proposal, doing=doing)
    if refusal is not None:
        raise refusal


def _window_ends(start: dt.datetime) -> dt.datetime:
    return start + dt.timedelta(days=settings.HITREC_PROPOSAL_COMMENT_DAYS)


def proposal_url(proposal: Proposal) -> str:
    return reverse("proposals:proposal", args=[proposal.id])


def _revision_create(
    *,
    proposal: Proposal,
    project: Project,
    actor: User,
    number: int,
    credits: Sequence[CreditInput],
    commercial: bool,
    note: str,
) -> ProposalRevision:
    """Check the credits as a release would, compute the split, and store it all, for ever."""
    note = clean_text(note, field="note", limit=NOTE_MAX_CHARS, what=_("the note"), required=False)
    if not credits:
        raise ValidationError({"credits": [_("Credit at least one contribution.")]})
    # The release's own checks: a proposal never promises what could not be released.
    problems = release_credit_problems(project=project, credits=credits)
    if problems:
        raise ValidationError({"credits": [message_of(problem) for problem in problems]})
    split, body, authors = proposed_split(
        project=project, credits=[(c.contribution, c.weight) for c in credits]
    )
    if commercial:
        # As the release will check it: each work under the licence it was taken in with.
        closure = closure_get(contribution_ids=[credit.contribution for credit in credits])
        agreed = licenses_as_agreed(project=project, closure=closure)
        refusals = commercial_release_refusals(
            Work(id=node.id, title=node.title, license=agreed[node.id]) for node in closure.nodes
        )
        if refusals:
            raise ValidationError({"commercial": [message_of(refusal) for refusal in refusals]})
    revision = ProposalRevision.objects.create(
        proposal=proposal,
        number=number,
        commercial=commercial,
        currency=project.currency,
        **project.policy_fields(),
        split=body,
        note=note,
        created_by=actor,
    )
    # CreditLike (projects/models.py) declares settable attributes, which a frozen CreditInput
    # cannot match; declared there as read-only properties, this ignore goes (mypy says so).
    ProposalCredit.objects.bulk_create(ProposalCredit.for_credits(credits, revision=revision))
    ProposalPerson.objects.bulk_create(
        ProposalPerson(
            revision=revision, user_id=user_id, share=format_fraction(split.share_of(user_id))
        )
        for user_id in sorted(set(authors.values()))
    )
    return revision


# --- publishing and revising ---------------------------------------------------------------


@transaction.atomic
def proposal_publish(
    *,
    project: Project,
    actor: User,
    credits: Sequence[CreditInput],
    commercial: bool,
    note: str = "",
) -> Proposal:
    """A producer publishes who would get what; everyone in it is told, and comments open."""
    _require_producer(project, actor, "publish")
    project = Project.objects.select_for_update().select_related("owner").get(pk=project.pk)
    if project.status != Project.Status.OPEN:
        raise ValidationError(
            # Translators: %(status)s is the project's status: draft, released or archived.
            _("“%(title)s” is %(status)s; only an open project can propose payments.")
            % {"title": project.title, "status": _status_word(project)}
        )
    if Proposal.objects.filter(project=project, status=Proposal.Status.OPEN).exists():
        raise ValidationError(_already_proposed(project))
    now = timezone.now()
    try:
        with transaction.atomic():
            proposal = Proposal.objects.create(
                project=project, created_by=actor, window_ends_at=_window_ends(now)
            )
    except IntegrityError:  # published by another producer at the same moment
        raise ValidationError(_already_proposed(project)) from None
    proposal.project = project
    revision = _revision_create(
        proposal=proposal, project=project, actor=actor, number=1, credits=credits,
        commercial=commercial, note=note,
    )  # fmt: skip
    announce(ProposalPublished(revision_id=revision.id))
    return proposal


def _already_proposed(project: Project) -> str:
    return _("“%(title)s” already has an open payment proposal: revise that one instead.") % {
        "title": project.title
    }


@transaction.atomic
def proposal_revise(
    *,
    proposal: Proposal,
    actor: User,
    credits: Sequence[CreditInput],
    commercial: bool,
    note: str = "",
) -> ProposalRevision:
    """A producer changes the proposal. The old revision stays; everyone is asked again.

    A revision made after the window ended (which happens only when closing met a problem)
    opens a new window, so nobody's share changes without time to comment on it.
    """
    project = proposal.project
    _require_producer(project, actor, "revise")
    proposal = _locked(proposal)
    _require_open(proposal, "be revised")
    project = Project.objects.get(pk=proposal.project_id)
    if project.status != Project.Status.OPEN:
        raise ValidationError(
            # Translators: %(status)s is the project's status: draft, released or archived.
            _("“%(title)s” is %(status)s; it takes no revisions.")
            % {"title": project.title, "status": _status_word(project)}
        )
    current = _current_revision(proposal.revisions.all())
    revision = _revision_create(
        proposal=proposal, project=project, actor=actor, number=current.number + 1,
        credits=credits, commercial=commercial, note=note,
    )  # fmt: skip
    now = timezone.now()
    if proposal.window_ends_at <= now:
        proposal.window_ends_at = _window_ends(now)
    proposal.close_problem = ""
    proposal.save(update_fields=["window_ends_at", "close_problem", "updated_at"])
    announce(ProposalRevised(revision_id=revision.id, previous_id=current.id))
    return revision


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, actor: User) -> Proposal:
    """A producer takes the proposal back; a new one may be published later."""
    _require_producer(proposal.project, actor, "withdraw")
    proposal = _locked(proposal)
    _require_open(proposal, "be withdrawn")
    proposal.status = Proposal.Status.WITHDRAWN
    proposal.closed_by, proposal.closed_at = actor, timezone.now()
    proposal.save(update_fields=["status", "closed_by", "closed_at", "updated_at"])
    return proposal


# --- comments and acceptance ---------------------------------------------------------------


@transaction.atomic
def proposal_comment(
    *, proposal: Proposal, author: User, body: str, parent: ProposalComment | None = None
) -> ProposalComment:
    """Anyone signed in comments while the proposal is open; producers' answers are marked."""
    refusal = proposal_comment_refusal(proposal=proposal, user=author)
    if isinstance(refusal, PermissionDenied):
        raise refusal  # who may comment, before what they wrote
    body = clean_text(body, field="body", limit=COMMENT_MAX_CHARS, what=_("a comment"))
    if refusal is not None:
        raise refusal
    if parent is not None:
        if parent.proposal_id != proposal.id:
            raise ValidationError({"parent": [_("That comment is on another proposal.")]})
        if parent.parent_id is not None:
            parent = ProposalComment.objects.get(pk=parent.parent_id)
        if parent.removed_at is not None:
            raise ValidationError({"parent": [_("That comment was deleted; it takes no replies.")]})
    revision = _current_revision(proposal.revisions.all())
    comment = ProposalComment.objects.create(
        proposal=proposal, revision=revision, author=author, parent=parent, body=body,
        html=render_markdown(body),
        from_producer=is_producer(project=proposal.project, user=author),
    )  # fmt: skip
    announce(ProposalCommented(comment_id=comment.id))
    announce(TextPublished(
        text=body, actor_id=author.id, url=f"{proposal_url(proposal)}#comment-{comment.id}",
        place="proposal", title=proposal.project.title,
    ))  # fmt: skip
    return comment


@transaction.atomic
def proposal_comment_delete(*, comment: ProposalComment, actor: User) -> None:
    """The person who wrote a comment deletes its words; the thread stays."""
    if comment.author_id != actor.id:
        raise PermissionDenied(_("Only the person who wrote a comment can delete it."))
    ProposalComment.objects.filter(pk=comment.pk).update(
        body="", html="", removed_at=timezone.now()
    )


@transaction.atomic
def proposal_accept(*, proposal: Proposal, actor: User) -> ProposalAcceptance:
    """Someone whose work is in the current revision accepts it. Accepting twice is harmless."""
    proposal = _locked(proposal)
    refusal = proposal_accept_refusal(proposal=proposal, user=actor)
    if refusal is not None:
        raise refusal
    revision = proposal.revisions.order_by("-number").first()
    person = ProposalPerson.objects.get(revision=revision, user_id=actor.id)
    acceptance, created = ProposalAcceptance.objects.get_or_create(person=person)
    if created:
        announce(ProposalAccepted(acceptance_id=acceptance.id))
    return acceptance


# --- becoming the release ------------------------------------------------------------------


@transaction.atomic
def proposal_release(*, proposal: Proposal, actor: User) -> Release:
    """A producer makes the proposal final: after the window, or before it once everyone
    in the current revision accepted it."""
    _require_producer(proposal.project, actor, "release")
    project = proposal.project
    proposal = _locked(proposal)
    proposal.project = project
    _require_open(proposal, "be released")
    revision = _current_revision(proposal.revisions.all())
    if timezone.now() < proposal.window_ends_at:
        waiting = people_waiting(revision=revision)
        if waiting:
            names = ", ".join(person.user.username for person in waiting)
            raise ValidationError(
                ngettext(
                    "The comment window runs until %(moment)s; before then everyone in "
                    "revision %(number)s must accept it, and %(count)s have not: %(names)s.",
                    "The comment window runs until %(moment)s; before then everyone in "
                    "revision %(number)s must accept it, and %(count)s have not: %(names)s.",
                    len(waiting),
                )
                % {
                    "moment": f"{proposal.window_ends_at:%Y-%m-%d %H:%M %Z}",
                    "number": revision.number,
                    "count": len(waiting),
                    "names": names,
                }
            )
    return _finalise(proposal, revision, actor)


def _finalise(
    proposal: Proposal, revision: ProposalRevision, actor: User, *, by_window: bool = False
) -> Release:
    """The revision becomes the release, if what it promised is what would be released."""
    project = Project.objects.get(pk=proposal.project_id)
    credits = [CreditInput(c.contribution_id, c.weight) for c in revision.credits.all()]
    policy_now = (project.contributor_pool, project.upstream_share, project.currency)
    if policy_now != (revision.contributor_pool, revision.upstream_share, revision.currency):
        raise ValidationError(
            _(
                "The project's policy changed after revision %(number)s was published: "
                "publish a revision, so everyone sees the split that will be released."
            )
            % {"number": revision.number}
        )
    if project.status == Project.Status.OPEN:
        _split, body, _authors = proposed_split(
            project=project, credits=[(c.contribution, c.weight) for c in credits]
        )
        if not same_split(body, revision.split):
            raise ValidationError(
                _(
                    "The lineage behind the credits changed after revision %(number)s was "
                    "published, so the split would differ: publish a revision."
                )
                % {"number": revision.number}
            )
    release = project_release(
        project=project, actor=actor, credits=credits, commercial=revision.commercial
    )
    proposal.status = Proposal.Status.RELEASED
    proposal.release = release
    # What the credit guard showed beside the split, kept as it stood: released with it.
    proposal.matches_at_release = matches_frozen(undeclared_matches(revision=revision))
    # Closed by the window, nobody acted: everyone (the producers too) is told.
    proposal.closed_by = None if by_window else actor
    proposal.closed_at = timezone.now()
    proposal.close_problem = ""
    proposal.save()
    announce(ProposalReleased(proposal_id=proposal.id))
    return release


def _closing_actor(proposal: Proposal, revision: ProposalRevision) -> User:
    """Whoever wrote the current revision, if still a producer; else the project's owner."""
    project = proposal.project
    if is_producer(project=project, user=revision.created_by):
        return revision.created_by
    return project.owner


def proposal_close(*, proposal_id: int) -> Release | None:
    """The window ended: the current revision becomes the release. Guarded by the status,
    under a row lock, so running it twice (or beside a producer's release) releases once.

    A revision that can no longer be released as promised (the project was released
    directly, or its lineage or policy changed) is not: the problem is recorded on the
    proposal for everyone to see, and the producers revise or withdraw it.
    """
    problem = ""
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().filter(pk=proposal_id).first()
        if proposal is None or proposal.status != Proposal.Status.OPEN:
            return None
        if proposal.window_ends_at > timezone.now():
            return None
        proposal.project = Project.objects.select_related("owner").get(pk=proposal.project_id)
        revision = _current_revision(proposal.revisions.select_related("created_by"))
        if proposal.project.is_frozen:
            # Released directly (POST /api/projects/{id}/release/): nothing left to decide.
            proposal.status = Proposal.Status.WITHDRAWN
            proposal.closed_at = timezone.now()
            proposal.close_problem = "The project was released directly, not from this proposal."
            proposal.save()
            return None
        try:
            with transaction.atomic():
                return _finalise(
                    proposal, revision, _closing_actor(proposal, revision), by_window=True
                )
        except ValidationError as exc:
            problem = " ".join(exc.messages)[:1000]
            proposal.close_problem = problem
            proposal.save(update_fields=["close_problem", "updated_at"])
    logger.warning("Proposal %s could not become the release: %s", proposal_id, problem)
    return None


def proposals_close_due() -> int:
    """The beat's run: each proposal whose window ended is closed in its own transaction."""
    due = proposals_due(now=timezone.now())
    for proposal_id in due:
        tasks.close_proposal.delay(proposal_id)
    return len(due)


# --- accounts closing ----------------------------------------------------------------------


def proposals_forget(*, user: User) -> None:
    """A person closes their account: the words of their comments go, the threads stay."""
    ProposalComment.objects.filter(author=user, removed_at__isnull=True).update(
        body="", html="", removed_at=timezone.now()
    )
