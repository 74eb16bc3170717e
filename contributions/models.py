"""Contributions (an artist's uploaded work) and the remix links between them."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contributions.licenses import DEFAULT_LICENSE, LICENSE_CHOICES


class ContributionQuerySet(models.QuerySet):
    """Contributions, and a list's cheaper count when another table's rows say it exactly.

    `counted_from(rows)`: the count of this list is `rows.count()` (a tag's rows, which carry
    their work's licence, creation time and presence: contributions.selectors). Filtering
    the list further, or emptying it, forgets it.
    """

    _counted_from: models.QuerySet | None = None

    def counted_from(self, rows: models.QuerySet) -> "ContributionQuerySet":
        clone = self._chain()  # type: ignore[attr-defined]
        clone._counted_from = rows
        return clone

    def count(self) -> int:
        if self._counted_from is not None and not self.query.is_empty():
            return self._counted_from.count()
        return super().count()

    def _clone(self):
        clone = super()._clone()  # type: ignore[misc]
        clone._counted_from = self._counted_from
        return clone

    def _filter_or_exclude(self, negate, args, kwargs):
        clone = super()._filter_or_exclude(negate, args, kwargs)  # type: ignore[misc]
        clone._counted_from = None
        return clone


class Contribution(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        AUDIO = "audio", _("Audio")
        VIDEO = "video", _("Video")
        TEXT = "text", _("Text")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contributions"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=10_000)
    license = models.CharField(max_length=32, choices=LICENSE_CHOICES, default=DEFAULT_LICENSE)

    # The original as uploaded (image, audio, video) or the text body; never both.
    file = models.FileField(max_length=300, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    text = models.TextField(blank=True)

    # Facts about the original, measured at upload (bytes, sha256) and by the pipeline.
    bytes = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    mime = models.CharField(max_length=100, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    codec = models.CharField(max_length=50, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    progress_stage = models.CharField(max_length=40, blank=True)
    progress_percent = models.PositiveSmallIntegerField(default=0)
    # When the current processing job was queued or last started: the sweeper re-queues a
    # job still pending or processing long after this (media.services.processing_sweep).
    processing_since = models.DateTimeField(default=timezone.now)
    # Runs of the current job that started and never finished (a worker killed, out of
    # memory, past the time limit); after a few the file is failed, not retried for ever.
    processing_interrupted = models.PositiveSmallIntegerField(default=0)

    # Set when the author deleted a work others build on: it stays in lineages as a tombstone.
    removed_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    sources: "models.ManyToManyField[Contribution, RemixLink]" = models.ManyToManyField(
        "self", through="RemixLink", through_fields=("remix", "source"), symmetrical=False,
        related_name="remixes",
    )  # fmt: skip

    objects = ContributionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["author", "-created_at"]),
            models.Index(fields=["kind", "-created_at"]),
            # The public list, newest first: a page is read off this index instead of
            # sorting every public work, and the list's count is an index-only scan.
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(removed_at__isnull=True),
                name="contribution_public_newest",
            ),
            # The sweeper's look-up: only unfinished jobs, a handful at any time.
            models.Index(
                fields=["processing_since"],
                condition=Q(status__in=["pending", "processing"]),
                name="contribution_unfinished_jobs",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_percent__lte=100), name="contribution_progress_is_a_percent"
            ),
            models.CheckConstraint(
                condition=Q(kind="text") | Q(text=""), name="contribution_only_text_has_a_body"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (#{self.pk})"

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class RemixLink(models.Model):
    """`remix` was made from `source`. Sources are always older: cycles are impossible."""

    source = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="+")
    remix = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="+")
    # The licence the source carried when the remix was made from it: the terms of this use.
    # A later change of the source's licence applies to new uses only (docs/decisions.md).
    source_license = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["remix_id", "source_id"]
        indexes = [models.Index(fields=["source", "remix"])]
        constraints = [
            models.UniqueConstraint(fields=["remix", "source"], name="remixlink_unique_pair"),
            # Ids grow with time, so "source older than remix" is "source_id < remix_id":
            # it forbids self-links and makes every cycle impossible in the database itself.
            models.CheckConstraint(
                condition=Q(source_id__lt=F("remix_id")), name="remixlink_source_is_older"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.remix_id}"


class Ancestry(models.Model):
    """`ancestor` is `depth` links upstream of `descendant` on the shortest path between them.

    The remix graph's closure: one row per pair of related works, and every work is its own
    ancestor at depth 0. Kept by database triggers on the contribution and link tables
    (contributions/ancestry.py), so no way of writing a link can leave it behind; read by the
    paged lineage (contributions/lineage_pages.py), never written by Python.
    """

    pk = models.CompositePrimaryKey("ancestor_id", "descendant_id")
    # No database foreign keys: the triggers are this table's integrity (a work's rows go
    # with it), and a key check at commit would take a KEY SHARE lock on every related
    # work, which deadlocks against source edits that hold those works FOR UPDATE.
    ancestor = models.ForeignKey(
        Contribution,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    descendant = models.ForeignKey(
        Contribution,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    depth = models.PositiveIntegerField()

    class Meta:
        indexes = [
            # A work's descendants page by page, nearest first (the keyset of the lineage API).
            models.Index(
                fields=["ancestor", "depth", "descendant"], name="ancestry_descendants_by_depth"
            ),
            models.Index(
                fields=["descendant", "depth", "ancestor"], name="ancestry_ancestors_by_depth"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ancestor_id__lte=F("descendant_id")), name="ancestry_ancestor_is_older"
            ),
            models.CheckConstraint(
                condition=Q(depth=0, ancestor_id=F("descendant_id"))
                | Q(depth__gt=0, ancestor_id__lt=F("descendant_id")),
                name="ancestry_depth_zero_is_itself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ancestor_id} -{self.depth}-> {self.descendant_id}"


class LineageCounts(models.Model):
    """How many works a contribution's lineage holds, kept exact by the same triggers.

    Works still present only: a removed work (a tombstone) stays in the lineage picture but is
    not counted, since nobody can open it.
    """

    contribution = models.OneToOneField(
        Contribution,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        related_name="lineage_counts",
        db_constraint=False,  # as Ancestry's: the triggers keep it, no commit-time key locks
    )
    remixes = models.PositiveIntegerField(default=0)  # works made directly from it
    descendants = models.PositiveIntegerField(default=0)  # works made from it at any remove
    ancestors = models.PositiveIntegerField(default=0)  # works it builds on at any remove

    def __str__(self) -> str:
        return f"#{self.contribution_id}: {self.remixes}/{self.descendants}/{self.ancestors}"


class ContributionTag(models.Model):
    """A tag its author put on a work, in its one spelling (hitrec/tags.py): `lo-fi`.

    `license`, `created_at` and `listed` (not removed) are the work's, copied by database
    triggers (contributions/tag_facts.py) so that a tag's works, with a licence or not, are
    paged newest first and counted from this table's indexes alone.
    """

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=50)
    license = models.CharField(max_length=32, blank=True, editable=False)
    created_at = models.DateTimeField(null=True, editable=False)
    listed = models.BooleanField(default=True, editable=False)

    class Meta:
        ordering = ["contribution_id", "id"]  # as the author gave them
        indexes = [
            # A tag's works, newest first, as the list orders them: the tag page and ?tag=.
            models.Index(
                fields=["name", "-created_at", "-contribution"],
                condition=Q(listed=True),
                name="contributiontag_listed",
            ),
            # The same under one licence: ?tag=…&license=… (and commercial, remixable_into).
            models.Index(
                fields=["name", "license", "-created_at", "-contribution"],
                condition=Q(listed=True),
                name="contributiontag_licensed",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["contribution", "name"], name="contributiontag_once"),
            models.CheckConstraint(
                condition=~Q(name="") & Q(name=Lower("name")), name="contributiontag_normalised"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TagCount(models.Model):
    """How many listed works (not removed) carry a tag under a licence: what `?tag=…&license=…`
    shows as its `count`, read in O(1) instead of counting a popular tag's rows.

    Kept by database triggers on the tag table (contributions/tag_facts.py), which also see the
    tag rows' facts change when their work's licence or presence does; never written by
    Python. A (name, licence) whose works all went may stay at 0. A tag alone sums its
    licences' rows (a handful, whatever the number of works).
    """

    name = models.CharField(max_length=50)
    license = models.CharField(max_length=32, blank=True)
    listed = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "license"], name="tagcount_once"),
            models.CheckConstraint(condition=Q(listed__gte=0), name="tagcount_listed_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.license}): {self.listed}"


class SearchDocument(models.Model):
    """A public work's words as PostgreSQL's full-text search reads them (contributions/search.py).

    `document`: title (weight A), tags (B), description (C) and a text's body (D), matched
    through its GIN index. `head`: title, tags and description alone, set only for works with
    a body; relevance is ranked on it (on `document` when it is null), so a long body never
    outranks a title and ranking never reads a long body. Kept by database triggers
    (contributions/search_document.py); a removed work has no row. On SQLite the FTS5 table
    `contributions_fts` plays this part and this table stays empty.
    """

    contribution = models.OneToOneField(
        Contribution,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        related_name="search_document",
        db_constraint=False,  # as Ancestry's: the triggers keep it, no commit-time key locks
    )
    document = SearchVectorField()
    head = SearchVectorField(null=True)

    def __str__(self) -> str:
        return f"words of #{self.contribution_id}"


class SearchWord(models.Model):
    """A word of some work's title or tags: what a mistyped search word is corrected to
    (PostgreSQL, through a trigram index). Added by the same triggers, never removed (a word
    of a removed work corrects to a search that finds nothing); rebuilt with the documents."""

    word = models.CharField(max_length=40, primary_key=True)

    def __str__(self) -> str:
        return self.word
