"""An accepted claim adds a source from now on: a release already made keeps its frozen split
and lineage, and the next release of the work credits the claimant."""

import pytest

from claims.services import claim_accept, claim_create
from media.credit_guard import prints_of
from media.services import fingerprint_record
from projects.models import ReleaseNode
from projects.services import CreditInput, project_release, resource_add
from royalties.selectors import release_split
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory
from tests.media import fingerprint_samples as samples
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def fingerprinted(**fields):
    """A work as the media job leaves it: fingerprinted, its matches with earlier works kept."""
    work = ContributionFactory(**fields)
    fingerprint_record(
        contribution_id=work.pk,
        prints=prints_of(kind="text", original=None, picture=None, text=work.text),
    )
    return work


def released(work, title):
    """A project that took `work` in and released it, crediting it alone."""
    producer = UserFactory()
    project = make_project(owner=producer, title=title)
    resource_add(project=project, actor=producer, contribution=work)
    return project_release(
        project=project, actor=producer, credits=[CreditInput(work.id, 1)], commercial=False
    )


def test_a_release_keeps_its_split_and_the_next_one_credits_the_claimant(api_client):
    ana, bo = UserFactory(username="ana"), UserFactory(username="bo")
    poem_text = samples.prose(61, 300)
    poem = fingerprinted(author=ana, title="Poem", text=poem_text, license="cc-by")
    song = fingerprinted(
        author=bo, title="Song", license="cc-by",
        text=samples.quoted_in(samples.passage(poem_text, seed=6), seed=7),
    )  # fmt: skip
    first = released(song, "Night Bus")
    split_before = release_split(release=first)
    api_client.force_authenticate(first.released_by)
    snapshot_before = api_client.get(f"/api/projects/{first.project_id}/release/").json()
    assert [credit["contribution"] for credit in snapshot_before["credits"]] == [song.id]
    claim = claim_create(actor=ana, work=song, earlier=poem, message="My stanza.")

    claim_accept(claim=claim, actor=bo)

    # The release already made: the same lineage, the same split, nothing for Ana.
    assert release_split(release=first) == split_before
    assert release_split(release=first).share_of(ana.id) == 0
    assert api_client.get(f"/api/projects/{first.project_id}/release/").json() == snapshot_before
    assert not ReleaseNode.objects.filter(release=first, contribution=poem).exists()
    # The next release of the song includes the poem, and pays Ana her upstream share.
    second = released(song, "Day Bus")
    node = ReleaseNode.objects.get(release=second, contribution=poem)
    assert (node.author, node.depth, node.license) == (ana, 1, "cc-by")
    assert release_split(release=second).share_of(ana.id) > 0
