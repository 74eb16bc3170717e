"""The maintained closure and counts equal the walk of the remix graph after any edits."""

import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contributions.ancestry import ancestry_rebuild
from contributions.lineage import lineage_get
from contributions.models import Ancestry, Contribution, LineageCounts, RemixLink
from tests.contributions.factories import ContributionFactory, make_lineage
from tests.contributions.test_lineage import rolled_back

pytestmark = pytest.mark.django_db


def closure_by_walk() -> set[tuple[int, int, int]]:
    """(ancestor, descendant, depth) for every related pair, by walking down from each work."""
    rows = set()
    for work_id in Contribution.objects.values_list("id", flat=True):
        for node in lineage_get(contribution_id=work_id, direction="down").nodes:
            rows.add((work_id, node.id, node.depth))
    return rows


def counts_by_walk() -> dict[int, tuple[int, int, int]]:
    """(remixes, descendants, ancestors) of each work, counting works still present."""
    present = set(Contribution.objects.filter(removed_at__isnull=True).values_list("id", flat=True))
    counts = {}
    for work_id in Contribution.objects.values_list("id", flat=True):
        lineage = lineage_get(contribution_id=work_id)
        related = [node for node in lineage.nodes if node.id in present]
        remixes = RemixLink.objects.filter(source_id=work_id, remix_id__in=present).count()
        counts[work_id] = (
            remixes,
            sum(1 for node in related if node.direction == "down"),
            sum(1 for node in related if node.direction == "up"),
        )
    return counts


def closure_kept() -> set[tuple[int, int, int]]:
    return set(Ancestry.objects.values_list("ancestor_id", "descendant_id", "depth"))


def counts_kept() -> dict[int, tuple[int, int, int]]:
    return {
        row[0]: row[1:]
        for row in LineageCounts.objects.values_list(
            "contribution_id", "remixes", "descendants", "ancestors"
        )
    }


def assert_kept_equals_walk() -> None:
    assert closure_kept() == closure_by_walk()
    assert counts_kept() == counts_by_walk()


# An edit: a new work; a link between the i-th and j-th works; the k-th link removed; the
# i-th work removed (a tombstone) or restored; the i-th work deleted outright (its links go).
edits = st.lists(
    st.one_of(
        st.tuples(st.just("work")),
        st.tuples(st.just("link"), st.integers(0, 30), st.integers(0, 30)),
        st.tuples(st.just("unlink"), st.integers(0, 60)),
        st.tuples(st.just("toggle_removed"), st.integers(0, 30)),
        st.tuples(st.just("delete"), st.integers(0, 30)),
    ),
    max_size=25,
)


def apply(edit, works: list[Contribution], author) -> None:
    kind, *args = edit
    if kind == "work":
        works.append(ContributionFactory(author=author))
        return
    if not works:
        return
    if kind == "link":
        low, high = sorted(works[i % len(works)].id for i in args)
        if low != high:
            RemixLink.objects.get_or_create(source_id=low, remix_id=high)
    elif kind == "unlink":
        links = list(RemixLink.objects.order_by("source_id", "remix_id"))
        if links:
            links[args[0] % len(links)].delete()
    elif kind == "toggle_removed":
        work = works[args[0] % len(works)]
        work.refresh_from_db()
        work.removed_at = None if work.removed_at else work.created_at
        work.save(update_fields=["removed_at"])
    elif kind == "delete":
        works.pop(args[0] % len(works)).delete()


@st.composite
def graphs(draw) -> tuple[int, list[tuple[int, int]]]:
    """A starting graph: up to 12 works and links i -> j (i < j), diamonds and shortcuts."""
    n = draw(st.integers(min_value=1, max_value=12))
    pairs = [(i, j) for j in range(n) for i in range(j)]
    links = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=2 * n)) if pairs else []
    return n, links


@pytest.fixture
def author(db):
    from tests.accounts.factories import UserFactory

    return UserFactory()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(start=graphs(), changes=edits)
def test_closure_and_counts_equal_the_walk_after_any_edits(author, start, changes):
    def check():
        n, links = start
        works = make_lineage(links, n, author=author)
        assert_kept_equals_walk()
        for edit in changes:
            apply(edit, works, author)
        assert_kept_equals_walk()

    rolled_back(check)


def test_a_new_remix_under_a_popular_work_counts_for_every_ancestor():
    # 0 -> 1 -> 2, 0 -> 2: the new remix of 2 is 3 links from 0 by the long way, 2 by the short.
    w = make_lineage([(0, 1), (1, 2), (0, 2)], 3)
    remix = ContributionFactory()

    RemixLink.objects.create(source=w[2], remix=remix)

    assert Ancestry.objects.get(ancestor=w[0], descendant=remix).depth == 2
    assert LineageCounts.objects.get(contribution=w[0]).descendants == 3
    assert LineageCounts.objects.get(contribution=w[2]).remixes == 1
    assert LineageCounts.objects.get(contribution=remix).ancestors == 3


def test_removing_a_shortcut_keeps_the_long_way_at_its_length():
    w = make_lineage([(0, 1), (1, 2), (0, 2)], 3)

    RemixLink.objects.get(source=w[0], remix=w[2]).delete()

    assert Ancestry.objects.get(ancestor=w[0], descendant=w[2]).depth == 2
    assert LineageCounts.objects.get(contribution=w[0]).descendants == 2


def test_a_removed_work_stays_in_the_closure_but_not_in_the_counts():
    w = make_lineage([(0, 1), (1, 2)], 3)

    Contribution.objects.filter(pk=w[1].pk).update(removed_at=w[1].created_at)

    assert Ancestry.objects.filter(ancestor=w[0], descendant=w[2]).exists()
    assert LineageCounts.objects.get(contribution=w[0]).descendants == 1
    assert LineageCounts.objects.get(contribution=w[0]).remixes == 0
    assert LineageCounts.objects.get(contribution=w[2]).ancestors == 1


def test_a_link_is_never_re_pointed():
    w = make_lineage([(0, 2)], 3)

    with pytest.raises(IntegrityError), transaction.atomic():
        RemixLink.objects.filter(source=w[0]).update(source_id=w[1].id)


def test_a_rebuild_from_the_links_alone_gives_what_the_triggers_kept():
    make_lineage([(0, 1), (1, 2), (0, 2), (2, 3), (1, 4)], 5)
    Contribution.objects.filter(title="Work 3").update(
        removed_at=Contribution.objects.first().created_at
    )
    kept = (closure_kept(), counts_kept())
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM contributions_ancestry")

    ancestry_rebuild(batch=2)

    assert (closure_kept(), counts_kept()) == kept


def test_the_rebuild_command_reports_its_progress_and_restores_the_closure(capsys):
    from django.core.management import call_command

    make_lineage([(0, 1), (1, 2)], 3)
    kept = (closure_kept(), counts_kept())
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM contributions_lineagecounts")

    call_command("lineage_rebuild", batch=1)

    assert (closure_kept(), counts_kept()) == kept
    out = capsys.readouterr()
    assert "lineage" in out.err and "match the remix links again" in out.out
