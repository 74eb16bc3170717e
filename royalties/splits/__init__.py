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

from royalties.splits.flows import (
    compute_split,
)
from royalties.splits.model import (
    ONE,
    ZERO,
    ContributionFlow,
    Credit,
    DuplicateCreditError,
    InvalidLineageError,
    InvalidPolicyError,
    InvalidWeightError,
    LineageCycleError,
    LineageSnapshot,
    NoCreditsError,
    PartyShare,
    PathExplanation,
    Policy,
    SnapshotNode,
    Split,
    SplitInput,
    SplitInputError,
    UnknownContributionError,
    ValuePath,
)
from royalties.splits.paths import (
    PathIndex,
    describe_path,
    format_fraction,
    format_percent,
    paths_to,
)

__all__ = [
    "ContributionFlow",
    "Credit",
    "DuplicateCreditError",
    "InvalidLineageError",
    "InvalidPolicyError",
    "InvalidWeightError",
    "LineageCycleError",
    "LineageSnapshot",
    "NoCreditsError",
    "ONE",
    "PartyShare",
    "PathExplanation",
    "PathIndex",
    "Policy",
    "SnapshotNode",
    "Split",
    "SplitInput",
    "SplitInputError",
    "UnknownContributionError",
    "ValuePath",
    "ZERO",
    "compute_split",
    "describe_path",
    "format_fraction",
    "format_percent",
    "paths_to",
]
