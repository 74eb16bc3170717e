"""Claims: the author of an earlier work asks to be credited in a later work that uses it.

The credit guard (media.CreditMatch) finds that a work probably uses an earlier one; the
earlier work's author may then claim credit. The later work's author accepts (the earlier
work becomes a declared source, under the licence rules) or declines with a reason; staff
may decide instead. A claim is a record kept for ever: it protects the works it names, so
deleting one leaves a tombstone, as a release does. A claim nobody answered ends too: its
claimant withdraws it (or closes their account), or it lapses when one of its works is
deleted or taken down, since a deleted work can name no source and be named by none.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from contributions.models import Contribution

MESSAGE_MAX_CHARS = 2000
REASON_MAX_CHARS = 2000


class Claim(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        LAPSED = "lapsed", _("Lapsed")

    # The later work, said to use `earlier`; its author answers the claim.
    work = models.ForeignKey(Contribution, on_delete=models.PROTECT, related_name="claims")
    earlier = models.ForeignKey(Contribution, on_delete=models.PROTECT, related_name="+")
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="claims_made"
    )
    message = models.TextField(blank=True, max_length=MESSAGE_MAX_CHARS)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # The work's author, or a member of staff who decided in their place; the claimant when
    # they withdrew it; nobody when it lapsed.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True, max_length=REASON_MAX_CHARS)
    # When the decider closed their account, the words of their reason went with it (a
    # declined claim's reason is otherwise required).
    reason_removed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Ids grow with time: "-id" is newest first.
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["claimant", "-id"], name="claim_by_claimant"),
            # Staff's queue: the open claims only, a handful beside every decided one.
            models.Index(fields=["-id"], condition=Q(status="open"), name="claim_open_newest"),
        ]
        constraints = [
            # Asking again while a claim waits would only nag; once answered, one may ask
            # again (the work may have changed, or the answer been wrong).
            models.UniqueConstraint(
                fields=["work", "earlier"],
                condition=Q(status="open"),
                name="claim_open_once_per_pair",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "accepted", "declined", "withdrawn", "lapsed"]),
                name="claim_status",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined")
                | ~Q(reason="")
                | Q(reason_removed_at__isnull=False),
                name="claim_declined_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status="open", decided_by__isnull=True, decided_at__isnull=True)
                | Q(status="lapsed", decided_by__isnull=True, decided_at__isnull=False)
                | (
                    Q(status__in=["accepted", "declined", "withdrawn"])
                    & Q(decided_by__isnull=False, decided_at__isnull=False)
                ),
                name="claim_decided_iff_closed",
            ),
            models.CheckConstraint(condition=~Q(work=F("earlier")), name="claim_not_itself"),
        ]

    def __str__(self) -> str:
        return f"Claim #{self.pk}: {self.work_id} uses {self.earlier_id} ({self.status})"
