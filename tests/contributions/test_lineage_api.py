"""The lineage, its picture and the upstream credits, as API clients read them."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contributions.models import Contribution, RemixLink
from contributions.services import contribution_delete, remix_sources_set
from tests.accounts.factories import UserFactory
from tests.contributions.factories import make_lineage

pytestmark = pytest.mark.django_db


def test_lineage_of_a_remix_chain_with_depths_and_edges(api_client):
    # loop → verse → song, and loop → song directly: the shortest distance wins.
    loop, verse, song, cover = make_lineage([(0, 1), (1, 2), (0, 2), (2, 3)], 4)

    body = api_client.get(f"/api/contributions/{song.id}/lineage/", {"direction": "up"}).json()

    assert [(n["id"], n["depth"]) for n in body["nodes"]] == [
        (song.id, 0),
        (loop.id, 1),
        (verse.id, 1),
    ]
    assert body["nodes"][1]["author"] == {"id": loop.author_id, "username": loop.author.username}
    assert {(e["source"], e["remix"]) for e in body["edges"]} == {
        (loop.id, verse.id),
        (verse.id, song.id),
        (loop.id, song.id),
    }


def test_lineage_down_both_and_depth_limit(api_client):
    works = make_lineage([(0, 1), (1, 2), (2, 3)], 4)
    url = f"/api/contributions/{works[1].id}/lineage/"

    down = api_client.get(url, {"direction": "down"}).json()
    both = api_client.get(url).json()
    near = api_client.get(url, {"direction": "down", "depth": 1}).json()

    assert [n["id"] for n in down["nodes"]] == [works[1].id, works[2].id, works[3].id]
    assert {n["id"]: n["direction"] for n in both["nodes"]} == {
        works[1].id: "root",
        works[0].id: "up",
        works[2].id: "down",
        works[3].id: "down",
    }
    assert [n["id"] for n in near["nodes"]] == [works[1].id, works[2].id]
    assert near["edges"] == [{"source": works[1].id, "remix": works[2].id}]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"direction": "sideways"}, "direction"),
        ({"depth": 0}, "depth"),
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"cursor": "2.1"}, "cursor"),
        ({"cursor": "9.9.9"}, "cursor"),
    ],
)
def test_lineage_refuses_bad_parameters(api_client, params, field):
    [work] = make_lineage([], 1)
    response = api_client.get(f"/api/contributions/{work.id}/lineage/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_a_popular_works_remixes_come_page_by_page_nearest_first(api_client):
    # 0 is remixed by 1..30; each of those by one more work: 61 works in all.
    edges = [(0, i) for i in range(1, 31)] + [(i, i + 30) for i in range(1, 31)]
    works = make_lineage(edges, 61)
    url = f"/api/contributions/{works[0].id}/lineage/?direction=down&limit=25"

    pages = []
    while url:
        body = api_client.get(url).json()
        pages.append(body)
        url = body["next"]

    assert [len(page["nodes"]) for page in pages] == [25, 25, 11]
    nodes = [(node["depth"], node["id"]) for page in pages for node in page["nodes"]]
    assert nodes == sorted(nodes)
    assert [depth for depth, _ in nodes].count(1) == 30
    links = {(edge["source"], edge["remix"]) for page in pages for edge in page["edges"]}
    assert links == {(works[i].id, works[j].id) for i, j in edges}
    assert pages[0]["next"].startswith("http://testserver/api/contributions/")
    assert "direction=down" in pages[0]["next"] and "limit=25" in pages[0]["next"]


def test_a_lineage_page_is_a_fixed_number_of_queries(api_client, django_assert_max_num_queries):
    edges = [(0, i) for i in range(1, 200)]
    works = make_lineage(edges, 200)
    url = f"/api/contributions/{works[0].id}/lineage/"

    for limit in (5, 150):
        with django_assert_max_num_queries(2):
            assert api_client.get(url, {"limit": limit}).status_code == 200


def test_lineage_of_an_unknown_contribution_is_404(api_client):
    response = api_client.get("/api/contributions/424242/lineage/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No contribution with that id."}


def test_lineage_picture_is_an_svg_with_the_contribution_highlighted(api_client):
    works = make_lineage([(0, 1)], 2, titles=["Loop <b>", "Song & co"])

    response = api_client.get(f"/api/contributions/{works[1].id}/lineage.svg")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    svg = ET.fromstring(response.content)
    text = " ".join(svg.itertext())
    assert "Loop <b>" in text and "Song & co" in text


def test_credits_list_everyone_upstream_nearest_first(api_client):
    ana, bo = UserFactory(username="ana"), UserFactory(username="bo")
    [loop] = make_lineage([], 1, author=ana, titles=["Loop"])
    [beat] = make_lineage([], 1, author=bo, titles=["Beat"])
    [verse] = make_lineage([], 1, author=bo, titles=["Verse"])
    [song] = make_lineage([], 1, titles=["Song"])
    RemixLink.objects.bulk_create(
        [
            RemixLink(source=loop, remix=beat),
            RemixLink(source=beat, remix=song),
            RemixLink(source=verse, remix=song),
        ]
    )

    body = api_client.get(f"/api/contributions/{song.id}/credits/").json()

    assert body["contribution"] == song.id
    assert [(c["username"], [w["title"] for w in c["works"]]) for c in body["credits"]] == [
        ("bo", ["Beat", "Verse"]),
        ("ana", ["Loop"]),
    ]
    assert body["credits"][1]["works"][0] == {
        "id": loop.id,
        "title": "Loop",
        "license": "hitrec",
        "depth": 2,
        "removed": False,
    }


def test_a_tombstone_stays_in_the_lineage_and_the_credits(api_client):
    source, remix = make_lineage([(0, 1)], 2, titles=["Loop", "Song"])
    contribution_delete(contribution=source, actor=source.author)

    lineage = api_client.get(f"/api/contributions/{remix.id}/lineage/").json()
    credits = api_client.get(f"/api/contributions/{remix.id}/credits/").json()

    assert [(n["title"], n["removed"]) for n in lineage["nodes"]] == [
        ("Song", False),
        ("Loop", True),
    ]
    assert credits["credits"][0]["works"][0]["removed"] is True


def test_the_database_itself_refuses_a_link_to_a_newer_work():
    older, newer = make_lineage([], 2)
    with pytest.raises(IntegrityError), transaction.atomic():
        RemixLink.objects.create(source=newer, remix=older)
    with pytest.raises(IntegrityError), transaction.atomic():
        RemixLink.objects.create(source=older, remix=older)


def _has_cycle(edges: set[tuple[int, int]]) -> bool:
    graph: dict[int, set[int]] = {}
    for source, remix in edges:
        graph.setdefault(source, set()).add(remix)
    state: dict[int, int] = {}

    def visit(node: int) -> bool:
        state[node] = 1
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1 or (nxt not in state and visit(nxt)):
                return True
        state[node] = 2
        return False

    return any(node not in state and visit(node) for node in list(graph))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    edits=st.lists(
        st.tuples(st.integers(0, 7), st.lists(st.integers(0, 7), max_size=4, unique=True)),
        min_size=1,
        max_size=15,
    )
)
def test_no_sequence_of_source_edits_ever_makes_a_cycle(edits):
    with transaction.atomic():
        works = make_lineage([], 8)
        for remix_index, source_indexes in edits:
            remix = works[remix_index]
            try:
                with transaction.atomic():
                    remix_sources_set(
                        contribution=remix,
                        actor=remix.author,
                        sources=[works[i].id for i in source_indexes],
                    )
                accepted = True
            except Exception as exc:  # noqa: BLE001 - the refusal is the point
                accepted = False
                assert "sources" in exc.message_dict
            # Accepted exactly when every named source is older than the remix.
            assert accepted == all(i < remix_index for i in source_indexes)
            links = set(
                RemixLink.objects.filter(remix__in=works).values_list("source_id", "remix_id")
            )
            assert not _has_cycle(links)
            assert all(source < remix for source, remix in links)
        transaction.set_rollback(True)
    assert Contribution.objects.count() == 0


def test_the_picture_of_a_popular_work_draws_its_nearest_levels_and_counts_the_rest(
    api_client, monkeypatch
):
    from contributions import lineage_pages

    # 0 is remixed by 1..6, each of those by one more work (7..12), one of those by 13.
    edges = [(0, i) for i in range(1, 7)] + [(i, i + 6) for i in range(1, 7)] + [(7, 13)]
    works = make_lineage(edges, 14)
    # Small limits stand in for a popular work's tens of thousands of remixes.
    monkeypatch.setattr(lineage_pages, "PICTURE_WHOLE", 5)
    monkeypatch.setattr(lineage_pages, "PICTURE_SIDE", 4)

    response = api_client.get(f"/api/contributions/{works[0].id}/lineage.svg")

    assert response.status_code == 200
    svg = response.content.decode()
    drawn = {int(m) for m in re.findall(r'href="/contributions/(\d+)/"', svg)}
    assert drawn == {works[i].id for i in range(0, 5)}  # the work and its 4 nearest remixes
    assert "and 2 more remixes" in svg and "1 step down" in svg
    assert "and 6 more remixes" in svg and "2 steps down" in svg
    assert "and 1 more remix" in svg and "3 steps down" in svg


def test_a_small_lineage_is_drawn_whole(api_client):
    works = make_lineage([(0, 1), (1, 2)], 3)

    svg = api_client.get(f"/api/contributions/{works[1].id}/lineage.svg").content.decode()

    assert {int(m) for m in re.findall(r'href="/contributions/(\d+)/"', svg)} == {
        work.id for work in works
    }
    assert "more" not in svg


def test_the_lineage_serializers_built_directly_say_what_their_fields_do():
    from rest_framework import serializers

    from contributions.api.lineage import LineageEdgeSerializer, LineageNodeSerializer
    from contributions.lineage import LineageEdge, LineageNode

    node = LineageNode(
        id=7, title="Loop", kind="audio", author_id=3, author_username="ana", depth=2,
        direction="down", removed=True,
    )  # fmt: skip
    edge = LineageEdge(source=3, remix=7)

    # DRF's own walk over the declared fields, which the schema documents.
    walked = serializers.Serializer.to_representation(LineageNodeSerializer(), node)
    walked_edge = serializers.Serializer.to_representation(LineageEdgeSerializer(), edge)

    assert LineageNodeSerializer(node).data == walked
    assert LineageEdgeSerializer(edge).data == walked_edge
