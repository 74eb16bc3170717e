"""What the pipeline derives from an original: renditions (thumbnails, waveform, poster,
preview) and the credit guard's fingerprints, index keys and matches."""

import hashlib

from django.db import models
from django.db.models import F, Q


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


class Fingerprint(models.Model):
    """What the credit guard knows of one ready work: its fingerprints, or why it has none.

    Pictures: the pHash and dHash of the picture (one pair), or of a video's sampled frames
    (a pair per frame, FRAME_SECONDS apart), packed as unsigned 64-bit big-endian pairs in
    `frames`. Audio (an audio work or a video's sound): Chromaprint's raw items as unsigned
    32-bit big-endian in `audio`, and its spectral peaks (the landmark fingerprint, which
    finds a source mixed under louder music) in `landmarks`, packed as
    media/fingerprints/landmarks.py's `to_bytes` says (versioned, 4 bytes a peak). Texts
    keep no fingerprint here: their words are the text itself, read again to verify.
    `reason`: why the work has no fingerprint at all, or, on an indexed one, why a part of
    it is missing (a sound long enough for Chromaprint but not for landmarks). Never shown
    to anyone but staff (docs/decisions.md, "Credit guard").
    """

    class Status(models.TextChoices):
        INDEXED = "indexed"  # its keys are in FingerprintKey
        UNAVAILABLE = "unavailable"  # nothing to fingerprint (too short, unreadable): `reason`

    contribution = models.OneToOneField(
        "contributions.Contribution",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="fingerprint",
    )
    status = models.CharField(max_length=12, choices=Status.choices)
    reason = models.CharField(max_length=300, blank=True)
    frames = models.BinaryField(blank=True, default=b"")
    audio = models.BinaryField(blank=True, default=b"")
    landmarks = models.BinaryField(blank=True, default=b"")
    # Every earlier work was compared with this one as of then (`manage.py fingerprint`
    # compares again the works fingerprinted before an earlier one was).
    matched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status="indexed") | ~Q(reason=""),
                name="fingerprint_unavailable_says_why",
            ),
        ]

    def __str__(self) -> str:
        return f"fingerprint of {self.contribution_id} ({self.status})"


class FingerprintKey(models.Model):
    """One index key of a work: where an upload's probe keys find their candidates without
    reading every fingerprint (multi-index hash chunks, masked audio items, spectral-peak
    pairs, LSH bands)."""

    class Kind(models.IntegerChoices):
        PICTURE = 1  # a picture's or a video frame's hash chunk; `position`: the frame
        AUDIO = 2  # a masked Chromaprint item; `position`: the item's index
        TEXT = 3  # a band of a window's MinHash signature
        LANDMARK = 4  # a sampled pair of strong spectral peaks; `position`: the anchor's frame

    kind = models.PositiveSmallIntegerField(choices=Kind.choices)
    key = models.BigIntegerField()
    contribution = models.ForeignKey(
        "contributions.Contribution",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,  # written by the thousand with the fingerprint, deleted with it
        db_index=False,
    )
    position = models.IntegerField(default=0)

    class Meta:
        indexes = [
            # The look-up: every work under a key, oldest first, with its position, read
            # from the index alone.
            models.Index(
                fields=["kind", "key", "contribution", "position"], name="fingerprintkey_lookup"
            ),
            models.Index(fields=["contribution"], name="fingerprintkey_work"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} key {self.key} of {self.contribution_id}"


class CreditMatch(models.Model):
    """An earlier work that `work` probably uses, as its fingerprints say: how sure
    (`score`, 0 to 1) and what matched (`detail`: the picture region or frames, the time
    ranges in both works, the quoted passage). Found once, when `work` is fingerprinted;
    never public (the author, the producers of a project that took it in, staff)."""

    work = models.ForeignKey(
        "contributions.Contribution", on_delete=models.CASCADE, related_name="credit_matches"
    )
    earlier = models.ForeignKey(
        "contributions.Contribution", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=5)  # image, audio or text: what matched
    score = models.FloatField()
    detail = models.JSONField(default=dict)
    found_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["work_id", "-score", "earlier_id"]
        constraints = [
            models.UniqueConstraint(fields=["work", "earlier", "kind"], name="creditmatch_once"),
            models.CheckConstraint(condition=~Q(work=F("earlier")), name="creditmatch_not_itself"),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1), name="creditmatch_score_in_0_1"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["image", "audio", "text"]), name="creditmatch_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_id} probably uses {self.earlier_id} ({self.kind}, {self.score:.2f})"
