"""Projects, their producers, asks and submissions, and the frozen record of a release."""

from collections.abc import Iterable
from fractions import Fraction
from typing import Protocol, Self

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from contributions.models import Contribution
from hitrec.currencies import CURRENCY_CHOICES, DEFAULT_CURRENCY


class CreditLike(Protocol):
    """A credit to write: a contribution id and its weight (projects.services.CreditInput)."""

    @property
    def contribution(self) -> int: ...

    @property
    def weight(self) -> Fraction: ...


class SplitPolicy(models.Model):
    """The split policy as exact fractions: the contributor pool p and the upstream share u.

    A project holds the policy it will release under; a release freezes a copy, and so does
    each payment proposal revision (proposals.ProposalRevision).
    """

    pool_numerator = models.PositiveBigIntegerField()
    pool_denominator = models.PositiveBigIntegerField()
    upstream_numerator = models.PositiveBigIntegerField()
    upstream_denominator = models.PositiveBigIntegerField()

    class Meta:
        abstract = True

    @property
    def contributor_pool(self) -> Fraction:
        return Fraction(self.pool_numerator, self.pool_denominator)

    @property
    def upstream_share(self) -> Fraction:
        return Fraction(self.upstream_numerator, self.upstream_denominator)

    def policy_fields(self) -> dict[str, int]:
        """The policy's four columns, to freeze a copy of it in another policy's row."""
        return {
            "pool_numerator": self.pool_numerator,
            "pool_denominator": self.pool_denominator,
            "upstream_numerator": self.upstream_numerator,
            "upstream_denominator": self.upstream_denominator,
        }

    @staticmethod
    def policy_constraints(prefix: str) -> list[models.BaseConstraint]:
        """0 ≤ p ≤ 1 and 0 ≤ u < 1, in the database (named `<prefix>_…`)."""
        return [
            models.CheckConstraint(
                condition=Q(pool_denominator__gt=0) & Q(pool_numerator__lte=F("pool_denominator")),
                name=f"{prefix}_pool_between_0_and_1",
            ),
            models.CheckConstraint(
                condition=Q(upstream_denominator__gt=0)
                & Q(upstream_numerator__lt=F("upstream_denominator")),
                name=f"{prefix}_upstream_share_below_1",
            ),
        ]


class Project(SplitPolicy):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        RELEASED = "released", _("Released")
        ARCHIVED = "archived", _("Archived")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_projects"
    )
    title = models.CharField(max_length=200)
    brief = models.TextField(blank=True, max_length=20_000)
    cover = models.FileField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default=DEFAULT_CURRENCY)
    # The policy a new project starts with: p = 1/2, u = 1/4.
    pool_numerator = models.PositiveBigIntegerField(default=1)
    pool_denominator = models.PositiveBigIntegerField(default=2)
    upstream_numerator = models.PositiveBigIntegerField(default=1)
    upstream_denominator = models.PositiveBigIntegerField(default=4)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = SplitPolicy.policy_constraints("project")

    def __str__(self) -> str:
        return self.title

    @property
    def is_frozen(self) -> bool:
        return self.status in (self.Status.RELEASED, self.Status.ARCHIVED)


class ProjectMember(models.Model):
    """A producer of the project: its owner, or a co-producer who accepted an invitation."""

    class Role(models.TextChoices):
        PRODUCER = "producer", _("Producer")
        CO_PRODUCER = "co-producer", _("Co Producer")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_memberships"
    )
    role = models.CharField(max_length=12, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="member_once_per_project"),
            models.UniqueConstraint(
                fields=["project"], condition=Q(role="producer"), name="one_producer_per_project"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} of {self.project_id}"


class Ask(models.Model):
    """What a project needs, e.g. "a cello line" (audio, 1)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        FILLED = "filled", _("Filled")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="asks")
    kind = models.CharField(max_length=10, choices=Contribution.Kind.choices)
    description = models.CharField(max_length=500)
    quantity = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="ask_quantity_positive"),
        ]

    def __str__(self) -> str:
        return self.description


class AskTag(models.Model):
    """A tag on an ask, in its one spelling (hitrec/tags.py): what it needs, "cello". Matched
    against the skills people list (projects/asks_for_you.py)."""

    ask = models.ForeignKey(Ask, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["ask_id", "id"]  # as the producer gave them
        indexes = [
            # A skill's asks: the asks for a person start from their skills' names.
            models.Index(fields=["name", "ask"], name="asktag_asks"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["ask", "name"], name="asktag_once"),
            models.CheckConstraint(
                condition=~Q(name="") & Q(name=Lower("name")), name="asktag_normalised"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Submission(models.Model):
    """A contribution offered to a project (by its author) or added as a resource (by a producer)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Origin(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        RESOURCE = "resource", _("Resource")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="submissions")
    contribution = models.ForeignKey(
        Contribution, on_delete=models.CASCADE, related_name="submissions"
    )
    ask = models.ForeignKey(
        Ask, on_delete=models.SET_NULL, null=True, blank=True, related_name="submissions"
    )
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.SUBMITTED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # The licence the work carried when the project took it in (accepted, or added as a
    # resource): what its release is checked against; a later change applies to new uses.
    license = models.CharField(max_length=32, blank=True)
    message = models.TextField(blank=True, max_length=2000)
    decision_note = models.TextField(blank=True, max_length=2000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "-created_at", "-id"]
        constraints = [
            # Withdrawn or declined offers may be made again; a live one exists at most once.
            models.UniqueConstraint(
                fields=["project", "contribution"],
                condition=Q(status__in=["pending", "accepted"]),
                name="submission_live_once_per_project",
            ),
        ]
        indexes = [models.Index(fields=["project", "status"])]

    def __str__(self) -> str:
        return f"{self.contribution_id} → {self.project_id} ({self.status})"


