"""The list's lean path for one tag and at most one licence (contributions/tagged_page.py)
answers exactly what the regular path (contribution_list and ContributionOutputSerializer)
answers: the same works, order, count, links and JSON, in a fixed number of statements."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contributions.models import Contribution
from contributions.tagged_page import TaggedWorks, tagged_works
from hitrec.caching import CONTRIBUTIONS, generation_bump
from media.models import Rendition
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory, RemixLinkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def works():
    """Works under several licences, tagged, with renditions, sources (one of them removed),
    lineage counts, files and measures; two made at the same moment; one removed."""
    now = timezone.now()
    people = [UserFactory(username="ana"), UserFactory(username="bo")]
    made = []
    for i, (license, tags) in enumerate(
        [
            ("cc-by", ["lo-fi", "cello"]),
            ("cc-by", ["lo-fi"]),
            ("cc-by-nc", ["drone", "lo-fi"]),
            ("cc-by", ["lo-fi", "rain", "field-recording"]),
            ("hitrec", ["lo-fi"]),
            ("cc-by", ["lo-fi"]),
            ("cc-by", ["cello"]),
            ("cc-by", ["lo-fi"]),
        ]
    ):
        audio = i % 2 == 0
        work = ContributionFactory(
            author=people[i % 2],
            kind="audio" if audio else "text",
            text="" if audio else "words",
            title=f"Work {i} «ü»",
            description=f"about {i}" if i % 3 else "",
            license=license,
            tags=tags,
            file=f"originals/{i}/take.wav" if audio else "",
            mime="audio/wav" if audio else "text/plain",
            bytes=1000 + i,
            sha256=f"{i:064x}",
            duration_s=12.5 * i if audio else None,
            width=None,
            height=None,
            error="" if i != 3 else "too quiet",
            progress_stage="" if i != 3 else "waveform",
            progress_percent=100 if i != 3 else 40,
        )
        made.append(work)
    # Some of them made at the same moment: the newest first, then the highest id.
    for i, work in enumerate(made):
        moment = now - timedelta(hours=10 - i if i not in (4, 5) else 5)
        Contribution.objects.filter(pk=work.pk).update(created_at=moment)
    for work in made[::2]:
        _renditions(work)
    RemixLinkFactory(source=made[0], remix=made[3])
    RemixLinkFactory(source=made[1], remix=made[3])
    RemixLinkFactory(source=made[3], remix=made[5])
    # A removed source: a tombstone its remix still names; its tag rows are not listed.
    Contribution.objects.filter(pk=made[1].pk).update(removed_at=now)
    return made


def _renditions(work: Contribution) -> None:
    for role, name, width in [
        ("thumbnail", "thumb-512.webp", 512),
        ("thumbnail", "thumb-256.webp", 256),
        ("thumbnail", "thumb-x.webp", None),
        ("waveform", "waveform.png", 1800),
        ("poster", "poster.jpg", 1280),
        ("preview", "preview.mp3", None),
        ("clean", "clean.wav", None),
    ]:
        Rendition.objects.create(
            contribution=work,
            role=role,
            name=name,
            file=f"renditions/{work.pk}/{name}",
            mime="image/webp" if role == "thumbnail" else "application/octet-stream",
            width=width,
            height=None if width is None else width // 2,
            bytes=len(name) * 10,
        )


def _both(api_client, settings, url: str):
    """The same request through the lean path and through the regular one."""
    answers = []
    for lean in (True, False):
        settings.HITREC_LEAN_TAG_PAGE = lean
        generation_bump(CONTRIBUTIONS)  # never the other path's stored answer
        response = api_client.get(url)
        answers.append((response.status_code, response.json()))
    return answers


@pytest.mark.parametrize(
    "query",
    [
        "tag=lo-fi&license=cc-by&page_size=2",
        "tag=lo-fi&license=cc-by&page_size=2&page=2",
        "tag=lo-fi&license=cc-by&page_size=2&page=last",
        "tag=Lo-Fi&page_size=3",
        "tag=lo-fi&page_size=3&page=2",
        "tag=lo-fi&ordering=-created_at",
        "tag=lo-fi&license=cc-by-nc",
        "tag=cello&license=cc-by",
        "tag=nobody-uses-this",
        "tag=lo-fi&license=all-rights-reserved",
        "tag=lo-fi&license=cc-by&page=9",  # no such page: the same 404
    ],
)
def test_the_lean_path_answers_as_the_regular_one(works, api_client, settings, query):
    lean, regular = _both(api_client, settings, f"/api/contributions/?{query}")

    assert lean == regular


def test_the_pages_hold_what_the_works_say(works, api_client, settings):
    settings.HITREC_LEAN_TAG_PAGE = True
    first = api_client.get("/api/contributions/?tag=lo-fi&license=cc-by&page_size=2").json()
    second = api_client.get(first["next"]).json()

    listed = [works[7], works[5], works[3], works[0]]  # newest first; works[1] is removed
    assert first["count"] == 4
    assert [w["id"] for w in first["results"] + second["results"]] == [w.pk for w in listed]
    assert second["next"] is None and second["previous"] is not None
    remix = next(w for w in second["results"] if w["id"] == works[3].pk)
    assert remix["sources"] == [works[0].pk, works[1].pk]
    assert remix["lineage_counts"] == {"remixes": 1, "descendants": 1, "ancestors": 1}
    assert remix["tags"] == ["lo-fi", "rain", "field-recording"]
    source = second["results"][-1]
    assert source["media"]["url"] == f"http://testserver/api/contributions/{works[0].pk}/original"
    assert len(source["media"]["thumbnails"]) == 3  # the clean copy is not shown
    assert source["media"]["waveform"]["url"].startswith(
        f"http://testserver/api/contributions/{works[0].pk}/renditions/waveform.png?v="
    )


@pytest.mark.parametrize("page_size", [2, 50])
def test_a_page_costs_two_statements_whatever_its_size(
    works, api_client, settings, django_assert_max_num_queries, page_size
):
    settings.HITREC_LEAN_TAG_PAGE = True
    for query in ("tag=lo-fi&license=cc-by", "tag=lo-fi"):
        generation_bump(CONTRIBUTIONS)
        with django_assert_max_num_queries(2):  # the kept count, the page with its renditions
            response = api_client.get(f"/api/contributions/?{query}&page_size={page_size}")
        assert response.status_code == 200
        assert response.json()["results"]


@pytest.mark.parametrize(
    "asked",
    [
        {"tags": ["lo-fi", "cello"]},
        {"tags": ["lo-fi"], "kind": "audio"},
        {"tags": ["lo-fi"], "author": "ana"},
        {"tags": ["lo-fi"], "ordering": "title"},
        {"tags": ["lo-fi"], "commercial": True},
        {"tags": ["lo-fi"], "remixable_into": "cc-by"},
        {"tags": ["lo-fi"], "created_after": timezone.now().date()},
        {"tags": ["lo-fi"], "duration_min": 1.0},
        {"tags": ["lo-fi"], "search": "work"},
        {"tags": ["lo-fi"], "project": 1},
        {"license": "cc-by"},
        {},
    ],
)
def test_any_other_list_goes_the_regular_way(asked):
    assert tagged_works(origin="http://testserver", **asked) is None


def test_one_tag_and_at_most_one_licence_go_the_lean_way():
    assert tagged_works(origin="o", tags=["Lo Fi"], license="cc-by", commercial=False) == (
        TaggedWorks(name="lo-fi", license="cc-by", origin="o")
    )
    assert tagged_works(origin="o", tags=["lo-fi"], ordering="-created_at", search="") == (
        TaggedWorks(name="lo-fi", license=None, origin="o")
    )
