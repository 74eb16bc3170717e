"""Use cases of notifications: record them, email them (at once or in a digest), read, choose.

recording (the rows and their lines) ← fan_out (who hears of each event) and preferences
(read, choose, unsubscribe) ← delivery (emails and digests).
"""

from notifications.services.delivery import (
    digest_send,
    digests_enqueue,
    email_send,
)
from notifications.services.fan_out import (
    notify,
    notify_ask_for_you,
    notify_ask_posted,
    notify_claim_answered,
    notify_claim_decided,
    notify_claim_made,
    notify_cost,
    notify_mentioned,
    notify_proposal_accepted,
    notify_proposal_commented,
    notify_proposal_published,
    notify_proposal_released,
    notify_proposal_revised,
    notify_released,
    notify_remixed,
    notify_revenue,
    notify_statement_issued,
    notify_submission_decided,
)
from notifications.services.fan_out.mentions import mentioned_users
from notifications.services.preferences import (
    notifications_mark_read,
    preferences_set,
    unsubscribe,
    unsubscribe_token,
    unsubscribe_url,
)

__all__ = [
    "digest_send",
    "digests_enqueue",
    "email_send",
    "mentioned_users",
    "notifications_mark_read",
    "notify",
    "notify_ask_for_you",
    "notify_ask_posted",
    "notify_claim_answered",
    "notify_claim_decided",
    "notify_claim_made",
    "notify_cost",
    "notify_mentioned",
    "notify_proposal_accepted",
    "notify_proposal_commented",
    "notify_proposal_published",
    "notify_proposal_released",
    "notify_proposal_revised",
    "notify_released",
    "notify_remixed",
    "notify_revenue",
    "notify_statement_issued",
    "notify_submission_decided",
    "preferences_set",
    "unsubscribe",
    "unsubscribe_token",
    "unsubscribe_url",
]
