"""Revenue: streams, production costs, a release's parties and lines, events and their
allocations (insert-only), itemisation and recoupment."""

import datetime as dt
from fractions import Fraction

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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
    """Money someone spent making the work; revenue pays it back before profit is split.

    A cost is paid back only once it is in effect (`effective_at` is set and has come). One
    recorded before the release is in effect at once; one recorded after it waits for the
    agreement of another producer, or for the end of a public window (`Rule`, and
    docs/decisions.md, "Costs after a release…").
    """

    class Rule(models.TextChoices):
        # In effect when recorded: before the release (or before costs could wait).
        AT_RECORDING = "recorded", _("in effect when recorded")
        # After the release, with a producer able to agree: waits for that agreement.
        AGREEMENT = "agreement", _("waits for another producer's agreement")
        # After the release, with nobody to agree: in effect when the public window ends.
        WINDOW = "window", _("in effect after a public window")

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
    # How the cost comes into effect, and when: revenue pays back only costs whose
    # `effective_at` has come (empty: waiting for a producer's agreement).
    rule = models.CharField(max_length=10, choices=Rule.choices, default=Rule.AT_RECORDING)
    effective_at = models.DateTimeField(null=True, blank=True)
    # The producer who agreed to it (neither the one who recorded it nor the one who bore it).
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="cost_positive"),
            models.CheckConstraint(
                condition=Q(rule="agreement") | Q(effective_at__isnull=False),
                name="cost_effective_unless_awaiting_agreement",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True, approved_at__isnull=True)
                | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="cost_approved_with_its_date",
            ),
            # Nothing is paid back of a cost before it takes effect.
            models.CheckConstraint(
                condition=Q(effective_at__isnull=False) | Q(recouped_minor=0),
                name="cost_recouped_only_in_effect",
            ),
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

    def in_effect(self, now: dt.datetime) -> bool:
        """Whether revenue pays it back at `now` (withdrawn or not: see outstanding)."""
        return self.effective_at is not None and self.effective_at <= now


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
