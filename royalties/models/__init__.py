"""Money: revenue events and their allocations, the double-entry ledger, payout statements.

Amounts are integers of the currency's minor unit. Ledger rows (JournalEntry, Posting) and
revenue rows (RevenueEvent, Allocation, AllocationLine) are insert-only: database triggers
(migration 0002) refuse changes; a correction is a reversing entry. One module per part:
revenue, ledger, statements.
"""

from royalties.models.ledger import (
    JournalEntry,
    LedgerAccount,
    Posting,
)
from royalties.models.revenue import (
    Allocation,
    AllocationLine,
    EventItemisation,
    ProductionCost,
    Recoupment,
    ReleaseLine,
    ReleaseParty,
    RevenueEvent,
    RevenueStream,
)
from royalties.models.statements import (
    PayoutBatch,
    PayoutItem,
    Statement,
    StatementLine,
    StatementRun,
    StatementRunBatch,
)

__all__ = [
    "Allocation",
    "AllocationLine",
    "EventItemisation",
    "ProductionCost",
    "Recoupment",
    "ReleaseLine",
    "ReleaseParty",
    "RevenueEvent",
    "RevenueStream",
    "JournalEntry",
    "LedgerAccount",
    "Posting",
    "PayoutBatch",
    "PayoutItem",
    "Statement",
    "StatementLine",
    "StatementRun",
    "StatementRunBatch",
]
