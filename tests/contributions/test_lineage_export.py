"""A lineage's NDJSON export: the same nodes and links as the lineage, streamed in one query."""

import json
import sqlite3

import pytest
from django.conf import settings
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from contributions import lineage_export as export_module
from contributions.api import lineage_export as export_api
from contributions.lineage import LineageEdge, LineageNode, lineage_get
from contributions.lineage_export import lineage_export
from contributions.lineage_pages import lineage_page
from contributions.models import Contribution
from tests.contributions.factories import make_lineage
from tests.contributions.test_lineage import PROPERTY_SETTINGS, author, dags, rolled_back  # noqa: F401

pytestmark = pytest.mark.django_db
SQLITE = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")


@pytest.fixture
def small_chunks(monkeypatch):
    """Rows fetched 3 at a time and lines sent 10 at a time: small lineages then cross the
    chunks' edges as large ones do."""
    monkeypatch.setattr(export_module, "CHUNK", 3)
    monkeypatch.setattr(export_api, "LINES_PER_CHUNK", 10)


def exported(**query) -> tuple[list[LineageNode], list[tuple[int, int]]]:
    records = list(lineage_export(**query))
    nodes = [record for record in records if isinstance(record, LineageNode)]
    links = [(record.source, record.remix) for record in records if isinstance(record, LineageEdge)]
    # Every node comes before every link.
    assert records == [*nodes, *(LineageEdge(source, remix) for source, remix in links)]
    return nodes, links


def ndjson(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    assert body.endswith("\n") or body == ""
    return [json.loads(line) for line in body.splitlines()]


# --- the read ---------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(
    dag=dags(),
    pick=st.integers(min_value=0),
    direction=st.sampled_from(["up", "down", "both"]),
    depth=st.none() | st.integers(min_value=0, max_value=4),
)
def test_the_export_is_the_whole_lineage(author, small_chunks, dag, pick, direction, depth):  # noqa: F811, E501
    n, edges = dag

    def check():
        works = make_lineage(edges, n, author=author)
        root = works[pick % n].id
        whole = lineage_get(contribution_id=root, direction=direction, depth=depth)

        nodes, links = exported(contribution_id=root, direction=direction, depth=depth)

        assert nodes == list(whole.nodes)  # same nodes, same (rank, depth, id) order
        assert sorted(links) == sorted((edge.source, edge.remix) for edge in whole.edges)
        assert len(links) == len(set(links))  # each link once
        # Links come grouped by remix, in the nodes' order, then by source.
        place = {node.id: index for index, node in enumerate(nodes)}
        assert links == sorted(links, key=lambda link: (place[link[1]], link[0]))

    rolled_back(check)


def test_a_cross_link_from_an_ancestor_to_a_descendant_comes_with_both_directions():
    # 0 -> 1 -> 2 -> 3 around root 1, and 0 -> 3 straight from an ancestor to a descendant.
    w = make_lineage([(0, 1), (1, 2), (2, 3), (0, 3)], 4)

    nodes, links = exported(contribution_id=w[1].id)

    assert [(node.id, node.direction, node.depth) for node in nodes] == [
        (w[1].id, "root", 0),
        (w[0].id, "up", 1),
        (w[2].id, "down", 1),
        (w[3].id, "down", 2),
    ]
    assert links == [(w[0].id, w[1].id), (w[1].id, w[2].id), (w[0].id, w[3].id), (w[2].id, w[3].id)]
    assert (w[0].id, w[3].id) not in exported(contribution_id=w[1].id, direction="down")[1]


def test_the_nodes_come_as_the_pages_give_them():
    w = make_lineage([(0, i) for i in range(1, 30)] + [(i, i + 1) for i in range(1, 29)], 30)
    paged, after = [], None
    while True:
        page = lineage_page(contribution_id=w[5].id, after=after, limit=7)
        paged += page.nodes
        if (after := page.next) is None:
            break

    nodes, _ = exported(contribution_id=w[5].id)

    assert nodes == paged


