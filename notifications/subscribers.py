"""What notifications hears (hitrec.events): each announcement becomes one `notify` job.

Who is told, and how (in the app, by email now or in a digest), is worked out by the job,
off the request (notifications.services.notify); a subscriber only names the kind and ids.
"""

from claims.events import ClaimAccepted, ClaimDecided, ClaimDeclined, ClaimMade, ClaimWithdrawn
from contributions.events import RemixSourcesAdded
from hitrec.events import Event, TextPublished, subscribe
from notifications import tasks
from projects.events import AskPosted, AskTagged, ProjectReleased, SubmissionDecided
from proposals.events import (
    ProposalAccepted,
    ProposalCommented,
    ProposalPublished,
    ProposalReleased,
    ProposalRevised,
)
from royalties.events import CostChanged, RevenueRecorded, StatementIssued

# Each event's kind of notification and the job's arguments, from the event's own fields.
KINDS: dict[type[Event], str] = {
    RemixSourcesAdded: "remixed",
    AskPosted: "ask_posted",
    AskTagged: "ask_for_you",
    SubmissionDecided: "submission_decided",
    ProjectReleased: "released",
    RevenueRecorded: "revenue",
    StatementIssued: "statement_issued",
    CostChanged: "cost",
    ProposalPublished: "proposal_published",
    ProposalRevised: "proposal_revised",
    ProposalCommented: "proposal_commented",
    ProposalAccepted: "proposal_accepted",
    ProposalReleased: "proposal_released",
    TextPublished: "mention",
    ClaimMade: "claim_made",
    ClaimAccepted: "claim_answered",
    ClaimDeclined: "claim_answered",
    ClaimDecided: "claim_decided",
    # The claimant took it back: the remixer hears it as the end of the claim they were told of.
    ClaimWithdrawn: "claim_made",
}


def announced(event: Event) -> None:
    arguments = {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in vars(event).items()
    }
    if isinstance(event, TextPublished) and "@" not in event.text:
        return  # no one can be mentioned: no job
    tasks.notify.delay(KINDS[type(event)], arguments)


def subscribe_all() -> None:
    for event_type in KINDS:
        subscribe(event_type, announced)
