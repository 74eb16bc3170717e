"""Money rules over random sequences of revenue events, through the real services and database."""

import math
import threading
from fractions import Fraction

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contributions.models import RemixLink
from projects.models import Submission
from projects.services import CreditInput, project_release
from royalties.models import Allocation, LedgerAccount, Posting, ReleaseParty, RevenueEvent
from royalties.selectors import release_split
from royalties.services import revenue_record
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project
from tests.royalties.test_itemisation import _check_lines


def _release(weights: list[int], pool: str = "1/2"):
    """A project crediting one work per weight, the first works remixing a shared source."""
    project = make_project(contributor_pool=pool)
    source = ContributionFactory(author=UserFactory())
    credits = []
    for i, weight in enumerate(weights):
        work = ContributionFactory(author=UserFactory())
        if i % 2 == 0:
            RemixLink.objects.create(source=source, remix=work)
        Submission.objects.create(
            project=project, contribution=work, submitted_by=work.author, status="accepted"
        )
        credits.append(CreditInput(work.id, weight))
    release = project_release(
        project=project, actor=project.owner, credits=credits, commercial=False
    )
    return project, release


def _check_money_rules(project, release, shares: dict[int, Fraction]) -> None:
    events = list(RevenueEvent.objects.filter(project=project).order_by("id"))
    running: dict[int, int] = {}
    revenue = 0
    for event in events:
        allocations = dict(event.allocations.values_list("user_id", "amount_minor"))
        assert sum(allocations.values()) == event.amount_minor  # each event sums exactly
        assert all(amount >= 0 for amount in allocations.values())  # never negative
        revenue += event.amount_minor
        for user_id, amount in allocations.items():
            running[user_id] = running.get(user_id, 0) + amount
        for user_id, share in shares.items():  # within one minor unit, after every event
            exact = share * revenue
            assert math.floor(exact) <= running.get(user_id, 0) <= math.ceil(exact)
    assert Posting.objects.aggregate(total=Sum("amount_minor"))["total"] in (0, None)


@pytest.mark.django_db
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    weights=st.lists(st.integers(1, 9), min_size=1, max_size=5),
    amounts=st.lists(
        st.one_of(st.just(1), st.integers(1, 50), st.integers(1, 10**9)), min_size=1, max_size=25
    ),
    replays=st.lists(st.integers(0, 24), max_size=5),
)
def test_any_sequence_of_events_keeps_the_money_rules(weights, amounts, replays):
    with transaction.atomic():
        project, release = _release(weights)
        shares = release_split(release=release).shares()
        for n, amount in enumerate(amounts):
            revenue_record(
                project=project, actor=project.owner, amount=f"{amount // 100}.{amount % 100:02d}",
                currency="USD", idempotency_key=f"e{n}",
            )  # fmt: skip
        before = (RevenueEvent.objects.count(), Posting.objects.count())
        for n in replays:  # replaying a key records nothing
            if n < len(amounts):
                revenue_record(
                    project=project, actor=project.owner,
                    amount=f"{amounts[n] // 100}.{amounts[n] % 100:02d}", currency="USD",
                    idempotency_key=f"e{n}",
                )  # fmt: skip
        assert (RevenueEvent.objects.count(), Posting.objects.count()) == before
        _check_money_rules(project, release, shares)
        parties = dict(
            ReleaseParty.objects.filter(release=release).values_list("user_id", "allocated_minor")
        )
        totals = dict(
            Allocation.objects.filter(event__project=project)
            .values_list("user_id")
            .annotate(total=Sum("amount_minor"))
        )
        assert {u: t for u, t in parties.items() if t} == totals
        transaction.set_rollback(True)


@pytest.mark.django_db(transaction=True)
def test_concurrent_revenue_posts_lose_and_double_no_cent():
    if connection.vendor != "postgresql":
        pytest.skip("row locks under real concurrency are a PostgreSQL matter")
    project, release = _release([3, 2, 1])
    shares = release_split(release=release).shares()
    amounts = [1, 7, 99, 100_000, 3, 12_345, 1, 1, 50, 999] * 2
    barrier = threading.Barrier(len(amounts) + 4)
    errors: list[BaseException] = []

    def post(key: str, amount: int) -> None:
        try:
            barrier.wait()
            revenue_record(
                project=project, actor=project.owner, amount=f"{amount // 100}.{amount % 100:02d}",
                currency="USD", idempotency_key=key,
            )  # fmt: skip
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(f"k{n}", a)) for n, a in enumerate(amounts)]
    # The same key four more times, at the same moment: recorded once.
    threads += [threading.Thread(target=post, args=("k0", amounts[0])) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert RevenueEvent.objects.filter(project=project).count() == len(amounts)
    total = Allocation.objects.filter(event__project=project).aggregate(t=Sum("amount_minor"))["t"]
    assert total == sum(amounts)
    _check_money_rules(project, release, shares)
    # Each post's itemisation job ran right after its commit, in its thread, concurrently
    # with the others: every event was itemised once, in order.
    _check_lines(project, release)


@pytest.mark.django_db(transaction=True)
def test_first_posts_to_two_projects_at_once_open_one_account_per_person():
    """Two releases credit the same people; their first revenue arrives at the same moment:
    each person gets one payable account, credited by both events."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks under real concurrency are a PostgreSQL matter")
    works = [ContributionFactory(author=UserFactory()) for _ in range(30)]
    projects = []
    for title in ("Night Bus", "Day Tram"):
        project = make_project(title=title)
        for work in works:
            Submission.objects.create(
                project=project, contribution=work, submitted_by=work.author, status="accepted"
            )
        project_release(
            project=project, actor=project.owner,
            credits=[CreditInput(work.id, 1) for work in works], commercial=False,
        )  # fmt: skip
        projects.append(project)
    barrier = threading.Barrier(len(projects))
    errors: list[BaseException] = []

    def post(project) -> None:
        try:
            barrier.wait()
            revenue_record(
                project=project, actor=project.owner, amount="30.00", currency="USD",
                idempotency_key="first",
            )  # fmt: skip
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(project,)) for project in projects]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    authors = [work.author_id for work in works]
    accounts = LedgerAccount.objects.filter(kind=LedgerAccount.Kind.PAYABLE, user_id__in=authors)
    assert sorted(accounts.values_list("user_id", flat=True)) == sorted(authors)
    owed = dict(
        Posting.objects.filter(account__in=accounts)
        .values_list("account__user_id")
        .annotate(total=Sum("amount_minor"))
    )
    assert owed == dict.fromkeys(authors, -2 * 50)  # 15.00 / 30 each, twice
