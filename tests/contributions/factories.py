"""Factories for contributions and remix links, and a fast builder for whole lineages."""

from collections.abc import Sequence

import factory

from accounts.models import User
from contributions.models import Contribution, ContributionTag, RemixLink
from tests.accounts.factories import UserFactory


class ContributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contribution

    author = factory.SubFactory(UserFactory)
    kind = Contribution.Kind.TEXT
    title = factory.Sequence(lambda n: f"Work {n}")
    license = "hitrec"
    status = Contribution.Status.READY
    text = factory.Faker("paragraph")

    @factory.post_generation
    def tags(self, create, names, **kwargs):
        """`tags=["lo-fi", "cello"]`: the work's tags, in this order (normalised already)."""
        if create and names:
            ContributionTag.objects.bulk_create(
                ContributionTag(contribution=self, name=name) for name in names
            )


class RemixLinkFactory(factory.django.DjangoModelFactory):
    """`source` is declared first so it is created first: sources are older (lower id)."""

    class Meta:
        model = RemixLink

    source = factory.SubFactory(ContributionFactory)
    remix = factory.SubFactory(ContributionFactory)


def make_lineage(
    edges: Sequence[tuple[int, int]],
    n: int,
    *,
    author: User | None = None,
    titles: Sequence[str] | None = None,
) -> list[Contribution]:
    """n contributions (created in index order, so ids grow with the index) and the edges.

    An edge (i, j) with i < j says contribution j remixes contribution i. Two INSERTs
    whatever the size, so property tests can build hundreds of graphs quickly.
    """
    author = author or UserFactory()
    works = Contribution.objects.bulk_create(
        Contribution(
            author=author,
            kind=Contribution.Kind.TEXT,
            title=titles[i] if titles else f"Work {i}",
            license="hitrec",
            status=Contribution.Status.READY,
            text=f"Body of work {i}.",
        )
        for i in range(n)
    )
    RemixLink.objects.bulk_create(RemixLink(source=works[i], remix=works[j]) for i, j in edges)
    return works
