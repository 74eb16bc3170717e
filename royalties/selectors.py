"""Reads of royalties: a release's split, computed from its frozen snapshot."""

from accounts.models import User
from projects.models import Release
from royalties.splits import (
    Credit,
    LineageSnapshot,
    Policy,
    SnapshotNode,
    Split,
    SplitInput,
    compute_split,
)


def release_split_input(*, release: Release) -> SplitInput:
    """The release's frozen credits, policy and lineage, in the split's own terms (3 queries)."""
    credits = [
        Credit(contribution_id=c.contribution_id, weight=c.weight) for c in release.credits.all()
    ]
    nodes = {
        node.contribution_id: SnapshotNode(author_id=node.author_id, title=node.title)
        for node in release.nodes.all()
    }
    edges = [(edge.source_id, edge.remix_id) for edge in release.edges.all()]
    return SplitInput(
        credits=credits,
        policy=Policy(
            contributor_pool=release.contributor_pool, upstream_share=release.upstream_share
        ),
        producer_id=release.producer_id,
        snapshot=LineageSnapshot(nodes=nodes, edges=edges),
    )


def release_split(*, release: Release) -> Split:
    return compute_split(release_split_input(release=release))


def usernames(*, user_ids: list[int]) -> dict[int, str]:
    return dict(User.objects.filter(id__in=user_ids).values_list("id", "username"))
