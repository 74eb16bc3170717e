"""Notifications and each person's choice, per kind, of how (or whether) to hear about it.

A notification is recorded for its recipient unless they turned its kind off; "off" means
off everywhere, in the app and by email. What happens by email is decided when it is
recorded (`email_status`) and checked again when the email goes out, so a kind turned off
in between is not sent.
"""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Kind(models.TextChoices):
    REMIXED = "remixed", _("Your work was remixed")
    ASK_POSTED = "ask_posted", _("A project you follow posted an ask")
    SUBMISSION_DECIDED = "submission_decided", _("Your submission was accepted or declined")
    RELEASED = "released", _("A project you are credited in was released")
    REVENUE = "revenue", _("Revenue was recorded for your work")
    STATEMENT_ISSUED = "statement_issued", _("Your payout statement was issued")
    COST = "cost", _("A producer recorded or withdrew a cost you bore")
    MENTION = "mention", _("Someone mentioned you")
    PROPOSAL_PUBLISHED = (
        "proposal_published",
        _("A payment proposal that includes you was published"),
    )
    PROPOSAL_REVISED = "proposal_revised", _("A payment proposal that includes you was revised")
    PROPOSAL_COMMENTED = (
        "proposal_commented",
        _("Someone commented on a payment proposal you produce"),
    )
    PROPOSAL_ACCEPTED = "proposal_accepted", _("Someone accepted a payment proposal you produce")
    PROPOSAL_RELEASED = "proposal_released", _("A payment proposal you are part of became final")
    ASK_FOR_YOU = "ask_for_you", _("New asks that match your skills")
    CLAIM_MADE = "claim_made", _("Someone asked to be credited in your work")
    CLAIM_ANSWERED = "claim_answered", _("Your request for credit was accepted or declined")
    CLAIM_DECIDED = "claim_decided", _("Staff decided a request for credit you are part of")


class Delivery(models.TextChoices):
    OFF = "off", _("Off")
    IMMEDIATE = "immediate", _("Email me at once")
    DIGEST = "digest", _("Daily digest")


# What a person gets before they choose. Streaming revenue can arrive many times a day and
# asks come from every project followed, so those wait for the digest; the rest is about the
# person's own work or money and is worth an email when it happens.
DEFAULT_DELIVERY = {
    Kind.REMIXED: Delivery.IMMEDIATE,
    Kind.ASK_POSTED: Delivery.DIGEST,
    Kind.SUBMISSION_DECIDED: Delivery.IMMEDIATE,
    Kind.RELEASED: Delivery.IMMEDIATE,
    Kind.REVENUE: Delivery.DIGEST,
    Kind.STATEMENT_ISSUED: Delivery.IMMEDIATE,
    Kind.COST: Delivery.IMMEDIATE,  # money owed to the person, changed by someone else
    Kind.MENTION: Delivery.IMMEDIATE,
    # A proposal's window is short (two weeks): what it proposes, changes and decides is
    # worth an email at once; acceptances pile up, so producers get those in the digest.
    Kind.PROPOSAL_PUBLISHED: Delivery.IMMEDIATE,
    Kind.PROPOSAL_REVISED: Delivery.IMMEDIATE,
    Kind.PROPOSAL_COMMENTED: Delivery.IMMEDIATE,
    Kind.PROPOSAL_ACCEPTED: Delivery.DIGEST,
    Kind.PROPOSAL_RELEASED: Delivery.IMMEDIATE,
    # Asks for a person's skills come from projects they have nothing to do with: only those
    # who turn it on hear of them (docs/decisions.md, "Asks for you").
    Kind.ASK_FOR_YOU: Delivery.OFF,
    # Claims are about who is credited (and so paid) for a person's own work, and wait for
    # an answer: worth an email when they happen.
    Kind.CLAIM_MADE: Delivery.IMMEDIATE,
    Kind.CLAIM_ANSWERED: Delivery.IMMEDIATE,
    Kind.CLAIM_DECIDED: Delivery.IMMEDIATE,
}

# Kinds that come in the daily digest or not at all: one switch, off or on. Asks from every
# open project that needs a skill are never worth an email each.
DIGEST_ONLY = frozenset({Kind.ASK_FOR_YOU})


def deliveries_of(kind: str) -> list[tuple[str, "StrOrPromise"]]:
    """The choices a person has for a kind (value, label)."""
    offered = [Delivery.OFF, Delivery.DIGEST] if kind in DIGEST_ONLY else list(Delivery)
    return [(delivery.value, delivery.label) for delivery in offered]


class Notification(models.Model):
    class EmailStatus(models.TextChoices):
        NONE = "none"  # in the app only: no email address
        QUEUED = "queued"  # to be emailed on its own, now
        DIGEST = "digest"  # waits for the daily digest
        SENT = "sent"  # emailed on its own
        DIGESTED = "digested"  # went out in a daily digest
        DROPPED = "dropped"  # the kind was turned off (or the address removed) before it went

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.CharField(max_length=500)
    # A path on this site ("/projects/7/"); emails make it absolute with HITREC_SITE_URL.
    link = models.CharField(max_length=500, blank=True)
    # Names the event per recipient ("released:12"): recording it again is a no-op, so the
    # fan-out task may run twice.
    key = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.NONE
    )
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Ids grow with time, so "-id" is newest first, and it is what the inbox index holds.
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], name="notification_once_per_event"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-id"], name="notification_inbox"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
            models.Index(
                fields=["recipient"],
                condition=Q(email_status="digest"),
                name="notification_digest_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}: {self.text[:40]}"


class Preference(models.Model):
    """A person's choice for one kind; without a row, DEFAULT_DELIVERY applies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="preference_once_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.delivery}"
