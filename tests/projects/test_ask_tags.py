"""Producers tag their asks with the skills they take ("need: cello"); the API and the project
search show them. Run on PostgreSQL too (DATABASE_URL): the search has a backend per database."""

import pytest
from django.core.exceptions import ValidationError

from projects.models import Ask, AskTag
from projects.services import ask_create, ask_update
from tests.accounts.factories import UserFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    return make_project(owner=UserFactory(username="prod"), title="Night Bus")


@pytest.fixture
def producer_client(api_client, project):
    api_client.force_authenticate(project.owner)
    return api_client


def asks_url(project) -> str:
    return f"/api/projects/{project.id}/asks/"


# --- services ------------------------------------------------------------------------------


def test_an_asks_tags_are_stored_in_one_spelling_in_the_order_given(project):
    ask = ask_create(
        project=project, actor=project.owner, kind="audio", description="A cello line",
        tags=["Cello", "Double Bass", "CELLO", "Café"],
    )  # fmt: skip

    assert [tag.name for tag in ask.tags.all()] == ["cello", "double-bass", "cafe"]


@pytest.mark.parametrize(
    ("tags", "problem"),
    [
        (["cello", "¿?"], "“¿?” is not a tag: a tag needs a letter or a digit."),
        ([f"t{n}" for n in range(21)], "At most 20 tags, please; these are 21."),
    ],
)
def test_tags_that_cannot_be_are_refused_by_name_and_nothing_is_written(project, tags, problem):
    with pytest.raises(ValidationError) as refused:
        ask_create(project=project, actor=project.owner, kind="audio", description="X", tags=tags)

    assert refused.value.message_dict == {"tags": [problem]}
    assert not Ask.objects.exists() and not AskTag.objects.exists()


def test_editing_an_ask_replaces_its_tags_or_leaves_them(project):
    ask = ask_create(
        project=project, actor=project.owner, kind="audio", description="Strings",
        tags=["cello"],
    )  # fmt: skip

    ask_update(ask=ask, actor=project.owner, quantity=2)
    assert [t.name for t in ask.tags.all()] == ["cello"]
    ask_update(ask=ask, actor=project.owner, tags=["Viola", "cello"])
    assert [t.name for t in ask.tags.all()] == ["viola", "cello"]
    with pytest.raises(ValidationError):
        ask_update(ask=ask, actor=project.owner, description="Kept?", tags=["!!"])
    ask.refresh_from_db()
    assert ask.description == "Strings" and [t.name for t in ask.tags.all()] == ["viola", "cello"]
    ask_update(ask=ask, actor=project.owner, tags=[])
    assert list(ask.tags.all()) == []


# --- the API -------------------------------------------------------------------------------


def test_the_api_takes_tags_and_shows_them(producer_client, api_client, project):
    created = producer_client.post(
        asks_url(project),
        {"kind": "audio", "description": "A cello line", "tags": ["Cello", "Strings"]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["tags"] == ["cello", "strings"]
    assert set(body) == {"id", "kind", "description", "quantity", "status", "tags"}

    edited = producer_client.patch(
        f"{asks_url(project)}{body['id']}/", {"tags": ["double bass"]}, format="json"
    )
    untagged = producer_client.post(
        asks_url(project), {"kind": "text", "description": "Words"}, format="json"
    )

    assert edited.status_code == 200 and edited.json()["tags"] == ["double-bass"]
    assert untagged.json()["tags"] == []
    api_client.force_authenticate(None)
    listed = api_client.get(asks_url(project)).json()
    assert [(a["description"], a["tags"]) for a in listed] == [
        ("A cello line", ["double-bass"]),
        ("Words", []),
    ]


def test_a_form_posts_tags_as_one_comma_separated_value(producer_client, project):
    created = producer_client.post(
        asks_url(project),
        {"kind": "audio", "description": "Strings", "tags": "cello, viola"},
        format="multipart",
    )

    assert created.status_code == 201, created.json()
    assert created.json()["tags"] == ["cello", "viola"]


@pytest.mark.parametrize(
    ("tags", "problem"),
    [
        (["cello", "***"], "is not a tag"),
        ([f"t{n}" for n in range(21)], "At most 20 tags"),
        (["x" * 101], "no more than 100 characters"),
        ("cello", "Expected a list"),
    ],
)
def test_bad_tags_answer_400_naming_the_problem(producer_client, project, tags, problem):
    posted = producer_client.post(
        asks_url(project), {"kind": "audio", "description": "X", "tags": tags}, format="json"
    )
    ask = ask_create(project=project, actor=project.owner, kind="audio", description="Y")
    edited = producer_client.patch(f"{asks_url(project)}{ask.id}/", {"tags": tags}, format="json")

    for answer in (posted, edited):
        assert answer.status_code == 400
        assert problem in str(answer.json()["tags"])
    assert list(Ask.objects.values_list("description", flat=True)) == ["Y"]
    assert not AskTag.objects.exists()


def test_the_asks_list_is_a_fixed_number_of_queries(
    api_client, project, django_assert_max_num_queries
):
    def listed(count: int) -> list:
        for n in range(count):
            ask_create(
                project=project, actor=project.owner, kind="audio", description=f"Part {n}",
                tags=["cello", f"take-{n}"],
            )  # fmt: skip
        with django_assert_max_num_queries(3):
            return api_client.get(asks_url(project)).json()

    assert len(listed(1)) == 1
    body = listed(30)
    assert len(body) == 31 and all(len(ask["tags"]) == 2 for ask in body)


# --- the project search --------------------------------------------------------------------


def test_a_project_is_found_by_its_asks_tags_as_they_change(api_client, project):
    def found(q: str) -> list[str]:
        body = api_client.get("/api/search/", {"q": q, "section": "projects"}).json()
        return [item["title"] for item in body["projects"]["results"]]

    ask = ask_create(
        project=project, actor=project.owner, kind="audio", description="A low line",
        tags=["Cello"],
    )  # fmt: skip
    assert found("cello") == ["Night Bus"]

    ask_update(ask=ask, actor=project.owner, tags=["bassoon"])
    assert found("cello") == [] and found("bassoon") == ["Night Bus"]

    ask.delete()
    assert found("bassoon") == []
    ask_create(project=project, actor=project.owner, kind="audio", description="A low line")
    assert found("low") == ["Night Bus"]


def test_a_deleted_project_with_tagged_asks_leaves_no_words(api_client, project):
    ask_create(
        project=project, actor=project.owner, kind="audio", description="Drums", tags=["drums"]
    )

    project.delete()

    body = api_client.get("/api/search/", {"q": "drums", "section": "projects"}).json()
    assert body["projects"]["count"] == 0
