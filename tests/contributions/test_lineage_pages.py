"""A lineage read page by page: every page together is the whole lineage, in order, once."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contributions.lineage import lineage_get
from contributions.lineage_pages import LineagePosition, lineage_page
from contributions.models import Contribution
from tests.contributions.factories import make_lineage
from tests.contributions.test_lineage import PROPERTY_SETTINGS, author, dags, rolled_back  # noqa: F401

pytestmark = pytest.mark.django_db


def every_page(**query):
    pages, after = [], None
    while True:
        page = lineage_page(after=after, **query)
        pages.append(page)
        if page.next is None:
            return pages
        after = page.next


@PROPERTY_SETTINGS
@given(
    dag=dags(),
    pick=st.integers(min_value=0),
    direction=st.sampled_from(["up", "down", "both"]),
    depth=st.none() | st.integers(min_value=0, max_value=4),
    limit=st.integers(min_value=1, max_value=6),
)
def test_every_page_together_is_the_whole_lineage(author, dag, pick, direction, depth, limit):  # noqa: F811
    n, edges = dag

    def check():
        works = make_lineage(edges, n, author=author)
        root = works[pick % n].id
        whole = lineage_get(contribution_id=root, direction=direction, depth=depth)

        pages = every_page(contribution_id=root, direction=direction, depth=depth, limit=limit)

        nodes = [node for page in pages for node in page.nodes]
        assert nodes == list(whole.nodes)  # same nodes, same order, each once
        links = [(edge.source, edge.remix) for page in pages for edge in page.edges]
        assert sorted(links) == sorted((edge.source, edge.remix) for edge in whole.edges)
        assert len(links) == len(set(links))  # each link on one page only
        seen: set[int] = set()
        for page in pages:
            assert 1 <= len(page.nodes) <= limit or page is pages[0]
            seen |= {node.id for node in page.nodes}
            # A page's links join its nodes to each other or to earlier pages' nodes.
            assert all(edge.source in seen and edge.remix in seen for edge in page.edges)
            assert (
                any(
                    edge.source in {node.id for node in page.nodes}
                    or edge.remix in {node.id for node in page.nodes}
                    for edge in page.edges
                )
                or not page.edges
            )

    rolled_back(check)


def test_the_first_page_starts_at_the_work_and_its_nearest_remixes():
    # 0 -> 1, 0 -> 2, 1 -> 3, 2 -> 3, 3 -> 4
    w = make_lineage([(0, 1), (0, 2), (1, 3), (2, 3), (3, 4)], 5)

    first = lineage_page(contribution_id=w[0].id, direction="down", limit=3)
    second = lineage_page(contribution_id=w[0].id, direction="down", limit=3, after=first.next)

    assert [(node.id, node.depth) for node in first.nodes] == [
        (w[0].id, 0),
        (w[1].id, 1),
        (w[2].id, 1),
    ]
    assert first.next == LineagePosition(2, 1, w[2].id)
    assert [(node.id, node.depth) for node in second.nodes] == [(w[3].id, 2), (w[4].id, 3)]
    assert second.next is None
    # 3's two sources were on the first page: those links come with 3.
    assert {(e.source, e.remix) for e in second.edges} == {
        (w[1].id, w[3].id),
        (w[2].id, w[3].id),
        (w[3].id, w[4].id),
    }


def test_a_page_is_two_queries_wherever_it_is(django_assert_num_queries):
    w = make_lineage([(0, i) for i in range(1, 40)] + [(i, i + 1) for i in range(1, 39)], 40)
    first = lineage_page(contribution_id=w[0].id, direction="down", limit=5)

    with django_assert_num_queries(2):
        lineage_page(contribution_id=w[0].id, direction="down", limit=5, after=first.next)
    with django_assert_num_queries(2):
        lineage_page(contribution_id=w[0].id, direction="down", limit=30)


def test_an_unknown_work_and_bad_arguments_are_refused():
    w = make_lineage([], 1)
    with pytest.raises(Contribution.DoesNotExist):
        lineage_page(contribution_id=w[0].id + 1)
    with pytest.raises(Contribution.DoesNotExist):
        lineage_page(contribution_id=w[0].id + 1, after=LineagePosition(2, 1, 5))
    for bad in ({"direction": "sideways"}, {"depth": -1}, {"limit": 0}, {"limit": 1001}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            lineage_page(contribution_id=w[0].id, **bad)


@pytest.mark.parametrize(
    "token", ["", "1.2", "a.b.c", "3.1.1", "0.1.5", "2.0.5", "1.1.-1", "２.1.1"]
)
def test_a_cursor_not_given_out_is_refused(token):
    with pytest.raises(ValueError):
        LineagePosition.from_token(token)


def test_a_cursor_reads_back_as_the_position_it_came_from():
    position = LineagePosition(2, 7, 123456)
    assert LineagePosition.from_token(position.token()) == position
