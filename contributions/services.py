"""Use cases that change contributions: upload, edit, set remix sources, delete."""

import hashlib
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Required, TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from contributions.events import ContributionRemoved, OriginalStored, RemixSourcesAdded
from contributions.extensions import submitting
from contributions.licenses import Work, named, remix_refusals, source_refusals
from contributions.models import Contribution, ContributionTag, RemixLink
from contributions.uploads import human_bytes, size_limit, upload_facts
from hitrec.caching import public_reads_changed
from hitrec.events import announce
from hitrec.i18n import message_of
from hitrec.messages import Explained
from hitrec.storage import files_delete_on_commit, files_kept_only_if_saved
from hitrec.tag_fields import tags_checked
from hitrec.tag_rows import tag_rows_replace
from media.sniff import ACCEPTED

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _work(contribution: Contribution) -> Work:
    return Work(id=contribution.id, title=contribution.title, license=contribution.license)


def _shown(problems: Sequence[Explained]) -> list[str]:
    """The licence rules' reasons, in the reader's language."""
    return [message_of(problem.as_error()) for problem in problems]


def _storage_name(filename: str | None) -> str:
    # A fresh folder per upload: names never collide and never reveal another upload's name.
    safe = get_valid_filename(filename or "original")[-100:] or "original"
    return f"originals/{uuid.uuid4().hex}/{safe}"


class _Body(TypedDict, total=False):
    """A contribution's body fields: text, or a file (which the caller stores apart)."""

    kind: Required[str]
    bytes: Required[int]
    sha256: Required[str]
    text: str
    mime: str
    file: UploadedFile
    original_name: str


def _body_from(*, file: UploadedFile | None, text: str | None) -> _Body:
    """What the contribution stores for its body: a file, or text (even when uploaded as a file)."""
    if file is not None and text:
        raise ValidationError({"file": [_("Send either a file or a text body, not both.")]})
    if file is None:
        if not text:
            raise ValidationError({"file": [_("Send a file, or a text body in `text`.")]})
        encoded = text.encode("utf-8")
        _check_size("text", len(encoded))
        return _text_body(text, size=len(encoded), sha256=hashlib.sha256(encoded).hexdigest())
    facts = upload_facts(file)
    if facts.size == 0:
        raise ValidationError({"file": [_("This file is empty (0 bytes).")]})
    if facts.kind is None:
        raise ValidationError(
            {
                "file": [
                    # Translators: %(accepted)s lists the kinds and formats of file hitrec takes.
                    _("hitrec does not accept this kind of file. It accepts %(accepted)s.")
                    % {"accepted": _(ACCEPTED)}
                ]
            }
        )
    _check_size(facts.kind, facts.size)
    if facts.kind != "text":
        return {
            "kind": facts.kind, "bytes": facts.size, "sha256": facts.sha256,
            "file": file, "original_name": (file.name or "")[:255],
        }  # fmt: skip
    # Text is kept as text (it is small): the pipeline and pages read the body directly.
    file.seek(0)
    try:
        decoded = file.read().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            {"file": [_("This text file is not in UTF-8. Save it as UTF-8 and upload it again.")]}
        ) from exc
    return _text_body(decoded, size=facts.size, sha256=facts.sha256)


# Translators: sizes such as "12.0 MB".
_TOO_LARGE = {
    "image": gettext_lazy("This image is %(size)s; image uploads are limited to %(limit)s."),
    "audio": gettext_lazy("This audio is %(size)s; audio uploads are limited to %(limit)s."),
    "video": gettext_lazy("This video is %(size)s; video uploads are limited to %(limit)s."),
    "text": gettext_lazy("This text is %(size)s; text uploads are limited to %(limit)s."),
}


def _check_size(kind: str, size: int) -> None:
    if size > size_limit(kind):
        sizes = {"size": human_bytes(size), "limit": human_bytes(size_limit(kind))}
        raise ValidationError({"file": [_TOO_LARGE[kind] % sizes]})


def _text_body(text: str, *, size: int, sha256: str) -> _Body:
    if "\x00" in text:
        raise ValidationError({"text": [_("Text may not contain NUL characters.")]})
    return {"kind": "text", "bytes": size, "sha256": sha256, "text": text, "mime": "text/plain"}


