"""Use cases of notifications: record them, email them (at once or in a digest), read, choose."""

import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Sequence

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import Truncator

from accounts.models import User
from community.selectors import project_followers
from contributions.models import Contribution
from notifications import emails, tasks
from notifications.mentions import mention_candidates
from notifications.models import Delivery, Kind, Notification, Preference
from notifications.selectors import deliveries_for, preferences_get
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

Status = Notification.EmailStatus
# SQLite allows 32766 parameters a statement; far under it, and a sensible batch anyway.
_CHUNK = 500
MAX_MENTIONS = 20


def _one_line(text: str, limit: int = 500) -> str:
    # Texts become email subjects, where a line break is refused (header injection).
    return Truncator(re.sub(r"\s+", " ", text).strip()).chars(limit)


def _quoted(titles: Sequence[str], limit: int = 3) -> str:
    shown = [f"“{title}”" for title in titles[:limit]]
    if len(titles) > limit:
        shown.append(f"{len(titles) - limit} more")
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


# --- recording -----------------------------------------------------------------------------


def _record(*, kind: Kind, key: str, actor_id: int | None, link: str, texts: dict[int, str]) -> int:
    """Record one notification per recipient (texts: recipient id → text), as each chose.

    Nobody is told of their own action. Recording the same event again (same key) adds
    nothing, so the fan-out task may run twice. Returns how many were recorded now or before.
    """
    recipients = sorted(user_id for user_id in texts if user_id != actor_id)
    recorded = 0
    for start in range(0, len(recipients), _CHUNK):
        chunk = recipients[start : start + _CHUNK]
        deliveries = deliveries_for(user_ids=chunk, kind=kind)
        addresses = dict(
            User.objects.filter(id__in=chunk, is_active=True).values_list("id", "email")
        )
        rows = []
        for user_id in chunk:
            delivery = deliveries[user_id]
            if delivery == Delivery.OFF or user_id not in addresses:
                continue
            if not addresses[user_id]:
                status = Status.NONE
            else:
                status = Status.QUEUED if delivery == Delivery.IMMEDIATE else Status.DIGEST
            rows.append(
                Notification(
                    recipient_id=user_id, kind=kind, actor_id=actor_id,
                    text=_one_line(texts[user_id]), link=link[:500], key=key,
                    email_status=status,
                )
            )  # fmt: skip
        with transaction.atomic():
            Notification.objects.bulk_create(rows, ignore_conflicts=True)
            # Read back rather than trust bulk_create: on a rerun the rows already exist, and
            # one still queued (its email never went) is queued again.
            queued = list(
                Notification.objects.filter(
                    key=key, recipient_id__in=[row.recipient_id for row in rows],
                    email_status=Status.QUEUED,
                ).values_list("id", flat=True)
            )  # fmt: skip
            _email_on_commit(queued)
        recorded += len(rows)
    return recorded


def _email_on_commit(notification_ids: Iterable[int]) -> None:
    for notification_id in notification_ids:
        transaction.on_commit(functools.partial(_email_send, notification_id))


