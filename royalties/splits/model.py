"""What a split takes and gives: the credits, policy and lineage snapshot, the shares and
flows, and the errors that refuse an input (no Django)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

from hitrec.messages import ExplainedError, gettext_noop

ZERO = Fraction(0)


ONE = Fraction(1)


class SplitInputError(ExplainedError):
    """The release's credits, policy or lineage snapshot cannot be split."""


class NoCreditsError(SplitInputError):
    """The release credits nobody."""


class InvalidWeightError(SplitInputError):
    """A credit's weight is not a positive integer or Fraction."""


class DuplicateCreditError(SplitInputError):
    """The same contribution is credited twice."""


class InvalidPolicyError(SplitInputError):
    """The contributor pool or the upstream share is out of range, or not exact."""


class UnknownContributionError(SplitInputError):
    """A credit, an edge or a question names a contribution the snapshot does not have."""


class InvalidLineageError(SplitInputError):
    """The lineage snapshot is not a simple graph (an edge is repeated)."""


class LineageCycleError(InvalidLineageError):
    """The lineage snapshot has a cycle; ``cycle`` lists its contributions in link order."""

    def __init__(self, cycle: Sequence[int]) -> None:
        self.cycle = tuple(cycle)
        chain = " → ".join(f"#{node}" for node in (*self.cycle, self.cycle[0]))
        super().__init__(
            gettext_noop(
                "The lineage snapshot has a cycle (%(chain)s, each a source of the next), "
                "so value would flow round it for ever; a lineage must be acyclic."
            ),
            chain=chain,
        )


def _exact(value: object, message: str, error: type[SplitInputError], **params: object) -> Fraction:
    """`value` as a Fraction, refusing floats (and bools) whose value is not what was meant;
    `message` (marked with gettext_noop) says so, with %(type)s and %(value)s filled in."""
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise error(message, **params, type=type(value).__name__, value=repr(value))
    return Fraction(value)


@dataclass(frozen=True, slots=True)
class Credit:
    """A credited contribution of a release and its weight (a positive int or Fraction)."""

    contribution_id: int
    weight: int | Fraction = 1

    def __post_init__(self) -> None:
        weight = _exact(
            self.weight,
            gettext_noop(
                "The weight of contribution #%(id)s must be an int or a fractions.Fraction, "
                "not %(type)s (%(value)s): shares are exact rationals, never floats."
            ),
            InvalidWeightError,
            id=self.contribution_id,
        )
        if weight <= 0:
            raise InvalidWeightError(
                gettext_noop(
                    "Contribution #%(id)s is credited with weight %(weight)s; "
                    "a weight must be positive."
                ),
                id=self.contribution_id,
                weight=weight,
            )


@dataclass(frozen=True, slots=True)
class Policy:
    """The release's split policy: contributor pool ``p`` in [0, 1], upstream share ``u`` in [0, 1)."""

    contributor_pool: Fraction = Fraction(1, 2)
    upstream_share: Fraction = Fraction(1, 4)

    def __post_init__(self) -> None:
        # Normalise ints to Fractions so that callers can always read .numerator/.denominator.
        pool = _exact(
            self.contributor_pool,
            gettext_noop(
                "The contributor pool must be an int or a fractions.Fraction, not %(type)s "
                "(%(value)s): shares are exact rationals, never floats."
            ),
            InvalidPolicyError,
        )
        upstream = _exact(
            self.upstream_share,
            gettext_noop(
                "The upstream share must be an int or a fractions.Fraction, not %(type)s "
                "(%(value)s): shares are exact rationals, never floats."
            ),
            InvalidPolicyError,
        )
        if not 0 <= pool <= 1:
            raise InvalidPolicyError(
                gettext_noop(
                    "The contributor pool is %(pool)s; it must be between 0 and 1 inclusive."
                ),
                pool=pool,
            )
        if not 0 <= upstream < 1:
            raise InvalidPolicyError(
                gettext_noop(
                    "The upstream share is %(upstream)s; it must be at least 0 and below 1 "
                    "(a remix that passed everything upstream would keep nothing of its own)."
                ),
                upstream=upstream,
            )
        object.__setattr__(self, "contributor_pool", pool)
        object.__setattr__(self, "upstream_share", upstream)


