"""Who hears of a claim for credit: made or withdrawn, answered, decided by staff."""

from collections.abc import Callable

from django.utils.text import Truncator
from django.utils.translation import gettext as _

from claims.models import Claim
from notifications.models import Kind
from notifications.services.recording import notifications_record


def _claim(claim_id: int) -> Claim | None:
    return (
        Claim.objects.select_related("work", "earlier", "claimant", "decided_by")
        .filter(pk=claim_id)
        .first()
    )


def _claim_link(claim: Claim) -> str:
    """The claim's page: both works, the message, the answer, and the buttons to answer."""
    return f"/claims/{claim.id}/"


def _names(claim: Claim, *, name: str) -> dict[str, str]:
    """What a claim's notices say it is about: `name` (who, per notice) and both works."""
    return {"name": name, "title": claim.work.title, "earlier": claim.earlier.title}


def _claim_notice(
    claim: Claim, *, kind: Kind, actor_id: int | None, texts: dict[int, Callable[[], str]]
) -> int:
    """Record a notice of the claim, one per state it reaches (the key), linking to its page."""
    return notifications_record(
        kind=kind,
        key=f"claim:{claim.id}:{claim.status}",
        actor_id=actor_id,
        link=_claim_link(claim),
        texts=texts,
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
    """The author of a work learns that someone asks to be credited in it, and why; and,
    if the claimant withdraws it before an answer, that too (the same conversation)."""
    claim = _claim(claim_id)
    if claim is None or claim.status not in (Claim.Status.OPEN, Claim.Status.WITHDRAWN):
        return 0
    names = _names(claim, name=claim.claimant.username)

    def words() -> str:
        if claim.status == Claim.Status.WITHDRAWN:
            return (
                _(
                    "%(name)s withdrew their claim that your “%(title)s” uses their "
                    "“%(earlier)s”: there is nothing to answer."
                )
                % names
            )
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

    return _claim_notice(
        claim, kind=Kind.CLAIM_MADE, actor_id=claim.claimant_id, texts={claim.work.author_id: words}
    )


def notify_claim_answered(*, claim_id: int) -> int:
    """The claimant learns that the remixer accepted their claim (they are now credited) or
    declined it, and why."""
    claim = _claim(claim_id)
    if claim is None or claim.status not in (Claim.Status.ACCEPTED, Claim.Status.DECLINED):
        return 0
    names = _names(claim, name=claim.decided_by.username if claim.decided_by is not None else "")

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

    return _claim_notice(
        claim,
        kind=Kind.CLAIM_ANSWERED,
        actor_id=claim.decided_by_id,
        texts={claim.claimant_id: words},
    )


def notify_claim_decided(*, claim_id: int) -> int:
    """Staff decided a claim in the remixer's place: the claimant and the remixer both learn
    what they decided, and why."""
    claim = _claim(claim_id)
    if claim is None or claim.status not in (Claim.Status.ACCEPTED, Claim.Status.DECLINED):
        return 0
    accepted = claim.status == Claim.Status.ACCEPTED
    names = _names(claim, name=claim.claimant.username)

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

    return _claim_notice(
        claim,
        kind=Kind.CLAIM_DECIDED,
        actor_id=claim.decided_by_id,
        texts={claim.claimant_id: to_claimant, claim.work.author_id: to_remixer},
    )
