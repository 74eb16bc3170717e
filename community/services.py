"""Use cases of community: comment, hide a comment, follow, report, and staff's takedown."""

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from community.models import (
    COMMENT_MAX_CHARS,
    REPORT_MAX_CHARS,
    TAKEDOWN_REASON_MAX_CHARS,
    Comment,
    Follow,
    Report,
    Takedown,
)
from community.selectors import comment_moderator_role
from contributions.models import Contribution
from contributions.services import _tombstone_make
from hitrec.audit import audit_record
from hitrec.events import TextPublished, announce
from hitrec.text_input import clean_text
from media.text import render_markdown
from projects.models import Project
from projects.selectors import project_visible_to

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# --- helpers -------------------------------------------------------------------------------


_SIGN_IN_TO_COMMENT = gettext_lazy("Sign in to comment.")
_SIGN_IN_TO_DELETE = gettext_lazy("Sign in to delete comments.")
_SIGN_IN_TO_HIDE = gettext_lazy("Sign in to hide comments.")
_SIGN_IN_TO_UNHIDE = gettext_lazy("Sign in to show hidden comments.")
_SIGN_IN_TO_FOLLOW = gettext_lazy("Sign in to follow artists and projects.")
_SIGN_IN_TO_REPORT = gettext_lazy("Sign in to report a contribution.")
_ONLY_STAFF_DISMISS = gettext_lazy("Only staff can dismiss reports.")
_ONLY_STAFF_TAKE_DOWN = gettext_lazy("Only staff can take contributions down.")


def _require_signed_in(actor: User, refusal: "StrOrPromise") -> None:
    if not actor.is_authenticated:
        raise PermissionDenied(refusal)


def _require_staff(actor: User, refusal: "StrOrPromise") -> None:
    if not (actor.is_authenticated and actor.is_staff):
        raise PermissionDenied(refusal)


def _target(comment: Comment) -> Contribution | Project:
    """What a comment is on: its contribution or its project, exactly one of the two (the
    CHECK `comment_one_target`)."""
    target = comment.contribution or comment.project
    if target is None:
        # Only a row past its CHECK; reading the missing target's title fails the same way.
        raise AttributeError(f"Comment #{comment.pk} is on neither a contribution nor a project.")
    return target


def _where(comment: Comment) -> tuple[str, str, str]:
    """The page a comment is on (with its anchor), what it is on, and that thing's title."""
    target = _target(comment)
    if isinstance(target, Contribution):
        page = reverse("web:contribution", args=[comment.contribution_id])
        place = "contribution"
    else:
        page = reverse("web:project", args=[comment.project_id])
        place = "project"
    return f"{page}#comment-{comment.id}", place, target.title


# --- comments ------------------------------------------------------------------------------


@transaction.atomic
def comment_create(
    *,
    author: User,
    body: str,
    contribution: Contribution | None = None,
    project: Project | None = None,
    parent: Comment | None = None,
) -> Comment:
    """Someone signed in comments on a contribution or a project, or replies to a comment.

    Threads are one level deep: a reply to a reply joins the thread of the top comment.
    People named as `@username` are told (through the notifications app).
    """
    _require_signed_in(author, _SIGN_IN_TO_COMMENT)
    if (contribution is None) == (project is None):
        raise ValidationError(
            _("A comment is on a contribution or on a project: name exactly one.")
        )
    body = clean_text(body, field="body", limit=COMMENT_MAX_CHARS, what=_("a comment"))
    if contribution is not None and contribution.is_removed:
        raise ValidationError(
            _("“%(title)s” was removed; it takes no more comments.") % {"title": contribution.title}
        )
    if parent is not None:
        if parent.parent_id is not None:
            parent = Comment.objects.get(pk=parent.parent_id)
        if (parent.contribution_id, parent.project_id) != (
            contribution.id if contribution else None,
            project.id if project else None,
        ):
            raise ValidationError({"parent": [_("That comment is on another page.")]})
        if parent.is_hidden or parent.is_removed:
            refusal = (
                _("That comment was hidden; it takes no replies.")
                if parent.is_hidden
                else _("That comment was deleted; it takes no replies.")
            )
            raise ValidationError({"parent": [refusal]})
    comment = Comment.objects.create(
        author=author, contribution=contribution, project=project, parent=parent, body=body,
        html=render_markdown(body),
    )  # fmt: skip
    url, place, title = _where(comment)
    announce(TextPublished(text=body, actor_id=author.id, url=url, place=place, title=title))
    return comment


def _comment_remove(comment: Comment) -> None:
    # A top comment others replied to stays as the head of their thread, without its words.
    if comment.parent_id is None and comment.replies.exists():
        Comment.objects.filter(pk=comment.pk).update(
            body="", html="", removed_at=timezone.now(), hidden_at=None, hidden_by=None,
            hidden_role="",
        )  # fmt: skip
    else:
        comment.delete()


