"""Statements of what is owed, the runs that build and issue them, and payout batches."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from royalties.models.ledger import JournalEntry
from royalties.periods import format_period


class Statement(models.Model):
    """A person's payout statement for one month and currency."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ISSUED = "issued", _("Issued")
        PAID = "paid", _("Paid")
        # The payment facilitator could not pay it: the amount stays owed and carries forward.
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="statements"
    )
    period = models.DateField(help_text="The first day of the month it covers.")
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    carried_in_minor = models.BigIntegerField(default=0)
    earned_minor = models.BigIntegerField(default=0)
    # What is paid for this statement: everything owed when it reaches the threshold, else 0.
    payable_minor = models.BigIntegerField(default=0)
    carried_forward_minor = models.BigIntegerField(default=0)
    payout_entry = models.OneToOneField(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period", "currency", "user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "period", "currency"], name="statement_once_per_month"
            ),
            models.CheckConstraint(
                condition=Q(payable_minor__gte=0) & Q(carried_forward_minor__gte=0),
                name="statement_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {format_period(self.period)} {self.currency}"


class StatementLine(models.Model):
    class Kind(models.TextChoices):
        EARNING = (
            "earning",
            _("Earning"),
        )  # a share of profit, through a contribution or the producer's share
        RECOUPMENT = "recoupment", _("Recoupment")  # a production cost paid back

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.EARNING)
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="+")
    contribution = models.ForeignKey(
        "contributions.Contribution", on_delete=models.PROTECT, null=True, related_name="+"
    )
    description = models.CharField(max_length=300)
    path = models.TextField(blank=True)
    amount_minor = models.BigIntegerField()

    class Meta:
        ordering = ["statement_id", "project_id", "contribution_id"]

    def __str__(self) -> str:
        return f"{self.amount_minor} on statement {self.statement_id}"


class StatementRun(models.Model):
    """A job over a month's statements for everyone, for staff to watch: building them, or
    issuing the open ones."""

    class Kind(models.TextChoices):
        # Translators: a statement run that builds (or rebuilds) a month's statements.
        BUILD = "build", _("Build")
        # Translators: a statement run that issues a month's statements.
        ISSUE = "issue", _("Issue")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=5, choices=Kind.choices, default=Kind.BUILD)
    period = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"statements {format_period(self.period)}: {self.kind} ({self.status})"


class StatementRunBatch(models.Model):
    """A slice of a statement run's people, built by one job of its own.

    A month's run over many people is built by every money worker at once, and a failed or
    redelivered job repeats only its slice. `people` keeps the slice as planned, so a job
    builds the same people whatever was earned since.
    """

    run = models.ForeignKey(StatementRun, on_delete=models.CASCADE, related_name="batches")
    number = models.PositiveIntegerField()
    people = models.JSONField()  # [[user_id, currency], ...]
    size = models.PositiveIntegerField()
    built_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="statement_batch_number_once"),
            models.CheckConstraint(condition=Q(size__gt=0), name="statement_batch_not_empty"),
        ]

    def __str__(self) -> str:
        return f"batch {self.number} of {self.run}"


class PayoutBatch(models.Model):
    """Issued statements sent together to the payment facilitator as one bulk-payout file."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "payout batches"

    def __str__(self) -> str:
        return f"payout batch {self.pk}"


class PayoutItem(models.Model):
    """One statement in a payout batch, and what the facilitator said happened to it."""

    class Result(models.TextChoices):
        PENDING = "pending", _("Pending")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="items")
    statement = models.OneToOneField(
        Statement, on_delete=models.PROTECT, related_name="payout_item"
    )
    # What the facilitator echoes back in its result file: unique, never reused.
    reference = models.CharField(max_length=64, unique=True)
    payee_email = models.EmailField()
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    result = models.CharField(max_length=8, choices=Result.choices, default=Result.PENDING)
    result_message = models.CharField(max_length=500, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["batch_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="payout_item_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.result})"
