"""Use cases of community: comment, hide a comment, follow, report, and staff's takedown."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

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
from hitrec.events import TextPublished, announce
from hitrec.text_input import clean_text
from media.text import render_markdown
from projects.models import Project
from projects.selectors import project_visible_to

# --- helpers -------------------------------------------------------------------------------


def _require_signed_in(actor: User, action: str) -> None:
    if not actor.is_authenticated:
        raise PermissionDenied(f"Sign in to {action}.")


def _require_staff(actor: User, action: str) -> None:
    if not (actor.is_authenticated and actor.is_staff):
        raise PermissionDenied(f"Only staff can {action}.")


def _target(comment: Comment) -> Contribution | Project:
    """What a comment is on: its contribution or its project, exactly one of the two (the
    CHECK `comment_one_target`)."""
    target = comment.contribution or comment.project
    if target is None:
        # Only a row past its CHECK; reading the missing target's title fails the same way.
        raise AttributeError(f"Comment #{comment.pk} is on neither a contribution nor a project.")
    return target


def _where(comment: Comment) -> tuple[str, str]:
    """The page a comment is on (with its anchor) and how to name it in a notification."""
    target = _target(comment)
    if isinstance(target, Contribution):
        page = reverse("web:contribution", args=[comment.contribution_id])
        name = f"a comment on “{target.title}”"
    else:
        page = reverse("web:project", args=[comment.project_id])
        name = f"a comment on the project “{target.title}”"
    return f"{page}#comment-{comment.id}", name


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
    _require_signed_in(author, "comment")
    if (contribution is None) == (project is None):
        raise ValidationError("A comment is on a contribution or on a project: name exactly one.")
    body = clean_text(body, field="body", limit=COMMENT_MAX_CHARS, what="a comment")
    if contribution is not None and contribution.is_removed:
        raise ValidationError(f"“{contribution.title}” was removed; it takes no more comments.")
    if parent is not None:
        if parent.parent_id is not None:
            parent = Comment.objects.get(pk=parent.parent_id)
        if (parent.contribution_id, parent.project_id) != (
            contribution.id if contribution else None,
            project.id if project else None,
        ):
            raise ValidationError({"parent": ["That comment is on another page."]})
        if parent.is_hidden or parent.is_removed:
            state = "hidden" if parent.is_hidden else "deleted"
            raise ValidationError({"parent": [f"That comment was {state}; it takes no replies."]})
    comment = Comment.objects.create(
        author=author, contribution=contribution, project=project, parent=parent, body=body,
        html=render_markdown(body),
    )  # fmt: skip
    url, where = _where(comment)
    announce(TextPublished(text=body, actor_id=author.id, url=url, where=where))
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
    _require_signed_in(actor, "delete comments")
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.author_id != actor.id:
        raise PermissionDenied("Only the person who wrote a comment can delete it.")
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


def _moderated(comment: Comment, actor: User, verb: str) -> tuple[Comment, str]:
    """The comment, locked, and who the actor is to it; refused unless they may moderate it."""
    _require_signed_in(actor, f"{verb} comments")
    # No select_related: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    role = comment_moderator_role(
        user=actor, contribution=locked.contribution, project=locked.project
    )
    if role is None:
        target = _target(locked)
        if isinstance(target, Contribution):
            whose = f"the author of “{target.title}”"
        else:
            whose = f"the producers of “{target.title}”"
        raise PermissionDenied(f"Only {whose} (or staff) can {verb} comments there.")
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
        raise PermissionDenied("Staff hid this comment; only staff can show it again.")
    comment.hidden_at, comment.hidden_by, comment.hidden_role = None, None, ""
    comment.save(update_fields=["hidden_at", "hidden_by", "hidden_role"])
    return comment


# --- following -----------------------------------------------------------------------------


def _follow_target(
    follower: User, artist: User | None, project: Project | None
) -> dict[str, User | Project]:
    if (artist is None) == (project is None):
        raise ValidationError("Follow an artist or a project: name exactly one.")
    if artist is not None:
        if artist.id == follower.id:
            raise ValidationError({"artist": ["You cannot follow yourself."]})
        if not artist.is_active:
            raise ValidationError(
                {"artist": [f"There is no artist “{artist.username}” to follow."]}
            )
        return {"artist": artist}
    if project is None:  # the check above: exactly one of the two
        raise ValidationError("Follow an artist or a project: name exactly one.")
    if not project_visible_to(user=follower).filter(pk=project.pk).exists():
        raise ValidationError({"project": [f"There is no project #{project.pk} to follow."]})
    return {"project": project}


def follow_create(
    *, follower: User, artist: User | None = None, project: Project | None = None
) -> tuple[Follow, bool]:
    """Someone follows an artist or a project. Following again changes nothing.

    Returns the follow and whether it is new.
    """
    _require_signed_in(follower, "follow artists and projects")
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
    _require_signed_in(follower, "follow artists and projects")
    if (artist is None) == (project is None):
        raise ValidationError("Unfollow an artist or a project: name exactly one.")
    target: dict[str, User | Project | None] = (
        {"artist": artist} if artist is not None else {"project": project}
    )
    deleted, _ = Follow.objects.filter(follower=follower, **target).delete()
    return bool(deleted)


# --- reports and takedowns -----------------------------------------------------------------


def report_create(*, reporter: User, contribution: Contribution, kind: str, text: str) -> Report:
    """Someone tells staff a contribution is abusive or infringes rights (theirs or others')."""
    _require_signed_in(reporter, "report a contribution")
    if kind not in Report.Kind.values:
        raise ValidationError(
            {"kind": [f"A report is about {' or '.join(Report.Kind.values)}, not “{kind}”."]}
        )
    text = clean_text(text, field="text", limit=REPORT_MAX_CHARS, what="what is wrong")
    if contribution.author_id == reporter.id:
        raise ValidationError(
            f"“{contribution.title}” is your own work: delete it rather than report it."
        )
    if contribution.is_removed:
        raise ValidationError(f"“{contribution.title}” was already removed.")
    already = ValidationError(
        f"You already reported “{contribution.title}”; staff will look at your report."
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
    _require_staff(actor, "dismiss reports")
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status != Report.Status.OPEN:
        raise ValidationError(f"Report #{report.pk} was already closed ({report.status}).")
    if len(note) > TAKEDOWN_REASON_MAX_CHARS:
        raise ValidationError(
            {"note": [f"A note is at most {TAKEDOWN_REASON_MAX_CHARS:,} characters."]}
        )
    report.status = Report.Status.DISMISSED
    report.resolved_by, report.resolved_at = actor, timezone.now()
    report.resolution_note = note.strip()
    report.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note"])
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
    _require_staff(actor, "take contributions down")
    reason = clean_text(reason, field="reason", limit=TAKEDOWN_REASON_MAX_CHARS, what="a reason")
    if report is not None and report.contribution_id != contribution.pk:
        raise ValidationError({"report": [f"Report #{report.pk} is about another contribution."]})
    contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
    if Takedown.objects.filter(contribution=contribution).exists():
        raise ValidationError(f"“{contribution.title}” was already taken down.")
    _tombstone_make(contribution)
    takedown = Takedown.objects.create(
        contribution=contribution, title=contribution.title, actor=actor, report=report,
        reason=reason,
    )  # fmt: skip
    Report.objects.filter(contribution=contribution, status=Report.Status.OPEN).update(
        status=Report.Status.TAKEN_DOWN, resolved_by=actor, resolved_at=timezone.now(),
        resolution_note=reason,
    )  # fmt: skip
    return takedown
