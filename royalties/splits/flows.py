"""The exact split: value flows up the frozen lineage in a topological order (no Django)."""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import starmap

from hitrec.gcpause import cyclic_gc_paused
from hitrec.messages import gettext_noop
from royalties.splits.model import (
    ZERO,
    ContributionFlow,
    Credit,
    InvalidLineageError,
    LineageCycleError,
    LineageSnapshot,
    PartyShare,
    SnapshotNode,
    Split,
    SplitInput,
    UnknownContributionError,
)


def _unknown_end(source: int, remix: int, missing: int) -> UnknownContributionError:
    return UnknownContributionError(
        gettext_noop(
            "The lineage snapshot links #%(source)s → #%(remix)s, but #%(missing)s is not "
            "among its nodes; a snapshot must hold both ends of every link."
        ),
        source=source,
        remix=remix,
        missing=missing,
    )


@dataclass(slots=True)
class Lineage:
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
    def build(cls, snapshot: LineageSnapshot, *, roots: Iterable[int]) -> Lineage:
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

        A link's source is checked only where value reaches it (`split` refuses an unknown
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
                    gettext_noop(
                        "The lineage snapshot links #%(source)s → #%(remix)s more than once; "
                        "a source counts once."
                    ),
                    source=repeated,
                    remix=remix,
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


def propagate(
    lineage: Lineage,
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


def credited_values(split_input: SplitInput) -> tuple[dict[int, int], int]:
    """Each credited contribution's ``p * w / sum(w)`` as an integer over the returned base."""
    pool = split_input.policy.contributor_pool
    weights = _integer_weights(split_input.credits)
    base = pool.denominator * sum(weights)
    initial = {
        credit.contribution_id: pool.numerator * weight
        for credit, weight in zip(split_input.credits, weights, strict=True)
    }
    return initial, base


def credited_ids(split_input: SplitInput) -> list[int]:
    return [credit.contribution_id for credit in split_input.credits]


def check_credits_known(split_input: SplitInput) -> None:
    nodes = split_input.snapshot.nodes
    for credit in split_input.credits:
        if credit.contribution_id not in nodes:
            raise UnknownContributionError(
                gettext_noop(
                    "Contribution #%(id)s is credited but missing from the lineage snapshot; "
                    "the snapshot must hold every credited contribution."
                ),
                id=credit.contribution_id,
            )


def compute_split(split_input: SplitInput) -> Split:
    """The exact split of a release (see the module docstring for the rules and the cost)."""
    check_credits_known(split_input)
    with cyclic_gc_paused():
        lineage = Lineage.build(split_input.snapshot, roots=credited_ids(split_input))
        split = split_of(split_input, lineage)
        # Freed while the collector is paused: when it resumes, the first collection
        # examines what was made during the pause and is still alive, and the lineage's
        # tens of thousands of lists would be most of it.
        del lineage
    return split


def split_of(split_input: SplitInput, lineage: Lineage) -> Split:
    policy = split_input.policy
    upstream = policy.upstream_share
    up_num, up_den = upstream.numerator, upstream.denominator
    initial, base = credited_values(split_input)
    flows = propagate(lineage, initial, base, upstream)

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
