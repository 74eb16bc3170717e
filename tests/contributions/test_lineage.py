"""Lineage reads (ancestors, descendants, release closures) and the lineage picture."""

import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Iterable

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from contributions.lineage import (
    Lineage,
    LineageClosure,
    _lineage_sql,
    closure_get,
    lineage_get,
)
from contributions.lineage_svg import (
    ROOT_FILL,
    LineageRenderError,
    LineageTooLargeError,
    lineage_svg,
)
from contributions.models import Contribution
from tests.contributions.factories import ContributionFactory, RemixLinkFactory, make_lineage

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


def depths(lineage: Lineage | LineageClosure) -> dict[int, tuple[str, int]]:
    """{id: (direction, depth)}: the shape of a lineage, easy to compare."""
    return {node.id: (node.direction, node.depth) for node in lineage.nodes}


def edge_pairs(lineage: Lineage | LineageClosure) -> list[tuple[int, int]]:
    return [(edge.source, edge.remix) for edge in lineage.edges]


def ids(works: list[Contribution], *indexes: int) -> list[int]:
    return [works[i].id for i in indexes]


# --- examples ---------------------------------------------------------------------------


def test_a_chain_up_from_its_end_has_every_ancestor_one_level_further():
    w = make_lineage([(0, 1), (1, 2), (2, 3)], 4)

    lineage = lineage_get(contribution_id=w[3].id, direction="up")

    assert lineage.root_id == w[3].id
    assert [(n.id, n.direction, n.depth) for n in lineage.nodes] == [
        (w[3].id, "root", 0),
        (w[2].id, "up", 1),
        (w[1].id, "up", 2),
        (w[0].id, "up", 3),
    ]
    # Edges come ordered by (remix, source).
    assert edge_pairs(lineage) == [(w[0].id, w[1].id), (w[1].id, w[2].id), (w[2].id, w[3].id)]


def test_a_chain_down_from_its_start_has_every_descendant():
    w = make_lineage([(0, 1), (1, 2), (2, 3)], 4)

    lineage = lineage_get(contribution_id=w[0].id, direction="down")

    assert depths(lineage) == {
        w[0].id: ("root", 0),
        w[1].id: ("down", 1),
        w[2].id: ("down", 2),
        w[3].id: ("down", 3),
    }


def test_nodes_carry_title_kind_author_and_removal():
    source = ContributionFactory(title="Cello line", kind="text", removed_at=timezone.now())
    remix = ContributionFactory(title="Cello remix")
    RemixLinkFactory(source=source, remix=remix)

    root, up = lineage_get(contribution_id=remix.id, direction="up").nodes

    assert (root.title, root.kind, root.removed) == ("Cello remix", "text", False)
    assert (root.author_id, root.author_username) == (remix.author.id, remix.author.username)
    assert (up.title, up.removed) == ("Cello line", True)


def test_a_diamond_stack_returns_each_node_once_at_its_shortest_distance():
    # 0 -> (1, 2) -> 3 -> (4, 5) -> 6 ...: 2**10 paths lead from the top to the bottom.
    edges, n = [], 1
    for _ in range(10):
        top = n - 1
        edges += [(top, n), (top, n + 1), (n, n + 2), (n + 1, n + 2)]
        n += 3
    w = make_lineage(edges, n)

    lineage = lineage_get(contribution_id=w[-1].id, direction="up")

    assert len(lineage.nodes) == n == len({node.id for node in lineage.nodes})
    assert depths(lineage)[w[0].id] == ("up", 20)
    assert len(lineage.edges) == len(edges)


def test_depth_is_the_shortest_distance_when_a_shortcut_exists():
    # 0 -> 1 -> 2 -> 3, and 3 also remixes 0 directly.
    w = make_lineage([(0, 1), (1, 2), (2, 3), (0, 3)], 4)

    assert depths(lineage_get(contribution_id=w[3].id, direction="up"))[w[0].id] == ("up", 1)
    assert depths(lineage_get(contribution_id=w[0].id, direction="down"))[w[3].id] == ("down", 1)


def test_depth_limits_the_levels_returned():
    w = make_lineage([(0, 1), (1, 2), (2, 3), (3, 4)], 5)

    two_up = lineage_get(contribution_id=w[4].id, direction="up", depth=2)
    only_root = lineage_get(contribution_id=w[4].id, direction="both", depth=0)

    assert set(depths(two_up)) == set(ids(w, 4, 3, 2))
    assert edge_pairs(two_up) == [(w[2].id, w[3].id), (w[3].id, w[4].id)]
    assert depths(only_root) == {w[4].id: ("root", 0)} and only_root.edges == ()


