"""Licences as agreed (issue 21): a work is used under the licence it had when it was taken in
(a project accepting it, a producer adding it as a resource) or remixed; an author's later
change of licence applies to new uses only."""

import pytest
from django.core.exceptions import ValidationError

from contributions.models import RemixLink
from contributions.services import contribution_update, remix_sources_set
from projects.models import ReleaseNode, Submission
from projects.services import (
    CreditInput,
    project_release,
    resource_add,
    submission_create,
    submission_decide,
)
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def work(author, title, license="cc-by", sources=()):
    """A processed work; its sources declared through the service, as the upload does."""
    contribution = ContributionFactory(author=author, title=title, license=license)
    if sources:
        remix_sources_set(contribution=contribution, actor=author, sources=list(sources))
    return contribution


def taken_in(project, contribution):
    submission = submission_create(
        project=project, actor=contribution.author, contribution=contribution
    )
    return submission_decide(submission=submission, actor=project.owner, accept=True)


def release(project, *contributions, commercial=True):
    return project_release(
        project=project, actor=project.owner, commercial=commercial,
        credits=[CreditInput(c.id, 1) for c in contributions],
    )  # fmt: skip


def test_a_work_taken_in_keeps_the_licence_it_was_taken_in_with():
    ana, project = UserFactory(), make_project()
    poem = work(ana, "Poem", "cc-by")
    submission = taken_in(project, poem)

    contribution_update(contribution=poem, actor=ana, license="cc-by-nc")
    released = release(project, poem, commercial=True)

    assert submission.license == "cc-by"
    assert ReleaseNode.objects.get(release=released, contribution=poem).license == "cc-by"


def test_a_pending_offer_is_taken_in_under_the_licence_it_has_when_accepted():
    ana, project = UserFactory(), make_project()
    poem = work(ana, "Poem", "cc-by")
    offer = submission_create(project=project, actor=ana, contribution=poem)

    contribution_update(contribution=poem, actor=ana, license="cc-by-nc")
    accepted = submission_decide(submission=offer, actor=project.owner, accept=True)

    assert accepted.license == "cc-by-nc"
    with pytest.raises(ValidationError, match="commercial"):
        release(project, poem, commercial=True)


def test_a_resource_keeps_the_licence_it_had_when_the_producer_added_it():
    project = make_project()
    loop = work(UserFactory(), "Loop", "cc-by")

    resource = resource_add(project=project, actor=project.owner, contribution=loop)
    contribution_update(contribution=loop, actor=loop.author, license="cc-by-nc")

    assert Submission.objects.get(pk=resource.pk).license == "cc-by"
    assert release(project, loop, commercial=True).commercial


def test_a_source_is_used_under_the_licence_it_had_when_the_remix_was_made():
    ana, bo, project = UserFactory(), UserFactory(), make_project()
    loop = work(ana, "Loop", "cc-by")
    song = work(bo, "Song", "cc-by", sources=[loop.id])
    taken_in(project, song)

    contribution_update(contribution=loop, actor=ana, license="cc-by-nc")
    released = release(project, song, commercial=True)

    assert RemixLink.objects.get(source=loop, remix=song).source_license == "cc-by"
    assert ReleaseNode.objects.get(release=released, contribution=loop).license == "cc-by"


def test_a_new_remix_uses_the_sources_licence_as_it_is_now():
    ana, bo = UserFactory(), UserFactory()
    loop = work(ana, "Loop", "cc-by")
    contribution_update(contribution=loop, actor=ana, license="all-rights-reserved")

    with pytest.raises(ValidationError, match="cannot be remixed|may not be remixed|remix"):
        work(bo, "Song", "cc-by", sources=[loop.id])


def test_a_remix_may_change_its_own_licence_within_the_terms_it_was_made_under():
    ana, bo = UserFactory(), UserFactory()
    loop = work(ana, "Loop", "cc-by")
    song = work(bo, "Song", "cc-by", sources=[loop.id])
    # The source's author closes it later; the remix was made under CC BY and stays within it.
    contribution_update(contribution=loop, actor=ana, license="all-rights-reserved")

    changed = contribution_update(contribution=song, actor=bo, license="cc-by-sa")

    assert changed.license == "cc-by-sa"


def test_a_use_that_forbade_commercial_release_still_binds_it():
    ana, bo, project = UserFactory(), UserFactory(), make_project()
    loop = work(ana, "Loop", "cc-by-nc")
    song = work(bo, "Song", "cc-by-nc", sources=[loop.id])
    taken_in(project, song)
    # Opening the source up later does not reach back into uses made under NonCommercial.
    contribution_update(contribution=loop, actor=ana, license="cc-by")

    with pytest.raises(ValidationError, match="commercial"):
        release(project, song, commercial=True)


def test_the_works_page_says_a_change_of_licence_applies_to_new_uses_only(client):
    project, poem = make_project(), work(UserFactory(), "Poem")
    alone = work(UserFactory(), "Alone")
    taken_in(project, poem)

    said = "A change of license applies to new uses only"
    assert said in client.get(f"/contributions/{poem.id}/").content.decode()
    assert said not in client.get(f"/contributions/{alone.id}/").content.decode()
