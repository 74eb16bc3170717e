"""GET /api/contributions/{id}/matches/: the earlier works a contribution probably uses, for its
author, the producers of a project that took it in, and staff; never for anyone else."""

import pytest

from media.credit_guard import prints_of
from media.services import fingerprint_record
from projects.services import member_accept, member_invite, resource_add
from tests.accounts.factories import StaffFactory, UserFactory
from tests.contributions.factories import ContributionFactory, RemixLinkFactory
from tests.media import fingerprint_samples as samples
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def fingerprinted(**fields):
    work = ContributionFactory(**fields)
    fingerprint_record(
        contribution_id=work.pk,
        prints=prints_of(kind="text", original=None, picture=None, text=work.text),
    )
    return work


@pytest.fixture
def quoting():
    """A poem, and a later text by someone else quoting 80 words of it."""
    poem = samples.prose(31, 300)
    source = fingerprinted(text=poem, title="The poem")
    remix = fingerprinted(text=samples.quoted_in(samples.passage(poem, seed=8), seed=9))
    return source, remix


def matches(api_client, user, work):
    api_client.force_authenticate(user)
    return api_client.get(f"/api/contributions/{work.pk}/matches/")


def test_the_author_sees_the_earlier_work_their_text_quotes(api_client, quoting):
    source, remix = quoting

    response = matches(api_client, remix.author, remix)

    assert response.status_code == 200
    (match,) = response.json()
    assert match["work"] == {
        "id": source.pk,
        "title": "The poem",
        "kind": "text",
        "license": source.license,
        "author": {"id": source.author_id, "username": source.author.username},
    }
    assert match["kind"] == "text"
    assert 0.5 <= match["score"] <= 1
    assert len(match["matched"]["quoted_text"].split()) >= 40
    assert (match["own"], match["declared"], match["in_lineage"]) == (False, False, False)


def test_a_declared_source_and_an_own_work_are_marked_not_hidden(api_client):
    poem = samples.prose(41, 300)
    author = UserFactory()
    source = fingerprinted(text=poem, author=author)
    remix = ContributionFactory(
        author=author, text=samples.quoted_in(samples.passage(poem, seed=2), seed=3)
    )
    RemixLinkFactory(source=source, remix=remix)
    fingerprint_record(
        contribution_id=remix.pk,
        prints=prints_of(kind="text", original=None, picture=None, text=remix.text),
    )

    (match,) = matches(api_client, author, remix).json()

    assert match["work"]["id"] == source.pk
    assert (match["own"], match["declared"], match["in_lineage"]) == (True, True, True)


def test_producers_of_a_project_that_took_the_work_in_see_its_matches(api_client, quoting):
    _, remix = quoting
    producer, co_producer = UserFactory(), UserFactory()
    project = make_project(owner=producer)
    member_invite(project=project, actor=producer, username=co_producer.username)
    member_accept(project=project, actor=co_producer)
    stranger_project = make_project(owner=UserFactory())

    assert matches(api_client, producer, remix).status_code == 403  # not taken in yet
    resource_add(project=project, actor=producer, contribution=remix)

    assert matches(api_client, producer, remix).status_code == 200
    assert len(matches(api_client, co_producer, remix).json()) == 1
    assert matches(api_client, stranger_project.owner, remix).status_code == 403


def test_nobody_else_sees_matches_and_staff_do(api_client, quoting):
    _, remix = quoting

    refused = matches(api_client, UserFactory(), remix)
    api_client.force_authenticate(None)
    anonymous = api_client.get(f"/api/contributions/{remix.pk}/matches/")

    assert refused.status_code == 403
    assert "author" in refused.json()["detail"]
    assert anonymous.status_code in (401, 403)
    assert len(matches(api_client, StaffFactory(), remix).json()) == 1
    assert (
        matches(api_client, StaffFactory(), ContributionFactory.build(pk=10**9)).status_code == 404
    )


def test_the_list_reads_a_constant_number_of_queries(api_client, django_assert_max_num_queries):
    poem = samples.prose(51, 400)
    sources = [fingerprinted(text=poem[i * 40 :] + " coda") for i in range(3)]
    remix = fingerprinted(text=samples.quoted_in(samples.passage(poem, seed=4), seed=5))
    assert len(sources) == 3
    api_client.force_authenticate(remix.author)

    with django_assert_max_num_queries(6):
        found = api_client.get(f"/api/contributions/{remix.pk}/matches/").json()

    assert len(found) >= 2
