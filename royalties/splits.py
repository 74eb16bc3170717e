"""Exact royalty splits of a release: each person's share and the lineage paths that paid it.

The rules are DESIGN.md's "The split policy (exact)":

1. the producer keeps ``1 - p``; the contributor pool is ``p``;
2. a credited contribution ``c`` with weight ``w_c`` receives ``p * w_c / sum(w)``;
3. a contribution with sources keeps ``1 - u`` of what it receives and passes ``u`` upstream,
   split equally among its direct sources; one without sources keeps everything; a node that
   several paths reach receives the sum; remixes are processed before their sources;
4. a person's share is what their contributions keep (plus ``1 - p`` for the producer).

Everything is exact (``fractions.Fraction``, never floats) and the shares always sum to 1
(checked on every computation, not only in tests).

Cost
----
:func:`compute_split` is linear in the size of the snapshot (nodes + edges): one topological
sort, one pass over the edges. It does not use ``Fraction`` arithmetic in the pass, because
``Fraction`` pays a gcd and a Python-level object per operation (about 1 us): amounts are
integers over a per-node denominator ``B * q**level`` instead, where ``B`` is
``denominator(p) * sum(integer weights)``, ``q`` is ``denominator(u) * lcm(source counts)``
(24 for ``u = 1/4`` and 1 to 3 sources per remix) and a node's level is the length of the
longest value-carrying path that reaches it from a credited contribution. Passing ``u / n``
of an amount one level up multiplies its numerator by the integer
``numerator(u) * q / (denominator(u) * n)``, so every step is exact integer arithmetic;
``Fraction`` objects are built once per node at the end. (The integers grow by ``log2(q)``
bits per level, as the exact values themselves do: a 10,000-deep chain of remixes has
shares with 20,000-bit denominators whichever way they are computed.)

Explanation paths are NOT part of the split: a stack of k diamonds has ``2**k`` paths to its
top, so listing them would not be linear. :class:`PathIndex` precomputes, in one linear pass,
how many paths reach each contribution and the largest amount any single path can bring to
it; :meth:`PathIndex.paths_to` then lists the ``limit`` largest paths to one contribution
(best first, by an A* search whose heuristic is that exact maximum, so it never explores a
path that cannot make the list), and says how many there are in all.

Zero shares
-----------
``Split.parties`` lists only people with a positive share. A party with a zero share would
be allocated nothing, ever, so listing it only adds zero lines to the ledger. Zero arises
only when ``p = 0`` (every contributor gets nothing: the producer is the only party) or
``p = 1`` (the producer gets nothing as producer, and appears only if also an author).
``Split.contributions`` has every node of the snapshot, with zero flows where no value
reaches (for instance every node when ``p = 0``), so a credited work is still visible.
"""

from __future__ import annotations

import heapq
import math
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import starmap
from typing import NamedTuple

from hitrec.gcpause import cyclic_gc_paused

ZERO = Fraction(0)
ONE = Fraction(1)

# --- errors ---------------------------------------------------------------------------------


class SplitInputError(ValueError):
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
            f"The lineage snapshot has a cycle ({chain}, each a source of the next), "
            "so value would flow round it for ever; a lineage must be acyclic."
        )


# --- inputs ---------------------------------------------------------------------------------


def _exact(value: object, what: str, error: type[SplitInputError]) -> Fraction:
    """`value` as a Fraction, refusing floats (and bools) whose value is not what was meant."""
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise error(
            f"The {what} must be an int or a fractions.Fraction, not {type(value).__name__} "
            f"({value!r}): shares are exact rationals, never floats."
        )
    return Fraction(value)


@dataclass(frozen=True, slots=True)
class Credit:
    """A credited contribution of a release and its weight (a positive int or Fraction)."""

    contribution_id: int
    weight: int | Fraction = 1

    def __post_init__(self) -> None:
        weight = _exact(
            self.weight, f"weight of contribution #{self.contribution_id}", InvalidWeightError
        )
        if weight <= 0:
            raise InvalidWeightError(
                f"Contribution #{self.contribution_id} is credited with weight {weight}; "
                "a weight must be positive."
            )


