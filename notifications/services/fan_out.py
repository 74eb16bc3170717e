"""Who hears of each event, and in what words: a remix, an ask (and an ask for one's skills),
a decision, a release, revenue, a statement, a cost, a mention, a payment proposal's steps,
a claim for credit and its answer."""

import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction

from babel.dates import format_date
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext, pgettext_lazy

from accounts.models import User
from claims.models import Claim
from community.selectors import project_followers
from contributions.models import Contribution
from hitrec.formats import month_display, reader_locale
from notifications.mentions import mention_candidates
from notifications.models import Delivery, Kind, Preference
from notifications.services.recording import notifications_record, titles_quoted
from projects.asks_for_you import matching_asks
from projects.models import Ask, AskTag, ProjectMember, Release, ReleaseNode, Submission
from projects.selectors import PUBLIC_STATUSES
from proposals.models import (
    Proposal,
    ProposalAcceptance,
    ProposalComment,
    ProposalPerson,
    ProposalRevision,
)
from royalties.models import Allocation, ProductionCost, RevenueEvent, Statement
from royalties.selectors import credited_ids, producer_ids
from royalties.splits import format_percent
from royalties.wording import amount_number, fixed_number

MAX_MENTIONS = 20

# Each text below is a function that writes it in the active language: recording calls it
# once per recipient language (notifications.services.recording.texts_written).

# A kind of work as a sentence names it ("asks for audio").
KIND_WORDS = {
    "image": pgettext_lazy("a kind of work, within a sentence", "image"),
    "audio": pgettext_lazy("a kind of work, within a sentence", "audio"),
    "video": pgettext_lazy("a kind of work, within a sentence", "video"),
    "text": pgettext_lazy("a kind of work, within a sentence", "text"),
}


def _day(moment: dt.datetime) -> str:
    """A deadline's day: "05 December 2026" in English."""
    # Translators: how a deadline's day is written in notifications, as a CLDR date pattern
    # (dd: day, MMMM: month name, yyyy: year); e.g. "d 'de' MMMM 'de' yyyy".
    return format_date(moment.date(), format=pgettext("date pattern", "dd MMMM yyyy"),
                       locale=reader_locale())  # fmt: skip


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


def notify_revenue(*, event_id: int) -> int:
    """Everyone allocated a part of a revenue event learns how much."""
    event = RevenueEvent.objects.select_related("project").filter(pk=event_id).first()
    if event is None:
        return 0
    currency = event.currency
    # Each person's own part only (the project's events are on its page, for those credited).
    parts = Allocation.objects.filter(event=event, amount_minor__gt=0).values_list(
        "user_id", "amount_minor"
    )
    return notifications_record(
        kind=Kind.REVENUE,
        key=f"revenue:{event.id}",
        actor_id=event.recorded_by_id,
        link="/dashboard/",
        texts={
            user_id: functools.partial(_revenue_words, event.project.title, amount, currency)
            for user_id, amount in parts
        },
    )


def _revenue_words(title: str, amount: int, currency: str) -> str:
    # Translators: %(amount)s is followed by its currency code, e.g. 5.00 USD.
    return _("Revenue was recorded for “%(title)s”: your part is %(amount)s %(currency)s.") % {
        "title": title,
        "amount": amount_number(amount, currency=currency),
        "currency": currency,
    }


def notify_statement_issued(*, statement_id: int) -> int:
    """The person learns that their statement was issued, and what it pays."""
    statement = Statement.objects.filter(pk=statement_id).first()
    if statement is None:
        return 0
    currency = statement.currency

    def words() -> str:
        if statement.payable_minor:
            # Translators: %(month)s is a month and its year, e.g. "December 2026".
            message = _(
                "Your %(month)s statement (%(currency)s) was issued: "
                "%(amount)s %(currency)s payable."
            )
            amount = statement.payable_minor
        else:
            message = _(
                "Your %(month)s statement (%(currency)s) was issued: %(amount)s %(currency)s "
                "carried forward (below the payout threshold)."
            )
            amount = statement.carried_forward_minor
        return message % {
            "month": month_display(statement.period),
            "currency": currency,
            "amount": amount_number(amount, currency=currency),
        }

    return notifications_record(
        kind=Kind.STATEMENT_ISSUED,
        key=f"statement:{statement.id}",
        actor_id=None,
        link="/dashboard/",
        texts={statement.user_id: words},
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
        ) % {"title": title, "share": _share_words(share), "day": _day(proposal.window_ends_at)}

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
            "day": _day(proposal.window_ends_at),
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


