"""Use cases of claims: an earlier work's author asks for credit, the remixer or staff answer."""

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from claims.events import ClaimAccepted, ClaimDecided, ClaimDeclined, ClaimMade, ClaimWithdrawn
from claims.models import MESSAGE_MAX_CHARS, REASON_MAX_CHARS, Claim
from contributions.models import Ancestry, Contribution, RemixLink
from contributions.services import remix_source_add
from hitrec.audit import audit_record
from hitrec.events import announce
from hitrec.text_input import clean_text
from media.models import CreditMatch

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

_ONLY_EARLIER_AUTHOR_CLAIMS = gettext_lazy(
    "Only the author of “%(title)s” (#%(id)s) can ask to be credited for it."
)
_ONLY_AUTHOR_ANSWERS = gettext_lazy(
    "Only the author of “%(title)s” (#%(id)s) can accept or decline a claim on it; staff "
    "decide in their place."
)
_ONLY_STAFF_DECIDE = gettext_lazy("Only staff can decide a claim in the remixer's place.")
_ONLY_CLAIMANT_WITHDRAWS = gettext_lazy("Only the person who made a claim can withdraw it.")
_NOT_ON_OWN_CLAIM = gettext_lazy(
    "You are part of this claim; another member of staff must decide it."
)


def _names(work: Contribution, earlier: Contribution) -> dict[str, object]:
    """The parameters that name both works in a message."""
    return {
        "work": work.title,
        "work_id": work.id,
        "earlier": earlier.title,
        "earlier_id": earlier.id,
    }


def _locked_claim(claim: Claim) -> Claim:
    """The claim, locked and read again with both works, for a decision. Only the claim's
    row is locked: the works are locked in id order when a source is added."""
    return (
        Claim.objects.select_for_update(of=("self",))
        .select_related("work__author", "earlier")
        .get(pk=claim.pk)
    )


def _still_open(claim: Claim) -> None:
    if claim.status != Claim.Status.OPEN:
        raise ValidationError(
            # Translators: %(status)s is the claim's status, its label in lower case: accepted
            # or declined.
            _("This claim is already %(status)s.") % {"status": claim.get_status_display().lower()}
        )


@transaction.atomic
def claim_create(*, actor: User, work: Contribution, earlier: Contribution, message: str) -> Claim:
    """The author of `earlier` says `work` uses it and asks to be credited (named a source)."""
    if earlier.author_id != actor.id:
        raise PermissionDenied(
            _ONLY_EARLIER_AUTHOR_CLAIMS % {"title": earlier.title, "id": earlier.id}
        )
    message = clean_text(
        message, field="message", limit=MESSAGE_MAX_CHARS, what=_("a message"), required=False
    )
    # The work is locked: two claims on it, or a claim and a change of its sources, take turns.
    work = Contribution.objects.select_for_update().get(pk=work.pk)
    names = _names(work, earlier)
    if work.author_id == actor.id:
        raise ValidationError(
            _(
                "“%(work)s” (#%(work_id)s) is your own work: name “%(earlier)s” "
                "(#%(earlier_id)s) as its source yourself, on the work's page."
            )
            % names
        )
    for removed in (work, earlier):
        if removed.is_removed:
            raise ValidationError(
                _("“%(title)s” (#%(id)s) was deleted: there is no credit to claim.")
                % {"title": removed.title, "id": removed.id}
            )
    if not CreditMatch.objects.filter(work=work, earlier=earlier).exists():
        raise ValidationError(
            {
                "earlier": [
                    _(
                        "The credit guard found nothing of “%(earlier)s” (#%(earlier_id)s) in "
                        "“%(work)s” (#%(work_id)s); only a work it matched can be claimed."
                    )
                    % names
                ]
            }
        )
    if RemixLink.objects.filter(remix=work, source=earlier).exists():
        raise ValidationError(
            {
                "earlier": [
                    _(
                        "“%(work)s” (#%(work_id)s) already names “%(earlier)s” "
                        "(#%(earlier_id)s) as a source: you are credited."
                    )
                    % names
                ]
            }
        )
    if Ancestry.objects.filter(descendant=work, ancestor=earlier).exists():
        raise ValidationError(
            {
                "earlier": [
                    _(
                        "“%(earlier)s” (#%(earlier_id)s) is already in the lineage of "
                        "“%(work)s” (#%(work_id)s), through its sources: you are credited."
                    )
                    % names
                ]
            }
        )
    if Claim.objects.filter(work=work, earlier=earlier, status=Claim.Status.OPEN).exists():
        raise ValidationError(
            _(
                "You already asked to be credited for “%(earlier)s” (#%(earlier_id)s) in "
                "“%(work)s” (#%(work_id)s); the claim waits for an answer."
            )
            % names
        )
    claim = Claim.objects.create(work=work, earlier=earlier, claimant=actor, message=message)
    announce(ClaimMade(claim_id=claim.id))
    return claim


