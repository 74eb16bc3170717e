"""The contributions section of a person's data export: their works, with originals and texts."""

import logging
from collections.abc import Callable
from pathlib import Path

from django.db.models import Prefetch
from django.utils.text import slugify

from accounts.exports import ExportArchive, ExportSection, safe_name
from accounts.models import User
from contributions.models import Contribution

logger = logging.getLogger(__name__)


def contributions_write(
    archive: ExportArchive, user: User, progress: Callable[[float], None]
) -> None:
    works = list(
        Contribution.objects.filter(author=user)
        .order_by("id")
        .prefetch_related(
            Prefetch("sources", Contribution.objects.select_related("author")),
            # The projects the works were submitted to (projects' reverse relation).
            "submissions__project",
        )
    )
    # Progress follows the bytes copied: the originals are nearly all of the work.
    total = sum(work.bytes for work in works if work.file) or 1
    copied = 0
    entries = []
    for work in works:
        entry = {
            "id": work.id,
            "title": work.title,
            "kind": work.kind,
            "description": work.description,
            "license": work.license,
            "created_at": work.created_at,
            "updated_at": work.updated_at,
            "status": work.status,
            "error": work.error,
            "removed_at": work.removed_at,
            "original_name": work.original_name,
            "mime": work.mime,
            "bytes": work.bytes,
            "sha256": work.sha256,
            "width": work.width,
            "height": work.height,
            "duration_s": work.duration_s,
            "sources": [
                {"id": s.id, "title": s.title, "author": s.author.username}
                for s in sorted(work.sources.all(), key=lambda s: s.id)
            ],
            "submissions": [
                {"project": s.project_id, "project_title": s.project.title, "status": s.status}
                for s in work.submissions.all()
            ],
            "file": None,
        }
        if work.file:
            fallback = f"original{Path(work.file.name).suffix}"
            name = safe_name(work.original_name or Path(work.file.name).name, fallback)
            entry["file"] = f"contributions/{work.id}-{name}"
            try:
                archive.copy(entry["file"], work.file.name)
            except FileNotFoundError:
                logger.warning("export: the original of contribution %s is missing", work.id)
                entry["file"], entry["file_missing"] = None, True
            copied += work.bytes
        elif work.kind == Contribution.Kind.TEXT and work.text:
            entry["file"] = f"contributions/{work.id}-{slugify(work.title)[:80] or 'text'}.md"
            archive.write(entry["file"], work.text.encode("utf-8"))
        entries.append(entry)
        progress(copied / total)
    archive.write_json("contributions.json", entries)


SECTION = ExportSection(stage="contributions", order=10, weight=80, write=contributions_write)
