"""Community Payment Proposals: a split published for comment before it becomes the release.

A producer publishes a proposal (revision 1); revisions are insert-only and each keeps its
credits, its policy and the split it computes, so any two can be compared. Every person
whose work is in a revision's lineage is one of its people, and may accept that revision.
When the comment window ends (or earlier, once everyone accepted) the current revision
becomes the project's release, and the proposal points at it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contributions.models import Contribution
from projects.models import Project, Release, SplitPolicy, WeightedCredit

COMMENT_MAX_CHARS = 5000
NOTE_MAX_CHARS = 2000


class Proposal(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")  # the comment window runs (or ran, and the closing job is due)
        RELEASED = "released", _("Released")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="proposals")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    window_ends_at = models.DateTimeField()
    # The release this proposal became; the release does not know of proposals, so the
    # projects' tables stay as they are.
    release = models.OneToOneField(
        Release, on_delete=models.PROTECT, null=True, blank=True, related_name="proposal"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # Why the window ended without a release (the lineage or the policy changed since the
    # current revision, or the project was released directly); shown to everyone.
    close_problem = models.CharField(max_length=1000, blank=True)
    # The credited works' undeclared matches when it was released (proposals.selectors.
    # matches_frozen); null while open, and for proposals released before it was kept.
    matches_at_release = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "window_ends_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(status="open"),
                name="proposal_open_once_per_project",
            ),
            models.CheckConstraint(
                condition=Q(status="released", release__isnull=False, closed_at__isnull=False)
                | Q(status="withdrawn", release__isnull=True, closed_at__isnull=False)
                | Q(status="open", release__isnull=True, closed_at__isnull=True),
                name="proposal_release_iff_released",
            ),
        ]

    def __str__(self) -> str:
        return f"proposal #{self.pk} for project {self.project_id} ({self.status})"


class ProposalRevision(SplitPolicy):
    """One version of the proposal: credits, policy and the split they give, for ever."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    commercial = models.BooleanField()
    currency = models.CharField(max_length=3)
    # The split as `GET /api/projects/{id}/split/` shows it (exact "n/d" strings), plus
    # `paths`: the largest lineage paths that pay each contribution.
    split = models.JSONField()
    note = models.TextField(blank=True, max_length=NOTE_MAX_CHARS)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["proposal_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="revision_number_once"),
            models.CheckConstraint(condition=Q(number__gte=1), name="revision_number_positive"),
            *SplitPolicy.policy_constraints("revision"),
        ]

    def __str__(self) -> str:
        return f"revision {self.number} of proposal {self.proposal_id}"


class ProposalCredit(WeightedCredit):
    revision = models.ForeignKey(ProposalRevision, on_delete=models.CASCADE, related_name="credits")
    contribution = models.ForeignKey(Contribution, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["revision_id", "contribution_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "contribution"], name="proposal_credit_once"
            ),
            WeightedCredit.weight_positive("proposal_credit_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"credit {self.contribution_id} in revision {self.revision_id}"


class ProposalPerson(models.Model):
    """Someone whose work is in a revision's lineage: told of it, and asked to accept it."""

    revision = models.ForeignKey(ProposalRevision, on_delete=models.CASCADE, related_name="people")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposal_inclusions"
    )
    share = models.CharField(max_length=2000)  # exact, "n/d" in lowest terms (may be 0/1)

    class Meta:
        ordering = ["revision_id", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["revision", "user"], name="proposal_person_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in revision {self.revision_id}"


class ProposalAcceptance(models.Model):
    """A person accepted one revision. A new revision asks everyone again."""

    # One-to-one with the person's row of that revision: only someone included can accept,
    # and only once, whatever the code above tries.
    person = models.OneToOneField(
        ProposalPerson, on_delete=models.CASCADE, related_name="acceptance"
    )
    accepted_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"acceptance by person row {self.person_id}"


class ProposalComment(models.Model):
    """A comment during the window; a producer's answer is a reply flagged as theirs."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    # The revision that was current when it was written, so a comment reads in context.
    revision = models.ForeignKey(ProposalRevision, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="proposal_comments"
    )
    # Threads are one level deep: a reply to a reply joins the thread of the top comment.
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    from_producer = models.BooleanField(default=False)
    body = models.TextField(max_length=COMMENT_MAX_CHARS)
    html = models.TextField()  # `body` through media.text.render_markdown
    removed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["proposal", "parent", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(removed_at__isnull=True) | Q(body="", html=""),
                name="proposal_comment_removed_keeps_no_words",
            ),
        ]

    def __str__(self) -> str:
        return f"comment #{self.pk} on proposal {self.proposal_id}"