def _source_added(claim: Claim) -> None:
    """`claim.earlier` becomes a declared source of `claim.work`, beside the sources it has,
    through the contributions service: the licence rules apply, and a refusal (a
    ValidationError naming the rule) rolls the decision back, so the claim stays open."""
    work = claim.work
    if work.is_removed:
        raise ValidationError(
            _("“%(title)s” (#%(id)s) was deleted: no source can be added to it.")
            % {"title": work.title, "id": work.id}
        )
    # The service checks that its actor is the work's author: staff decide in their place.
    remix_source_add(contribution=work, actor=work.author, source_id=claim.earlier_id)


def _decided(claim: Claim, *, actor: User, accept: bool, reason: str) -> Claim:
    claim.status = Claim.Status.ACCEPTED if accept else Claim.Status.DECLINED
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    claim.reason = reason
    claim.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    return claim


def _check_work_author(claim: Claim, actor: User, refusal: "StrOrPromise") -> None:
    if claim.work.author_id != actor.id:
        raise PermissionDenied(refusal % {"title": claim.work.title, "id": claim.work_id})


@transaction.atomic
def claim_accept(*, claim: Claim, actor: User) -> Claim:
    """The remixer agrees their work uses the earlier one: it becomes a declared source.

    A release already made keeps its frozen split; the next release includes the source."""
    _check_work_author(claim, actor, _ONLY_AUTHOR_ANSWERS)
    claim = _locked_claim(claim)
    _still_open(claim)
    _source_added(claim)
    claim = _decided(claim, actor=actor, accept=True, reason="")
    announce(ClaimAccepted(claim_id=claim.id))
    return claim


@transaction.atomic
def claim_decline(*, claim: Claim, actor: User, reason: str) -> Claim:
    """The remixer says their work does not use the earlier one, and why."""
    _check_work_author(claim, actor, _ONLY_AUTHOR_ANSWERS)
    reason = clean_text(reason, field="reason", limit=REASON_MAX_CHARS, what=_("a reason"))
    claim = _locked_claim(claim)
    _still_open(claim)
    claim = _decided(claim, actor=actor, accept=False, reason=reason)
    announce(ClaimDeclined(claim_id=claim.id))
    return claim


@transaction.atomic
def claim_decide(*, claim: Claim, actor: User, accept: bool, reason: str) -> Claim:
    """Staff accept a claim (with the same effect as the remixer's acceptance) or decline it
    with a reason, when the remixer does not answer or the two disagree."""
    if not actor.is_staff:
        raise PermissionDenied(_ONLY_STAFF_DECIDE)
    reason = clean_text(
        reason, field="reason", limit=REASON_MAX_CHARS, what=_("a reason"), required=not accept
    )
    claim = _locked_claim(claim)
    if actor.id in (claim.claimant_id, claim.work.author_id):
        raise PermissionDenied(_NOT_ON_OWN_CLAIM)
    _still_open(claim)
    if accept:
        _source_added(claim)
    claim = _decided(claim, actor=actor, accept=accept, reason=reason)
    audit_record(
        action="claim.decide",
        actor=actor,
        target=claim,
        subject=claim.work.author,
        details={
            "work": claim.work_id,
            "earlier": claim.earlier_id,
            "claimant": claim.claimant_id,
            "accepted": accept,
            "reason": reason,
        },
    )
    announce(ClaimDecided(claim_id=claim.id))
    return claim


@transaction.atomic
def claim_withdraw(*, claim: Claim, actor: User) -> Claim:
    """The claimant takes back a claim nobody has answered (they were wrong, or agreed
    otherwise with the remixer); the remixer is told."""
    if claim.claimant_id != actor.id:
        raise PermissionDenied(_ONLY_CLAIMANT_WITHDRAWS)
    claim = _locked_claim(claim)
    _still_open(claim)
    claim.status = Claim.Status.WITHDRAWN
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    claim.save(update_fields=["status", "decided_by", "decided_at"])
    announce(ClaimWithdrawn(claim_id=claim.id))
    return claim


@transaction.atomic
def claims_lapse(*, contribution_id: int) -> int:
    """A work was deleted or taken down: the open claims on it, and those naming it as the
    earlier work, end unanswered (a deleted work can take no source, and be none). Returns
    how many lapsed; a second call finds none open."""
    return Claim.objects.filter(
        Q(work_id=contribution_id) | Q(earlier_id=contribution_id), status=Claim.Status.OPEN
    ).update(status=Claim.Status.LAPSED, decided_at=timezone.now())


def claims_forget(*, user: User) -> None:
    """A person closes their account (inside its transaction): the claims they made and no
    one answered are withdrawn; the words they wrote go (their claims' messages, the reasons
    they gave); the claims stay, as records of the works they name."""
    now = timezone.now()
    Claim.objects.filter(claimant=user, status=Claim.Status.OPEN).update(
        status=Claim.Status.WITHDRAWN, decided_by=user, decided_at=now
    )
    Claim.objects.filter(claimant=user).exclude(message="").update(message="")
    Claim.objects.filter(decided_by=user).exclude(reason="").update(
        reason="", reason_removed_at=now
    )
