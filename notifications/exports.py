"""The notifications section of a person's data export: how they chose to hear of each kind,
among them the switch for new asks that match their skills."""

from collections.abc import Callable

from django.utils.translation import gettext_noop

from accounts.exports import ExportArchive, ExportSection
from accounts.models import User
from notifications.selectors import preferences_get

# The section's stage, shown in the reader's language on the settings page while the archive
# is built (as hitrec/jobs.py's STAGE_NAMES are).
STAGE = gettext_noop("notifications")


def notifications_write(
    archive: ExportArchive, user: User, progress: Callable[[float], None]
) -> None:
    # Every kind with what applies to the person, their choice or the default: what hitrec
    # does with their address. The notifications themselves are about others' actions.
    archive.write_json("notifications.json", {"preferences": preferences_get(user=user)})


SECTION = ExportSection(stage=STAGE, order=35, weight=1, write=notifications_write)