def notify_cost(*, cost_id: int, change: str) -> int:
    """A cost recorded, agreed to or withdrawn.

    Recorded before the release, or withdrawn: the producer who bore it learns it, when
    another did it. Recorded after the release, or agreed to: everyone credited in the
    release and the producers learn its amount, what it was for, who bore it, whether a
    receipt backs it and when revenue pays it back (the producers who may agree to it, that
    it waits for them)."""
    cost = (
        ProductionCost.objects.select_related(
            "project", "recorded_by", "withdrawn_by", "approved_by", "borne_by"
        )
        .filter(pk=cost_id)
        .first()
    )
    if cost is None or (change == "withdrawn" and cost.withdrawn_at is None):
        return 0
    project, currency = cost.project, cost.currency
    actor: User | None
    if change == "withdrawn":
        actor = cost.withdrawn_by
        if actor is None:
            # `production_cost_withdraw` sets both; without it `actor.username` fails alike.
            raise AttributeError(f"Cost #{cost.id} is withdrawn by nobody.")
    elif change == "approved":
        actor = cost.approved_by
    else:
        actor = cost.recorded_by
    if actor is None:
        return 0  # agreed to by nobody (not `production_cost_approve`): nothing to tell
    names = {
        "name": actor.username,
        "note": cost.note,
        "title": project.title,
        "currency": currency,
    }
    if change == "approved" or cost.rule != ProductionCost.Rule.AT_RECORDING:
        return _cost_in_the_open(cost, change=change, actor_id=actor.id, names=names)

    def words() -> str:
        if change == "withdrawn":
            return _(
                "%(name)s withdrew %(amount)s %(currency)s of “%(note)s”, a cost you bore on "
                "“%(title)s”: revenue will not pay it back. Reason: %(reason)s"
            ) % {
                **names,
                "amount": amount_number(cost.withdrawn_minor, currency=currency),
                "reason": Truncator(cost.withdrawal_reason).chars(300),
            }
        return _(
            "%(name)s recorded a cost you bore on “%(title)s”: %(amount)s %(currency)s for "
            "“%(note)s”. Revenue pays it back to you first."
        ) % {**names, "amount": amount_number(cost.amount_minor, currency=currency)}

    return notifications_record(
        kind=Kind.COST,
        key=f"cost:{cost.id}:{change}",
        actor_id=actor.id,
        link=f"/projects/{project.id}/desk/#costs",
        texts={cost.borne_by_id: words},
    )


def _cost_in_the_open(cost: ProductionCost, *, change: str, actor_id: int, names: dict) -> int:
    """A cost recorded after the release, or agreed to: everyone credited and the producers
    are told, the producers with a link to their desk, the others to the project's costs."""
    project, currency = cost.project, cost.currency
    names = {**names, "bearer": cost.borne_by.username, "note": Truncator(cost.note).chars(200)}

    def details() -> dict:
        # The amount as the reader writes numbers: called in each recipient's language.
        return {**names, "amount": amount_number(cost.amount_minor, currency=currency)}

    def agreed() -> str:
        return (
            _(
                "%(name)s agreed to the production cost of %(amount)s %(currency)s for “%(note)s” "
                "on “%(title)s”: from now on revenue pays it back to %(bearer)s before the rest "
                "is shared."
            )
            % details()
        )

    def recorded(asked: bool) -> str:
        if cost.receipt:
            what = _(
                "%(name)s recorded a production cost on “%(title)s”: %(amount)s %(currency)s "
                "for “%(note)s”, borne by %(bearer)s, with a receipt you can download."
            )
        else:
            what = _(
                "%(name)s recorded a production cost on “%(title)s”: %(amount)s %(currency)s "
                "for “%(note)s”, borne by %(bearer)s, with no receipt."
            )
        if asked:
            when = _("It waits for your agreement on the producer's desk.")
        elif cost.rule == ProductionCost.Rule.AGREEMENT:
            when = _(
                "Revenue pays it back before the rest is shared only once a producer who "
                "neither recorded nor bore it agrees."
            )
        elif cost.effective_at is not None:
            when = _(
                "Unless it is withdrawn, revenue pays it back before the rest is shared from "
                "%(day)s; comment on the project if it looks wrong."
            ) % {"day": _day(cost.effective_at)}
        else:
            # A cost in effect when recorded (the rule before the release).
            when = _("Revenue pays it back before the rest is shared.")
        # Translators: a recorded cost, then when revenue pays it back.
        return _("%(what)s %(when)s") % {"what": what % details(), "when": when}

    producers = producer_ids(project=project)
    everyone = (credited_ids(project=project) | producers | {cost.borne_by_id}) - {actor_id}
    askable = (
        producers - {cost.recorded_by_id, cost.borne_by_id}
        if change == "recorded" and cost.rule == ProductionCost.Rule.AGREEMENT
        else set()
    )
    if change == "approved":
        texts: dict[int, Callable[[], str]] = dict.fromkeys(everyone, agreed)
    else:
        told, asked = functools.partial(recorded, False), functools.partial(recorded, True)
        texts = {user_id: asked if user_id in askable else told for user_id in everyone}
    key = f"cost:{cost.id}:{change}"
    desk = {user_id: words for user_id, words in texts.items() if user_id in producers}
    others = {user_id: words for user_id, words in texts.items() if user_id not in producers}
    return notifications_record(
        kind=Kind.COST, key=key, actor_id=actor_id,
        link=f"/projects/{project.id}/desk/#costs", texts=desk,
    ) + notifications_record(
        kind=Kind.COST, key=key, actor_id=actor_id,
        link=f"/projects/{project.id}/#costs", texts=others,
    )  # fmt: skip


