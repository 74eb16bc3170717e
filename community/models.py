"""Comments, follows, reports of abuse or infringement, and the record of staff takedowns."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from contributions.models import Contribution
from projects.models import Project

COMMENT_MAX_CHARS = 5000
REPORT_MAX_CHARS = 5000
TAKEDOWN_REASON_MAX_CHARS = 2000

# Exactly one of the two targets is set; used by Comment and Follow alike.
_ONE_TARGET = {
    "comment": Q(contribution__isnull=False, project__isnull=True)
    | Q(contribution__isnull=True, project__isnull=False),
    "follow": Q(artist__isnull=False, project__isnull=True)
    | Q(artist__isnull=True, project__isnull=False),
}


class Comment(models.Model):
    """A comment on a contribution or on a project; a reply names its top-level comment."""

    class HiddenBy(models.TextChoices):
        # Translators: who hid a comment, completing “Hidden by …”.
        AUTHOR = "author", _("the author")
        PRODUCERS = "producers", _("the producers")
        STAFF = "staff", _("staff")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    contribution = models.ForeignKey(
        Contribution, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    # Threads are one level deep: the service attaches a reply to a reply to the top comment.
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    body = models.TextField(max_length=COMMENT_MAX_CHARS)
    # `body` rendered by media.text.render_markdown: the only form shown as HTML.
    html = models.TextField()
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept as a role, not looked up, so the "hidden by …" note costs no query per comment.
    hidden_role = models.CharField(max_length=10, choices=HiddenBy.choices, blank=True)
    # Set when its author deleted it (or their account) while others' replies hang from it:
    # the words go, the thread stays.
    removed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["contribution", "parent", "created_at"]),
            models.Index(fields=["project", "parent", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=_ONE_TARGET["comment"], name="comment_one_target"),
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True, hidden_role="")
                | Q(hidden_at__isnull=False) & ~Q(hidden_role=""),
                name="comment_hidden_says_by_whom",
            ),
            models.CheckConstraint(
                condition=Q(removed_at__isnull=True) | Q(body="", html=""),
                name="comment_removed_keeps_no_words",
            ),
        ]

    def __str__(self) -> str:
        return f"comment #{self.pk} by {self.author_id}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class Follow(models.Model):
    """`follower` follows an artist or a project (exactly one of the two)."""

    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    artist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
        related_name="followed_by",
    )  # fmt: skip
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="followed_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=_ONE_TARGET["follow"], name="follow_one_target"),
            models.CheckConstraint(condition=~Q(artist=F("follower")), name="follow_not_oneself"),
            models.UniqueConstraint(
                fields=["follower", "artist"],
                condition=Q(artist__isnull=False),
                name="follow_artist_once",
            ),  # fmt: skip
            models.UniqueConstraint(
                fields=["follower", "project"],
                condition=Q(project__isnull=False),
                name="follow_project_once",
            ),  # fmt: skip
        ]

    def __str__(self) -> str:
        target = f"artist {self.artist_id}" if self.artist_id else f"project {self.project_id}"
        return f"{self.follower_id} follows {target}"


class Report(models.Model):
    """Someone tells staff a contribution is abusive or infringes their rights."""

    class Kind(models.TextChoices):
        ABUSE = "abuse", _("Abuse")
        INFRINGEMENT = "infringement", _("Infringement")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DISMISSED = "dismissed", _("Dismissed")
        TAKEN_DOWN = "taken-down", _("Taken Down")

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = models.TextField(max_length=REPORT_MAX_CHARS)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True, max_length=TAKEDOWN_REASON_MAX_CHARS)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The queue is worked oldest first: whoever reported first waited longest.
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            # One open report per person and work: reporting again adds nothing for staff.
            models.UniqueConstraint(
                fields=["contribution", "reporter"],
                condition=Q(status="open"),
                name="report_open_once_per_reporter",
            ),  # fmt: skip
            models.CheckConstraint(
                condition=Q(status="open", resolved_at__isnull=True)
                | ~Q(status="open") & Q(resolved_at__isnull=False),
                name="report_resolved_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"report #{self.pk}: {self.kind} on {self.contribution_id} ({self.status})"


class Takedown(models.Model):
    """Staff removed a contribution's file; its tombstone stays in lineages and releases."""

    # The record outlives the work: its author may still delete the tombstone (or close their
    # account), and the title taken down stays on file.
    contribution = models.OneToOneField(
        Contribution, on_delete=models.SET_NULL, null=True, blank=True, related_name="takedown"
    )
    title = models.CharField(max_length=200)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    report = models.ForeignKey(
        Report, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(max_length=TAKEDOWN_REASON_MAX_CHARS)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"takedown of “{self.title}” (#{self.contribution_id})"
