"""Reads of community: followers, comment threads, the home feed of follows, the report queue."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from community.models import Comment, Follow, Report
from contributions.models import Contribution
from contributions.selectors import contribution_list
from projects.models import Ask, Project
from projects.selectors import is_producer, project_visible_to

FEED_LENGTH = 30

# --- following -----------------------------------------------------------------------------


def project_followers(*, project_id: int) -> QuerySet[User]:
    """The active people who follow the project (each once), by id."""
    return User.objects.filter(follows__project_id=project_id, is_active=True).order_by("id")


def artist_followers(*, user_id: int) -> QuerySet[User]:
    """The active people who follow the artist (each once), by id."""
    return User.objects.filter(follows__artist_id=user_id, is_active=True).order_by("id")


def follow_list(*, user: User) -> QuerySet[Follow]:
    """What a person follows, most recently followed first."""
    return (
        Follow.objects.filter(follower=user)
        .select_related("artist", "project")
        .order_by("-created_at", "-id")
    )


def is_following(*, user: User, artist: User | None = None, project: Project | None = None) -> bool:
    if not user.is_authenticated:
        return False
    if artist is not None:
        return Follow.objects.filter(follower=user, artist=artist).exists()
    return Follow.objects.filter(follower=user, project=project).exists()


@dataclass(frozen=True)
class FeedItem:
    """One line of the home feed: a work an artist made, or an ask a project posted."""

    at: datetime
    work: Contribution | None = None
    ask: Ask | None = None


def home_feed(*, user: User, limit: int = FEED_LENGTH) -> list[FeedItem]:
    """What the artists a person follows made and what their projects asked for, newest first.

    Strictly chronological: nothing is ranked, boosted or counted. Two queries (plus the
    prefetches the cards need) whatever the number of follows.
    """
    if not user.is_authenticated:
        return []
    follows = Follow.objects.filter(follower=user)
    works = contribution_list().filter(
        author__in=follows.filter(artist__isnull=False).values("artist_id")
    )[:limit]
    asks = (
        Ask.objects.filter(
            project__in=follows.filter(project__isnull=False).values("project_id"),
        )
        # A project that went back out of sight (say, its follower left the team) shows nothing.
        .filter(project__in=project_visible_to(user=user).values("id"))
        .select_related("project", "project__owner")
        .order_by("-created_at", "-id")[:limit]
    )
    items = [FeedItem(at=work.created_at, work=work) for work in works]
    items += [FeedItem(at=ask.created_at, ask=ask) for ask in asks]
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]


# --- comments ------------------------------------------------------------------------------


def comment_moderator_role(
    *, user: User, contribution: Contribution | None = None, project: Project | None = None
) -> str | None:
    """Who `user` is to the commented thing: "author", "producers", "staff", or None.

    The author of a contribution and the producers of a project may hide comments on it;
    staff may too. Every one of them also reads what a hidden comment said.
    """
    if not user.is_authenticated:
        return None
    if contribution is not None and contribution.author_id == user.id:
        return Comment.HiddenBy.AUTHOR
    if project is not None and is_producer(project=project, user=user):
        return Comment.HiddenBy.PRODUCERS
    if user.is_staff:
        return Comment.HiddenBy.STAFF
    return None


def comment_list(
    *, contribution: Contribution | None = None, project: Project | None = None
) -> QuerySet[Comment]:
    """The top-level comments on one thing, oldest first, with their replies prefetched."""
    replies = Comment.objects.select_related("author").order_by("created_at", "id")
    target: dict[str, Contribution | Project | None] = (
        {"contribution": contribution} if contribution is not None else {"project": project}
    )
    return (
        Comment.objects.filter(parent__isnull=True, **target)
        .select_related("author")
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("created_at", "id")
    )


def comment_get(*, comment_id: int, user: User) -> Comment | None:
    """One comment, if `user` may see the page it is on (a draft project's are hidden)."""
    comment = (
        Comment.objects.select_related("contribution", "project", "author")
        .filter(pk=comment_id)
        .first()
    )
    if comment is None or (
        comment.project_id is not None
        and not project_visible_to(user=user).filter(pk=comment.project_id).exists()
    ):
        return None
    return comment


@dataclass(frozen=True)
class CommunitySection:
    """What the comment, follow and report controls on a contribution or project page need."""

    comments: list[Comment]
    # The viewer may hide comments here and read hidden ones (author, producers, staff).
    moderator: bool
    # The viewer follows the contribution's author, or the project.
    following: bool
    # The viewer may follow (signed in, and not following themselves).
    can_follow: bool
    # The viewer may report the contribution (signed in, not its author, not removed).
    can_report: bool
    # The viewer may comment (signed in; a removed contribution takes no more comments).
    can_comment: bool


def community_section(
    *, viewer: User, contribution: Contribution | None = None, project: Project | None = None
) -> CommunitySection:
    """Comments and the follow/report state for one page, in a fixed number of queries."""
    signed_in = viewer.is_authenticated
    role = comment_moderator_role(user=viewer, contribution=contribution, project=project)
    if contribution is not None:
        own = signed_in and contribution.author_id == viewer.id
        following = signed_in and not own and is_following(user=viewer, artist=contribution.author)
        can_report = signed_in and not own and not contribution.is_removed
    else:
        own, can_report = False, False
        following = is_following(user=viewer, project=project)
    return CommunitySection(
        comments=list(comment_list(contribution=contribution, project=project)),
        moderator=role is not None,
        following=following,
        can_follow=signed_in and not own,
        can_report=can_report,
        can_comment=signed_in and not (contribution is not None and contribution.is_removed),
    )


# --- reports -------------------------------------------------------------------------------


def report_queue(*, status: str | None = Report.Status.OPEN) -> QuerySet[Report]:
    """Reports for staff, oldest first (the longest-waiting on top)."""
    reports = Report.objects.select_related("contribution", "contribution__author", "reporter")
    if status:
        reports = reports.filter(status=status)
    return reports.order_by("created_at", "id")
