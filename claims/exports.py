"""The claims section of a person's data export: every claim they made or that was made on
their works, with each step (made, accepted or declined, by whom and why)."""

from collections.abc import Callable

from django.db.models import Q
from django.utils.translation import gettext_noop

from accounts.exports import ExportArchive, ExportSection
from accounts.models import User
from claims.models import Claim

# The section's stage, shown in the reader's language while the archive is built (as
# hitrec/jobs.py's STAGE_NAMES are).
STAGE = gettext_noop("claims")


def _work(work) -> dict:
    return {"id": work.id, "title": work.title, "author": work.author.username}


def _decider(claim: Claim) -> str | None:
    """Who decided: the remixer (the work's author), the claimant (who withdrew it) or staff,
    whose names are their own; None while open, and when it lapsed."""
    if claim.decided_by_id is None:
        return None
    if claim.decided_by_id == claim.work.author_id:
        return "remixer"
    return "claimant" if claim.decided_by_id == claim.claimant_id else "staff"


def claims_write(archive: ExportArchive, user: User, progress: Callable[[float], None]) -> None:
    claims = (
        Claim.objects.filter(Q(claimant=user) | Q(work__author=user))
        .select_related("work__author", "earlier__author")
        .order_by("id")
    )
    archive.write_json(
        "claims.json",
        [
            {
                "id": claim.id,
                # made: you asked to be credited; received: someone asked it of your work.
                "role": "made" if claim.claimant_id == user.id else "received",
                "work": _work(claim.work),
                "earlier": _work(claim.earlier),
                "message": claim.message,
                "created_at": claim.created_at,
                "status": claim.status,
                "decided_by": _decider(claim),
                "decided_at": claim.decided_at,
                "reason": claim.reason,
                "reason_removed": claim.reason_removed_at is not None,
            }
            for claim in claims.iterator()
        ],
    )


SECTION = ExportSection(stage=STAGE, order=36, weight=1, write=claims_write)
