"""Why a contribution earned what it did: the lineage paths that pay it, and the formats
shares are written in (no Django)."""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from fractions import Fraction

from hitrec.gcpause import cyclic_gc_paused
from hitrec.messages import gettext_noop
from royalties.splits.flows import (
    Lineage,
    check_credits_known,
    credited_ids,
    credited_values,
    propagate,
    split_of,
)
from royalties.splits.model import (
    ONE,
    ZERO,
    LineageSnapshot,
    PathExplanation,
    SplitInput,
    UnknownContributionError,
    ValuePath,
)


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
        check_credits_known(split_input)
        self.split_input = split_input
        with cyclic_gc_paused():
            self._lineage = Lineage.build(split_input.snapshot, roots=credited_ids(split_input))
            self.split = split_of(split_input, self._lineage)
            self._setup(split_input)

    def _setup(self, split_input: SplitInput) -> None:
        policy = split_input.policy
        self._upstream = policy.upstream_share
        initial, base = credited_values(split_input)
        self._base = {node: Fraction(value, base) for node, value in initial.items()}
        if policy.contributor_pool == 0:
            initial = {}  # no value anywhere: no path carries any
        self._best = propagate(self._lineage, initial, base, self._upstream, combine_max=True)
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
                gettext_noop("Contribution #%(id)s is not in this release's lineage snapshot."),
                id=contribution_id,
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