def test_edges_are_exactly_those_among_returned_nodes():
    # 3 remixes 0, 1 and 2; 1 remixes 0 and 2 remixes 1. One level up from 3 returns all
    # four, so the links 0 -> 1 and 1 -> 2 come back too, though the walk stops before them.
    w = make_lineage([(0, 1), (1, 2), (0, 3), (1, 3), (2, 3)], 4)

    lineage = lineage_get(contribution_id=w[3].id, direction="up", depth=1)

    assert set(depths(lineage)) == set(ids(w, 0, 1, 2, 3))
    assert len(lineage.edges) == 5

    # ... and a link to a work past the limit does not.
    chain = make_lineage([(0, 1), (1, 2)], 3)
    one_up = lineage_get(contribution_id=chain[2].id, direction="up", depth=1)
    assert edge_pairs(one_up) == [(chain[1].id, chain[2].id)]


def test_both_directions_put_root_then_ancestors_then_descendants():
    # 0 -> 1 -> 2 -> 3 around root 1, plus 0 -> 3: an ancestor linked straight to a descendant.
    w = make_lineage([(0, 1), (1, 2), (2, 3), (0, 3)], 4)

    lineage = lineage_get(contribution_id=w[1].id)

    assert [(n.direction, n.depth) for n in lineage.nodes] == [
        ("root", 0),
        ("up", 1),
        ("down", 1),
        ("down", 2),
    ]
    assert (w[0].id, w[3].id) in edge_pairs(lineage)
    assert len(lineage.edges) == 4
    assert set(depths(lineage_get(contribution_id=w[1].id, direction="up"))) == set(ids(w, 0, 1))
    assert set(depths(lineage_get(contribution_id=w[1].id, direction="down"))) == set(
        ids(w, 1, 2, 3)
    )


def test_a_work_without_links_is_its_own_lineage():
    work = ContributionFactory()

    lineage = lineage_get(contribution_id=work.id)

    assert depths(lineage) == {work.id: ("root", 0)} and lineage.edges == ()


def test_unknown_contribution_and_bad_arguments_are_refused():
    with pytest.raises(Contribution.DoesNotExist):
        lineage_get(contribution_id=987654321)
    with pytest.raises(ValueError, match="direction"):
        lineage_get(contribution_id=1, direction="sideways")
    with pytest.raises(ValueError, match="depth"):
        lineage_get(contribution_id=1, depth=-1)


@pytest.mark.parametrize("direction", ["up", "down", "both"])
def test_a_lineage_is_one_query_whatever_its_size(direction, django_assert_num_queries):
    # A 30-deep chain with a diamond on every level: a loop of queries would need 30.
    edges = [(i, i + 2) for i in range(58)] + [(i, i + 1) for i in range(59)]
    w = make_lineage(edges, 60)

    with django_assert_num_queries(1):
        lineage = lineage_get(contribution_id=w[30].id, direction=direction)

    assert len(lineage.nodes) == {"up": 31, "down": 30, "both": 60}[direction]


def test_on_postgresql_a_lineage_read_often_is_planned_once_per_connection():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (SQLite plans in-process)")
    w = make_lineage([(0, 1), (1, 2), (0, 2)], 3)
    # The statement of an unlimited upward walk from one contribution, as the server has it.
    statement = _lineage_sql(directions=["up"], seed_count=1, limited=False).replace("%s", "$1")

    readings = [lineage_get(contribution_id=w[2].id, direction="up") for _ in range(8)]

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement = %s", [statement]
        )
        # Prepared once on this connection (by these reads, or by earlier ones), never again.
        assert cursor.fetchone()[0] == 1
    assert {len(reading.nodes) for reading in readings} == {3}


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_both_wordings_of_the_edge_test_run_on_either_database(vendor):
    # Each database gets the wording its planner runs well; both must stay plain SQL.
    # 0 -> 1 -> 2 -> 3 and 0 -> 2: around root 1, the link 0 -> 2 crosses from up to down.
    w = make_lineage([(0, 1), (1, 2), (0, 2), (2, 3)], 4)
    sql = _lineage_sql(directions=["up", "down"], seed_count=1, limited=True, vendor=vendor)

    with connection.cursor() as cursor:
        cursor.execute(sql, [w[1].id, 9, w[1].id, 9])
        rows = cursor.fetchall()

    expected = lineage_get(contribution_id=w[1].id, depth=9)
    assert sorted(row[3] for row in rows if row[0] == 0) == sorted(depths(expected))
    assert sorted((row[2], row[1]) for row in rows if row[0] == 1) == sorted(edge_pairs(expected))
    assert len(expected.edges) == 4


