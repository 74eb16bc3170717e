"""Property: between any two revisions, what some gain the others lose, exactly."""

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from proposals.diff import share_diff
from royalties.splits import (
    Credit,
    LineageSnapshot,
    Policy,
    SnapshotNode,
    SplitInput,
    compute_split,
)

PRODUCER = 0


@st.composite
def revisions(draw) -> list[dict[int, Fraction]]:
    """The shares of 2 to 4 revisions of one project: the same lineage (a random DAG whose
    sources are older than their remixes), each revision with its own credits, weights and
    policy, computed by the real split."""
    n = draw(st.integers(min_value=1, max_value=8))
    authors = [draw(st.integers(min_value=0, max_value=4)) for _ in range(n)]
    edges = [
        (source, remix) for remix in range(n) for source in range(remix) if draw(st.booleans())
    ]
    snapshot = LineageSnapshot(
        nodes={i: SnapshotNode(author_id=authors[i]) for i in range(n)}, edges=edges
    )
    shares = []
    for _ in range(draw(st.integers(min_value=2, max_value=4))):
        credited = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
        credits = [
            Credit(
                contribution_id=c, weight=Fraction(draw(st.integers(1, 9)), draw(st.integers(1, 4)))
            )
            for c in credited
        ]
        policy = Policy(
            contributor_pool=Fraction(draw(st.integers(0, 4)), 4),
            upstream_share=Fraction(draw(st.integers(0, 2)), 3),
        )
        split = compute_split(
            SplitInput(credits=credits, policy=policy, producer_id=PRODUCER, snapshot=snapshot)
        )
        shares.append(split.shares())
    return shares


@settings(max_examples=150, deadline=None)
@given(revisions())
def test_changes_sum_to_zero_for_every_pair_of_revisions(shares):
    for before in shares:
        assert sum(before.values()) == 1
        for after in shares:
            diff = share_diff(before, after)

            assert sum(change.change for change in diff.people) == 0
            assert {c.user_id for c in diff.people} == set(before) | set(after)
            for change in diff.people:
                assert change.after - change.before == change.change
                assert (change.user_id in diff.added) == (change.user_id not in before)
                assert (change.user_id in diff.removed) == (change.user_id not in after)
