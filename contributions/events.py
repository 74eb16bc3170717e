"""What contributions announce (hitrec.events): an original to process, sources added, a
work removed."""

from dataclasses import dataclass

from hitrec.events import Event


@dataclass(frozen=True)
class OriginalStored(Event):
    """An original was stored, uploaded or replaced: it waits to be processed."""

    contribution_id: int


@dataclass(frozen=True)
class RemixSourcesAdded(Event):
    """A remix named these sources, newly: their authors may want to hear of it."""

    remix_id: int
    source_ids: tuple[int, ...]


@dataclass(frozen=True)
class ContributionRemoved(Event):
    """A work was deleted by its author or taken down by staff and kept as a tombstone (a
    work removed outright leaves no record to speak of)."""

    contribution_id: int