def test_closure_of_several_roots_has_every_ancestor_at_its_shortest_distance(
    django_assert_num_queries,
):
    # Roots 4 and 5; 4 <- 2 <- 0, 5 <- 3 <- 1 <- 0, and 4 is also a source of 5.
    w = make_lineage([(0, 2), (2, 4), (0, 1), (1, 3), (3, 5), (4, 5), (6, 7)], 8)

    with django_assert_num_queries(1):
        closure = closure_get(contribution_ids=[w[5].id, w[4].id, w[4].id])

    assert closure.root_ids == (w[4].id, w[5].id)
    assert depths(closure) == {
        w[4].id: ("root", 0),
        w[5].id: ("root", 0),
        w[2].id: ("up", 1),
        w[3].id: ("up", 1),
        w[0].id: ("up", 2),
        w[1].id: ("up", 2),
    }
    assert sorted(edge_pairs(closure)) == sorted(
        (w[i].id, w[j].id) for i, j in [(0, 2), (2, 4), (0, 1), (1, 3), (3, 5), (4, 5)]
    )
    assert closure_get(contribution_ids=[]) == LineageClosure(root_ids=(), nodes=(), edges=())


# --- properties: the SQL agrees with a breadth-first search in Python -------------------


def bfs(
    start: Iterable[int], neighbours: dict[int, list[int]], limit: int | None
) -> dict[int, int]:
    """Shortest distance from any start node, following `neighbours`, up to `limit` levels."""
    distance = dict.fromkeys(start, 0)
    queue = deque(distance)
    while queue:
        node = queue.popleft()
        if limit is not None and distance[node] >= limit:
            continue
        for nxt in neighbours.get(node, []):
            if nxt not in distance:
                distance[nxt] = distance[node] + 1
                queue.append(nxt)
    return distance


@st.composite
def dags(draw) -> tuple[int, list[tuple[int, int]]]:
    """n ≤ 25 works and links i -> j with i < j, dense enough for diamonds and shortcuts."""
    n = draw(st.integers(min_value=1, max_value=25))
    pairs = [(i, j) for j in range(n) for i in range(j)]
    if not pairs:
        return n, []
    edges = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=3 * n))
    return n, edges


def rolled_back(build):
    """Run `build` in a savepoint that is rolled back, so examples never see each other."""
    with transaction.atomic():
        try:
            return build()
        finally:
            transaction.set_rollback(True)


@pytest.fixture
def author(db) -> User:
    return User.objects.create(username="lineage-author")


PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY_SETTINGS
@given(
    dag=dags(),
    pick=st.integers(min_value=0),
    direction=st.sampled_from(["up", "down", "both"]),
    limit=st.none() | st.integers(min_value=0, max_value=4),
)
def test_lineage_matches_breadth_first_search(author, dag, pick, direction, limit):
    n, edges = dag
    root = pick % n

    def check():
        works = make_lineage(edges, n, author=author)
        lineage = lineage_get(contribution_id=works[root].id, direction=direction, depth=limit)
        index = {work.id: i for i, work in enumerate(works)}

        sources: dict[int, list[int]] = {}
        remixes: dict[int, list[int]] = {}
        for i, j in edges:
            sources.setdefault(j, []).append(i)
            remixes.setdefault(i, []).append(j)
        expected = {root: ("root", 0)}
        if direction in ("up", "both"):
            expected |= {i: ("up", d) for i, d in bfs([root], sources, limit).items() if d}
        if direction in ("down", "both"):
            expected |= {i: ("down", d) for i, d in bfs([root], remixes, limit).items() if d}

        got = {index[node_id]: shape for node_id, shape in depths(lineage).items()}
        assert got == expected
        assert len(lineage.nodes) == len(expected)  # each node once
        rank = {"root": 0, "up": 1, "down": 2}
        keys = [(rank[node.direction], node.depth, node.id) for node in lineage.nodes]
        assert keys == sorted(keys)
        assert [(index[s], index[r]) for s, r in edge_pairs(lineage)] == sorted(
            ((i, j) for i, j in edges if i in expected and j in expected),
            key=lambda edge: (edge[1], edge[0]),
        )

    rolled_back(check)


