"""Benchmark: the pure royalties computation (exact split, apportionment) against baselines.

    .venv/bin/python bench/bench_royalties_pure.py [--nodes 100000 --credits 10000 --parties 10000]

No database: this times only `royalties/splits/` and `royalties/apportion.py` on data built
in memory, each against a baseline measured in the same run:

* the split of a release with 10,000 credits over a 100,000-node random lineage (40% of works
  remix 1-3 earlier ones), against the straightforward implementation with `Fraction`
  arithmetic at every step (same results, checked); then the same on a diamond lattice
  (every node remixes 3 of the layer below: billions of paths), and the explanation paths;
* the apportionment of 1,000,000.00 (100,000,000 minor units) among 10,000 parties, against
  the same earliest-deadline-first quota method handing out one unit at a time with heaps
  (measured on fewer units and extrapolated: its cost per unit is constant) and against
  per-event largest remainder (fast, but it breaks quota across events: measured too).

Writes the "Royalties (pure computation)" section of docs/benchmarks.md.
"""

import argparse
import contextlib
import gc
import heapq
import math
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine_description, settle, update_section  # noqa: E402
from royalties.apportion import apportion  # noqa: E402
from royalties.splits import (  # noqa: E402
    Credit,
    LineageSnapshot,
    PathIndex,
    Policy,
    SnapshotNode,
    SplitInput,
    compute_split,
    flows,  # noqa: E402
)

TITLE = "Royalties (pure computation)"
TARGET_S = 0.3
REMIX_SHARE = 0.4
AUTHORS = 3_000
LATTICE_LAYERS = 20
LATTICE_FAN_IN = 3
NAIVE_UNITS = 300_000  # units the one-at-a-time baseline really hands out
STREAM_PARTIES = 300
STREAM_EVENTS = 5_000


@dataclass
class Timing:
    runs: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.runs)

    @property
    def worst(self) -> float:
        return max(self.runs)


def measure(action: Callable[[], object], *, repeat: int, warmup: int = 1) -> Timing:
    for _ in range(warmup):
        action()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        runs.append(time.perf_counter() - start)
    return Timing(runs)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def distance(units: Fraction) -> str:
    """A distance in units, without rounding 0.99999 up to a misleading 1.0000."""
    if units < 1 and f"{float(units):.4f}" == "1.0000":
        return f"1 − {float(1 - units):.1e}"
    return f"{float(units):.4f}"


def verdict(seconds: float) -> str:
    return "**pass**" if seconds < TARGET_S else "**FAIL**"


# --- data -----------------------------------------------------------------------------------


def random_lineage(rng: random.Random, *, nodes: int, credits: int) -> SplitInput:
    """Contributions 1..nodes; 40% remix 1-3 earlier works, chosen uniformly."""
    snapshot_nodes = {
        node: SnapshotNode(author_id=rng.randrange(1, AUTHORS + 1), title=f"work {node}")
        for node in range(1, nodes + 1)
    }
    edges = []
    for remix in range(2, nodes + 1):
        if rng.random() < REMIX_SHARE:
            for source in rng.sample(range(1, remix), min(remix - 1, rng.randint(1, 3))):
                edges.append((source, remix))
    credited = rng.sample(range(1, nodes + 1), credits)
    return SplitInput(
        credits=[Credit(node, rng.randint(1, 10)) for node in credited],
        policy=Policy(),
        producer_id=1,
        snapshot=LineageSnapshot(nodes=snapshot_nodes, edges=edges),
    )


