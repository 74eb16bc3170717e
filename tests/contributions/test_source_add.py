"""remix_source_add: one more source named (a credit guard match, a claim accepted), the
others kept, under the same licence rules as any change of sources."""

import pytest
from django.core.exceptions import ValidationError

from contributions.services import contribution_delete, remix_source_add
from tests.contributions.factories import ContributionFactory, RemixLinkFactory

pytestmark = pytest.mark.django_db


def test_a_source_is_added_beside_those_the_work_has_and_only_once():
    first = ContributionFactory()
    found = ContributionFactory()
    remix = RemixLinkFactory(source=first, remix=ContributionFactory()).remix

    remix_source_add(contribution=remix, actor=remix.author, source_id=found.pk)
    remix_source_add(contribution=remix, actor=remix.author, source_id=found.pk)

    assert sorted(remix.sources.values_list("id", flat=True)) == [first.pk, found.pk]


def test_the_licence_rules_and_the_author_apply():
    no_derivatives = ContributionFactory(license="cc-by-nd")
    remix = ContributionFactory()

    with pytest.raises(ValidationError) as refused:
        remix_source_add(contribution=remix, actor=remix.author, source_id=no_derivatives.pk)
    assert "NoDerivatives" in str(refused.value)
    with pytest.raises(Exception, match="author"):
        remix_source_add(contribution=remix, actor=no_derivatives.author, source_id=1)
    assert not remix.sources.exists()


def test_a_deleted_work_takes_no_source():
    earlier = ContributionFactory()
    remix = ContributionFactory()
    RemixLinkFactory(source=remix)  # others built on it: deleting leaves a tombstone
    contribution_delete(contribution=remix, actor=remix.author)
    remix.refresh_from_db()

    with pytest.raises(ValidationError, match="deleted"):
        remix_source_add(contribution=remix, actor=remix.author, source_id=earlier.pk)


def test_a_source_deleted_since_its_use_stays_and_another_can_be_added():
    """A tombstone keeps its place in the lineage: the remix still names it, and may name
    more (a claim accepted after its first source's author deleted that work)."""
    gone = ContributionFactory(license="cc-by")
    found = ContributionFactory(license="cc-by")
    remix = RemixLinkFactory(source=gone, remix=ContributionFactory(license="cc-by")).remix
    contribution_delete(contribution=gone, actor=gone.author)  # built on: a tombstone

    remix_source_add(contribution=remix, actor=remix.author, source_id=found.pk)

    assert sorted(remix.sources.values_list("id", flat=True)) == [gone.pk, found.pk]
    # A deleted work is still refused as a new source.
    later = ContributionFactory(license="cc-by")
    with pytest.raises(ValidationError, match="deleted by its author"):
        remix_source_add(contribution=later, actor=later.author, source_id=gone.pk)