class Release(SplitPolicy):
    """The finished work, frozen for ever: policy, credits and the lineage snapshot.

    Rows of Release, ReleaseCredit, ReleaseNode and ReleaseEdge are insert-only: database
    triggers (migration 0002) refuse UPDATE and DELETE, whatever tries.
    """

    project = models.OneToOneField(Project, on_delete=models.PROTECT, related_name="release")
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    producer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    commercial = models.BooleanField()
    currency = models.CharField(max_length=3)
    released_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-released_at", "-id"]

    def __str__(self) -> str:
        return f"Release of project {self.project_id}"


class WeightedCredit(models.Model):
    """A contribution credited with an exact, positive weight: a release's credits, and a
    payment proposal revision's (proposals.ProposalCredit), which may become them."""

    weight_numerator = models.PositiveBigIntegerField()
    weight_denominator = models.PositiveBigIntegerField()

    class Meta:
        abstract = True

    @property
    def weight(self) -> Fraction:
        return Fraction(self.weight_numerator, self.weight_denominator)

    @classmethod
    def for_credits(cls, credits: Iterable[CreditLike], **owner: object) -> list[Self]:
        """Unsaved rows for `credits` (contribution id and weight each) under `owner`
        (`release=…`, `revision=…`), in contribution order, ready for bulk_create."""
        return [
            cls(
                contribution_id=credit.contribution,
                weight_numerator=credit.weight.numerator,
                weight_denominator=credit.weight.denominator,
                **owner,
            )
            for credit in sorted(credits, key=lambda c: c.contribution)
        ]

    @staticmethod
    def weight_positive(name: str) -> models.CheckConstraint:
        return models.CheckConstraint(
            condition=Q(weight_numerator__gt=0) & Q(weight_denominator__gt=0), name=name
        )


class ReleaseCredit(WeightedCredit):
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="credits")
    contribution = models.ForeignKey(
        Contribution, on_delete=models.PROTECT, related_name="release_credits"
    )

    class Meta:
        ordering = ["release_id", "contribution_id"]
        constraints = [
            models.UniqueConstraint(fields=["release", "contribution"], name="credit_once"),
            WeightedCredit.weight_positive("credit_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"credit {self.contribution_id} in release {self.release_id}"


class ReleaseNode(models.Model):
    """One contribution of the lineage closure, as it was at release time."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="nodes")
    contribution = models.ForeignKey(
        Contribution, on_delete=models.PROTECT, related_name="release_nodes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_username = models.CharField(max_length=150)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10)
    license = models.CharField(max_length=32)
    depth = models.PositiveIntegerField()

    class Meta:
        ordering = ["release_id", "depth", "contribution_id"]
        constraints = [
            models.UniqueConstraint(fields=["release", "contribution"], name="node_once"),
        ]

    def __str__(self) -> str:
        return f"{self.title} in release {self.release_id}"


class ReleaseEdge(models.Model):
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="edges")
    source = models.ForeignKey(Contribution, on_delete=models.PROTECT, related_name="+")
    remix = models.ForeignKey(Contribution, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["release_id", "remix_id", "source_id"]
        constraints = [
            models.UniqueConstraint(fields=["release", "source", "remix"], name="edge_once"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.remix_id} in release {self.release_id}"


class ProjectSearchDocument(models.Model):
    """A project's words as PostgreSQL's full-text search reads them (projects/search.py):
    title (weight A), brief (B) and its asks' descriptions and tags (C), through a GIN index.

    Kept by database triggers on projects, asks and their tags, drafts included (search leaves
    them out by status, which changes without touching the words). On SQLite the FTS5 table
    `projects_fts` plays this part and this table stays empty.
    """

    project = models.OneToOneField(
        Project,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        related_name="search_document",
        # The triggers keep it (a project's row goes with it); no commit-time key locks.
        db_constraint=False,
    )
    document = SearchVectorField()

    def __str__(self) -> str:
        return f"words of project #{self.project_id}"