def _email_send(notification_id: int) -> None:
    tasks.send_email.delay(notification_id)


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
        recorded += _record(
            kind=Kind.REMIXED,
            key=f"remixed:{remix.id}:{sources[0].id}",
            actor_id=remix.author_id,
            link=f"/contributions/{remix.id}/",
            texts={
                author_id: f"{remix.author.username} remixed your "
                f"{_quoted([s.title for s in sources])} in “{remix.title}”."
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
    return _record(
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
    return _record(
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
    return _record(
        kind=Kind.RELEASED,
        key=f"released:{release.id}",
        actor_id=release.released_by_id,
        link=f"/projects/{project.id}/",
        texts={
            author_id: f"“{project.title}” was released; you are credited for {_quoted(works)}."
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
    return _record(
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
    return _record(
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
    return _record(
        kind=Kind.MENTION,
        key=f"mention:{digest}",
        actor_id=actor_id,
        link=link,
        texts={
            person.id: f"{actor.username} mentioned you in {where}: “{excerpt}”"
            for person in people
        },
    )


# --- payment proposals ---------------------------------------------------------------------


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


def notify_proposal_published(*, revision_id: int) -> int:
    """Everyone whose work is in a new payment proposal learns their share and the deadline."""
    revision = (
        ProposalRevision.objects.select_related("proposal__project").filter(pk=revision_id).first()
    )
    if revision is None:
        return 0
    proposal = revision.proposal
    title = proposal.project.title
    return _record(
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
    revision = (
        ProposalRevision.objects.select_related("proposal__project").filter(pk=revision_id).first()
    )
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
    return _record(
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
    return _record(
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
    return _record(
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
    return _record(
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
    return _record(
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


# --- reading and choosing ------------------------------------------------------------------


def notifications_mark_read(*, user: User, ids: Sequence[int] = (), every: bool = False) -> int:
    """The person marks some of their notifications (or all of them) as read."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if not every:
        # Ids of other people's notifications simply match nothing here.
        rows = rows.filter(id__in=list(ids)[:1000])
    return rows.update(read_at=timezone.now())


@transaction.atomic
def preferences_set(*, user: User, preferences: dict[str, str]) -> dict[str, str]:
    """The person chooses, per kind, off, immediately or a daily digest."""
    problems = {
        kind: [f"“{kind}” is not a kind of notification."]
        for kind in preferences
        if kind not in Kind.values
    }
    problems.update(
        {
            kind: [f"Choose one of {', '.join(Delivery.values)}, not “{delivery}”."]
            for kind, delivery in preferences.items()
            if kind in Kind.values and delivery not in Delivery.values
        }
    )
    if problems:
        raise ValidationError(problems)
    if preferences:
        Preference.objects.bulk_create(
            [Preference(user=user, kind=k, delivery=d) for k, d in sorted(preferences.items())],
            update_conflicts=True,
            unique_fields=["user", "kind"],
            update_fields=["delivery", "updated_at"],
        )
    off = [kind for kind, delivery in preferences.items() if delivery == Delivery.OFF]
    if off:
        # What was waiting to be emailed stays in the app but is no longer sent.
        Notification.objects.filter(
            recipient=user, kind__in=off, email_status__in=[Status.QUEUED, Status.DIGEST]
        ).update(email_status=Status.DROPPED)
    return preferences_get(user=user)


# --- unsubscribing -------------------------------------------------------------------------

_UNSUBSCRIBE_SALT = "notifications.unsubscribe"
# In a token's kind: every kind the person now gets by daily digest (the digest's own link).
ALL_DIGEST_KINDS = "digest"


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    """A signed token naming the person and the kind; it never expires (old emails keep
    working) and only ever turns notifications off."""
    return signing.dumps({"u": user_id, "k": kind}, salt=_UNSUBSCRIBE_SALT)


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    from django.urls import reverse

    token = unsubscribe_token(user_id=user_id, kind=kind)
    return settings.HITREC_SITE_URL.rstrip("/") + reverse("notifications:unsubscribe", args=[token])


def unsubscribe(*, token: str) -> tuple[User, list[str]]:
    """Turn off what an email's unsubscribe link names, without logging in.

    Returns the person and the kinds now off. Clicking twice is harmless.
    """
    try:
        data = signing.loads(token, salt=_UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise ValidationError(
            "This unsubscribe link is damaged or was not made by hitrec, so nothing was "
            "changed. Copy the whole link from the email, or choose what you hear about on "
            "your notification settings page."
        ) from None
    if not (
        isinstance(data, dict)
        and isinstance(data.get("u"), int)
        and data.get("k") in {*Kind.values, ALL_DIGEST_KINDS}
    ):
        raise ValidationError("This unsubscribe link names nothing hitrec knows.")
    user = User.objects.filter(pk=data["u"]).first()
    if user is None:
        raise ValidationError("This unsubscribe link names an account that no longer exists.")
    if data["k"] == ALL_DIGEST_KINDS:
        kinds = [k for k, d in preferences_get(user=user).items() if d == Delivery.DIGEST]
    else:
        kinds = [data["k"]]
    preferences_set(user=user, preferences=dict.fromkeys(kinds, Delivery.OFF.value))
    return user, kinds


# --- emails --------------------------------------------------------------------------------


@transaction.atomic
def email_send(*, notification_id: int) -> bool:
    """Email one notification on its own. Guarded: only a queued one is sent, once.

    The row stays locked while the email goes out, so a concurrent rerun waits and then
    finds it sent. If sending fails, nothing is marked and the task retries.
    """
    notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
    if notification is None or notification.email_status != Status.QUEUED:
        return False
    recipient = User.objects.get(pk=notification.recipient_id)
    delivery = preferences_get(user=recipient)[notification.kind]
    if delivery == Delivery.OFF or not recipient.email or not recipient.is_active:
        notification.email_status = Status.DROPPED
        notification.save(update_fields=["email_status"])
        return False
    emails.notification_email(
        notification=notification,
        recipient=recipient,
        unsubscribe_url=unsubscribe_url(user_id=recipient.id, kind=notification.kind),
    ).send()
    notification.email_status = Status.SENT
    notification.emailed_at = timezone.now()
    notification.save(update_fields=["email_status", "emailed_at"])
    return True


@transaction.atomic
def digest_send(*, user_id: int) -> bool:
    """One email with everything a person has waiting for their digest. Guarded: what it
    sends is marked digested in the same transaction, so a second run finds nothing."""
    waiting = list(
        Notification.objects.select_for_update()
        .filter(recipient_id=user_id, email_status=Status.DIGEST)
        .order_by("id")
    )
    if not waiting:
        return False
    recipient = User.objects.get(pk=user_id)
    deliveries = preferences_get(user=recipient)
    send = [n for n in waiting if deliveries[n.kind] != Delivery.OFF]
    if not (recipient.email and recipient.is_active):
        send = []
    sent_ids = {n.id for n in send}
    now = timezone.now()
    if send:
        kinds = list(dict.fromkeys(n.kind for n in send))
        emails.digest_email(
            recipient=recipient,
            notifications=send,
            unsubscribe_urls={k: unsubscribe_url(user_id=user_id, kind=k) for k in kinds},
            unsubscribe_all_url=unsubscribe_url(user_id=user_id, kind=ALL_DIGEST_KINDS),
        ).send()
        Notification.objects.filter(id__in=sent_ids).update(
            email_status=Status.DIGESTED, emailed_at=now
        )
    Notification.objects.filter(id__in=[n.id for n in waiting if n.id not in sent_ids]).update(
        email_status=Status.DROPPED
    )
    return bool(send)


def digests_enqueue() -> int:
    """The daily run: one digest job per person with something waiting."""
    people = list(
        Notification.objects.filter(email_status=Status.DIGEST)
        .order_by()
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    for user_id in people:
        tasks.send_digest.delay(user_id)
    return len(people)