def _claim(claim_id: int) -> Claim | None:
    return (
        Claim.objects.select_related("work", "earlier", "claimant", "decided_by")
        .filter(pk=claim_id)
        .first()
    )


def _with_reason(text: str, reason: str) -> str:
    if not reason:
        return text
    # Translators: a decision on a claim for credit, then the reason given for it.
    return _("%(decision)s Reason: %(reason)s") % {
        "decision": text,
        "reason": Truncator(reason).chars(300),
    }


def notify_claim_made(*, claim_id: int) -> int:
    """The author of a work learns that someone asks to be credited in it, and why."""
    claim = _claim(claim_id)
    if claim is None:
        return 0
    names = {
        "name": claim.claimant.username,
        "title": claim.work.title,
        "earlier": claim.earlier.title,
    }

    def words() -> str:
        text = (
            _(
                "%(name)s asks to be credited in your “%(title)s”: they say it uses their "
                "“%(earlier)s”. Accept it (it becomes a source) or decline it with a reason."
            )
            % names
        )
        if claim.message:
            # Translators: a claim for credit, then the claimant's message.
            text = _("%(claim)s Message: %(message)s") % {
                "claim": text,
                "message": Truncator(claim.message).chars(300),
            }
        return text

    return notifications_record(
        kind=Kind.CLAIM_MADE,
        key=f"claim:{claim.id}:open",
        actor_id=claim.claimant_id,
        link=f"/contributions/{claim.work_id}/",
        texts={claim.work.author_id: words},
    )


def notify_claim_answered(*, claim_id: int) -> int:
    """The claimant learns that the remixer accepted their claim (they are now credited) or
    declined it, and why."""
    claim = _claim(claim_id)
    if claim is None or claim.status == Claim.Status.OPEN:
        return 0
    names = {
        "name": claim.decided_by.username if claim.decided_by is not None else "",
        "title": claim.work.title,
        "earlier": claim.earlier.title,
    }

    def words() -> str:
        if claim.status == Claim.Status.ACCEPTED:
            return (
                _(
                    "%(name)s accepted your claim: “%(title)s” now names your “%(earlier)s” as a source."
                )
                % names
            )
        return _with_reason(
            _("%(name)s declined your claim that “%(title)s” uses your “%(earlier)s”.") % names,
            claim.reason,
        )

    return notifications_record(
        kind=Kind.CLAIM_ANSWERED,
        key=f"claim:{claim.id}:{claim.status}",
        actor_id=claim.decided_by_id,
        link=f"/contributions/{claim.work_id}/",
        texts={claim.claimant_id: words},
    )


def notify_claim_decided(*, claim_id: int) -> int:
    """Staff decided a claim in the remixer's place: the claimant and the remixer both learn
    what they decided, and why."""
    claim = _claim(claim_id)
    if claim is None or claim.status == Claim.Status.OPEN:
        return 0
    accepted = claim.status == Claim.Status.ACCEPTED
    names = {
        "name": claim.claimant.username,
        "title": claim.work.title,
        "earlier": claim.earlier.title,
    }

    def to_claimant() -> str:
        if accepted:
            text = _(
                "Staff accepted your claim: “%(title)s” now names your “%(earlier)s” as a source."
            )
        else:
            text = _("Staff declined your claim that “%(title)s” uses your “%(earlier)s”.")
        return _with_reason(text % names, claim.reason)

    def to_remixer() -> str:
        if accepted:
            text = _(
                "Staff accepted the claim of %(name)s: your “%(title)s” now names their "
                "“%(earlier)s” as a source."
            )
        else:
            text = _(
                "Staff declined the claim of %(name)s that your “%(title)s” uses their "
                "“%(earlier)s”."
            )
        return _with_reason(text % names, claim.reason)

    return notifications_record(
        kind=Kind.CLAIM_DECIDED,
        key=f"claim:{claim.id}:{claim.status}",
        actor_id=claim.decided_by_id,
        link=f"/contributions/{claim.work_id}/",
        texts={claim.claimant_id: to_claimant, claim.work.author_id: to_remixer},
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
    Kind.ASK_FOR_YOU: notify_ask_for_you,
    Kind.CLAIM_MADE: notify_claim_made,
    Kind.CLAIM_ANSWERED: notify_claim_answered,
    Kind.CLAIM_DECIDED: notify_claim_decided,
}


def notify(*, kind: str, arguments: dict) -> int:
    """The fan-out task's entry: record the notifications of one event of this kind."""
    return FAN_OUT[Kind(kind)](**arguments)
