"""Who hears of each event, and in what words: one module per family of kinds (works and
projects, money, mentions, payment proposals, claims); `notify` is the fan-out task's entry."""

from collections.abc import Callable

from notifications.models import Kind
from notifications.services.fan_out.claims import (
    notify_claim_answered,
    notify_claim_decided,
    notify_claim_made,
)
from notifications.services.fan_out.mentions import notify_mentioned
from notifications.services.fan_out.money import (
    notify_cost,
    notify_revenue,
    notify_statement_issued,
)
from notifications.services.fan_out.proposals import (
    notify_proposal_accepted,
    notify_proposal_commented,
    notify_proposal_published,
    notify_proposal_released,
    notify_proposal_revised,
)
from notifications.services.fan_out.works import (
    notify_ask_for_you,
    notify_ask_posted,
    notify_released,
    notify_remixed,
    notify_submission_decided,
)

FAN_OUT: dict[Kind, Callable[..., int]] = {
    Kind.REMIXED: notify_remixed,
    Kind.ASK_POSTED: notify_ask_posted,
    Kind.SUBMISSION_DECIDED: notify_submission_decided,
    Kind.RELEASED: notify_released,
    Kind.REVENUE: notify_revenue,
    Kind.STATEMENT_ISSUED: notify_statement_issued,
    Kind.COST: notify_cost,
    Kind.MENTION: notify_mentioned,
    Kind.PROPOSAL_PUBLISHED: notify_proposal_published,
    Kind.PROPOSAL_REVISED: notify_proposal_revised,
    Kind.PROPOSAL_COMMENTED: notify_proposal_commented,
    Kind.PROPOSAL_ACCEPTED: notify_proposal_accepted,
    Kind.PROPOSAL_RELEASED: notify_proposal_released,
    Kind.ASK_FOR_YOU: notify_ask_for_you,
    Kind.CLAIM_MADE: notify_claim_made,
    Kind.CLAIM_ANSWERED: notify_claim_answered,
    Kind.CLAIM_DECIDED: notify_claim_decided,
}


def notify(*, kind: str, arguments: dict) -> int:
    """The fan-out task's entry: record the notifications of one event of this kind."""
    return FAN_OUT[Kind(kind)](**arguments)