def contribution_create(
    *,
    author: User,
    title: str,
    description: str = "",
    license: str = "hitrec",
    file: UploadedFile | None = None,
    text: str | None = None,
    sources: Sequence[int] = (),
    project: int | None = None,
    tags: Sequence[str] = (),
) -> Contribution:
    """An artist uploads a work, naming the works it remixes (if any), maybe for a project."""
    names = tags_checked(tags)
    body = _body_from(file=file, text=text)
    upload = body.pop("file", None)
    contribution = Contribution(
        author=author, title=title, description=description, license=license, **body
    )
    # The table's check constraints hold values this service sets itself (the kind from the
    # body, the progress); Django would check them with a query each, the database does.
    contribution.full_clean(exclude=["file", "author"], validate_constraints=False)
    # If the row rolls back, the stored original goes too, or it is an orphan.
    with files_kept_only_if_saved() as files, transaction.atomic():
        if upload is not None:
            contribution.file.name = files.save(_storage_name(upload.name), upload)
        contribution.save()
        if names:  # a new work has none yet
            _tags_replace(contribution, names)
        if sources:
            _sources_replace(remix=contribution, source_ids=sources, new=True)
        if project is not None:
            submitting(contribution=contribution, project_id=project)
        announce(OriginalStored(contribution_id=contribution.id))
        public_reads_changed()
    return contribution


def contribution_file_replace(
    *, contribution: Contribution, actor: User, file: UploadedFile
) -> Contribution:
    """The author uploads a new version of the work; it is processed again from scratch."""
    _check_author(contribution, actor, _ONLY_AUTHOR_REPLACES)
    body = _body_from(file=file, text=None)
    upload = body.pop("file", None)
    with files_kept_only_if_saved() as files, transaction.atomic():
        contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
        if contribution.is_removed:
            raise ValidationError(_deleted_message(contribution))
        previous = contribution.file.name
        stored = files.save(_storage_name(upload.name), upload) if upload is not None else ""
        fresh = {
            "file": stored, "original_name": "", "text": "", "mime": "", "width": None,
            "height": None, "duration_s": None, "codec": "", "metadata": {}, **body,
            "status": Contribution.Status.PENDING, "error": "",
            "progress_stage": "queued", "progress_percent": 0,
            "processing_since": timezone.now(), "processing_interrupted": 0,
        }  # fmt: skip
        for field, value in fresh.items():
            setattr(contribution, field, value)
        contribution.save()
        files_delete_on_commit([previous])
        announce(OriginalStored(contribution_id=contribution.id))
        public_reads_changed()
    return contribution


_ONLY_AUTHOR_REPLACES = gettext_lazy(
    "Only the author of “%(title)s” (#%(id)s) can replace its file."
)
_ONLY_AUTHOR_EDITS = gettext_lazy("Only the author of “%(title)s” (#%(id)s) can edit it.")
_ONLY_AUTHOR_CHANGES_SOURCES = gettext_lazy(
    "Only the author of “%(title)s” (#%(id)s) can change its sources."
)
_ONLY_AUTHOR_DELETES = gettext_lazy("Only the author of “%(title)s” (#%(id)s) can delete it.")


def _check_author(contribution: Contribution, actor: User, refusal: "StrOrPromise") -> None:
    """`refusal` names the work with %(title)s and %(id)s (one of the _ONLY_AUTHOR_...)."""
    if contribution.author_id != actor.id:
        raise PermissionDenied(refusal % named(_work(contribution)))


def _deleted_message(contribution: Contribution) -> str:
    return _("“%(title)s” (#%(id)s) was deleted and cannot be edited.") % named(_work(contribution))


