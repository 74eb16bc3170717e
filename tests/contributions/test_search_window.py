"""A search's window on PostgreSQL: `hitrec_newest_matches` returns exactly the newest matches,
whichever way it reads them (the newest documents one by one, more of them, the index).

The function's three ways are chosen by what its sample sees, so each is driven here with
small numbers: a sample and a walk of a few documents among a few dozen works.
"""

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contributions import search as works_search_module
from contributions.models import Contribution
from contributions.search import works_search
from hitrec.search import query_parsed
from tests.contributions.factories import ContributionFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL's window function (FTS5 has rowid)"
    ),
]

WORKS = 40


@pytest.fixture
def works(db) -> list[int]:
    """WORKS public works, oldest first, none saying "cello" yet."""
    return [
        ContributionFactory(title=f"Piece {n}", kind=Contribution.Kind.AUDIO, text="").id
        for n in range(WORKS)
    ]


def say_cello(ids: set[int]) -> None:
    """The works of `ids` say "cello" in their descriptions; the others do not."""
    for work in Contribution.objects.filter(id__in=ids).exclude(description="with a cello"):
        work.description = "with a cello"
        work.save(update_fields=["description"])
    Contribution.objects.exclude(id__in=ids).filter(description="with a cello").update(
        description=""
    )


def newest_matches(*, wanted: int, sample: int, walk: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM hitrec_newest_matches(to_tsquery('hitrec', 'cello'), %s, %s, %s) id",
            [wanted, sample, walk],
        )
        return [id for (id,) in cursor.fetchall()]


def expected(ids: list[int], matching: set[int], wanted: int) -> list[int]:
    return sorted((i for i in ids if i in matching), reverse=True)[:wanted]


def test_a_common_word_fills_the_window_from_the_newest_documents(works):
    say_cello(set(works[-10:]) | set(works[:5]))

    assert newest_matches(wanted=4, sample=6, walk=10) == works[-1:-5:-1]


def test_a_word_dense_enough_is_walked_further_down(works):
    # 2 of the newest 6 match: probably enough for 3 more within 12 more documents.
    matching = {works[-1], works[-4], works[-8], works[-12], works[-15], works[2]}
    say_cello(matching)

    assert newest_matches(wanted=5, sample=6, walk=12) == expected(works, matching, 5)


def test_a_sparse_word_is_read_from_the_index(works):
    matching = {works[3], works[9], works[20]}  # none among the newest
    say_cello(matching)

    assert newest_matches(wanted=5, sample=6, walk=12) == [works[20], works[9], works[3]]


def test_a_walk_that_falls_short_takes_the_rest_from_the_index(works):
    # Dense at the top, then nothing for longer than the walk, then old matches.
    matching = {works[-1], works[-2], works[-3], works[1], works[0]}
    say_cello(matching)

    assert newest_matches(wanted=5, sample=4, walk=6) == expected(works, matching, 5)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    shares=st.lists(st.booleans(), min_size=WORKS, max_size=WORKS),
    wanted=st.integers(min_value=1, max_value=12),
    sample=st.integers(min_value=1, max_value=12),
    walk=st.integers(min_value=1, max_value=30),
)
def test_the_window_is_exactly_the_newest_matches_whatever_way_it_is_read(
    works, shares, wanted, sample, walk
):
    matching = {work for work, says in zip(works, shares, strict=True) if says}
    say_cello(matching)

    assert newest_matches(wanted=wanted, sample=sample, walk=walk) == expected(
        works, matching, wanted
    )


def test_the_search_ranks_the_window_so_read(works, monkeypatch):
    monkeypatch.setattr(works_search_module, "WINDOW", 3)
    monkeypatch.setattr(works_search_module, "SAMPLE", 2)
    monkeypatch.setattr(works_search_module, "WALK", 4)
    say_cello({works[0], works[10], works[20], works[30]})
    Contribution.objects.filter(id=works[10]).update(title="Cello at last")

    result = works_search(query=query_parsed("cello"))

    assert (result.count, result.capped) == (3, True)
    # The title match ranks first within the newest three; the oldest is outside them.
    assert [f.work.id for f in result.found] == [works[10], works[30], works[20]]
