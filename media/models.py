"""Renditions: the files the pipeline derives from an original (thumbnails, waveform, poster, preview)."""

import hashlib

from django.db import models


class Rendition(models.Model):
    class Role(models.TextChoices):
        THUMBNAIL = "thumbnail"
        WAVEFORM = "waveform"
        POSTER = "poster"
        PREVIEW = "preview"
        # The original without location and other metadata: what others download.
        CLEAN = "clean"

    contribution = models.ForeignKey(
        "contributions.Contribution", on_delete=models.CASCADE, related_name="renditions"
    )
    role = models.CharField(max_length=12, choices=Role.choices)
    # Stable per contribution (e.g. "thumb-256.webp"), so a rerun replaces instead of adding.
    name = models.CharField(max_length=64)
    file = models.FileField(max_length=300)
    mime = models.CharField(max_length=100)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    bytes = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set on every save, a reprocess's update_or_create included: the file under this stable
    # name changed, so its URL's version must (`version`).
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["contribution_id", "role", "width", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["contribution", "name"], name="rendition_unique_name_per_contribution"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contribution_id}/{self.name}"

    @property
    def version(self) -> str:
        """Names this file's content from the row alone (no storage call, no query), so a
        list can version every URL: a reprocess keeps the name but changes `updated_at`."""
        stamp = f"{self.pk}:{self.bytes}:{self.updated_at.isoformat() if self.updated_at else ''}"
        return hashlib.blake2s(stamp.encode(), digest_size=6).hexdigest()

    @property
    def url_path(self) -> str:
        """The API path of this rendition with its version: a new URL whenever the file
        changes, so the answer can be cached for good (hitrec/files.py, IMMUTABLE)."""
        return f"/api/contributions/{self.contribution_id}/renditions/{self.name}?v={self.version}"
