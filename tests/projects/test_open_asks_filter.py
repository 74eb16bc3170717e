"""A remixer looks for projects still asking for work: `has_open_ask` on the list and the page."""

import pytest

from projects.services import ask_create, ask_update
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def asking(title: str, *, filled: bool = False):
    project = make_project(title=title)
    ask = ask_create(project=project, actor=project.owner, kind="audio", description="a cello line")
    if filled:
        ask_update(ask=ask, actor=project.owner, status="filled")
    return project


def test_only_projects_with_an_open_ask_are_listed(api_client, client):
    open_ask = asking("Night Bus")
    asking("Filled", filled=True)
    make_project(title="No asks")

    listed = api_client.get("/api/projects/", {"has_open_ask": "true"}).json()
    every = api_client.get("/api/projects/").json()
    page = client.get("/projects/", {"has_open_ask": "on"}).content.decode()

    assert [p["id"] for p in listed["results"]] == [open_ask.id]
    assert every["count"] == 3
    assert "Night Bus" in page and "Filled" not in page and "No asks" not in page
    assert 'id="id_has_open_ask" checked' in page


def test_a_bad_value_is_a_400_naming_it(api_client):
    response = api_client.get("/api/projects/", {"has_open_ask": "maybe"})

    assert response.status_code == 400
    assert "has_open_ask" in response.json()


def test_the_filtered_list_is_a_fixed_number_of_queries(api_client, django_assert_max_num_queries):
    for n in range(12):
        asking(f"Project {n}")

    with django_assert_max_num_queries(4):
        body = api_client.get("/api/projects/", {"has_open_ask": "1", "page_size": 12}).json()

    assert body["count"] == 12
