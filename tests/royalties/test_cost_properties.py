"""No sequence of producer actions moves money to a producer beyond what the published rules
allow: random costs (with or without receipt, before or after the release, by the owner or
the co-producer, borne by either), agreements by the right or the wrong producer,
withdrawals, revenue and time passing, through the real services and database, checked
against a model of the rules written here apart from the code."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from contributions.models import RemixLink
from projects.models import ProjectMember, Submission
from projects.services import CreditInput, project_release
from royalties.models import Allocation, Posting, ProductionCost, Recoupment
from royalties.selectors import payable_balances
from royalties.services import (
    cost_window,
    production_cost_approve,
    production_cost_record,
    production_cost_withdraw,
    revenue_record,
)
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project
from tests.royalties.costs import receipt_pdf

PRODUCERS = ("prod", "cop")


@dataclass
class Cost:
    """A cost as the published rules see it."""

    row: ProductionCost
    amount: int
    bearer: str
    recorder: str
    after_release: bool
    approved: bool = False
    window_passed: bool = False
    withdrawn: int = 0
    recouped: int = 0

    def in_effect(self, producers: set[str]) -> bool:
        if not self.after_release or self.approved:
            return True
        # With a producer who neither recorded nor bore it, only their agreement; otherwise
        # the public window.
        if producers - {self.recorder, self.bearer}:
            return False
        return self.window_passed

    @property
    def outstanding(self) -> int:
        return self.amount - self.recouped - self.withdrawn


def _amount(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


cost_step = st.tuples(
    st.just("cost"),
    st.sampled_from(PRODUCERS),  # who records it
    st.sampled_from(PRODUCERS),  # who bore it
    st.integers(1, 50_000),
    st.booleans(),  # with a receipt
)
revenue_step = st.tuples(st.just("revenue"), st.integers(1, 80_000))
# Costs and revenue twice as likely as the rest: a cost waiting when revenue comes is what
# the rules are about.
later_step = st.one_of(
    cost_step,
    revenue_step,
    cost_step,
    revenue_step,
    st.tuples(st.just("approve"), st.integers(0, 30), st.sampled_from(PRODUCERS)),
    st.tuples(st.just("withdraw"), st.integers(0, 30), st.sampled_from(PRODUCERS)),
    st.tuples(st.just("time")),
)


@pytest.mark.django_db
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The sequences the rules are written against, tried every time besides the random ones:
# a producer agreeing to their own cost, the bearer agreeing to what pays them, a cost without
# its receipt after the release, a window passing between two revenue events.
@example(
    with_coproducer=True, before=[],
    after=[("cost", "prod", "prod", 500, True), ("approve", 0, "prod"), ("revenue", 900),
           ("approve", 0, "cop"), ("revenue", 900)],
)  # fmt: skip
@example(
    with_coproducer=True, before=[("cost", "cop", "cop", 300, False)],
    after=[("cost", "cop", "prod", 500, True), ("approve", 1, "prod"), ("approve", 1, "cop"),
           ("revenue", 900), ("time",), ("withdraw", 0, "prod"), ("revenue", 900)],
)  # fmt: skip
@example(
    with_coproducer=False, before=[],
    after=[("cost", "prod", "prod", 500, False), ("cost", "prod", "prod", 500, True),
           ("revenue", 300), ("time",), ("revenue", 300), ("cost", "cop", "prod", 9, True)],
)  # fmt: skip
@given(
    with_coproducer=st.booleans(),
    before=st.lists(cost_step, max_size=3),
    after=st.lists(later_step, min_size=2, max_size=16),
)
def test_producers_get_only_what_the_published_rules_allow(with_coproducer, before, after):
    with transaction.atomic():
        _run(with_coproducer, before, after)
        transaction.set_rollback(True)


def _run(with_coproducer: bool, before: list, after: list) -> None:
    users = {name: UserFactory(username=name) for name in ("prod", "cop", "ana", "bo")}
    project = make_project(owner=users["prod"], title="Night Bus", contributor_pool="1/2")
    producers = {"prod"}
    if with_coproducer:
        ProjectMember.objects.create(
            project=project, user=users["cop"], role=ProjectMember.Role.CO_PRODUCER,
            accepted_at=timezone.now(),
        )  # fmt: skip
        producers.add("cop")
    costs: list[Cost] = []
    released = False

    def record(step) -> None:
        _, recorder, bearer, amount, with_receipt = step
        if recorder not in producers or bearer not in producers:
            with pytest.raises((PermissionDenied, ValidationError)):
                _record(project, users, recorder, bearer, amount, with_receipt)
            return
        if released and not with_receipt:  # after the release, no cost without its receipt
            count = ProductionCost.objects.count()
            with pytest.raises(ValidationError, match="needs its receipt"):
                _record(project, users, recorder, bearer, amount, with_receipt)
            assert ProductionCost.objects.count() == count
            return
        row = _record(project, users, recorder, bearer, amount, with_receipt)
        costs.append(Cost(row, amount, bearer, recorder, after_release=released))

    for step in before:
        record(step)
    loop = ContributionFactory(author=users["ana"], title="Loop")
    song = ContributionFactory(author=users["bo"], title="Song")
    RemixLink.objects.create(source=loop, remix=song)
    Submission.objects.create(
        project=project, contribution=song, submitted_by=song.author, status="accepted"
    )
    project_release(
        project=project, actor=users["prod"], credits=[CreditInput(song.id, 1)], commercial=True
    )
    released = True

    revenue = 0
    for n, step in enumerate(after):
        if step[0] == "cost":
            record(step)
        elif step[0] == "approve":
            _approve(costs, step, users, producers)
        elif step[0] == "withdraw":
            _withdraw(costs, step, users, producers)
        elif step[0] == "time":
            ProductionCost.objects.filter(effective_at__gt=timezone.now()).update(
                effective_at=F("effective_at") - cost_window() - dt.timedelta(seconds=1)
            )
            for cost in costs:
                cost.window_passed = True
        else:
            revenue += step[1]
            _earn(project, users, costs, producers, step[1], f"e{n}")
    _check_totals(users, costs, producers, revenue)


def _record(project, users, recorder, bearer, amount, with_receipt) -> ProductionCost:
    return production_cost_record(
        project=project, actor=users[recorder], amount=_amount(amount), currency="USD",
        note="cost", borne_by=users[bearer], receipt=receipt_pdf() if with_receipt else None,
    )  # fmt: skip


def _approve(costs: list[Cost], step, users, producers: set[str]) -> None:
    _, index, actor = step
    if not costs:
        return
    cost = costs[index % len(costs)]
    allowed = (
        actor in producers
        and not cost.withdrawn
        and not cost.in_effect(producers)
        and actor not in (cost.recorder, cost.bearer)
    )
    if not allowed:  # the recorder, the bearer, a cost in effect or withdrawn: refused
        before = ProductionCost.objects.filter(pk=cost.row.pk).values().get()
        with pytest.raises((PermissionDenied, ValidationError)):
            production_cost_approve(cost=cost.row, actor=users[actor])
        assert ProductionCost.objects.filter(pk=cost.row.pk).values().get() == before
        return
    production_cost_approve(cost=cost.row, actor=users[actor])
    cost.approved = True


def _withdraw(costs: list[Cost], step, users, producers: set[str]) -> None:
    _, index, actor = step
    if not costs:
        return
    cost = costs[index % len(costs)]
    if actor not in producers or cost.withdrawn or not cost.outstanding:
        with pytest.raises((PermissionDenied, ValidationError)):
            production_cost_withdraw(cost=cost.row, actor=users[actor], reason="typo")
        return
    production_cost_withdraw(cost=cost.row, actor=users[actor], reason="typo")
    cost.withdrawn = cost.outstanding


def _earn(project, users, costs: list[Cost], producers: set[str], amount: int, key: str) -> None:
    event, _ = revenue_record(
        project=project, actor=users["prod"], amount=_amount(amount), currency="USD",
        idempotency_key=key,
    )  # fmt: skip
    # The rules: costs in effect, oldest first, each in full before the next; then the profit.
    expected: dict[int, int] = {}
    left = amount
    for cost in costs:
        if left and cost.in_effect(producers) and cost.outstanding:
            paid = min(left, cost.outstanding)
            expected[cost.row.pk] = paid
            cost.recouped += paid
            left -= paid
    recouped = dict(event.recoupments.values_list("cost_id", "amount_minor"))
    allocated = event.allocations.aggregate(total=Sum("amount_minor"))["total"] or 0
    assert recouped == expected  # a pending or withdrawn cost is never paid back
    assert event.recouped_minor == sum(recouped.values())
    assert allocated + event.recouped_minor == amount  # each event sums exactly
    # Contributors' profit shrinks by costs in effect only.
    assert allocated == amount - sum(expected.values())
    for row in Recoupment.objects.filter(event=event).select_related("cost"):
        assert row.cost.effective_at is not None and row.cost.effective_at <= event.created_at


def _check_totals(users, costs: list[Cost], producers: set[str], revenue: int) -> None:
    for cost in costs:
        row = ProductionCost.objects.get(pk=cost.row.pk)
        assert (row.recouped_minor, row.withdrawn_minor) == (cost.recouped, cost.withdrawn)
        assert row.recouped_minor <= row.amount_minor - row.withdrawn_minor
    for name in PRODUCERS:
        user = users[name]
        repaid = (
            Recoupment.objects.filter(cost__borne_by=user).aggregate(t=Sum("amount_minor"))["t"]
            or 0
        )
        # Paid back at most what they bore of costs that took effect and were not withdrawn.
        assert repaid <= sum(
            cost.amount - cost.withdrawn
            for cost in costs
            if cost.bearer == name and cost.in_effect(producers)
        )
        assert repaid == sum(cost.recouped for cost in costs if cost.bearer == name)
        # And nothing reaches them but their share of the profit and what they were paid back.
        share = Allocation.objects.filter(user=user).aggregate(t=Sum("amount_minor"))["t"] or 0
        assert payable_balances(user=user).get("USD", 0) == share + repaid
    assert Posting.objects.aggregate(total=Sum("amount_minor"))["total"] in (0, None)
    allocated = Allocation.objects.aggregate(total=Sum("amount_minor"))["total"] or 0
    assert allocated + sum(cost.recouped for cost in costs) == revenue
