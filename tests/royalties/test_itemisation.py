"""Each revenue event's allocations are divided among the parties' lines by a job after it."""

import math
from collections import defaultdict
from fractions import Fraction

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contributions.models import RemixLink
from projects.models import Submission
from projects.services import CreditInput, project_release
from royalties.models import (
    Allocation,
    AllocationLine,
    EventItemisation,
    ReleaseLine,
    ReleaseParty,
    RevenueEvent,
)
from royalties.services import revenue_itemise, revenue_record, statement_build
from royalties.tasks import itemise_revenue
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def _works(author_of: list[int]) -> list:
    """One work per entry, by the author that entry names; the odd ones remix the first."""
    authors = [UserFactory() for _ in range(max(author_of) + 1)]
    works = [ContributionFactory(author=authors[a]) for a in author_of]
    for work in works[1::2]:
        RemixLink.objects.create(source=works[0], remix=work)
    return works


def _released(works: list, weights: list[int], *, title: str = "Night Bus"):
    """A project crediting the works with the weights; its owner also authored the first."""
    project = make_project(title=title, owner=works[0].author)
    for work in works:
        Submission.objects.create(
            project=project, contribution=work, submitted_by=work.author, status="accepted"
        )
    release = project_release(
        project=project,
        actor=project.owner,
        credits=[CreditInput(work.id, weight) for work, weight in zip(works, weights, strict=True)],
        commercial=False,
    )
    return project, release


def _post(project, amount_minor: int, key: str) -> RevenueEvent:
    event, _ = revenue_record(
        project=project, actor=project.owner, currency="USD", idempotency_key=key,
        amount=f"{amount_minor // 100}.{amount_minor % 100:02d}",
    )  # fmt: skip
    return event


def _lines_by_event(project) -> list[dict[tuple[int, int | None], int]]:
    """Each event's line amounts, oldest event first: {(user, contribution): amount}."""
    by_event: dict[int, dict] = defaultdict(dict)
    for event_id, user_id, contribution_id, amount in AllocationLine.objects.filter(
        allocation__event__project=project
    ).values_list(
        "allocation__event_id", "allocation__user_id", "line__contribution_id", "amount_minor"
    ):
        by_event[event_id][(user_id, contribution_id)] = amount
    events = (
        RevenueEvent.objects.filter(project=project).order_by("id").values_list("id", flat=True)
    )
    return [by_event[event_id] for event_id in events]


def _check_lines(project, release) -> None:
    """Every event itemised; lines add up to allocations; each line within quota of its
    part of the person's running total after every event; stored totals match."""
    events = list(RevenueEvent.objects.filter(project=project).order_by("id"))
    assert EventItemisation.objects.filter(event__in=events).count() == len(events)
    lines = {
        line.id: (line.party.user_id, Fraction(line.share_exact) / Fraction(line.party.share_exact))
        for line in ReleaseLine.objects.filter(party__release=release).select_related("party")
    }
    person_total: dict[int, int] = defaultdict(int)
    line_total: dict[int, int] = defaultdict(int)
    for event in events:
        for allocation in Allocation.objects.filter(event=event):
            parts = dict(allocation.lines.values_list("line_id", "amount_minor"))
            assert sum(parts.values()) == allocation.amount_minor  # nothing lost or made
            assert all(part > 0 for part in parts.values())
            person_total[allocation.user_id] += allocation.amount_minor
            for line_id, part in parts.items():
                assert lines[line_id][0] == allocation.user_id  # only the person's own lines
                line_total[line_id] += part
        for line_id, (user_id, fraction) in lines.items():
            exact = fraction * person_total[user_id]
            assert math.floor(exact) <= line_total[line_id] <= math.ceil(exact)
    stored = dict(
        ReleaseLine.objects.filter(party__release=release).values_list("id", "allocated_minor")
    )
    assert stored == {line_id: line_total[line_id] for line_id in lines}
    by_party = dict(
        ReleaseLine.objects.filter(party__release=release)
        .values_list("party__user_id")
        .annotate(total=Sum("allocated_minor"))
    )
    assert by_party == dict(
        ReleaseParty.objects.filter(release=release).values_list("user_id", "allocated_minor")
    )


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    author_of=st.lists(st.integers(0, 2), min_size=1, max_size=6),
    data=st.data(),
    amounts=st.lists(
        st.one_of(st.just(1), st.integers(1, 50), st.integers(1, 10**8)), min_size=1, max_size=12
    ),
    itemise_after=st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_events_itemised_late_or_at_once_give_the_same_lines(
    author_of, data, amounts, itemise_after
):
    """Whenever the jobs run (after each event, or once after many), each event gets the
    same lines, and the lines keep the money rules within each person's part."""
    weights = data.draw(
        st.lists(st.integers(1, 9), min_size=len(author_of), max_size=len(author_of))
    )
    with transaction.atomic():
        works = _works(author_of)
        at_once, at_once_release = _released(works, weights, title="At once")
        late, late_release = _released(works, weights, title="Late")
        for n, amount in enumerate(amounts):
            _post(at_once, amount, f"e{n}")
            revenue_itemise(release_id=at_once_release.id)
            _post(late, amount, f"e{n}")
            if itemise_after[n]:
                revenue_itemise(release_id=late_release.id)
        # What waits is itemised in one go, its lines written a few at a time.
        revenue_itemise(release_id=late_release.id, rows_per_write=2)

        _check_lines(at_once, at_once_release)
        _check_lines(late, late_release)
        assert _lines_by_event(late) == _lines_by_event(at_once)
        transaction.set_rollback(True)


def test_the_job_is_queued_after_the_commit_and_does_its_work_once(
    django_capture_on_commit_callbacks,
):
    project, release = _released(_works([0, 1, 1]), [1, 2, 3])
    with django_capture_on_commit_callbacks() as after_commit:
        event = _post(project, 1_000, "k")
    assert not AllocationLine.objects.filter(allocation__event=event).exists()
    assert not EventItemisation.objects.filter(event=event).exists()

    for job in after_commit:
        job()
    lines = AllocationLine.objects.filter(allocation__event=event).count()
    itemise_revenue.delay(release.id)  # a redelivered job
    assert revenue_itemise(release_id=release.id) == 0

    assert lines > 0
    assert AllocationLine.objects.filter(allocation__event=event).count() == lines
    assert EventItemisation.objects.filter(event=event).count() == 1
    _check_lines(project, release)


def test_a_statement_itemises_the_events_it_reads_whose_job_has_not_run():
    project, release = _released(_works([0, 1, 1]), [1, 2, 3])
    first = _post(project, 700, "a")  # no job runs: no commit inside this test's transaction
    _post(project, 555, "b")
    [earner] = {a.user for a in Allocation.objects.filter(event=first) if a.user != project.owner}

    statement = statement_build(user_id=earner.id, period=first.created_at.date(), currency="USD")

    owed = Allocation.objects.filter(user=earner).aggregate(t=Sum("amount_minor"))["t"]
    assert statement.earned_minor == owed
    assert sum(line.amount_minor for line in statement.lines.all()) == owed
    assert len(statement.lines.all()) == 2  # the person's two works
    _check_lines(project, release)


def test_an_event_of_a_release_with_nothing_waiting_is_not_itemised_twice():
    project, release = _released(_works([0]), [1])
    _post(project, 100, "a")
    assert revenue_itemise(release_id=release.id) == 1
    _post(project, 100, "b")

    assert revenue_itemise(release_id=release.id) == 1
    assert revenue_itemise(release_id=release.id) == 0
    _check_lines(project, release)
