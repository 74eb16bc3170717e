"""One tag's works, under one licence or any, newest first: the list API's commonest ask read
without the ORM (docs/decisions.md, "Tags and licences at a million works").

`GET /api/contributions/?tag=lo-fi&license=cc-by` through `contribution_list` and
`ContributionOutputSerializer` spends more time in Django compiling its statements and building
works, authors, counts and renditions than in the database. Here its page is one fixed
statement per database and shape (with a licence or without), built once per process and run
by a cursor, its renditions read in the same statement as JSON, and each row turned into the
list's JSON directly; its count is the tag's `TagCount` rows (contributions/tag_facts.py). The
same works, order, count and JSON as the regular path, which
tests/contributions/test_tagged_page.py holds it to.
"""

# Every statement here is assembled from this module's own constants and the models' tables.
# ruff: noqa: S608

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from contributions.models import Contribution, ContributionTag, LineageCounts, RemixLink, TagCount
from hitrec.jobs import progress_shown
from hitrec.tags import tags_normalised

# The renditions the list shows, on this path and on the regular one (contributions/api/
# works.py, `_media`), read from here by both so they cannot differ: a clean copy is not.
SHOWN_ROLES = ("thumbnail", "waveform", "poster", "preview")
# The list's `created_at`, formatted as the serializer's field does (DRF's settings, zone).
_CREATED_AT = serializers.DateTimeField()


@dataclass(frozen=True)
class TagListedCount:
    """How many listed works carry the tag `name` under one of `licenses` (any, when None),
    read off `TagCount` in O(1): what `ContributionQuerySet.counted_from` asks of its rows."""

    name: str
    licenses: tuple[str, ...] | None = None

    def count(self) -> int:
        if self.licenses is not None and not self.licenses:
            return 0
        statement = (
            f"SELECT coalesce(sum(listed), 0) FROM {TagCount._meta.db_table} WHERE name = %s"
        )
        params: list[str | int] = [self.name]
        if self.licenses is not None:
            statement += f" AND license IN ({', '.join(['%s'] * len(self.licenses))})"
            params += self.licenses
        with _connection().cursor() as cursor:
            cursor.execute(statement, params)
            return int(cursor.fetchone()[0])


@dataclass(frozen=True)
class TaggedWorks:
    """The listed works carrying the tag `name` (under `license`, if given), newest first, as
    the list API shows them: `count()` and a slice are what Django's Paginator takes, and a
    slice is the page's JSON. `origin`: the scheme and host the media URLs start with."""

    name: str
    license: str | None
    origin: str

    def count(self) -> int:
        licenses = None if self.license is None else (self.license,)
        return TagListedCount(self.name, licenses).count()

    def __getitem__(self, page: slice) -> list[dict]:
        start, stop = page.start or 0, page.stop
        if stop is None or stop <= start:
            return []
        database = _connection()
        params: list[str | int] = [self.name]
        if self.license is not None:
            params += [self.license, self.license]
        with database.cursor() as cursor:
            cursor.execute(
                _statement(database.vendor, self.license is not None),
                [*params, stop - start, start],
            )
            rows = cursor.fetchall()
        return [_work(row, self.origin, database) for row in rows]


def tagged_works(
    *,
    origin: str,
    tags: Sequence[str] = (),
    license: str | None = None,
    commercial: bool = False,
    ordering: str | None = None,
    **others: object,
) -> TaggedWorks | None:
    """The list's filters (as the list API validated them) read here: exactly one tag, at most
    one licence, newest first, nothing else that changes the works. None for any other list,
    which `contribution_list` reads."""
    if commercial or ordering not in (None, "-created_at"):
        return None
    if any(value is not None and value != "" for value in others.values()):
        return None
    names = tags_normalised(tags) if tags else []
    if len(names) != 1:
        return None
    return TaggedWorks(name=names[0], license=license or None, origin=origin)


def _connection() -> BaseDatabaseWrapper:
    return connections[router.db_for_read(Contribution)]


