"""GET /api/search/: works, projects and artists, each section paged alone, public things only.

Run on PostgreSQL too (DATABASE_URL): each section has a backend per database.
"""

import pytest

from contributions.models import Contribution
from projects.services import ask_create, project_update
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def work(title: str, **fields) -> Contribution:
    """A work with no body: its rank depends on its title, tags and description alone."""
    return ContributionFactory(title=title, kind="audio", text="", **fields)


def titles(section: dict) -> list[str]:
    return [item["title"] for item in section["results"]]


def test_one_query_answers_each_section(api_client):
    cellist = UserFactory(username="cellist", display_name="Ana Cello")
    work("Cello suite", author=cellist)
    make_project(title="Needs a cello", brief="Strings wanted.")

    body = api_client.get("/api/search/", {"q": "cello"}).json()

    assert body["query"] == "cello" and body["corrected"] is None
    assert titles(body["contributions"]) == ["Cello suite"]
    assert titles(body["projects"]) == ["Needs a cello"]
    assert [a["username"] for a in body["artists"]["results"]] == ["cellist"]
    item = body["contributions"]["results"][0]
    assert set(item) == {
        "id", "title", "kind", "license", "author", "tags", "created_at", "highlight",
    }  # fmt: skip
    assert item["highlight"]["title"] == "<mark>Cello</mark> suite"
    assert body["contributions"]["count"] == 1 and body["contributions"]["capped"] is False


def test_projects_are_found_by_brief_and_asks_and_follow_edits(api_client):
    project = make_project(title="Night Bus", brief="A slow song about buses.")
    ask_create(project=project, actor=project.owner, kind="audio", description="A viola line")

    def found(q: str) -> list[str]:
        return titles(
            api_client.get("/api/search/", {"q": q, "section": "projects"}).json()["projects"]
        )

    assert found("buses") == ["Night Bus"]
    assert found("viola") == ["Night Bus"]
    project_update(project=project, actor=project.owner, title="Day Tram", brief="Trams.")
    assert found("buses") == [] and found("night") == []
    assert found("tram") == ["Day Tram"] and found("viola") == ["Day Tram"]
    snippet = api_client.get("/api/search/", {"q": "viola", "section": "projects"}).json()
    assert "<mark>viola</mark>" in snippet["projects"]["results"][0]["highlight"]["snippet"]


def test_projects_rank_title_above_brief_above_asks(api_client):
    make_project(title="Asks", brief="Nothing here.")
    asks = make_project(title="Asked", brief="")
    ask_create(project=asks, actor=asks.owner, kind="audio", description="harp")
    make_project(title="Brief", brief="Some harp.")
    make_project(title="Harp title")

    body = api_client.get("/api/search/", {"q": "harp", "section": "projects"}).json()

    assert titles(body["projects"]) == ["Harp title", "Brief", "Asked"]


def test_drafts_and_removed_works_are_never_found(api_client):
    make_project(title="Secret cello draft", status="draft")
    work("Removed cello", removed_at="2024-01-01T00:00:00Z")
    work("Public cello")

    body = api_client.get("/api/search/", {"q": "cello"}).json()

    assert titles(body["projects"]) == []
    assert titles(body["contributions"]) == ["Public cello"]


def test_a_draft_is_not_found_even_by_its_team(api_client):
    draft = make_project(title="Secret cello draft", status="draft")
    api_client.force_authenticate(draft.owner)

    body = api_client.get("/api/search/", {"q": "secret", "section": "projects"}).json()

    assert body["projects"]["results"] == []


def test_artists_show_only_their_public_profile(api_client):
    UserFactory(username="zoe_b", display_name="Zoë Brass", email="zoe@example.org",
                payout_email="pay@example.org", bio="Private-ish")  # fmt: skip
    UserFactory(username="closed", display_name="Zoe Gone", is_active=False)

    body = api_client.get("/api/search/", {"q": "zoe", "section": "artists"})

    assert body.status_code == 200
    [artist] = body.json()["artists"]["results"]
    assert set(artist) == {"id", "username", "display_name", "highlight"}
    assert artist["highlight"]["display_name"] == "<mark>Zoë</mark> Brass"
    assert b"example.org" not in body.content and b"Private" not in body.content