class SnapshotNode(NamedTuple):
    """A contribution as the release froze it: its author, and its title for explanations.

    A named tuple, not a frozen dataclass: a release's snapshot holds up to hundreds of
    thousands of them, and a tuple is built several times faster (rows become nodes as is).
    """

    author_id: int
    title: str = ""


@dataclass(frozen=True, slots=True)
class LineageSnapshot:
    """The frozen lineage closure: nodes by contribution id, edges as (source_id, remix_id)."""

    nodes: Mapping[int, SnapshotNode]
    edges: Sequence[tuple[int, int]] = ()


@dataclass(frozen=True, slots=True)
class SplitInput:
    """Everything a release freezes that the split depends on.

    Credits may be given as ``Credit`` objects or ``(contribution_id, weight)`` pairs.
    """

    credits: Sequence[Credit]
    policy: Policy
    producer_id: int
    snapshot: LineageSnapshot

    def __post_init__(self) -> None:
        credits = tuple(
            credit if isinstance(credit, Credit) else Credit(*credit) for credit in self.credits
        )
        if not credits:
            raise NoCreditsError(
                gettext_noop("The release credits no contribution, so there is nothing to split.")
            )
        seen: set[int] = set()
        for credit in credits:
            if credit.contribution_id in seen:
                raise DuplicateCreditError(
                    gettext_noop(
                        "Contribution #%(id)s is credited more than once; "
                        "credit it once with the combined weight."
                    ),
                    id=credit.contribution_id,
                )
            seen.add(credit.contribution_id)
        object.__setattr__(self, "credits", credits)


class PartyShare(NamedTuple):
    """A person's exact share of the release's revenue.

    Named tuples, this and :class:`ContributionFlow`: a split builds one per party and per
    reached contribution (tens of thousands), and a tuple is built several times faster
    than a frozen dataclass.
    """

    user_id: int
    share: Fraction


class ContributionFlow(NamedTuple):
    """What a contribution received (from its remixes and its credit) and what it kept."""

    received: Fraction
    kept: Fraction

    @property
    def passed_upstream(self) -> Fraction:
        return self.received - self.kept


@dataclass(frozen=True, slots=True)
class Split:
    """The release's split: parties with a positive share by user id, and every node's flow."""

    producer_id: int
    parties: list[PartyShare]
    contributions: dict[int, ContributionFlow]

    def share_of(self, user_id: int) -> Fraction:
        """The user's share (zero for someone who is not a party)."""
        for party in self.parties:
            if party.user_id == user_id:
                return party.share
        return ZERO

    def shares(self) -> dict[int, Fraction]:
        """``{user_id: share}``, the form :func:`royalties.apportion.apportion` takes."""
        return {party.user_id: party.share for party in self.parties}


@dataclass(frozen=True, slots=True)
class ValuePath:
    """One lineage path that carried value to a contribution.

    ``contribution_ids`` starts at the credited contribution and ends at the explained one;
    ``amount`` is the share of the release's revenue this path brought to the last one, and
    ``kept`` the part of it that contribution keeps (the rest it passes further upstream).
    """

    contribution_ids: tuple[int, ...]
    amount: Fraction
    kept: Fraction


@dataclass(frozen=True, slots=True)
class PathExplanation:
    """The paths that paid one contribution, the largest first, at most ``limit`` of them."""

    contribution_id: int
    received: Fraction
    kept: Fraction
    paths: list[ValuePath]
    path_count: int  # every path that carries value, listed or not

    @property
    def truncated(self) -> bool:
        return self.path_count > len(self.paths)

    @property
    def unlisted_amount(self) -> Fraction:
        """What the paths left off the list carried (zero when none was left off)."""
        return self.received - sum((path.amount for path in self.paths), ZERO)
