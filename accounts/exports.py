"""A person's data export: the archive it is written into, and the sections apps contribute.

Accounts sits below the apps that hold a person's data (contributions, projects, comments,
statements), so it cannot read them itself: each app registers the section it writes, in
its AppConfig.ready(), and `accounts.services.data_export_build` writes them in order.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.text import get_valid_filename

if TYPE_CHECKING:
    from accounts.models import User

_COPY_CHUNK = 1024 * 1024


class ExportArchive:
    """A zip being written entry by entry; files are streamed in, never read whole."""

    def __init__(self, zf: zipfile.ZipFile, when):
        self.zf = zf
        self.date_time = when.timetuple()[:6]

    def _info(self, name: str, compress: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.compress_type = compress
        info.external_attr = 0o644 << 16
        return info

    def write(self, name: str, data: bytes) -> None:
        self.zf.writestr(self._info(name, zipfile.ZIP_DEFLATED), data)

    def write_json(self, name: str, value) -> None:
        self.write(name, json_bytes(value))

    def copy(self, name: str, storage_name: str) -> None:
        # Media files are compressed already: stored as they are, which also keeps it fast.
        info = self._info(name, zipfile.ZIP_STORED)
        # The source is opened first: a missing file leaves no half-written entry behind.
        with (
            default_storage.open(storage_name, "rb") as source,
            self.zf.open(info, "w", force_zip64=True) as target,
        ):
            shutil.copyfileobj(source, target, length=_COPY_CHUNK)


def json_bytes(value) -> bytes:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode("utf-8")


def csv_bytes(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def safe_name(name: str, fallback: str) -> str:
    """A file name fit for an archive entry, from a person's own (or the fallback)."""
    try:
        return get_valid_filename(name)[-100:] or fallback
    except SuspiciousFileOperation:
        return fallback


# A section writes its entries; `progress(fraction)` says how far it is, from 0 to 1.
SectionWriter = Callable[[ExportArchive, "User", Callable[[float], None]], None]


@dataclass(frozen=True)
class ExportSection:
    """One app's part of the archive: `stage` names it in the export's progress, and it
    takes the share `weight` of the job's progress (the originals' bytes are most of it)."""

    stage: str
    order: int
    weight: int
    write: SectionWriter


_sections: dict[str, ExportSection] = {}


def export_section_register(section: ExportSection) -> None:
    _sections[section.stage] = section


def export_sections() -> list[ExportSection]:
    return sorted(_sections.values(), key=lambda section: section.order)


def audit_write(archive: ExportArchive, user, progress) -> None:
    """audit.json: what the audit log holds about the person, as actor or subject."""
    from hitrec.audit import audit_of

    archive.write_json("audit.json", audit_of(user))


# The audit log is the platform's own (hitrec.models), so accounts writes its section.
AUDIT = ExportSection(stage="audit", order=60, weight=1, write=audit_write)
