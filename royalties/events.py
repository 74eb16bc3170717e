"""What royalties announce (hitrec.events): revenue recorded, statements issued, costs changed."""

from dataclasses import dataclass

from hitrec.events import Event


@dataclass(frozen=True)
class RevenueRecorded(Event):
    event_id: int


@dataclass(frozen=True)
class StatementIssued(Event):
    statement_id: int


@dataclass(frozen=True)
class CostChanged(Event):
    """A production cost was `recorded`, `approved` (agreed to) or `withdrawn` (`change`)."""

    cost_id: int
    change: str
