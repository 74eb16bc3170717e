"""Who hears of a mention (an @name in a comment or a proposal's comment), and in what words."""

import hashlib

from django.db.models.functions import Lower
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy

from accounts.models import User
from notifications.mentions import mention_candidates
from notifications.models import Kind
from notifications.services.recording import notifications_record

MAX_MENTIONS = 20


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


# What a mention was written on (TextPublished.place), each a whole sentence to translate.
MENTIONED_ON = {
    "contribution": gettext_lazy(
        "%(name)s mentioned you in a comment on “%(title)s”: “%(excerpt)s”"
    ),
    "project": gettext_lazy(
        "%(name)s mentioned you in a comment on the project “%(title)s”: “%(excerpt)s”"
    ),
    "proposal": gettext_lazy(
        "%(name)s mentioned you in a comment on the payment proposal for “%(title)s”: “%(excerpt)s”"
    ),
}


def notify_mentioned(*, text: str, actor_id: int, url: str, place: str, title: str) -> int:
    """Everyone mentioned with `@username` in a text (a comment) is told where."""
    actor = User.objects.filter(pk=actor_id).first()
    if actor is None:
        return 0
    people = mentioned_users(text=text, actor_id=actor_id)
    # Only a path on this site: the link is shown in the app and in emails.
    link = url if url.startswith("/") and not url.startswith("//") else ""
    digest = hashlib.sha256(f"{url}\x1f{place}\x1f{title}\x1f{text}".encode()).hexdigest()[:40]
    excerpt = Truncator(text).chars(140)

    def words() -> str:
        return MENTIONED_ON[place] % {
            "name": actor.username,
            "title": title,
            "excerpt": excerpt,
        }

    return notifications_record(
        kind=Kind.MENTION,
        key=f"mention:{digest}",
        actor_id=actor_id,
        link=link,
        texts=dict.fromkeys((person.id for person in people), words),
    )
