"""The platform's user: one account per person, whatever roles they take on."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    display_name = models.CharField(max_length=150, blank=True)
    bio = models.TextField(blank=True, max_length=5000)
    # Where payouts are sent; may differ from the login email.
    payout_email = models.EmailField(blank=True)
    # When the person proved they read each address (a signed link sent to it). Until then
    # hitrec sends it no notification and pays nobody through it (docs/decisions.md).
    email_verified_at = models.DateTimeField(null=True, blank=True)
    payout_email_verified_at = models.DateTimeField(null=True, blank=True)
    # When mail to one of them last bounced (the provider's webhook, or staff): the address
    # counts as unverified again, so nothing more is sent there until the person re-verifies.
    email_bounced_at = models.DateTimeField(null=True, blank=True)
    # The language pages, emails and statements are written in for them; empty: the
    # browser's (Accept-Language) on pages, the site's default in what is sent. Checked
    # against settings.LANGUAGES by the service, not as choices: adding a language needs
    # no migration.
    language = models.CharField(max_length=16, blank=True)
    # The username's TR39 skeleton (accounts/lookalikes.py), unique so that no two names
    # look alike; set by the services that name people. Empty for accounts named elsewhere
    # (the admin, createsuperuser) and for look-alikes that predate the rule.
    username_skeleton = models.CharField(max_length=600, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
            models.UniqueConstraint(
                fields=["username_skeleton"], name="accounts_user_username_skeleton_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def public_name(self) -> str:
        return self.display_name or self.username

    @property
    def email_verified(self) -> bool:
        return bool(self.email and self.email_verified_at)

    @property
    def payee_email(self) -> str:
        """Where a payout would go: the payout address if one is set, else the login one."""
        return self.payout_email or self.email

    @property
    def payee_verified(self) -> bool:
        if self.payout_email:
            return self.payout_email_verified_at is not None
        return self.email_verified


class UserSkill(models.Model):
    """A skill a person offers, as a tag in its one spelling (hitrec/tags.py): "cello". Listed
    on their profile to be found for it: open asks tagged with it show on their home page."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="skills")
    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["user_id", "id"]  # as the person gave them
        indexes = [
            # A tag's people: who hears of a new ask tagged with it.
            models.Index(fields=["name", "user"], name="userskill_people"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="userskill_once"),
            models.CheckConstraint(
                condition=~models.Q(name="") & models.Q(name=Lower("name")),
                name="userskill_normalised",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DataExport(models.Model):
    """One archive of everything a person gave or earned here, built by a background job."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        # The archive outlived HITREC_DATA_EXPORT_DAYS and its file was removed.
        EXPIRED = "expired", _("Expired")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress_stage = models.CharField(max_length=40, blank=True, default="queued")
    progress_percent = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    file = models.FileField(max_length=300, blank=True)
    bytes = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress_percent__lte=100),
                name="data_export_progress_is_a_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"data export {self.pk} of {self.user_id} ({self.status})"

    @property
    def is_in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def is_expired(self) -> bool:
        # Past its expiry the archive is refused even before the periodic cleanup removes it.
        if self.status == self.Status.EXPIRED:
            return True
        return (
            self.status == self.Status.READY
            and self.expires_at is not None
            and self.expires_at <= timezone.now()
        )

    @property
    def is_downloadable(self) -> bool:
        return self.status == self.Status.READY and not self.is_expired


class ApiToken(models.Model):
    """A named key a person gives a program to act for them through the API, until it expires
    or they revoke it. Only a hash of the key is stored: the key is shown once, at creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # sha256 of the key, hex: a copy of the database cannot be used to call the API.
    key_hash = models.CharField(max_length=64, unique=True)
    # The key's first characters, so a person can tell their tokens apart.
    prefix = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="apitoken_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) of {self.user_id}"

    def is_active(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now
