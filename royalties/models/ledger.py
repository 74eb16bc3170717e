"""The double-entry ledger: accounts, journal entries and their postings (insert-only)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from royalties.models.revenue import RevenueEvent


class LedgerAccount(models.Model):
    class Kind(models.TextChoices):
        PROJECT_REVENUE = "project_revenue"  # money a project earned (credited on revenue)
        PAYABLE = "payable"  # what the platform owes a person (credited on allocation)
        PAYOUTS = "payouts"  # money sent out to people (debited on payout)

    kind = models.CharField(max_length=20, choices=Kind.choices)
    currency = models.CharField(max_length=3)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        # One account per owner: a project's, a person's, or the platform's (neither).
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "currency", "project"], name="account_once_per_project",
                condition=Q(project__isnull=False, user__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["kind", "currency", "user"], name="account_once_per_user",
                condition=Q(user__isnull=False, project__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["kind", "currency"], name="account_once_for_platform",
                condition=Q(user__isnull=True, project__isnull=True),
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        owner = self.project_id or self.user_id or "platform"
        return f"{self.kind}:{owner}:{self.currency}"


class JournalEntry(models.Model):
    class Kind(models.TextChoices):
        REVENUE = "revenue"
        PAYOUT = "payout"
        REVERSAL = "reversal"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    event = models.ForeignKey(
        RevenueEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    memo = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "journal entries"

    def __str__(self) -> str:
        return f"{self.kind} entry {self.pk}"


class Posting(models.Model):
    """One leg of a journal entry; an entry's postings sum to zero (credits are negative)."""

    # Both references are checked once per INSERT statement, with the entry's balance (migration
    # 0007): an entry's postings are written in one statement.
    entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, related_name="postings", db_constraint=False
    )
    # Not indexed alone: the (account, entry) index leads with it.
    account = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="postings", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    amount_minor = models.BigIntegerField()

    class Meta:
        ordering = ["entry_id", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_minor=0), name="posting_not_zero"),
        ]
        indexes = [models.Index(fields=["account", "entry"])]

    def __str__(self) -> str:
        return f"{self.amount_minor} on {self.account_id}"
