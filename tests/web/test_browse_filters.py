"""The browse page and a tag's page: filters in a form that needs no script, tags as links."""

import pytest

from tests.contributions.factories import ContributionFactory

pytestmark = pytest.mark.django_db


def audio(title: str, **fields):
    return ContributionFactory(title=title, kind="audio", text="", **fields)


def shown(page: str, *works) -> list[bool]:
    return [f'data-contribution="{work.id}"' in page for work in works]


def test_the_filters_are_a_plain_get_form_whose_url_is_the_search(client):
    loop = audio("Loop", license="cc-by", duration_s=20)
    long = audio("Suite", license="cc-by", duration_s=600)
    nc = audio("NC loop", license="cc-by-nc", duration_s=20)

    page = client.get(
        "/contributions/", {"commercial": "on", "duration_max": "60", "remixable_into": "cc-by-sa"}
    ).content.decode()

    assert '<form method="get" class="filters"' in page
    assert '<details class="more-filters" open>' in page  # a chosen filter is not hidden
    assert 'id="id_commercial" checked' in page
    assert shown(page, loop, long, nc) == [True, False, False]


def test_tags_are_links_that_narrow_the_list_and_can_be_removed(client):
    both = audio("Both")
    both.tags.create(name="cello")
    both.tags.create(name="lo-fi")
    cello = audio("Cello only")
    cello.tags.create(name="cello")

    everything = client.get("/contributions/").content.decode()
    narrowed = client.get("/contributions/?tag=cello&tag=lo-fi").content.decode()

    assert 'href="?tag=cello"' in everything and 'href="?tag=lo-fi"' in everything
    assert shown(narrowed, both, cello) == [True, False]
    # Each chosen tag links to the same list without it.
    assert 'href="?tag=lo-fi" rel="nofollow" aria-label="Remove the tag cello"' in narrowed


def test_a_tags_page_lists_its_works_and_sends_other_spellings_to_it(client):
    tagged = audio("Rain")
    tagged.tags.create(name="lo-fi")
    other = audio("Noise")

    page = client.get("/tags/lo-fi/")
    moved = client.get("/tags/Lo%20Fi/")

    assert page.status_code == 200
    assert "Tagged “lo-fi”" in page.content.decode()
    assert shown(page.content.decode(), tagged, other) == [True, False]
    assert moved.status_code == 301 and moved["Location"] == "/tags/lo-fi/"
    assert client.get("/tags/%21%21/").status_code == 404


def test_a_works_page_links_its_tags(client):
    work = audio("Rain")
    work.tags.create(name="field-recording")

    page = client.get(f"/contributions/{work.id}/").content.decode()

    assert '<a class="tag" href="/tags/field-recording/" rel="tag">field-recording</a>' in page


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"duration_min": "90", "duration_max": "30"}, "swap them"),
        ({"created_after": "2026-05-02", "created_before": "2026-05-01"}, "is earlier than"),
        ({"tag": "???"}, "is not a tag"),
        ({"search": "-cello"}, "leave out"),
        ({"duration_min": "-4"}, "greater than or equal to 0"),
    ],
)
def test_a_bad_filter_shows_its_problem_and_no_works(client, query, says):
    audio("Loop", duration_s=40).tags.create(name="loop")

    response = client.get("/contributions/", query)

    assert response.status_code == 200
    page = response.content.decode()
    assert says in page
    assert "Nothing matches." in page


def test_the_browse_page_is_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for n in range(24):
        work = audio(f"Loop {n}", duration_s=n + 1)
        work.tags.create(name=f"take-{n}")

    with django_assert_max_num_queries(8):
        page = client.get("/contributions/", {"duration_min": "1"}).content.decode()

    assert page.count('class="card"') == 24


def test_a_tags_page_lists_the_open_asks_carrying_it(client, django_assert_max_num_queries):
    from projects.services import ask_create, ask_update
    from tests.projects.factories import make_project

    project = make_project(title="Night Bus")
    wanted = ask_create(
        project=project, actor=project.owner, kind="audio", description="a lo-fi beat",
        tags=["Lo Fi"],
    )  # fmt: skip
    filled = ask_create(
        project=project, actor=project.owner, kind="audio", description="done already",
        tags=["lo-fi"],
    )  # fmt: skip
    ask_update(ask=filled, actor=project.owner, status="filled")
    draft = make_project(title="Secret", status="draft")
    ask_create(
        project=draft, actor=draft.owner, kind="audio", description="a secret beat", tags=["lo-fi"]
    )

    with django_assert_max_num_queries(8):
        page = client.get("/tags/lo-fi/").content.decode()

    assert f'data-ask="{wanted.id}"' in page and "Night Bus" in page
    assert "done already" not in page and "a secret beat" not in page