@transaction.atomic
def comment_delete(*, comment: Comment, actor: User) -> None:
    """The person who wrote a comment deletes it; replies others made to it stay."""
    _require_signed_in(actor, _SIGN_IN_TO_DELETE)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.author_id != actor.id:
        raise PermissionDenied(_("Only the person who wrote a comment can delete it."))
    if comment.is_removed:
        return
    _comment_remove(comment)


@transaction.atomic
def community_forget(*, user: User) -> None:
    """A person closes their account: their follows go (both ways), and their comments too,
    except the words-free head of a thread others replied to. Their reports stay with staff:
    a report may concern someone else's rights, and the reporter's account is anonymised.
    """
    Follow.objects.filter(Q(follower=user) | Q(artist=user)).delete()
    # Replies first: a thread of theirs that only they replied to then has nothing to keep.
    Comment.objects.filter(author=user, parent__isnull=False).delete()
    for comment in Comment.objects.filter(author=user, removed_at__isnull=True):
        _comment_remove(comment)


# Who may hide comments or show them again: (signed out, not the author's, not the producers').
_MODERATION_REFUSALS = {
    "hide": (
        _SIGN_IN_TO_HIDE,
        gettext_lazy("Only the author of “%(title)s” (or staff) can hide comments there."),
        gettext_lazy("Only the producers of “%(title)s” (or staff) can hide comments there."),
    ),
    "show hidden": (
        _SIGN_IN_TO_UNHIDE,
        gettext_lazy("Only the author of “%(title)s” (or staff) can show hidden comments there."),
        gettext_lazy(
            "Only the producers of “%(title)s” (or staff) can show hidden comments there."
        ),
    ),
}


def _moderated(comment: Comment, actor: User, verb: str) -> tuple[Comment, str]:
    """The comment, locked, and who the actor is to it; refused unless they may moderate it.
    `verb` is "hide" or "show hidden" (_MODERATION_REFUSALS)."""
    signed_out, not_author, not_producer = _MODERATION_REFUSALS[verb]
    _require_signed_in(actor, signed_out)
    # No select_related: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    role = comment_moderator_role(
        user=actor, contribution=locked.contribution, project=locked.project
    )
    if role is None:
        target = _target(locked)
        refusal = not_author if isinstance(target, Contribution) else not_producer
        raise PermissionDenied(refusal % {"title": target.title})
    return locked, role


@transaction.atomic
def comment_hide(*, comment: Comment, actor: User) -> Comment:
    """The author of the work, a producer of the project, or staff hides an abusive comment.

    Others then see that it was hidden and by whom, not what it said; the moderators and
    staff still can. Hiding a hidden comment changes nothing.
    """
    comment, role = _moderated(comment, actor, "hide")
    if not comment.is_hidden:
        comment.hidden_at = timezone.now()
        comment.hidden_by = actor
        comment.hidden_role = role
        comment.save(update_fields=["hidden_at", "hidden_by", "hidden_role"])
    return comment


@transaction.atomic
def comment_unhide(*, comment: Comment, actor: User) -> Comment:
    """The moderators take a hide back. What staff hid only staff can show again."""
    comment, role = _moderated(comment, actor, "show hidden")
    if not comment.is_hidden:
        return comment
    if comment.hidden_role == Comment.HiddenBy.STAFF and not actor.is_staff:
        raise PermissionDenied(_("Staff hid this comment; only staff can show it again."))
    comment.hidden_at, comment.hidden_by, comment.hidden_role = None, None, ""
    comment.save(update_fields=["hidden_at", "hidden_by", "hidden_role"])
    return comment


# --- following -----------------------------------------------------------------------------


def _follow_target(
    follower: User, artist: User | None, project: Project | None
) -> dict[str, User | Project]:
    if (artist is None) == (project is None):
        raise ValidationError(_("Follow an artist or a project: name exactly one."))
    if artist is not None:
        if artist.id == follower.id:
            raise ValidationError({"artist": [_("You cannot follow yourself.")]})
        if not artist.is_active:
            raise ValidationError(
                {
                    "artist": [
                        _("There is no artist “%(username)s” to follow.")
                        % {"username": artist.username}
                    ]
                }
            )
        return {"artist": artist}
    if project is None:  # the check above: exactly one of the two
        raise ValidationError(_("Follow an artist or a project: name exactly one."))
    if not project_visible_to(user=follower).filter(pk=project.pk).exists():
        raise ValidationError(
            {"project": [_("There is no project #%(id)s to follow.") % {"id": project.pk}]}
        )
    return {"project": project}


def follow_create(
    *, follower: User, artist: User | None = None, project: Project | None = None
) -> tuple[Follow, bool]:
    """Someone follows an artist or a project. Following again changes nothing.

    Returns the follow and whether it is new.
    """
    _require_signed_in(follower, _SIGN_IN_TO_FOLLOW)
    target = _follow_target(follower, artist, project)
    existing = Follow.objects.filter(follower=follower, **target).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return Follow.objects.create(follower=follower, **target), True
    except IntegrityError:
        # Two clicks at once: the unique constraint let one in; that one is the answer.
        return Follow.objects.get(follower=follower, **target), False