def diamond_lattice(rng: random.Random, *, nodes: int, credits: int) -> SplitInput:
    """Layers of equal width; each node remixes 3 nodes of the next (older) layer."""
    width = nodes // LATTICE_LAYERS
    layer_of = [
        list(range(layer * width + 1, (layer + 1) * width + 1)) for layer in range(LATTICE_LAYERS)
    ]
    snapshot_nodes = {
        node: SnapshotNode(author_id=rng.randrange(1, AUTHORS + 1), title=f"work {node}")
        for layer in layer_of
        for node in layer
    }
    edges = [
        (source, remix)
        for newer, older in zip(layer_of, layer_of[1:], strict=False)
        for remix in newer
        for source in rng.sample(older, LATTICE_FAN_IN)
    ]
    credited = [node for layer in layer_of for node in layer][:credits]  # the newest layers
    return SplitInput(
        credits=[Credit(node, rng.randint(1, 10)) for node in credited],
        policy=Policy(),
        producer_id=1,
        snapshot=LineageSnapshot(nodes=snapshot_nodes, edges=edges),
    )


# --- split baseline -------------------------------------------------------------------------


def fraction_split(
    split_input: SplitInput,
) -> tuple[dict[int, Fraction], dict[int, tuple[Fraction, Fraction]]]:
    """The split written the obvious way: Kahn's order, then `Fraction` arithmetic per step."""
    sources: dict[int, list[int]] = {}
    remix_counts: dict[int, int] = {}
    for source, remix in split_input.snapshot.edges:
        sources.setdefault(remix, []).append(source)
        remix_counts[source] = remix_counts.get(source, 0) + 1
    order = [node for node in split_input.snapshot.nodes if node not in remix_counts]
    for node in order:
        for source in sources.get(node, ()):
            remix_counts[source] -= 1
            if not remix_counts[source]:
                order.append(source)
    p, u = split_input.policy.contributor_pool, split_input.policy.upstream_share
    total = sum(Fraction(credit.weight) for credit in split_input.credits)
    received = {c.contribution_id: p * Fraction(c.weight) / total for c in split_input.credits}
    for node in order:
        value = received.get(node)
        if value and node in sources:
            each = value * u / len(sources[node])
            for source in sources[node]:
                received[source] = received.get(source, 0) + each
    flows: dict[int, tuple[Fraction, Fraction]] = {}
    shares: dict[int, Fraction] = {split_input.producer_id: 1 - p}
    for node, value in received.items():
        kept = value * (1 - u) if node in sources else value
        flows[node] = (value, kept)
        author = split_input.snapshot.nodes[node].author_id
        shares[author] = shares.get(author, 0) + kept
    return {user: share for user, share in shares.items() if share}, flows


def check_same(split_input: SplitInput) -> None:
    split = compute_split(split_input)
    shares, flows = fraction_split(split_input)
    assert split.shares() == shares, "the baseline disagrees on the shares"
    assert {n: (f.received, f.kept) for n, f in split.contributions.items() if f.received} == flows
    assert sum(shares.values()) == 1


@contextlib.contextmanager
def gc_pause_disabled():
    """compute_split without its internal pause of the cyclic collector (to show its effect)."""
    original = flows.cyclic_gc_paused
    flows.cyclic_gc_paused = contextlib.nullcontext
    try:
        yield
    finally:
        flows.cyclic_gc_paused = original


# --- apportionment baselines ----------------------------------------------------------------


def random_shares(rng: random.Random, parties: int) -> dict[int, Fraction]:
    weights = {user: rng.randint(1, 10**6) for user in range(1, parties + 1)}
    total = sum(weights.values())
    return {user: Fraction(weight, total) for user, weight in weights.items()}