def test_an_unknown_work_is_refused_before_anything_is_read():
    w = make_lineage([], 1)
    with pytest.raises(Contribution.DoesNotExist):
        lineage_export(contribution_id=w[0].id + 1)
    for bad in ({"direction": "sideways"}, {"depth": -1}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            lineage_export(contribution_id=w[0].id, **bad)


def family(mids: int, leaves: int) -> tuple[int, list[tuple[int, int]]]:
    """A hub (9) under a chain of 9 ancestors with a diamond on each level, remixed by `mids`
    works each remixed by `leaves` works, half the leaves remixing their neighbour too, and
    the last leaf remixing the top ancestor straight; the links listed bottom-up, as
    make_lineage then adds them.

    Bottom-up for what a new link costs the triggers on PostgreSQL: its count of new pairs
    reads every descendant that each ancestor of its source already has, so a family built
    from the top down costs its size for each of its links.
    """
    first_leaf = 10 + mids
    n = first_leaf + mids * leaves
    above = [(i, i + 1) for i in range(9)] + [(i, i + 2) for i in range(8)]
    below = [(10 + m, first_leaf + m * leaves + j) for m in range(mids) for j in range(leaves)]
    below += [(i, i + 1) for i in range(first_leaf, n - 1, 2)] + [(0, n - 1)]
    return n, above + below + [(9, 10 + m) for m in range(mids)]


def test_the_export_is_one_query_whatever_its_size(small_chunks, django_assert_max_num_queries):
    n, edges = family(10, 25)
    w = make_lineage(edges, n)

    for direction in ("up", "down", "both"):
        for depth in (1, None):  # a few works, then all of them: one query each
            with django_assert_max_num_queries(1):
                nodes, links = exported(contribution_id=w[9].id, direction=direction, depth=depth)
            whole = lineage_get(contribution_id=w[9].id, direction=direction, depth=depth)
            assert (len(nodes), len(links)) == (len(whole.nodes), len(whole.edges))
        assert len(nodes) == {"up": 10, "down": n - 9, "both": n}[direction]


def test_an_export_closed_early_releases_its_cursor():
    w = make_lineage([(0, i) for i in range(1, 10)], 10)
    export = lineage_export(contribution_id=w[0].id)

    assert next(export).id == w[0].id
    export.close()
    export.close()  # twice is harmless
    with pytest.raises(StopIteration):
        next(export)
    # The connection is free for the next read.
    assert len(exported(contribution_id=w[0].id)[0]) == 10


@pytest.mark.skipif(SQLITE, reason="PostgreSQL's server-side cursors")
def test_on_postgresql_the_rows_stay_on_the_server_until_read(monkeypatch, small_chunks):
    w = make_lineage([(0, i) for i in range(1, 10)], 10)

    def open_cursors() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_cursors")
            return cursor.fetchone()[0]

    export = lineage_export(contribution_id=w[0].id)
    assert open_cursors() == 1  # fetched a chunk at a time
    assert len(list(export)) == 10 + 9
    assert open_cursors() == 0

    # Behind a transaction-pooling PgBouncer a cursor cannot outlive its transaction: read
    # in one transaction, then from a temporary file.
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    export = lineage_export(contribution_id=w[0].id)
    assert open_cursors() == 0
    assert [record.id for record in export if isinstance(record, LineageNode)] == [
        work.id for work in w
    ]


@pytest.mark.skipif(not SQLITE, reason="a PostgreSQL read never holds up a write")
@pytest.mark.django_db(transaction=True)
def test_an_export_being_read_does_not_hold_up_writes_on_sqlite(small_chunks):
    w = make_lineage([(0, i) for i in range(1, 10)], 10)
    export = lineage_export(contribution_id=w[0].id)
    assert next(export).id == w[0].id  # a client reading slowly

    writer = sqlite3.connect(connection.settings_dict["NAME"], timeout=1, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "UPDATE contributions_contribution SET title = 'New' WHERE id = ?", [w[1].id]
        )
        writer.execute("COMMIT")  # "database is locked" if the export held the read lock
    finally:
        writer.close()

    rest = list(export)
    assert len(rest) == 9 + 9 and rest[0].title == "Work 1"  # read as it was


# --- the API ----------------------------------------------------------------------------


def test_the_api_streams_the_lineage_as_json_lines(client):
    w = make_lineage([(0, 1), (1, 2), (0, 2)], 3, titles=["Loop", "Verse «1»", "Song"])

    response = client.get(f"/api/contributions/{w[1].id}/lineage/export")

    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/x-ndjson; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="lineage-{w[1].id}.ndjson"'
    by = {"id": w[0].author_id, "username": w[0].author.username}
    assert ndjson(response) == [
        {"type": "node", "id": w[1].id, "title": "Verse «1»", "kind": "text", "author": by,
         "depth": 0, "direction": "root", "removed": False},
        {"type": "node", "id": w[0].id, "title": "Loop", "kind": "text", "author": by,
         "depth": 1, "direction": "up", "removed": False},
        {"type": "node", "id": w[2].id, "title": "Song", "kind": "text", "author": by,
         "depth": 1, "direction": "down", "removed": False},
        {"type": "link", "source": w[0].id, "remix": w[1].id},
        {"type": "link", "source": w[0].id, "remix": w[2].id},
        {"type": "link", "source": w[1].id, "remix": w[2].id},
    ]  # fmt: skip


def test_the_api_lines_carry_the_json_lineages_fields(client):
    w = make_lineage([(0, 1), (1, 2), (2, 3)], 4)
    query = {"direction": "down", "depth": 2}

    lines = ndjson(client.get(f"/api/contributions/{w[0].id}/lineage/export", query))
    page = client.get(f"/api/contributions/{w[0].id}/lineage/", {**query, "limit": 1000}).json()

    assert [
        {k: v for k, v in line.items() if k != "type"} for line in lines if line["type"] == "node"
    ] == page["nodes"]  # noqa: E501
    assert sorted(
        (line["source"], line["remix"]) for line in lines if line["type"] == "link"
    ) == sorted(  # noqa: E501
        (edge["source"], edge["remix"]) for edge in page["edges"]
    )


def test_the_api_streams_lineages_in_chunks_of_lines(client, small_chunks):
    w = make_lineage([(0, i) for i in range(1, 25)], 25)

    response = client.get(f"/api/contributions/{w[0].id}/lineage/export", {"direction": "down"})
    chunks = list(response.streaming_content)

    assert [chunk.count(b"\n") for chunk in chunks] == [10, 10, 10, 10, 9]  # 25 nodes, 24 links
    lines = [json.loads(line) for chunk in chunks for line in chunk.splitlines()]
    assert [line["id"] for line in lines if line["type"] == "node"] == [work.id for work in w]


def test_the_api_answers_404_for_an_unknown_work(client):
    w = make_lineage([], 1)

    for contribution_id in (w[0].id + 1, 2**63, 2**64):
        response = client.get(f"/api/contributions/{contribution_id}/lineage/export")
        assert response.status_code == 404
        assert response.json() == {"detail": "No contribution with that id."}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"direction": "sideways"}, "direction"),
        ({"depth": "0"}, "depth"),
        ({"depth": "1001"}, "depth"),
        ({"depth": "two"}, "depth"),
    ],
)
def test_the_api_answers_400_for_bad_parameters(client, params, field):
    w = make_lineage([], 1)

    response = client.get(f"/api/contributions/{w[0].id}/lineage/export", params)

    assert response.status_code == 400
    assert field in response.json()


def test_a_client_that_accepts_only_ndjson_is_told_its_refusals_in_ndjson(client):
    w = make_lineage([], 1)
    url = f"/api/contributions/{w[0].id}/lineage/export"

    refused = client.get(url, {"direction": "sideways"}, HTTP_ACCEPT="application/x-ndjson")
    missing = client.get(
        url.replace(str(w[0].id), str(w[0].id + 1)), HTTP_ACCEPT="application/x-ndjson"
    )  # noqa: E501
    exported_ = client.get(url, HTTP_ACCEPT="application/x-ndjson")

    assert refused.status_code == 400 and refused["Content-Type"].startswith("application/x-ndjson")
    assert "direction" in json.loads(refused.content)
    assert missing.status_code == 404 and json.loads(missing.content)["detail"]
    assert exported_.status_code == 200 and len(ndjson(exported_)) == 1


def test_the_export_is_in_the_api_schema(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/contributions/{contribution_id}/lineage/export"]["get"]
    assert "application/x-ndjson" in operation["responses"]["200"]["content"]
    assert {p["name"] for p in operation["parameters"]} >= {"direction", "depth"}
    assert {"400", "404"} <= set(operation["responses"])
