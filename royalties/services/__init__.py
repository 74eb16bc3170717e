"""Use cases that move money, one module per capability; these are the ones callers use.

ledger (accounts, balanced entries, the bulk writers) ← costs ← revenue → itemisation;
statements (built in runs of batches, issued, paid) → payouts (a facilitator's files).
The arrows are imports, one way; helpers shared inside the package stay out of this list.
"""

from royalties.services.costs import (
    RECEIPT_MAX_BYTES,
    cost_window,
    production_cost_approve,
    production_cost_record,
    production_cost_withdraw,
)
from royalties.services.itemisation import revenue_itemise
from royalties.services.ledger import journal_entry_reverse
from royalties.services.payouts import (
    payout_batch_create,
    payout_batch_file,
    payout_results_import,
)
from royalties.services.revenue import (
    IdempotencyConflict,
    release_parties_prepare,
    revenue_record,
    revenue_stream_create,
)
from royalties.services.statements import (
    payout_threshold,
    statement_batch_build,
    statement_build,
    statement_issue,
    statement_issue_run_execute,
    statement_issue_run_start,
    statement_pay,
    statement_run_execute,
    statement_run_retry,
    statement_run_start,
    statements_build_month,
)

__all__ = [
    "RECEIPT_MAX_BYTES",
    "IdempotencyConflict",
    "cost_window",
    "journal_entry_reverse",
    "payout_batch_create",
    "payout_batch_file",
    "payout_results_import",
    "payout_threshold",
    "production_cost_approve",
    "production_cost_record",
    "production_cost_withdraw",
    "release_parties_prepare",
    "revenue_itemise",
    "revenue_record",
    "revenue_stream_create",
    "statement_batch_build",
    "statement_build",
    "statement_issue",
    "statement_issue_run_execute",
    "statement_issue_run_start",
    "statement_pay",
    "statement_run_execute",
    "statement_run_retry",
    "statement_run_start",
    "statements_build_month",
]