@transaction.atomic
def follow_delete(
    *, follower: User, artist: User | None = None, project: Project | None = None
) -> bool:
    """Someone stops following an artist or a project. Returns False if they did not follow."""
    _require_signed_in(follower, _SIGN_IN_TO_FOLLOW)
    if (artist is None) == (project is None):
        raise ValidationError(_("Unfollow an artist or a project: name exactly one."))
    target: dict[str, User | Project | None] = (
        {"artist": artist} if artist is not None else {"project": project}
    )
    deleted, _kinds = Follow.objects.filter(follower=follower, **target).delete()
    return bool(deleted)


# --- reports and takedowns -----------------------------------------------------------------


def report_create(*, reporter: User, contribution: Contribution, kind: str, text: str) -> Report:
    """Someone tells staff a contribution is abusive or infringes rights (theirs or others')."""
    _require_signed_in(reporter, _SIGN_IN_TO_REPORT)
    if kind not in Report.Kind.values:
        raise ValidationError(
            {
                "kind": [
                    # Translators: %(kinds)s lists the kinds as stored: abuse or infringement.
                    _("A report is about %(kinds)s, not “%(kind)s”.")
                    % {"kinds": " or ".join(Report.Kind.values), "kind": kind}
                ]
            }
        )
    text = clean_text(text, field="text", limit=REPORT_MAX_CHARS, what=_("what is wrong"))
    if contribution.author_id == reporter.id:
        raise ValidationError(
            _("“%(title)s” is your own work: delete it rather than report it.")
            % {"title": contribution.title}
        )
    if contribution.is_removed:
        raise ValidationError(_("“%(title)s” was already removed.") % {"title": contribution.title})
    already = ValidationError(
        _("You already reported “%(title)s”; staff will look at your report.")
        % {"title": contribution.title}
    )
    if Report.objects.filter(
        contribution=contribution, reporter=reporter, status=Report.Status.OPEN
    ).exists():
        raise already
    try:
        with transaction.atomic():
            return Report.objects.create(
                contribution=contribution, reporter=reporter, kind=kind, text=text
            )
    except IntegrityError:
        raise already from None


@transaction.atomic
def report_dismiss(*, report: Report, actor: User, note: str = "") -> Report:
    """Staff close a report without acting on the contribution."""
    _require_staff(actor, _ONLY_STAFF_DISMISS)
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status != Report.Status.OPEN:
        raise ValidationError(
            # Translators: %(status)s is the report's status as stored: dismissed or taken-down.
            _("Report #%(id)s was already closed (%(status)s).")
            % {"id": report.pk, "status": report.status}
        )
    if len(note) > TAKEDOWN_REASON_MAX_CHARS:
        raise ValidationError(
            {
                "note": [
                    _("A note is at most %(limit)s characters.")
                    % {"limit": f"{TAKEDOWN_REASON_MAX_CHARS:,}"}
                ]
            }
        )
    report.status = Report.Status.DISMISSED
    report.resolved_by, report.resolved_at = actor, timezone.now()
    report.resolution_note = note.strip()
    report.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note"])
    audit_record(
        action="report.dismiss",
        actor=actor,
        target=report,
        subject=report.reporter,
        details={"contribution": report.contribution_id},
    )
    return report


@transaction.atomic
def contribution_take_down(
    *, contribution: Contribution, actor: User, report: Report | None = None, reason: str
) -> Takedown:
    """Staff take a contribution down: its file and renditions go, its tombstone stays.

    Title, author and license remain, so lineages still show it (as removed) and released
    splits, which read their frozen snapshot, do not change. Every open report on it is
    closed as taken down.
    """
    _require_staff(actor, _ONLY_STAFF_TAKE_DOWN)
    reason = clean_text(reason, field="reason", limit=TAKEDOWN_REASON_MAX_CHARS, what=_("a reason"))
    if report is not None and report.contribution_id != contribution.pk:
        raise ValidationError(
            {"report": [_("Report #%(id)s is about another contribution.") % {"id": report.pk}]}
        )
    contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
    if Takedown.objects.filter(contribution=contribution).exists():
        raise ValidationError(
            _("“%(title)s” was already taken down.") % {"title": contribution.title}
        )
    _tombstone_make(contribution)
    takedown = Takedown.objects.create(
        contribution=contribution, title=contribution.title, actor=actor, report=report,
        reason=reason,
    )  # fmt: skip
    Report.objects.filter(contribution=contribution, status=Report.Status.OPEN).update(
        status=Report.Status.TAKEN_DOWN, resolved_by=actor, resolved_at=timezone.now(),
        resolution_note=reason,
    )  # fmt: skip
    audit_record(
        action="contribution.take_down",
        actor=actor,
        target=contribution,
        subject=contribution.author,
        details={"reason": reason},
    )
    return takedown
