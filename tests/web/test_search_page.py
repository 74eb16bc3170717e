"""The search page: a GET form whose results are a shareable link, highlights shown safely."""

import re

import pytest

from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def work(title: str, **fields):
    return ContributionFactory(title=title, kind="audio", text="", **fields)


def test_the_empty_page_is_a_form_that_needs_no_script(client):
    response = client.get("/search/")

    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<form method="get" action="/search/" role="search"', page)
    assert '<label for="id_q">Search for</label>' in page
    assert 'type="search" name="q"' in page
    assert "<h2" not in page  # no sections until something is searched


def test_a_search_is_a_link_showing_each_section(client):
    ana = UserFactory(username="ana", display_name="Ana Cello")
    work("Cello suite", author=ana, description="Low and slow.")
    make_project(title="Needs cello", owner=ana)
    make_project(title="Secret cello", status="draft")

    page = client.get("/search/?q=cello").content.decode()

    assert '<a href="/contributions/' in page and "<mark>Cello</mark> suite" in page
    assert "Needs <mark>cello</mark>" in page
    assert "Secret" not in page
    assert "Ana <mark>Cello</mark>" in page
    assert 'value="cello"' in page  # the form keeps what was typed


def test_highlights_are_escaped(client):
    work("<script>alert(1)</script> cello", description="<b>bold</b> cello")

    page = client.get("/search/?q=cello").content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>cello</mark>" in page
    # The description's passage: escaped (SQLite), or cut without what PostgreSQL's parser
    # reads as markup (ts_headline's fragments leave tags out); never markup.
    assert "<b>bold</b>" not in page
    assert re.search(
        r"<p dir=\"auto\">(&lt;b&gt;)?bold(&lt;/b&gt;)?\s+<mark>cello</mark></p>", page
    )


def test_a_section_pages_on_its_own(client):
    for n in range(25):
        work(f"Rain {n}")

    first = client.get("/search/?q=rain").content.decode()
    whole = client.get("/search/?q=rain&section=contributions").content.decode()
    second = client.get("/search/?q=rain&section=contributions&page=2").content.decode()

    assert first.count("<mark>Rain</mark>") == 10
    assert 'href="?q=rain&amp;section=contributions"' in first
    assert whole.count("<mark>Rain</mark>") == 20
    assert 'href="?q=rain&amp;section=contributions&amp;page=2"' in whole
    assert second.count("<mark>Rain</mark>") == 5
    assert "Projects" not in second.split("<main>")[1]


def test_a_typo_is_corrected_and_said(client):
    work("Cello suite")

    page = client.get("/search/?q=celo").content.decode()

    assert "these works match “cello”" in page
    assert "<mark>Cello</mark> suite" in page


@pytest.mark.parametrize(
    ("q", "says"),
    [
        ("!!!", "Type a word to search for"),
        ("-cello", "only says what to leave out"),
        ("x" * 10_000, "at most 200 characters"),
        ("cello\x00", "Null characters"),
    ],
)
def test_a_query_that_cannot_be_searched_says_why(client, q, says):
    response = client.get("/search/", {"q": q})

    assert response.status_code == 200
    assert says in response.content.decode()
    assert "<h2" not in response.content.decode()


def test_the_nav_links_to_the_search_page(client):
    assert 'href="/search/"' in client.get("/").content.decode()
