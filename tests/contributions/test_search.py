"""Full-text search over works: what it finds, in what order, how it marks it, on both databases.

Run on PostgreSQL too (DATABASE_URL): the document is a tsvector kept by PL/pgSQL triggers
there and an FTS5 table kept by SQLite triggers here; both must answer alike.
"""

import pytest
from django.db import connection

from contributions import search as works_search_module
from contributions.models import Contribution, ContributionTag
from contributions.search import works_search
from contributions.selectors import contribution_list
from contributions.services import contribution_delete, contribution_update
from hitrec.search import query_parsed
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory

pytestmark = pytest.mark.django_db


def work(title: str, *, text: str = "", description: str = "", tags=(), **fields) -> Contribution:
    kind = Contribution.Kind.TEXT if text else Contribution.Kind.AUDIO
    made = ContributionFactory(title=title, text=text, description=description, kind=kind, **fields)
    ContributionTag.objects.bulk_create(ContributionTag(contribution=made, name=t) for t in tags)
    return made


def found(q: str, **kwargs) -> list[str]:
    return [f.work.title for f in works_search(query=query_parsed(q), **kwargs).found]


def listed(q: str) -> list[str]:
    return [w.title for w in contribution_list(search=q)]


def test_a_title_match_ranks_above_a_body_full_of_the_word():
    work("Cello suite")
    work("A long text", text="cello " * 300 + "and more cello.")  # newer, and all about it

    assert found("cello") == ["Cello suite", "A long text"]
    assert listed("cello") == ["Cello suite", "A long text"]


def test_title_then_tags_then_description_then_body():
    work("Body", text="Some words about a viola.")
    work("Description", description="Played on a viola.")
    work("Tags", tags=["viola"])
    work("Viola title")

    assert found("viola") == ["Viola title", "Tags", "Description", "Body"]


def test_equal_relevance_is_newest_first():
    older, newer = work("Rain loop"), work("Rain loop")

    assert [f.work.id for f in works_search(query=query_parsed("rain")).found] == [
        newer.id,
        older.id,
    ]


@pytest.mark.parametrize("q", ["cafe", "CAFÉ", "Cafe\u0301", "noir cafe"])
def test_accents_and_case_do_not_matter(q):
    work("Café Noir")

    assert found(q) == ["Café Noir"]


def test_words_are_matched_as_written_not_stemmed():
    """The `simple` configuration: no English stemming, so any language is read alike; the
    last word is a prefix, so a word typed short still finds its longer forms."""
    work("Remix of rain")
    work("Canciones de lluvia")

    assert listed("remixes") == []  # no stemming (and the list has no typo fallback)
    assert listed("remix") == ["Remix of rain"]
    assert listed("cancion") == ["Canciones de lluvia"]  # a prefix, not a Spanish stemmer
    assert listed("cancion lluvia") == []  # only the last word is a prefix


def test_quotes_make_a_phrase():
    work("Cello suite")
    work("Suite for cello")

    assert set(found("cello suite")) == {"Cello suite", "Suite for cello"}
    assert found('"cello suite"') == ["Cello suite"]
    assert found('"suite for"') == ["Suite for cello"]


def test_a_minus_leaves_works_out():
    work("Cello drone", tags=["drone"])
    work("Cello melody")

    assert found("cello -drone") == ["Cello melody"]
    assert found('cello -"cello drone"') == ["Cello melody"]


def test_or_accepts_either():
    work("Cello line")
    work("Viola line")
    work("Drum line")

    assert set(found("cello or viola")) == {"Cello line", "Viola line"}
    assert set(found("line cello OR viola")) == {"Cello line", "Viola line"}


def test_the_last_word_is_a_prefix_as_people_type():
    work("Cello suite")
    work("Celestial drone")

    assert set(found("cel")) == {"Cello suite", "Celestial drone"}
    assert found("cell") == ["Cello suite"]
    assert found("suite cel") == ["Cello suite"]
    assert found("ce") == []  # two letters: matched whole, not as a prefix


def test_tags_are_found_by_their_words():
    work("Rain", tags=["lo-fi", "field-recording"])

    assert found("lo-fi") == ["Rain"]
    assert found("field recording") == ["Rain"]
    assert found("recording") == ["Rain"]


def test_a_typo_is_corrected_when_nothing_matches():
    work("Cello suite")
    work("Night drone", tags=["cello"])

    result = works_search(query=query_parsed("celo"))

    assert {f.work.title for f in result.found} == {"Cello suite", "Night drone"}
    assert result.corrected is not None
    assert [t.text for t in result.corrected.terms] == ["cello"]


def test_a_typo_among_good_words_is_corrected_alone():
    work("Cello suite")

    result = works_search(query=query_parsed("suite celo"))

    assert [f.work.title for f in result.found] == ["Cello suite"]
    assert [t.text for t in result.corrected.terms] == ["suite", "cello"]


def test_no_correction_when_words_match():
    work("Cello suite")

    result = works_search(query=query_parsed("cello"))

    assert result.corrected is None


def test_nothing_near_finds_nothing():
    work("Cello suite")

    result = works_search(query=query_parsed("xylophone"))

    assert (result.found, result.count, result.corrected) == ([], 0, None)


def test_highlights_are_escaped_html_with_only_marks():
    work(
        '<script>alert("x")</script> Cello & <b>friends</b>',
        description="A <img src=x onerror=alert(1)> cello line, nothing \ue000 odd.",
    )

    [hit] = works_search(query=query_parsed("cello")).found

    assert hit.title == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <mark>Cello</mark> &amp; "
        "&lt;b&gt;friends&lt;/b&gt;"
    )
    assert "<mark>cello</mark>" in hit.snippet
    assert "<img" not in hit.snippet
    assert "\ue000" not in hit.snippet and "\ue000" not in hit.title
    for html in (hit.title, hit.snippet):
        assert html.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_a_body_match_is_shown_in_a_passage_of_the_body():
    work("A text", text="Once upon a time. " * 40 + "Then the cello came in. " + "End. " * 40)

    [hit] = works_search(query=query_parsed("cello")).found

    assert "<mark>cello</mark>" in hit.snippet
    assert len(hit.snippet) < 400


