"""Who hears of what happens to works and projects: a remix, an ask (and an ask for one's
skills), a submission decided, a release."""

import functools
from collections.abc import Sequence

from django.db.models import Exists, OuterRef, Q
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts.models import User
from claims.models import Claim
from community.selectors import project_followers
from contributions.models import Contribution
from notifications.models import Delivery, Kind, Preference
from notifications.services.fan_out.wording import KIND_WORDS
from notifications.services.recording import notifications_record, titles_quoted
from projects.asks_for_you import matching_asks
from projects.models import Ask, AskTag, ProjectMember, Release, ReleaseNode, Submission
from projects.selectors import PUBLIC_STATUSES
from proposals.models import (
    Proposal,
)


def notify_remixed(*, remix_id: int, source_ids: Sequence[int]) -> int:
    """Each author of a newly named source learns that their work was remixed."""
    remix = Contribution.objects.select_related("author").filter(pk=remix_id).first()
    if remix is None or not source_ids:
        return 0
    # A source added by accepting its author's claim: the answer to the claim tells them
    # (notify_claim_answered, notify_claim_decided); one message, not two.
    claimed = Claim.objects.filter(
        work_id=remix_id, earlier_id__in=source_ids, status=Claim.Status.ACCEPTED
    ).values("earlier_id")
    by_author: dict[int, list[Contribution]] = {}
    for source in (
        Contribution.objects.filter(id__in=source_ids).exclude(id__in=claimed).order_by("id")
    ):
        by_author.setdefault(source.author_id, []).append(source)
    recorded = 0
    for author_id, sources in by_author.items():
        recorded += notifications_record(
            kind=Kind.REMIXED,
            key=f"remixed:{remix.id}:{sources[0].id}",
            actor_id=remix.author_id,
            link=f"/contributions/{remix.id}/",
            texts={author_id: functools.partial(_remixed_words, remix, sources)},
        )
    return recorded


def _remixed_words(remix: Contribution, sources: list[Contribution]) -> str:
    return _("%(name)s remixed your %(works)s in “%(title)s”.") % {
        "name": remix.author.username,
        "works": titles_quoted([s.title for s in sources]),
        "title": remix.title,
    }


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

    def words() -> str:
        kind = KIND_WORDS.get(ask.kind, ask.kind)
        # Translators: %(kind)s is a kind of work (image, audio, video or text) and
        # %(quantity)s how many the project asks for; the description follows.
        return _("“%(title)s” asks for %(kind)s (%(quantity)s): %(description)s") % {
            "title": project.title,
            "kind": kind,
            "quantity": ask.quantity,
            "description": Truncator(ask.description).chars(200),
        }

    return notifications_record(
        kind=Kind.ASK_POSTED,
        key=f"ask:{ask.id}",
        actor_id=actor_id,
        link=f"/projects/{project.id}/",
        texts=dict.fromkeys(followers.values_list("id", flat=True), words),
    )


def notify_ask_for_you(*, ask_id: int, actor_id: int) -> int:
    """The people who list a skill an open ask is tagged with, and turned this kind on, hear
    of it (in their digest), unless they are in its project. Each hears of an ask once,
    whatever tags it is given later."""
    tags = list(AskTag.objects.filter(ask_id=ask_id).order_by("id").values_list("name", flat=True))
    ask = matching_asks(skills=tags).select_related("project").filter(pk=ask_id).first()
    if ask is None:
        return 0  # gone, filled, or its project is not open (a draft says so when it opens)
    project = ask.project
    people = (
        User.objects.filter(skills__name__in=tags, is_active=True)
        # Off by default: only those who turned it on (the rest would be recorded as nothing,
        # but only after being read, a chunk at a time, for every ask of a common skill).
        .filter(
            Exists(
                Preference.objects.filter(user=OuterRef("pk"), kind=Kind.ASK_FOR_YOU).exclude(
                    delivery=Delivery.OFF
                )
            )
        )
        .exclude(Exists(ProjectMember.objects.filter(project=project, user=OuterRef("pk"))))
        .exclude(pk=project.owner_id)
        .order_by()
        .values_list("id", flat=True)
        .distinct()
    )

    def words() -> str:
        # Translators: %(kind)s is a kind of work (image, audio, video or text),
        # %(quantity)s how many the project asks for and %(tags)s the ask's tags ("cello,
        # strings"); the description follows.
        return _(
            "“%(title)s” asks for %(kind)s (%(quantity)s), tagged %(tags)s: %(description)s"
        ) % {
            "title": project.title,
            "kind": KIND_WORDS.get(ask.kind, ask.kind),
            "quantity": ask.quantity,
            "tags": ", ".join(tags),
            "description": Truncator(ask.description).chars(200),
        }

    return notifications_record(
        kind=Kind.ASK_FOR_YOU,
        key=f"ask_for_you:{ask.id}",
        actor_id=actor_id,
        link=f"/projects/{project.id}/",
        texts=dict.fromkeys(people, words),
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

    def words() -> str:
        names = {"project": submission.project.title, "title": submission.contribution.title}
        if submission.status == "accepted":
            text = _("“%(project)s” accepted your “%(title)s”.") % names
        else:
            text = _("“%(project)s” declined your “%(title)s”.") % names
        if submission.decision_note:
            # Translators: a decision on a submission, then the producer's note about it.
            text = _("%(decision)s Note: %(note)s") % {
                "decision": text,
                "note": Truncator(submission.decision_note).chars(300),
            }
        return text

    return notifications_record(
        kind=Kind.SUBMISSION_DECIDED,
        key=f"submission:{submission.id}:{submission.status}",
        actor_id=submission.decided_by_id,
        link=f"/projects/{submission.project_id}/",
        texts={submission.submitted_by_id: words},
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
            author_id: functools.partial(_released_words, project.title, works)
            for author_id, works in titles.items()
        },
    )


def _released_words(title: str, works: list[str]) -> str:
    return _("“%(title)s” was released; you are credited for %(works)s.") % {
        "title": title,
        "works": titles_quoted(works),
    }
