"""What payment proposals announce (hitrec.events): published, revised, commented, accepted, released."""

from dataclasses import dataclass

from hitrec.events import Event


@dataclass(frozen=True)
class ProposalPublished(Event):
    revision_id: int


@dataclass(frozen=True)
class ProposalRevised(Event):
    revision_id: int
    previous_id: int


@dataclass(frozen=True)
class ProposalCommented(Event):
    comment_id: int


@dataclass(frozen=True)
class ProposalAccepted(Event):
    acceptance_id: int


@dataclass(frozen=True)
class ProposalReleased(Event):
    """A payment proposal's window ended and it became the release."""

    proposal_id: int