@dataclass(frozen=True, slots=True)
class Policy:
    """The release's split policy: contributor pool ``p`` in [0, 1], upstream share ``u`` in [0, 1)."""

    contributor_pool: Fraction = Fraction(1, 2)
    upstream_share: Fraction = Fraction(1, 4)

    def __post_init__(self) -> None:
        # Normalise ints to Fractions so that callers can always read .numerator/.denominator.
        pool = _exact(self.contributor_pool, "contributor pool", InvalidPolicyError)
        upstream = _exact(self.upstream_share, "upstream share", InvalidPolicyError)
        if not 0 <= pool <= 1:
            raise InvalidPolicyError(
                f"The contributor pool is {pool}; it must be between 0 and 1 inclusive."
            )
        if not 0 <= upstream < 1:
            raise InvalidPolicyError(
                f"The upstream share is {upstream}; it must be at least 0 and below 1 "
                "(a remix that passed everything upstream would keep nothing of its own)."
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
                "The release credits no contribution, so there is nothing to split."
            )
        seen: set[int] = set()
        for credit in credits:
            if credit.contribution_id in seen:
                raise DuplicateCreditError(
                    f"Contribution #{credit.contribution_id} is credited more than once; "
                    "credit it once with the combined weight."
                )
            seen.add(credit.contribution_id)
        object.__setattr__(self, "credits", credits)


# --- outputs --------------------------------------------------------------------------------


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


# --- the lineage graph ----------------------------------------------------------------------


def _unknown_end(source: int, remix: int, missing: int) -> UnknownContributionError:
    return UnknownContributionError(
        f"The lineage snapshot links #{source} → #{remix}, but #{missing} is not among its "
        "nodes; a snapshot must hold both ends of every link."
    )