@transaction.atomic
def contribution_update(
    *,
    contribution: Contribution,
    actor: User,
    title: str | None = None,
    description: str | None = None,
    license: str | None = None,
    sources: Sequence[int] | None = None,
    tags: Sequence[str] | None = None,
) -> Contribution:
    """The author edits what they say about a work, its tags, its license or its sources."""
    _check_author(contribution, actor, _ONLY_AUTHOR_EDITS)
    names = tags_checked(tags) if tags is not None else None
    contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
    if contribution.is_removed:
        raise ValidationError(_deleted_message(contribution))
    changes = {"title": title, "description": description, "license": license}
    fields = [name for name, value in changes.items() if value is not None]
    for name in fields:
        setattr(contribution, name, changes[name])
    contribution.full_clean(exclude=["file", "author"])
    if fields:
        contribution.save(update_fields=[*fields, "updated_at"])
    if names is not None:
        _tags_replace(contribution, names)
    public_reads_changed()
    if sources is not None:
        _sources_replace(remix=contribution, source_ids=sources)
    elif license is not None:
        current = list(contribution.sources.values_list("id", flat=True))
        _sources_check(remix=contribution, sources=_sources_locked(contribution, current))
    return contribution


@transaction.atomic
def remix_sources_set(
    *, contribution: Contribution, actor: User, sources: Sequence[int]
) -> Contribution:
    """The author declares (again) which works this one remixes."""
    _check_author(contribution, actor, _ONLY_AUTHOR_CHANGES_SOURCES)
    _sources_replace(remix=contribution, source_ids=sources)
    public_reads_changed()
    return contribution


@transaction.atomic
def remix_source_add(*, contribution: Contribution, actor: User, source_id: int) -> Contribution:
    """The author names one more work this one remixes (one the credit guard found, or a
    claim accepted), keeping the sources it has; one it names already changes nothing."""
    _check_author(contribution, actor, _ONLY_AUTHOR_CHANGES_SOURCES)
    links = RemixLink.objects.filter(remix=contribution)
    # The remix and its sources locked in primary-key order, as every change of its sources
    # locks them: once held, nobody else changes its links, so the sources read again are
    # all of them (read unlocked, another's addition could be dropped by this one).
    _sources_locked(contribution, sorted({*links.values_list("source_id", flat=True), source_id}))
    if Contribution.objects.filter(pk=contribution.pk, removed_at__isnull=False).exists():
        raise ValidationError(_deleted_message(contribution))
    current = sorted(links.values_list("source_id", flat=True))
    if source_id not in current:
        _sources_replace(remix=contribution, source_ids=[*current, source_id])
        public_reads_changed()
    return contribution


def _tags_replace(contribution: Contribution, names: list[str]) -> None:
    """The work carries exactly these tags (normalised), in the order given."""
    tag_rows_replace(ContributionTag, "contribution", contribution, names)


def _sources_locked(remix: Contribution, source_ids: Sequence[int]) -> list[Contribution]:
    """Lock the remix and its sources in primary-key order, so concurrent edits serialise."""
    rows = {
        row.id: row
        for row in Contribution.objects.select_for_update()
        .filter(id__in=[remix.id, *source_ids])
        .order_by("id")
    }
    return [rows[sid] for sid in source_ids if sid in rows]


def _sources_replace(*, remix: Contribution, source_ids: Sequence[int], new: bool = False) -> None:
    """The remix's sources become these, checked; `new`: the remix was just created, so it
    has no links yet to read."""
    problems = []
    seen: set[int] = set()
    for sid in source_ids:
        if sid in seen:
            problems.append(_("#%(id)s is listed twice; name each source once.") % {"id": sid})
        seen.add(sid)
    if problems:
        raise ValidationError({"sources": problems})
    sources = _sources_locked(remix, list(seen))
    found = {source.id for source in sources}
    problems += [
        _("There is no contribution #%(id)s to remix.") % {"id": sid}
        for sid in source_ids
        if sid not in found
    ]
    if problems:
        raise ValidationError({"sources": problems})
    _sources_check(remix=remix, sources=sources, new=new)
    existing = (
        set()
        if new
        else set(RemixLink.objects.filter(remix=remix).values_list("source_id", flat=True))
    )
    RemixLink.objects.filter(remix=remix, source_id__in=existing - found).delete()
    # Each new link keeps the licence its source carries now: the terms of this use.
    RemixLink.objects.bulk_create(
        [
            RemixLink(source_id=source.id, remix=remix, source_license=source.license)
            for source in sorted(sources, key=lambda source: source.id)
            if source.id not in existing
        ]
    )
    if added := tuple(sorted(found - existing)):
        announce(RemixSourcesAdded(remix_id=remix.id, source_ids=added))