def test_the_description_passage_is_shown_when_it_holds_the_words():
    work("Cello", description="Recorded in a church.", text="Words about a church, again.")

    [hit] = works_search(query=query_parsed("church")).found

    assert hit.snippet.startswith("Recorded in a <mark>church</mark>")


def test_removed_works_are_never_found():
    author = UserFactory()
    kept = work("Cello kept", author=author)
    tombstone = work("Cello tombstone", author=author)
    gone = work("Cello gone", author=author)
    work("A remix", author=author).sources.add(tombstone)  # built on: stays as a tombstone

    assert contribution_delete(contribution=tombstone, actor=author) is False
    assert contribution_delete(contribution=gone, actor=author) is True

    assert found("cello") == ["Cello kept"]
    assert listed("cello") == ["Cello kept"]
    assert kept.id


def test_a_removed_work_brought_back_is_found_again():
    removed = work("Cello back")
    Contribution.objects.filter(pk=removed.pk).update(removed_at="2024-01-01T00:00:00Z")
    assert found("cello") == []

    Contribution.objects.filter(pk=removed.pk).update(removed_at=None)

    assert found("cello") == ["Cello back"]


def test_the_document_follows_edits_of_title_description_and_tags():
    author = UserFactory()
    edited = work("Old name", description="About rain.", tags=["drone"], author=author)

    contribution_update(
        contribution=edited,
        actor=author,
        title="New name",
        description="About snow.",
        tags=["Field Recording"],
    )

    assert found("old") == [] and found("rain") == [] and found("drone") == []
    assert found("new name") == ["New name"]
    assert found("snow") == ["New name"]
    assert found("field-recording") == ["New name"]


def test_the_document_follows_the_pipeline_and_plain_saves():
    """Writers other than the edit service (the pipeline's progress, a full save) keep it."""
    edited = work("Quiet piece", tags=["cello"])
    edited.progress_percent = 50
    edited.save(update_fields=["progress_percent"])
    edited.refresh_from_db()
    edited.status = Contribution.Status.READY
    edited.save()  # every column written back

    assert found("cello") == ["Quiet piece"]
    assert found("quiet") == ["Quiet piece"]


def test_a_broad_query_ranks_its_newest_window_and_says_so(monkeypatch):
    monkeypatch.setattr(works_search_module, "WINDOW", 3)
    oldest = work("Cello oldest title")  # the best match, but outside the newest three
    for n in range(4):
        work(f"Piece {n}", description="with a cello")

    result = works_search(query=query_parsed("cello"))

    assert (result.count, result.capped) == (3, True)
    assert len(result.found) == 3
    assert oldest.id not in [f.work.id for f in result.found]
    assert len(contribution_list(search="cello")) == 3


def test_pages_follow_the_ranking():
    for n in range(5):
        work(f"Rain {n}")

    pages = [found("rain", offset=offset, limit=2) for offset in (0, 2, 4, 6)]

    assert pages == [["Rain 4", "Rain 3"], ["Rain 2", "Rain 1"], ["Rain 0"], []]
    assert works_search(query=query_parsed("rain"), offset=6).count == 5


def test_the_list_combines_search_with_its_filters_and_orderings():
    mine = UserFactory(username="mine")
    work("Cello b", author=mine)
    work("Cello a", author=mine, license="cc-by")
    work("Cello c")

    assert [w.title for w in contribution_list(search="cello", author="mine")] == [
        "Cello a",
        "Cello b",
    ]
    assert [w.title for w in contribution_list(search="cello", ordering="title")] == [
        "Cello a",
        "Cello b",
        "Cello c",
    ]
    assert [w.title for w in contribution_list(search="cello", license="cc-by")] == ["Cello a"]


def test_a_search_with_nothing_to_look_for_lists_nothing():
    work("Cello")

    assert listed("!!!") == []


def test_the_list_api_searches_full_text(api_client, django_assert_max_num_queries):
    work("Cello suite")
    work("Notes", text="a cello somewhere in here")
    work("Drums")

    with django_assert_max_num_queries(5):
        response = api_client.get("/api/contributions/", {"search": "cello"})

    assert response.status_code == 200
    assert [w["title"] for w in response.json()["results"]] == ["Cello suite", "Notes"]
    assert response.json()["count"] == 2


@pytest.mark.parametrize("q", ['"', "-", "or", "!!!", "&|", "-cello", '"""'])
def test_the_list_api_refuses_a_search_with_nothing_to_find(api_client, q):
    response = api_client.get("/api/contributions/", {"search": q})

    assert response.status_code == 400
    assert "search" in response.json()


def test_the_database_documents_match_a_rebuild():
    """The rebuild (after a bulk load with the triggers off) derives what the triggers kept."""
    from contributions.search_document import search_documents_rebuild

    work("Cello suite", tags=["drone"], description="Low notes.")
    work("A text", text="Words about rain.")
    before = _documents()

    search_documents_rebuild()

    assert _documents() == before
    assert found("drone") == ["Cello suite"] and found("rain") == ["A text"]


def _documents() -> list[tuple]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT contribution_id, document::text, head::text"
                " FROM contributions_searchdocument ORDER BY 1"
            )
        else:
            cursor.execute(
                "SELECT rowid, title, tags, description, body FROM contributions_fts ORDER BY 1"
            )
        return cursor.fetchall()