@PROPERTY_SETTINGS
@given(dag=dags(), picks=st.lists(st.integers(min_value=0), min_size=1, max_size=4))
def test_closure_matches_breadth_first_search(author, dag, picks):
    n, edges = dag
    roots = sorted({pick % n for pick in picks})

    def check():
        works = make_lineage(edges, n, author=author)
        closure = closure_get(contribution_ids=[works[i].id for i in roots])
        index = {work.id: i for i, work in enumerate(works)}

        sources: dict[int, list[int]] = {}
        for i, j in edges:
            sources.setdefault(j, []).append(i)
        expected = {
            i: ("root" if d == 0 else "up", d) for i, d in bfs(roots, sources, None).items()
        }

        assert [index[i] for i in closure.root_ids] == roots
        assert {index[i]: shape for i, shape in depths(closure).items()} == expected
        assert sorted((index[s], index[r]) for s, r in edge_pairs(closure)) == sorted(
            (i, j) for i, j in edges if j in expected
        )

    rolled_back(check)


# --- the picture --------------------------------------------------------------------------


def parse(svg: bytes) -> ET.Element:
    # The document is what our own dot run just produced, and the test is that it parses.
    return ET.fromstring(svg)  # noqa: S314


def svg_nodes(svg: bytes) -> dict[str, ET.Element]:
    """The SVG's node groups by dot's node name (c<id>)."""
    root = parse(svg)
    return {
        group.find(f"{SVG}title").text: group
        for group in root.iter(f"{SVG}g")
        if "node" in group.get("class", "").split()
    }


def node_texts(group: ET.Element) -> str:
    return " ".join(text.text or "" for text in group.iter(f"{SVG}text"))


def node_fill(group: ET.Element) -> str:
    shape = next(el for el in group.iter() if el.tag in (f"{SVG}path", f"{SVG}polygon"))
    return shape.get("fill")


def test_lineage_svg_draws_every_work_with_its_author_and_link():
    w = make_lineage([(0, 1), (1, 2), (0, 2)], 3, titles=["Cello line", "Beat", "Song"])
    lineage = lineage_get(contribution_id=w[1].id)

    svg = lineage_svg(lineage)

    nodes = svg_nodes(svg)
    assert set(nodes) == {f"c{work.id}" for work in w}
    for work in w:
        group = nodes[f"c{work.id}"]
        assert work.title in node_texts(group)
        assert f"by {work.author.username}" in node_texts(group)
        link = next(group.iter(f"{SVG}a"))
        assert link.get(f"{XLINK}href") == f"/contributions/{work.id}/"
        assert link.get(f"{XLINK}title") == f"{work.title} by {work.author.username}"
    assert node_fill(nodes[f"c{w[1].id}"]) == ROOT_FILL
    assert {node_fill(nodes[f"c{w[i].id}"]) for i in (0, 2)} != {ROOT_FILL}
    assert len(parse(svg).findall(f".//{SVG}g[@class='edge']")) == 3
    assert svg.startswith(b"<svg")


def test_lineage_svg_escapes_hostile_titles():
    hostile = 'Hi <script>alert("x")</script> & "quotes" \\N \\G \x01'
    source = ContributionFactory(title=hostile)
    remix = ContributionFactory(title="Remix")
    RemixLinkFactory(source=source, remix=remix)

    svg = lineage_svg(lineage_get(contribution_id=remix.id))

    tree = parse(svg)  # still well-formed XML
    assert not [el for el in tree.iter() if el.tag.split("}")[-1].lower() == "script"]
    assert b"<script" not in svg
    text = node_texts(svg_nodes(svg)[f"c{source.id}"])
    assert '<script>alert("x")</script> & "quotes"' in text
    # dot's own escapes (\N = the node's name) are not expanded.
    assert f"c{source.id}" not in text and "lineage" not in text


def test_lineage_svg_marks_removed_works():
    source = ContributionFactory(title="Gone", removed_at=timezone.now())
    remix = ContributionFactory(title="Still here")
    RemixLinkFactory(source=source, remix=remix)

    nodes = svg_nodes(lineage_svg(lineage_get(contribution_id=remix.id)))

    gone = nodes[f"c{source.id}"]
    assert "(removed)" in node_texts(gone)
    assert any(el.get("stroke-dasharray") for el in gone.iter())
    assert "(removed)" not in node_texts(nodes[f"c{remix.id}"])


def test_lineage_svg_refuses_what_it_cannot_draw():
    lineage = lineage_get(contribution_id=ContributionFactory().id)

    with pytest.raises(LineageRenderError, match="not found"):
        lineage_svg(lineage, dot_binary="/nonexistent/dot")
    with pytest.raises(LineageRenderError, match="failed"):
        lineage_svg(lineage, dot_binary="false")
    big = Lineage(root_id=lineage.root_id, nodes=lineage.nodes * 1001, edges=())
    with pytest.raises(LineageTooLargeError):
        lineage_svg(big)