@dataclass(slots=True)
class _Lineage:
    """The snapshot as adjacency lists, and an order with every remix before its sources.

    Only nodes with sources have a list (``.get(node)`` is None for the others): most nodes
    of a lineage have none, and a hundred thousand empty lists cost more than the whole flow.
    The reverse lists (a node's remixes) are built only when asked for.

    The order holds the nodes that pass value on (those with sources). When every link goes
    from a smaller id to a larger one, as on the platform (a source is older than its remix:
    ``RemixLink``'s CHECK), descending ids are such an order and no cycle is possible, so the
    order is a sort in C. Otherwise (a hand-made snapshot) it comes from Kahn's algorithm over
    the credited contributions and everything upstream of them, which refuses a cycle that
    value could go round.
    """

    nodes: Mapping[int, SnapshotNode]
    sources: dict[int, list[int]]
    order: list[int] = field(default_factory=list)
    _remixes: dict[int, list[int]] | None = None

    @classmethod
    def build(cls, snapshot: LineageSnapshot, *, roots: Iterable[int]) -> _Lineage:
        nodes = snapshot.nodes
        sources: dict[int, list[int]] = {}
        get = sources.get
        # The loop only groups (it runs once per link); the checks of the links' ends run
        # afterwards, on whole sets, inside the interpreter's C code.
        for source, remix in snapshot.edges:
            srcs = get(remix)
            if srcs is None:
                sources[remix] = [source]
            else:
                srcs.append(source)
        cls._check_ends(snapshot.edges, sources, nodes)
        lineage = cls(nodes=nodes, sources=sources)
        lineage._check_no_repeated_edge(snapshot.edges)
        if all(starmap(operator.lt, snapshot.edges)):  # every source older than its remix
            lineage.order = sorted(sources, reverse=True)
        else:
            lineage.order = lineage._topological_order(roots)
        return lineage

    @staticmethod
    def _check_ends(
        edges: Sequence[tuple[int, int]], sources: dict[int, list[int]], nodes: Mapping[int, object]
    ) -> None:
        """Every remix is a node, and no link goes from a node to itself.

        A link's source is checked only where value reaches it (`_split` refuses an unknown
        one there): looking each of them up here cost a tenth of the split, in cache misses
        on a large snapshot, for links that cannot change it.
        """
        if all(map(nodes.__contains__, sources)) and not any(
            map(operator.contains, sources.values(), sources)
        ):
            return
        # Name the first offending link, in the snapshot's order.
        for source, remix in edges:
            if remix not in nodes:
                raise _unknown_end(source, remix, remix)
            if source not in nodes:
                raise _unknown_end(source, remix, source)
            if source == remix:
                raise LineageCycleError([source])

    def unknown_source(self, source: int) -> UnknownContributionError:
        """The refusal of a link whose source is not among the nodes."""
        remix = min(remix for remix, srcs in self.sources.items() if source in srcs)
        return _unknown_end(source, remix, source)

    @property
    def remixes(self) -> dict[int, list[int]]:
        """Each node's direct remixes (only for nodes that have some), built on first use."""
        if self._remixes is None:
            remixes: dict[int, list[int]] = {}
            for remix, srcs in self.sources.items():
                for source in srcs:
                    remixes.setdefault(source, []).append(remix)
            self._remixes = remixes
        return self._remixes

    def _check_no_repeated_edge(self, edges: Sequence[tuple[int, int]]) -> None:
        # A repeated link would count one source twice in "split equally among direct sources".
        if len(set(edges)) == len(edges):  # one set of pairs, in C: no loop over the remixes
            return
        for remix, srcs in self.sources.items():
            if len(srcs) > 1 and len(set(srcs)) != len(srcs):
                repeated = min(source for source in srcs if srcs.count(source) > 1)
                raise InvalidLineageError(
                    f"The lineage snapshot links #{repeated} → #{remix} more than once; "
                    "a source counts once."
                )

    def _topological_order(self, roots: Iterable[int]) -> list[int]:
        """Kahn's algorithm on remix → source, over the roots and everything upstream of them:
        a node comes after all of its remixes among those.

        Value flows only from the roots (the credited contributions) upstream, so the rest of
        the snapshot needs no place in the order; a cycle value could go round is refused.
        """
        sources = self.sources
        # What the roots reach, and for each reached node its number of reached remixes.
        waiting: dict[int, int] = {}
        reached = set(roots)
        stack = list(reached)
        while stack:
            srcs = sources.get(stack.pop())
            if srcs is None:
                continue
            for source in srcs:
                count = waiting.get(source)
                if count is None:
                    waiting[source] = 1
                    if source not in reached:
                        reached.add(source)
                        stack.append(source)
                else:
                    waiting[source] = count + 1
        # Start with the reached nodes that no reached node remixes; the list grows while
        # the loop walks it.
        order = [node for node in reached if node not in waiting]
        for node in order:
            srcs = sources.get(node)
            if srcs is None:
                continue
            for source in srcs:
                left = waiting[source] - 1
                waiting[source] = left
                if not left:
                    order.append(source)
        if len(order) != len(reached):
            raise LineageCycleError(self._find_cycle({n for n, c in waiting.items() if c > 0}))
        return order

    def _find_cycle(self, stuck: set[int]) -> list[int]:
        """A cycle among the nodes Kahn's algorithm could not order.

        Each of them still has a remix among them, so walking from remix to remix inside the
        set must revisit a node; the walk from that node on is a cycle.
        """
        node = min(stuck)
        position: dict[int, int] = {}
        walk: list[int] = []
        while node not in position:
            position[node] = len(walk)
            walk.append(node)
            node = min(remix for remix in self.remixes[node] if remix in stuck)
        # The walk went from source to remix, so each node is a source of the next.
        return walk[position[node] :]


# --- exact flows over the lineage ------------------------------------------------------------


@dataclass(slots=True)
class _Scaled:
    """Per-node integers over the denominator ``base * q**level[node]`` (see module docstring)."""

    base: int
    q: int
    values: dict[int, int]
    levels: dict[int, int]
    _powers: list[int] = field(default_factory=lambda: [1])

    def power(self, exponent: int) -> int:
        powers = self._powers
        while len(powers) <= exponent:
            powers.append(powers[-1] * self.q)
        return powers[exponent]

    def fraction(self, node: int) -> Fraction:
        value = self.values.get(node)
        if not value:
            return ZERO
        return Fraction(value, self.base * self.power(self.levels[node]))


