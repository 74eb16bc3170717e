"""Asks for you: the open asks whose tags name a skill a person listed, newest first.

A person lists the skills they offer (accounts.UserSkill) to be found for them; nothing else
about them is used. The asks are ordered by when they were posted, never by anyone's
popularity (followers, plays, likes).
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import User, UserSkill
from projects.models import Ask, AskTag, Project, ProjectMember


@dataclass(frozen=True)
class AskForYou:
    """An ask, and which of its tags are the person's skills (in the ask's order)."""

    ask: Ask
    matched: list[str]


def matching_asks(*, skills: QuerySet | list[str]) -> QuerySet[Ask]:
    """Open asks of open projects with a tag among `skills` (names, or a query of names),
    newest first. Released and archived projects are public but take no more work, and a
    draft is its team's business: neither is asked of anyone."""
    return (
        Ask.objects.filter(status=Ask.Status.OPEN, project__status=Project.Status.OPEN)
        .filter(Exists(AskTag.objects.filter(ask=OuterRef("pk"), name__in=skills)))
        .order_by("-created_at", "-id")
    )


def asks_for_you(*, user: User, limit: int = 10) -> list[AskForYou]:
    """The newest `limit` open asks matching the person's skills, outside the projects they
    are a member of (or invited to). Three queries, whatever the number of asks or skills:
    the skills, the asks with their projects, and the asks' tags."""
    if not user.is_authenticated:
        return []
    skills = list(UserSkill.objects.filter(user=user).values_list("name", flat=True))
    if not skills:
        return []
    asks = (
        matching_asks(skills=skills)
        .exclude(project__owner=user)
        .exclude(Exists(ProjectMember.objects.filter(project=OuterRef("project"), user=user)))
        .select_related("project", "project__owner")
        .prefetch_related("tags")[:limit]
    )
    mine = set(skills)
    return [
        AskForYou(ask=ask, matched=[tag.name for tag in ask.tags.all() if tag.name in mine])
        for ask in asks
    ]
