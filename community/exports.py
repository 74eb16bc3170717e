"""The comments section of a person's data export: what they wrote, and where."""

from collections.abc import Callable

from django.db.models.fields.files import FieldFile

from accounts.exports import ExportArchive, ExportSection
from accounts.models import User
from community.models import Comment

# The stored columns: the person's own words and where they wrote them; not the HTML
# rendered from them (derived) nor who hid one (another person).
_LEFT_OUT = {"html", "hidden_by"}


def comments_write(archive: ExportArchive, user: User, progress: Callable[[float], None]) -> None:
    fields = [f for f in Comment._meta.concrete_fields if f.name not in _LEFT_OUT]
    rows = Comment.objects.filter(author=user).order_by("pk")
    archive.write_json(
        "comments.json",
        [
            {field.attname: _plain(field.value_from_object(row)) for field in fields}
            for row in rows.iterator()
        ],
    )


def _plain(value):
    if isinstance(value, FieldFile):
        return value.name or None
    return value


SECTION = ExportSection(stage="comments", order=30, weight=1, write=comments_write)