def _integer_weights(credits: Sequence[Credit]) -> list[int]:
    """The weights scaled by the lcm of their denominators: the same ratios, as integers."""
    weights = [credit.weight for credit in credits]  # ints and Fractions both have the terms
    scale = math.lcm(*(weight.denominator for weight in weights))
    return [weight.numerator * (scale // weight.denominator) for weight in weights]


def _propagate(
    lineage: _Lineage,
    initial: Mapping[int, int],
    base: int,
    upstream: Fraction,
    *,
    combine_max: bool = False,
) -> _Scaled:
    """Push values from remixes to their sources, each passing ``u / n`` to each of its n sources.

    ``initial`` holds the credited contributions' values over ``base`` (level 0). With
    ``combine_max`` a node keeps the largest incoming value instead of the sum: the best
    single path, which :class:`PathIndex` uses to search paths best-first.
    """
    up_num, up_den = upstream.numerator, upstream.denominator
    source_counts = set(map(len, lineage.sources.values()))  # every list has a source
    q = up_den * math.lcm(*source_counts) if source_counts else up_den
    scaled = _Scaled(base=base, q=q, values=dict(initial), levels=dict.fromkeys(initial, 0))
    if up_num == 0:
        return scaled  # nothing flows upstream
    values, levels, sources = scaled.values, scaled.levels, lineage.sources
    power = scaled.power
    factor = {count: up_num * (q // (up_den * count)) for count in source_counts}
    for remix in lineage.order:
        value = values.get(remix)
        if not value:
            continue
        srcs = sources.get(remix)
        if srcs is None:
            continue
        passed = value * factor[len(srcs)]  # what each source gets, at level + 1
        level = levels[remix] + 1
        for source in srcs:
            current = values.get(source)
            if current is None:
                values[source] = passed
                levels[source] = level
                continue
            # Bring both to the deeper level (a larger power of q) before combining.
            current_level = levels[source]
            incoming = passed
            if current_level < level:
                current *= power(level - current_level)
                levels[source] = level
            elif current_level > level:
                incoming = passed * power(current_level - level)
            if combine_max:
                values[source] = current if current >= incoming else incoming
            else:
                values[source] = current + incoming
    return scaled


def _credited_values(split_input: SplitInput) -> tuple[dict[int, int], int]:
    """Each credited contribution's ``p * w / sum(w)`` as an integer over the returned base."""
    pool = split_input.policy.contributor_pool
    weights = _integer_weights(split_input.credits)
    base = pool.denominator * sum(weights)
    initial = {
        credit.contribution_id: pool.numerator * weight
        for credit, weight in zip(split_input.credits, weights, strict=True)
    }
    return initial, base


def _credited_ids(split_input: SplitInput) -> list[int]:
    return [credit.contribution_id for credit in split_input.credits]


def _check_credits_known(split_input: SplitInput) -> None:
    nodes = split_input.snapshot.nodes
    for credit in split_input.credits:
        if credit.contribution_id not in nodes:
            raise UnknownContributionError(
                f"Contribution #{credit.contribution_id} is credited but missing from the "
                "lineage snapshot; the snapshot must hold every credited contribution."
            )


def compute_split(split_input: SplitInput) -> Split:
    """The exact split of a release (see the module docstring for the rules and the cost)."""
    _check_credits_known(split_input)
    with cyclic_gc_paused():
        lineage = _Lineage.build(split_input.snapshot, roots=_credited_ids(split_input))
        split = _split(split_input, lineage)
        # Freed while the collector is paused: when it resumes, the first collection
        # examines what was made during the pause and is still alive, and the lineage's
        # tens of thousands of lists would be most of it.
        del lineage
    return split


def _split(split_input: SplitInput, lineage: _Lineage) -> Split:
    policy = split_input.policy
    upstream = policy.upstream_share
    up_num, up_den = upstream.numerator, upstream.denominator
    initial, base = _credited_values(split_input)
    flows = _propagate(lineage, initial, base, upstream)

    nodes = split_input.snapshot.nodes
    sources = lineage.sources
    # Every node gets an entry, in id order; the ones value reaches are overwritten below.
    zero_flow = ContributionFlow(ZERO, ZERO)
    contributions = dict.fromkeys(sorted(nodes), zero_flow)
    levels = flows.levels
    deepest = max(levels.values(), default=0)
    # base * q**level by level, and what brings a kept amount at a level (an integer over
    # base * up_den * q**level) to the common denominator base * up_den * q**deepest.
    denominators = [flows.base * flows.power(level) for level in range(deepest + 1)]
    to_common = [flows.power(deepest - level) for level in range(deepest + 1)]
    kept_by_author: dict[int, int] = {}
    keep_num = up_den - up_num
    passes_upstream = up_num != 0
    for node, value in flows.values.items():
        if not value:
            continue
        level = levels[node]
        denominator = denominators[level]
        received = Fraction(value, denominator)
        if passes_upstream and node in sources:
            kept_numerator = value * keep_num
            kept = Fraction(kept_numerator, denominator * up_den)
        else:
            kept_numerator = value * up_den
            kept = received
        contributions[node] = ContributionFlow(received, kept)
        facts = nodes.get(node)
        if facts is None:  # a link's source that is not in the snapshot, and value reached it
            raise lineage.unknown_source(node)
        author = facts.author_id
        kept_by_author[author] = kept_by_author.get(author, 0) + kept_numerator * to_common[level]

    common = flows.base * up_den * flows.power(deepest)
    # An invariant of the rules, checked in integers before any share is built (adding ten
    # thousand Fractions costs more than the rest of this function): value is only ever
    # moved, never made or lost, so the contributions keep exactly the pool p, and with the
    # producer's 1 - p the shares sum to 1.
    pool = policy.contributor_pool
    kept_total = sum(kept_by_author.values())
    if kept_total * pool.denominator != pool.numerator * common:
        raise RuntimeError(
            f"Internal error: the contributions keep {Fraction(kept_total, common)} of the "
            f"revenue, not the contributor pool {pool}."
        )
    # Every author here kept something (zero values were skipped above), so only the
    # producer's share can be zero: p = 1 and nothing kept of their own.
    shares = {author: Fraction(kept, common) for author, kept in kept_by_author.items()}
    producer = split_input.producer_id
    producer_share = shares.get(producer, ZERO) + (1 - pool)
    if producer_share:
        shares[producer] = producer_share
    parties = [PartyShare(user, shares[user]) for user in sorted(shares)]
    return Split(producer_id=producer, parties=parties, contributions=contributions)


# --- explanation paths ----------------------------------------------------------------------


class PathIndex:
    """Answers "which paths paid this contribution?" for one release, after a linear setup.

    The setup computes the split, the number of value-carrying paths that end at each
    contribution (a Python int: it can be astronomically large), and the largest amount any
    single path brings to each contribution. Each :meth:`paths_to` call is then a best-first
    search (A* with that exact maximum as its heuristic) that expands only path prefixes
    able to carry at least the smallest amount it lists: about ``limit x path length x
    remixes per node`` steps when amounts differ, whatever the total number of paths.
    """

    def __init__(self, split_input: SplitInput) -> None:
        _check_credits_known(split_input)
        self.split_input = split_input
        with cyclic_gc_paused():
            self._lineage = _Lineage.build(split_input.snapshot, roots=_credited_ids(split_input))
            self.split = _split(split_input, self._lineage)
            self._setup(split_input)

    def _setup(self, split_input: SplitInput) -> None:
        policy = split_input.policy
        self._upstream = policy.upstream_share
        initial, base = _credited_values(split_input)
        self._base = {node: Fraction(value, base) for node, value in initial.items()}
        if policy.contributor_pool == 0:
            initial = {}  # no value anywhere: no path carries any
        self._best = _propagate(self._lineage, initial, base, self._upstream, combine_max=True)
        self._best_cache: dict[int, Fraction] = {}
        self._remixes = self._lineage.remixes  # built in the setup, not by the first query
        self._counts = self._count_paths(set(initial))

    def _count_paths(self, credited: set[int]) -> dict[int, int]:
        """Paths that carry value from a credited contribution to each node (remixes first)."""
        counts = dict.fromkeys(credited, 1)
        if self._upstream == 0:
            return counts  # nothing crosses a link: only the credited ones, by themselves
        sources = self._lineage.sources
        for remix in self._lineage.order:
            count = counts.get(remix)
            if count:
                for source in sources.get(remix, ()):
                    counts[source] = counts.get(source, 0) + count
        return counts

    def _best_into(self, node: int) -> Fraction:
        best = self._best_cache.get(node)
        if best is None:
            best = self._best_cache[node] = self._best.fraction(node)
        return best

    def paths_to(self, contribution_id: int, *, limit: int = 10) -> PathExplanation:
        """The ``limit`` paths that brought the most value to the contribution, largest first.

        Equal amounts are listed in order of their ids (when more paths tie at the limit than
        fit, which of them make the list is deterministic, but not necessarily the smallest
        ids). ``path_count`` tells how many paths carry value in all; ``unlisted_amount``
        what the ones left off carried together.
        """
        if contribution_id not in self.split_input.snapshot.nodes:
            raise UnknownContributionError(
                f"Contribution #{contribution_id} is not in this release's lineage snapshot."
            )
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise ValueError(f"The limit must be a non-negative int, not {limit!r}.")
        flow = self.split.contributions[contribution_id]
        keep_ratio = flow.kept / flow.received if flow.received else ZERO
        paths: list[ValuePath] = []
        target_best = self._best_into(contribution_id)
        if limit and target_best:
            # Heap entries: (-priority, 0 for a whole path / 1 for a prefix, -length, path,
            # multiplier). A prefix (x, ..., target) has multiplier m: what x receives, times
            # m, reaches the target along it; its priority m * best_into(x) is the most any
            # path it can become carries. Among equal priorities the longest prefix goes
            # first: on a stack of diamonds every path ties, and going breadth-first through
            # the ties would visit 2**depth prefixes before finishing one.
            upstream, remixes, sources = self._upstream, self._remixes, self._lineage.sources
            heap: list[tuple[Fraction, int, int, tuple[int, ...], Fraction]] = [
                (-target_best, 1, -1, (contribution_id,), ONE)
            ]
            while heap and len(paths) < limit:
                _, kind, _, path, multiplier = heapq.heappop(heap)
                if kind == 0:
                    amount = multiplier * self._base[path[0]]
                    paths.append(ValuePath(path, amount, amount * keep_ratio))
                    continue
                start = path[0]
                if start in self._base:
                    amount = multiplier * self._base[start]
                    heapq.heappush(heap, (-amount, 0, -len(path), path, multiplier))
                if not upstream:
                    continue  # no value crosses a link: only the credited node itself paid
                for remix in remixes.get(start, ()):
                    best = self._best_into(remix)
                    if best:
                        extended = multiplier * upstream / len(sources[remix])
                        priority = -(extended * best)
                        longer = (remix, *path)
                        heapq.heappush(heap, (priority, 1, -len(longer), longer, extended))
            # Equal amounts can come off the heap in any order: list them by their ids.
            paths.sort(key=lambda path: (-path.amount, path.contribution_ids))
        return PathExplanation(
            contribution_id=contribution_id,
            received=flow.received,
            kept=flow.kept,
            paths=paths,
            path_count=self._counts.get(contribution_id, 0),
        )


def paths_to(split_input: SplitInput, contribution_id: int, *, limit: int = 10) -> PathExplanation:
    """One-off :meth:`PathIndex.paths_to`; build a :class:`PathIndex` to ask about many nodes."""
    return PathIndex(split_input).paths_to(contribution_id, limit=limit)


def describe_path(snapshot: LineageSnapshot, contribution_ids: Iterable[int]) -> str:
    """A path in words, from the contribution that earned up to the credited one.

    ``(7, 4, 2)`` (7 credited, 2 earning) reads “loop” (#2) → “Ana's remix” (#4) → “Night Bus” (#7).
    """
    words = []
    for node in reversed(tuple(contribution_ids)):
        title = snapshot.nodes[node].title
        words.append(f"“{title}” (#{node})" if title else f"#{node}")
    return " → ".join(words)


# --- formatting -----------------------------------------------------------------------------


def format_fraction(value: Fraction | int) -> str:
    """``"n/d"`` in lowest terms (a Fraction always is), e.g. ``"3/8"``, ``"1/1"``, ``"0/1"``."""
    value = Fraction(value)
    return f"{value.numerator}/{value.denominator}"


def format_percent(value: Fraction | int, *, decimals: int = 2) -> str:
    """``value`` as a percentage with ``decimals`` decimals and no ``%`` sign: 1/3 -> ``"33.33"``.

    Rounded half-up on the exact value (2/3 -> ``"66.67"``, 1/8 at one decimal -> ``"12.5"``,
    1/16 at one decimal -> ``"6.3"``); a negative value rounds its magnitude the same way.
    """
    if isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0:
        raise ValueError(f"decimals must be a non-negative int, not {decimals!r}.")
    scaled = Fraction(value) * 100 * 10**decimals
    magnitude = abs(scaled)
    rounded = (2 * magnitude.numerator + magnitude.denominator) // (2 * magnitude.denominator)
    digits = str(rounded).rjust(decimals + 1, "0")
    sign = "-" if scaled < 0 and rounded else ""
    if decimals == 0:
        return sign + digits
    return f"{sign}{digits[:-decimals]}.{digits[-decimals:]}"