@cache
def _statement(vendor: str, licensed: bool) -> str:
    """The page's statement for a database, with a licence or without: the rows of the tag's
    partial index newest first (`contributiontag_licensed` or `contributiontag_listed`),
    their works, authors, lineage counts, sources, tags and shown renditions. Parameters: the
    tag, the licence twice (if `licensed`), the limit and the offset."""
    works, tags = Contribution._meta.db_table, ContributionTag._meta.db_table
    users = Contribution._meta.get_field("author").related_model
    # media's renditions, named through the relation (contributions sits below media).
    renditions = Contribution._meta.get_field("renditions").related_model
    users, renditions = cast(Any, users)._meta.db_table, cast(Any, renditions)._meta.db_table
    links, lineage = RemixLink._meta.db_table, LineageCounts._meta.db_table
    roles = ", ".join(f"'{role}'" for role in SHOWN_ROLES)
    rendition = "r.id, r.role, r.name, r.mime, r.width, r.height, r.bytes, r.updated_at"
    shown = f"r.contribution_id = c.id AND r.role IN ({roles})"
    if vendor == "postgresql":
        sources = (
            f"ARRAY(SELECT s.source_id FROM {links} s WHERE s.remix_id = c.id ORDER BY s.source_id)"
        )
        names = f"ARRAY(SELECT g.name FROM {tags} g WHERE g.contribution_id = c.id ORDER BY g.id)"
        shown_renditions = (
            f"(SELECT json_agg(json_build_array({rendition}) ORDER BY r.role, r.width, r.name)"
            f" FROM {renditions} r WHERE {shown})"
        )
    else:
        # json_group_array takes its rows in the order of the subquery it reads.
        sources = (
            f"(SELECT json_group_array(x.v) FROM (SELECT s.source_id AS v FROM {links} s"
            f" WHERE s.remix_id = c.id ORDER BY s.source_id) x)"
        )
        names = (
            f"(SELECT json_group_array(x.v) FROM (SELECT g.name AS v FROM {tags} g"
            f" WHERE g.contribution_id = c.id ORDER BY g.id) x)"
        )
        shown_renditions = (
            f"(SELECT json_group_array(json_array({rendition})) FROM (SELECT * FROM"
            f" {renditions} r WHERE {shown} ORDER BY r.role, r.width, r.name) r)"
        )
    licence = " AND t.license = %s AND c.license = %s" if licensed else ""
    return (
        "SELECT c.id, c.title, c.description, c.kind, c.author_id, u.username, c.license,"
        " c.status, c.error, c.progress_stage, c.progress_percent, c.file, c.mime, c.bytes,"
        " c.sha256, c.width, c.height, c.duration_s, c.removed_at, c.created_at,"
        f" lc.remixes, lc.descendants, lc.ancestors, {sources}, {names}, {shown_renditions}"
        f" FROM {tags} t JOIN {works} c ON c.id = t.contribution_id"
        f" JOIN {users} u ON u.id = c.author_id"
        f" LEFT JOIN {lineage} lc ON lc.contribution_id = c.id"
        f" WHERE t.name = %s AND t.listed{licence} AND c.removed_at IS NULL"
        " ORDER BY t.created_at DESC, t.contribution_id DESC LIMIT %s OFFSET %s"
    )


@cache
def _rendition_class() -> type:
    """A light row with media's `Rendition.url_path` and `version` (the same properties, so
    the URLs are made one way only; the model is named through the relation)."""
    model: Any = Contribution._meta.get_field("renditions").related_model
    return type(
        "ShownRendition",
        (),
        {
            "__slots__": ("pk", "contribution_id", "name", "bytes", "updated_at"),
            "version": model.version,
            "url_path": model.url_path,
        },
    )


def _listed(value: object) -> list:
    """An array the database gave as a list (PostgreSQL) or as JSON text (SQLite)."""
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str | bytes) else list(value)  # type: ignore[call-overload]


def _aware(value: object, database: BaseDatabaseWrapper) -> datetime:
    """A timestamp as the ORM gives it: SQLite hands over text or a naive datetime in UTC."""
    moment = parse_datetime(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime):
        raise TypeError(f"not a timestamp: {value!r}")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, database.timezone)
    return moment


def _work(row: Sequence, origin: str, database: BaseDatabaseWrapper) -> dict:
    """One row as `ContributionOutputSerializer` shows its work, in its fields' order."""
    (
        work_id, title, description, kind, author_id, username, license, status, error,
        stage, percent, file, mime, size, sha256, width, height, duration, removed_at,
        created_at, remixes, descendants, ancestors, sources, tags, renditions,
    ) = row  # fmt: skip
    if remixes is None:  # every work has its counts row (contributions/ancestry.py)
        raise LineageCounts.DoesNotExist(f"contribution {work_id} has no lineage counts")
    shown = _renditions(work_id, _listed(renditions), origin, database)
    return {
        "id": work_id,
        "title": title,
        "description": description,
        "kind": kind,
        "author": {"id": author_id, "username": username},
        "license": license,
        "status": status,
        "error": error,
        "progress": progress_shown(stage, percent),
        "sources": _listed(sources),
        "media": {
            "url": f"{origin}/api/contributions/{work_id}/original" if file else None,
            "mime": mime,
            "bytes": size,
            "sha256": sha256,
            "width": width,
            "height": height,
            "duration_s": None if duration is None else float(duration),
            "thumbnails": shown.get("thumbnail", []),
            "waveform": next(iter(shown.get("waveform", ())), None),
            "poster": next(iter(shown.get("poster", ())), None),
            "preview": next(iter(shown.get("preview", ())), None),
        },
        "removed": removed_at is not None,
        "created_at": _CREATED_AT.to_representation(_aware(created_at, database)),
        "lineage_counts": {"remixes": remixes, "descendants": descendants, "ancestors": ancestors},
        "tags": _listed(tags),
    }


def _renditions(
    work_id: int, rows: Collection[list], origin: str, database: BaseDatabaseWrapper
) -> dict[str, list[dict]]:
    """The work's shown renditions by role, in the order read (role, width, name)."""
    by_role: dict[str, list[dict]] = {}
    shown_rendition = _rendition_class()
    for rendition_id, role, name, mime, width, height, size, updated_at in rows:
        rendition = shown_rendition()
        rendition.pk, rendition.contribution_id, rendition.name = rendition_id, work_id, name
        rendition.bytes, rendition.updated_at = size, _aware(updated_at, database)
        by_role.setdefault(role, []).append(
            {"url": f"{origin}{rendition.url_path}", "mime": mime, "width": width, "height": height}
        )
    return by_role
