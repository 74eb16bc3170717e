"""What claims announce (hitrec.events): a claim made, accepted, declined, decided by staff, or
withdrawn by its claimant."""

from dataclasses import dataclass

from hitrec.events import Event


@dataclass(frozen=True)
class ClaimMade(Event):
    """The author of an earlier work asked to be credited in a later work that uses it."""

    claim_id: int


@dataclass(frozen=True)
class ClaimAccepted(Event):
    """The later work's author accepted a claim: the earlier work is now one of its sources."""

    claim_id: int


@dataclass(frozen=True)
class ClaimDeclined(Event):
    """The later work's author declined a claim, with a reason."""

    claim_id: int


@dataclass(frozen=True)
class ClaimDecided(Event):
    """Staff accepted or declined a claim in the later work's author's place."""

    claim_id: int


@dataclass(frozen=True)
class ClaimWithdrawn(Event):
    """The claimant withdrew a claim nobody had answered."""

    claim_id: int