@pytest.mark.parametrize("q", ["zoë", "ZOE", "_b", "brass zoe", "zoe -nobody"])
def test_artists_are_found_by_any_part_of_their_name(api_client, q):
    UserFactory(username="zoe_b", display_name="Zoë Brass")
    UserFactory(username="zed", display_name="Zed")

    body = api_client.get("/api/search/", {"q": q, "section": "artists"}).json()

    assert [a["username"] for a in body["artists"]["results"]] == ["zoe_b"]


def test_the_exact_username_comes_first(api_client):
    UserFactory(username="annabel", display_name="Annabel")
    UserFactory(username="ann", display_name="Someone")

    body = api_client.get("/api/search/", {"q": "ann", "section": "artists"}).json()

    assert [a["username"] for a in body["artists"]["results"]][0] == "ann"


def test_artist_names_are_escaped(api_client):
    UserFactory(username="xss", display_name='<img src=x onerror="alert(1)"> xss')

    body = api_client.get("/api/search/", {"q": "xss", "section": "artists"}).json()

    shown = body["artists"]["results"][0]["highlight"]["display_name"]
    assert shown == "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; <mark>xss</mark>"


def test_each_section_pages_on_its_own(api_client):
    for n in range(5):
        work(f"Rain {n}")
    make_project(title="Rain project")

    first = api_client.get("/api/search/", {"q": "rain", "page_size": 2}).json()
    second = api_client.get(first["contributions"]["next"]).json()
    third = api_client.get(second["contributions"]["next"]).json()

    assert titles(first["contributions"]) == ["Rain 4", "Rain 3"]
    assert first["projects"]["next"] is None and first["contributions"]["previous"] is None
    assert set(second) == {"query", "corrected", "contributions"}
    assert titles(second["contributions"]) == ["Rain 2", "Rain 1"]
    assert titles(third["contributions"]) == ["Rain 0"] and third["contributions"]["next"] is None
    assert api_client.get(third["contributions"]["previous"]).json() == second
    assert third["contributions"]["count"] == 5


def test_a_typo_is_corrected_and_said(api_client):
    work("Cello suite")

    body = api_client.get("/api/search/", {"q": "celo"}).json()

    assert body["corrected"] == "cello"
    assert titles(body["contributions"]) == ["Cello suite"]


def test_a_page_needs_its_section(api_client):
    response = api_client.get("/api/search/", {"q": "rain", "page": 2})

    assert response.status_code == 400
    assert "section" in response.json()["page"][0]


@pytest.mark.parametrize("section", ["contributions", "projects", "artists"])
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "token"])
def test_a_section_costs_at_most_five_queries(
    section, signed_in, api_client, user_client, django_assert_max_num_queries
):
    owner = UserFactory(username="rainmaker", display_name="Rain Maker")
    for n in range(25):
        made = work(f"Rain {n}", author=owner, description="Wet rain.")
        made.tags.create(name="weather")
        project = make_project(title=f"Rain project {n}", owner=owner)
        ask_create(project=project, actor=owner, kind="audio", description="rain sounds")
    client = user_client if signed_in else api_client

    for q in ("rain", "rainn"):  # found at once, and after a correction
        with django_assert_max_num_queries(5):
            response = client.get("/api/search/", {"q": q, "section": section})
        assert response.status_code == 200
        if q == "rain" or section == "contributions":  # only works' typos are corrected
            assert len(response.json()[section]["results"]) == (1 if section == "artists" else 20)


def test_the_first_page_of_every_section_costs_a_bounded_number_of_queries(
    api_client, django_assert_max_num_queries
):
    for n in range(25):
        work(f"Rain {n}")

    with django_assert_max_num_queries(6):
        api_client.get("/api/search/", {"q": "rain"})


def test_removed_work_tombstones_show_nothing(api_client):
    """A tombstone keeps its title for the lineages, but search never shows it."""
    gone = work("Cello gone")
    Contribution.objects.filter(pk=gone.pk).update(removed_at="2024-01-01T00:00:00Z")

    body = api_client.get("/api/search/", {"q": "cello", "section": "contributions"}).json()

    assert body["contributions"] == {
        "count": 0, "capped": False, "next": None, "previous": None, "results": [],
    }  # fmt: skip
