"""The audit log: who did what, when, from where, to what, for staff actions and for every
action that moves money. Insert-only, like the ledger (a trigger refuses changes)."""

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # PROTECT, like the ledger's: accounts are closed, never deleted, and the record stays.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField(max_length=64, db_index=True)  # e.g. "payout_batch.create"
    target_type = models.CharField(max_length=64, blank=True)  # e.g. "payout_batch"
    target_id = models.BigIntegerField(null=True)
    # The person it concerns (whose money, whose work): their data export includes it.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    address = models.GenericIPAddressField(null=True)  # from where, when a request did it
    details = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["actor", "-at"]),
            models.Index(fields=["subject", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} by {self.actor_id}"