def one_unit_at_a_time(shares: dict[int, Fraction], units: int) -> dict[int, int]:
    """The same EDF quota method, one unit per step.

    Two heaps: parties allowed another unit, by its deadline; parties waiting until their
    upper quota lets them take one, by the house size where it does.
    """
    terms = {user: (share.numerator, share.denominator) for user, share in shares.items()}
    totals = dict.fromkeys(shares, 0)
    ready: list[tuple[int, int]] = []  # (deadline of the next unit, user)
    # Everyone's first unit fits from the house floor(0 / s) + 1 = 1 on.
    waiting = [(1, user) for user, (num, _) in terms.items() if num]
    heapq.heapify(waiting)
    for house in range(1, units + 1):
        while waiting and waiting[0][0] <= house:
            _, user = heapq.heappop(waiting)
            num, den = terms[user]
            heapq.heappush(ready, (-(-(totals[user] + 1) * den // num), user))
        _, user = heapq.heappop(ready)
        totals[user] += 1
        num, den = terms[user]
        # Unit k + 1 fits from the house floor(k / s) + 1 on.
        heapq.heappush(waiting, (totals[user] * den // num + 1, user))
    return totals


def largest_remainder(shares: dict[int, Fraction], amount: int) -> dict[int, int]:
    """Per-event largest remainder (Hamilton) on this event alone."""
    quotas = {user: share * amount for user, share in shares.items()}
    allocation = {user: math.floor(quota) for user, quota in quotas.items()}
    left = amount - sum(allocation.values())
    for user in sorted(shares, key=lambda user: (allocation[user] - quotas[user], user))[:left]:
        allocation[user] += 1
    return allocation


def quota_misses(
    shares: dict[int, Fraction], totals: dict[int, int], revenue: int
) -> tuple[int, Fraction]:
    """(parties outside [floor, ceil] of their entitlement, largest distance from it)."""
    misses, worst = 0, Fraction(0)
    for user, share in shares.items():
        entitled = share * revenue
        if not math.floor(entitled) <= totals[user] <= math.ceil(entitled):
            misses += 1
        worst = max(worst, abs(totals[user] - entitled))
    return misses, worst


def stream(
    shares: dict[int, Fraction], events: int, allocate: Callable
) -> tuple[float, int, Fraction]:
    """One-unit events: seconds per event, events after which quota failed, worst distance."""
    totals = dict.fromkeys(shares, 0)
    failed, worst = 0, Fraction(0)
    spent = 0.0
    for revenue in range(events):
        start = time.perf_counter()
        allocation = allocate(totals, revenue)
        spent += time.perf_counter() - start
        for user, units in allocation.items():
            totals[user] += units
        misses, distance = quota_misses(shares, totals, revenue + 1)
        failed += bool(misses)
        worst = max(worst, distance)
    return spent / events, failed, worst


# --- main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--credits", type=int, default=10_000)
    parser.add_argument("--parties", type=int, default=10_000)
    parser.add_argument("--amount", type=int, default=100_000_000, help="minor units")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--results", default="docs/benchmarks.md")
    parser.add_argument("--no-write", action="store_true", help="print, do not update docs/")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    others_at_start = settle()
    load_at_start = os.getloadavg()[0]

    # 1. The split over a random lineage.
    release = random_lineage(rng, nodes=args.nodes, credits=args.credits)
    check_same(release)
    split = compute_split(release)
    reached = [node for node, flow in split.contributions.items() if flow.received]
    split_t = measure(lambda: compute_split(release), repeat=args.repeat)
    with gc_pause_disabled():
        split_no_pause = measure(lambda: compute_split(release), repeat=args.repeat)
    baseline_t = measure(lambda: fraction_split(release), repeat=max(3, args.repeat // 2))
    print(
        f"split: {ms(split_t.p50)} (no gc pause {ms(split_no_pause.p50)}), Fractions {ms(baseline_t.p50)}"
    )

    index_t = measure(lambda: PathIndex(release), repeat=3)
    index = PathIndex(release)
    asked = rng.sample(reached, min(1000, len(reached)))
    start = time.perf_counter()
    explanations = [index.paths_to(node, limit=10) for node in asked]
    per_query = (time.perf_counter() - start) / len(asked)
    most_paths = max(explanation.path_count for explanation in explanations)

    # 2. The split over a diamond lattice.
    lattice = diamond_lattice(rng, nodes=args.nodes, credits=args.credits)
    check_same(lattice)
    lattice_t = measure(lambda: compute_split(lattice), repeat=max(3, args.repeat // 2))
    lattice_baseline = measure(lambda: fraction_split(lattice), repeat=3)
    lattice_index = PathIndex(lattice)
    bottom = max(lattice.snapshot.nodes)
    start = time.perf_counter()
    bottom_paths = lattice_index.paths_to(bottom, limit=10)
    bottom_query = time.perf_counter() - start
    print(
        f"lattice: {ms(lattice_t.p50)}, Fractions {ms(lattice_baseline.p50)}; {bottom_paths.path_count:.3e} paths"
    )

    # 3. Apportionment of the amount among the parties.
    shares = random_shares(rng, args.parties)
    first = apportion(shares=shares, previous_totals={}, previous_revenue=0, amount=args.amount)
    follow_amount = args.amount // 3 + 12_345
    apportion_t = measure(
        lambda: apportion(
            shares=shares, previous_totals={}, previous_revenue=0, amount=args.amount
        ),
        repeat=args.repeat,
    )
    follow_t = measure(
        lambda: apportion(
            shares=shares, previous_totals=first, previous_revenue=args.amount, amount=follow_amount
        ),
        repeat=args.repeat,
    )
    assert quota_misses(shares, first, args.amount)[0] == 0
    hamilton_t = measure(lambda: largest_remainder(shares, args.amount), repeat=3)
    gc.collect()
    start = time.perf_counter()
    naive = one_unit_at_a_time(shares, NAIVE_UNITS)
    naive_s = time.perf_counter() - start
    assert quota_misses(shares, naive, NAIVE_UNITS)[0] == 0
    naive_extrapolated = naive_s * args.amount / NAIVE_UNITS
    print(f"apportion: {ms(apportion_t.p50)}; one unit at a time ≈ {naive_extrapolated:.0f} s")

    # 4. A stream of one-unit events among a few hundred parties.
    few = random_shares(rng, STREAM_PARTIES)
    ours_stream = stream(
        few,
        STREAM_EVENTS,
        lambda totals, revenue: apportion(
            shares=few, previous_totals=totals, previous_revenue=revenue, amount=1
        ),
    )
    lr_stream = stream(few, STREAM_EVENTS, lambda totals, revenue: largest_remainder(few, 1))
    print(
        f"stream: {ours_stream[0] * 1e6:.0f} us/event, largest remainder failed after {lr_stream[1]} events"
    )

    machine = re.sub(r"; PostgreSQL .*$", "; no database (pure Python)", machine_description())
    body = f"""
`compute_split` and `apportion` (royalties/splits/, royalties/apportion.py), timed in
memory with no database: what the request handlers add (loading the release, writing the
allocations) is not included. Baselines, measured in the same run: for the split, the
same rules written the obvious way with `Fraction` arithmetic at every step (results checked
equal); for the apportionment, the same earliest-deadline-first quota method handing out one
minor unit at a time with two heaps (run on {NAIVE_UNITS:,} units and extrapolated: its
cost per unit is constant), and per-event largest remainder (the fast method that is not
enough: it breaks quota across events).

- Machine: {machine}; load average {load_at_start:.2f} when the timings began
  (the machine is shared: other test suites may run at the same time; the run first waited
  for the rest of the machine to go quiet, `bench.common.settle`, and other processes then
  used {others_at_start:.0%} of the CPUs).
- Reproduce: `.venv/bin/python bench/bench_royalties_pure.py --nodes {args.nodes} --credits {args.credits} --parties {args.parties}`
- Timings are wall-clock around the call, p50 / worst of {args.repeat} runs after a warm-up
  (fewer for the slow baselines), with Python's garbage collector on.

| figure | measured (p50 / worst) | target | result |
|---|---|---|---|
| split: {args.credits:,} credits, random lineage of {args.nodes:,} nodes and {len(release.snapshot.edges):,} links ({len(reached):,} nodes reached, {len(split.parties):,} parties) | {ms(split_t.p50)} / {ms(split_t.worst)} | < 300 ms | {verdict(split_t.p50)} |
| … same without pausing the cyclic GC inside `compute_split` | {ms(split_no_pause.p50)} / {ms(split_no_pause.worst)} | | |
| … baseline: `Fraction` at every step | {ms(baseline_t.p50)} / {ms(baseline_t.worst)} | baseline | {baseline_t.p50 / split_t.p50:.1f}× slower |
| split: {args.credits:,} credits (the newest layers), diamond lattice of {args.nodes:,} nodes ({LATTICE_LAYERS} layers, each node remixes {LATTICE_FAN_IN} of the layer below: {len(lattice.snapshot.edges):,} links) | {ms(lattice_t.p50)} / {ms(lattice_t.worst)} | (none: a stress case) | |
| … baseline: `Fraction` at every step | {ms(lattice_baseline.p50)} / {ms(lattice_baseline.worst)} | baseline | {lattice_baseline.p50 / lattice_t.p50:.1f}× slower |
| explanation paths, random lineage: `PathIndex` setup (split included) | {ms(index_t.p50)} / {ms(index_t.worst)} | | |
| … `paths_to(limit=10)`, mean over {len(asked):,} reached contributions (most paths to one: {most_paths:,}) | {per_query * 1e6:,.0f} µs | | |
| … lattice bottom node: {bottom_paths.path_count:.3e} paths, the 10 largest | {ms(bottom_query)} | | |
| apportion {args.amount:,} minor units among {args.parties:,} parties, one event from nothing | {ms(apportion_t.p50)} / {ms(apportion_t.worst)} | < 300 ms | {verdict(apportion_t.p50)} |
| … a second event of {follow_amount:,} on top of it | {ms(follow_t.p50)} / {ms(follow_t.worst)} | < 300 ms | {verdict(follow_t.p50)} |
| … baseline: one unit at a time ({NAIVE_UNITS:,} units in {naive_s:.2f} s), extrapolated | ≈ {naive_extrapolated:,.0f} s | baseline | ≈ {naive_extrapolated / apportion_t.p50:,.0f}× slower |
| … per-event largest remainder on the same event | {ms(hamilton_t.p50)} / {ms(hamilton_t.worst)} | (not enough) | |
| {STREAM_EVENTS:,} one-unit events among {STREAM_PARTIES} parties: `apportion` per event | {ours_stream[0] * 1e6:,.0f} µs | | |
| … events after which a party was outside quota: `apportion` / per-event largest remainder | {ours_stream[1]} / {lr_stream[1]:,} | 0 | {"**pass**" if ours_stream[1] == 0 else "**FAIL**"} |
| … furthest any party got from its exact entitlement: `apportion` / per-event largest remainder | {distance(ours_stream[2])} / {float(lr_stream[2]):,.1f} units | < 1 | {"**pass**" if ours_stream[2] < 1 else "**FAIL**"} |

The split groups the links by remix, orders the remixes before their sources and makes one
pass over the links in integers (amounts over a per-level common denominator; `Fraction`
objects only for the results). In the random lineage, as on the platform (a source is
always older than its remix), every link goes from a smaller id to a larger one, so the
order is a sort of the remixes by id; the lattice's ids shrink along its links, so Kahn's
algorithm orders it, as the baseline does both. On the random lineage value reaches only
{len(reached) / args.nodes:.0%} of the nodes, and most of the time goes to the graph and to
building the exact results; on the lattice value reaches every node, there are
{len(lattice.snapshot.edges) / len(release.snapshot.edges):.1f}× the links, and the integers
pay off ({lattice_baseline.p50 / lattice_t.p50:.1f}× the baseline). Both baselines run with the
collector on, like the "without pausing" row. The lattice's {bottom_paths.path_count:.1e}
paths to its bottom node are never followed: `PathIndex` counts them and lists the largest
by a best-first search. The apportionment is `O(parties log parties)` whatever the amount;
"within quota" allows a distance up to (not including) one unit, which a few thousand
events among 300 parties come close to.
"""
    if args.no_write:
        print(body)
        return
    path = update_section(TITLE, body, args.results)
    print(f"wrote the {TITLE!r} section of {path}")


if __name__ == "__main__":
    main()
