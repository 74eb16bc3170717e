"""Authors tag their works; readers find works carrying every tag they ask for."""

import pytest

from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def author_client(api_client):
    author = UserFactory()
    api_client.force_authenticate(author)
    return api_client


def test_tags_are_stored_in_one_spelling_and_shown_as_given(author_client):
    response = author_client.post(
        "/api/contributions/",
        {"title": "Rain loop", "text": "drip", "tags": ["Lo Fi", "Rain", "lo-fi"]},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["tags"] == ["lo-fi", "rain"]


def test_an_author_changes_a_works_tags(author_client):
    created = author_client.post(
        "/api/contributions/",
        {"title": "Loop", "text": "x", "tags": "cello,drone"},
        format="multipart",
    )
    assert created.status_code == 201, created.json()
    work_id = created.json()["id"]

    changed = author_client.patch(
        f"/api/contributions/{work_id}/", {"tags": ["Drone", "Field Recording"]}, format="json"
    )
    cleared = author_client.patch(f"/api/contributions/{work_id}/", {"tags": []}, format="json")

    assert changed.json()["tags"] == ["drone", "field-recording"]
    assert cleared.json()["tags"] == []


@pytest.mark.parametrize(
    ("tags", "problem"),
    [(["cello", "???"], "is not a tag"), ([f"t{n}" for n in range(21)], "At most 20 tags")],
)
def test_what_is_not_a_tag_is_refused_and_nothing_is_stored(author_client, tags, problem):
    response = author_client.post(
        "/api/contributions/", {"title": "Loop", "text": "x", "tags": tags}, format="json"
    )

    assert response.status_code == 400
    assert problem in response.json()["tags"][0]
    assert author_client.get("/api/contributions/").json()["count"] == 0


def test_a_list_by_tags_has_the_works_with_every_tag(api_client, author_client):
    def upload(title, tags):
        return author_client.post(
            "/api/contributions/", {"title": title, "text": "x", "tags": tags}, format="json"
        ).json()["id"]

    both = upload("Both", ["cello", "lo-fi"])
    upload("Cello only", ["cello"])
    also_both = upload("Also both", ["Lo Fi", "drone", "CELLO"])

    one = api_client.get("/api/contributions/", {"tag": "Cello"}).json()
    every = api_client.get("/api/contributions/?tag=cello&tag=lo-fi").json()
    comma = api_client.get("/api/contributions/", {"tag": "cello,lo fi"}).json()

    assert one["count"] == 3
    assert [work["id"] for work in every["results"]] == [also_both, both]
    assert comma["results"] == every["results"]


def test_a_tagged_list_is_a_fixed_number_of_queries(api_client, django_assert_max_num_queries):
    for n in range(30):
        work = ContributionFactory()
        work.tags.create(name="cello")
        work.tags.create(name=f"take-{n}")

    with django_assert_max_num_queries(7):
        body = api_client.get("/api/contributions/", {"tag": "cello", "page_size": 30}).json()

    assert len(body["results"]) == 30 and all(len(w["tags"]) == 2 for w in body["results"])
