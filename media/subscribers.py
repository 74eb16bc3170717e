"""What media does when other apps announce something (hitrec.events): process new originals."""

from contributions.events import OriginalStored
from hitrec.events import subscribe
from media import tasks


def original_stored(event: OriginalStored) -> None:
    """An original was uploaded or replaced: queue its processing job (after the commit)."""
    tasks.process_contribution.delay(event.contribution_id)


def subscribe_all() -> None:
    subscribe(OriginalStored, original_stored)
