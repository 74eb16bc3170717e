"""Money: revenue events and their allocations, the double-entry ledger, payout statements.

Amounts are integers of the currency's minor unit. Ledger rows (JournalEntry, Posting) and
revenue rows (RevenueEvent, Allocation, AllocationLine) are insert-only: database triggers
(migration 0002) refuse changes; a correction is a reversing entry.
"""

from fractions import Fraction

from django.conf import settings
from django.db import models
from django.db.models import Q

from royalties.periods import format_period


class RevenueStream(models.Model):
    """A kind of money a project earns (publishing, master, sync, budget…) with its own pool.

    Every stream shares the release's upstream share and lineage; its contributor pool may
    differ (a `budget` stream pays 100% to contributors), and whether its revenue first
    recoups the production's costs, and it may pay only some of the credited contributions
    (publishing paying the songwriting). Created, never edited: revenue may already follow it.
    """

    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="revenue_streams"
    )
    name = models.SlugField(max_length=40)
    pool_numerator = models.PositiveBigIntegerField()
    pool_denominator = models.PositiveBigIntegerField()
    recoups_costs = models.BooleanField(default=True)
    # The credited contributions whose weights share this stream's pool (their sources are
    # paid through the lineage as ever); empty: every credit. Contribution ids, frozen as the
    # release's credits are, so removing a work can never widen a stream to everyone.
    contributions = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"], name="stream_name_once_per_project"
            ),
            models.CheckConstraint(
                condition=Q(pool_denominator__gt=0)
                & Q(pool_numerator__lte=models.F("pool_denominator")),
                name="stream_pool_between_0_and_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} of project {self.project_id}"

    @property
    def contributor_pool(self) -> Fraction:
        return Fraction(self.pool_numerator, self.pool_denominator)


class ProductionCost(models.Model):
    """Money someone spent making the work; revenue pays it back before profit is split."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="costs")
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    note = models.CharField(max_length=500)
    receipt = models.FileField(upload_to="receipts/%Y/%m/", blank=True, max_length=300)
    receipt_mime = models.CharField(max_length=100, blank=True)
    # Who bore the cost, and so is paid back first.
    borne_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Running total paid back so far; every change is covered by a Recoupment and the ledger.
    recouped_minor = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # A producer may withdraw what revenue has not paid back yet (a cost recorded by mistake,
    # or wrongly): that part is never paid back. What was paid back stays in the ledger.
    withdrawn_minor = models.PositiveBigIntegerField(default=0)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["project_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="cost_positive"),
            models.CheckConstraint(
                condition=Q(
                    recouped_minor__lte=models.F("amount_minor") - models.F("withdrawn_minor")
                ),
                name="cost_recouped_and_withdrawn_at_most_amount",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawn_minor=0)
                | Q(withdrawn_at__isnull=False, withdrawn_minor__gt=0),
                name="cost_withdrawn_with_its_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount_minor} {self.currency} cost of project {self.project_id}"

    @property
    def outstanding_minor(self) -> int:
        return self.amount_minor - self.recouped_minor - self.withdrawn_minor


class ReleaseParty(models.Model):
    """A person's exact share of a release (in one revenue stream) and what they have been
    allocated so far.

    The apportionment's running state (one row per person per release and stream), kept
    beside the ledger so an event needs no sum over history; every change is covered by
    ledger rows. `stream` empty: the release's own policy.
    """

    release = models.ForeignKey(
        "projects.Release", on_delete=models.PROTECT, related_name="parties"
    )
    stream = models.ForeignKey(
        RevenueStream, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # "n/d" in lowest terms. Text, not two integer columns: on a deep lineage the
    # denominators outgrow 64 bits (each remix level multiplies them).
    share_exact = models.TextField()
    allocated_minor = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["release_id", "user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "user"], name="party_once_per_release",
                condition=Q(stream__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["release", "stream", "user"], name="party_once_per_release_stream",
                condition=Q(stream__isnull=False),
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.user_id} in release {self.release_id}"

    @property
    def share(self) -> Fraction:
        return Fraction(self.share_exact)


class ReleaseLine(models.Model):
    """One way a person earns from a release: a contribution that keeps value (or the
    producer's own share, contribution empty), with its exact share and allocated total."""

    party = models.ForeignKey(ReleaseParty, on_delete=models.PROTECT, related_name="lines")
    contribution = models.ForeignKey(
        "contributions.Contribution", on_delete=models.PROTECT, null=True, related_name="+"
    )
    share_exact = models.TextField()  # "n/d", as on ReleaseParty
    # How value reached the contribution, e.g. "“Loop” (#3) → “Song” (#7)"; for explanations.
    path = models.TextField(blank=True)
    allocated_minor = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["party_id", "contribution_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["party", "contribution"], name="line_once_per_party",
                condition=Q(contribution__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["party"], name="producer_line_once_per_party",
                condition=Q(contribution__isnull=True),
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"line {self.contribution_id} of party {self.party_id}"

    @property
    def share(self) -> Fraction:
        return Fraction(self.share_exact)


class RevenueEvent(models.Model):
    """Money a released project earned, recorded once per idempotency key."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="revenue_events"
    )
    release = models.ForeignKey("projects.Release", on_delete=models.PROTECT, related_name="+")
    # Empty: the release's own policy (a project without streams).
    stream = models.ForeignKey(
        RevenueStream, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amount_minor = models.PositiveBigIntegerField()
    # The part that paid back production costs before the rest was split.
    recouped_minor = models.PositiveBigIntegerField(default=0)
    currency = models.CharField(max_length=3)
    note = models.CharField(max_length=500, blank=True)
    idempotency_key = models.CharField(max_length=255)
    # sha256 of the request's meaning (amount, currency, note): a replay must match it.
    fingerprint = models.CharField(max_length=64)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The stream's cumulative split profit after this event (the apportionment's house size).
    cumulative_minor = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["project_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "idempotency_key"], name="revenue_once_per_key"
            ),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="revenue_positive"),
            models.CheckConstraint(
                condition=Q(recouped_minor__lte=models.F("amount_minor")),
                name="revenue_recouped_at_most_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount_minor} {self.currency} for project {self.project_id}"


class Allocation(models.Model):
    """A person's part of one revenue event."""

    # Not indexed alone: the unique (event, user) index leads with it. Every event inserts
    # thousands of these rows, and each index is written for each. The reference is checked
    # once per INSERT statement by a trigger, not per row (migration 0007 says why).
    event = models.ForeignKey(
        RevenueEvent, on_delete=models.PROTECT, related_name="allocations", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount_minor = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["event_id", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="allocation_once_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.amount_minor} to {self.user_id} from event {self.event_id}"


class AllocationLine(models.Model):
    """The part of an allocation that one release line (contribution) earned."""

    # Not indexed alone: the unique (allocation, line) index leads with it. Both references
    # are checked once per INSERT statement (migration 0007 says why).
    allocation = models.ForeignKey(
        Allocation, on_delete=models.PROTECT, related_name="lines", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    # Not indexed either: nothing looks allocation lines up by their release line (reads go
    # from the person's allocations), release lines are never deleted, and every event's
    # itemisation writes tens of thousands of these rows into each index.
    line = models.ForeignKey(
        ReleaseLine, on_delete=models.PROTECT, related_name="+", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    amount_minor = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["allocation_id", "line_id"]
        constraints = [
            models.UniqueConstraint(fields=["allocation", "line"], name="allocation_line_once"),
        ]

    def __str__(self) -> str:
        return f"{self.amount_minor} via line {self.line_id}"


class EventItemisation(models.Model):
    """An event's allocations have been divided among the parties' lines (its contributions).

    The division is a job after the event's commit (`revenue_itemise`): it writes the
    event's allocation lines and this row in one transaction, so an event without one is
    waiting for it. Insert-only, like the rest of the ledger.
    """

    event = models.OneToOneField(
        RevenueEvent, on_delete=models.PROTECT, primary_key=True, related_name="itemisation"
    )
    itemised_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"event {self.event_id} itemised"


class Recoupment(models.Model):
    """The part of one revenue event that paid back one production cost."""

    event = models.ForeignKey(RevenueEvent, on_delete=models.PROTECT, related_name="recoupments")
    cost = models.ForeignKey(ProductionCost, on_delete=models.PROTECT, related_name="recoupments")
    amount_minor = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["event_id", "cost_id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "cost"], name="recoupment_once_per_event"),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="recoupment_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount_minor} recouping cost {self.cost_id}"


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


class Statement(models.Model):
    """A person's payout statement for one month and currency."""

    class Status(models.TextChoices):
        OPEN = "open"
        ISSUED = "issued"
        PAID = "paid"
        # The payment facilitator could not pay it: the amount stays owed and carries forward.
        FAILED = "failed"

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
        EARNING = "earning"  # a share of profit, through a contribution or the producer's share
        RECOUPMENT = "recoupment"  # a production cost paid back

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
        BUILD = "build"
        ISSUE = "issue"

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

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
        PENDING = "pending"
        PAID = "paid"
        FAILED = "failed"

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