def _as_used(
    remix: Contribution, sources: Sequence[Contribution], *, new: bool = False
) -> dict[int, Work]:
    """Each source as this remix uses it: a source already linked under the licence it had
    when the link was made (a later change applies to new uses only), a new one as it is."""
    agreed = (
        {}
        if new
        else dict(
            RemixLink.objects.filter(remix=remix, source_id__in=[source.id for source in sources])
            .exclude(source_license="")
            .values_list("source_id", "source_license")
        )
    )
    return {
        source.id: Work(
            id=source.id, title=source.title, license=agreed.get(source.id, source.license)
        )
        for source in sources
    }


def _sources_check(
    *, remix: Contribution, sources: Sequence[Contribution], new: bool = False
) -> None:
    """Every rule a set of sources must meet, in one place; each refusal names the source."""
    problems = []
    used = _as_used(remix, sources, new=new)
    # A use already made stays when its source is deleted since (a tombstone keeps its place
    # in the lineage): only a new link needs a source that can be remixed today.
    linked = (
        set()
        if new
        else set(
            RemixLink.objects.filter(
                remix=remix, source_id__in=[source.id for source in sources]
            ).values_list("source_id", flat=True)
        )
    )
    for source in sources:
        name = named(_work(source))
        if source.id == remix.id:
            problems.append(_("“%(title)s” (#%(id)s) cannot be a source of itself.") % name)
        elif source.id > remix.id:
            problems.append(
                _(
                    "“%(title)s” (#%(id)s) was uploaded after this contribution, so it cannot be "
                    "one of its sources."
                )
                % name
            )
        elif source.is_removed and source.id not in linked:
            problems.append(
                _("“%(title)s” (#%(id)s) was deleted by its author and can no longer be remixed.")
                % name
            )
        elif source.status == Contribution.Status.FAILED:
            problems.append(
                _("“%(title)s” (#%(id)s) could not be processed, so it cannot be remixed.") % name
            )
        else:
            problems += _shown(source_refusals(used[source.id]))
    if problems:
        raise ValidationError({"sources": problems})
    license_problems = remix_refusals(remix.license, [used[source.id] for source in sources])
    if license_problems:
        raise ValidationError({"license": _shown(license_problems)})


@transaction.atomic
def contribution_delete(*, contribution: Contribution, actor: User) -> bool:
    """The author deletes a work. Returns True if it was removed outright.

    A work that others built on, or that a release includes, stays in their lineage as a
    tombstone: its title and author remain, its file and body go.
    """
    _check_author(contribution, actor, _ONLY_AUTHOR_DELETES)
    contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
    public_reads_changed()
    # `release_nodes`: the lineage snapshots of releases (projects app) that include this work.
    built_on = RemixLink.objects.filter(source=contribution).exists()
    if built_on or contribution.release_nodes.exists():
        _tombstone_make(contribution)
        return False
    files = [contribution.file.name, *contribution.renditions.values_list("file", flat=True)]
    try:
        with transaction.atomic():
            contribution.delete()
    except ProtectedError:
        # Another app keeps a record of it for ever (a payment proposal's credits): like a
        # release, that record keeps the tombstone.
        _tombstone_make(contribution)
        return False
    files_delete_on_commit(files)
    return True


def _tombstone_make(contribution: Contribution) -> None:
    """Strip a (locked) contribution to its tombstone: title, author, license and lineage stay.

    The original, its renditions, the text body, the description and what the pipeline
    extracted (for text, `metadata` holds the rendered body) all go; the files once the
    transaction commits. Shared by the author's delete and staff's takedown (community app).
    """
    files = [contribution.file.name, *contribution.renditions.values_list("file", flat=True)]
    contribution.renditions.all().delete()
    contribution.file.name = ""
    contribution.original_name = ""
    contribution.text = ""
    contribution.description = ""
    contribution.metadata = {}
    contribution.removed_at = contribution.removed_at or timezone.now()
    contribution.save()
    public_reads_changed()
    files_delete_on_commit(files)
    announce(ContributionRemoved(contribution_id=contribution.id))
