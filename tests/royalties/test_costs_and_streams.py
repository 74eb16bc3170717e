"""Production costs are paid back before profit is split; revenue streams split by their own pool."""

import datetime as dt
import math
import threading
from fractions import Fraction
from functools import partial
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contributions.models import RemixLink
from projects.models import ProjectMember, Submission
from projects.services import CreditInput, project_release
from royalties.apportion import recoupment_plan
from royalties.models import (
    Allocation,
    Posting,
    ProductionCost,
    Recoupment,
    RevenueEvent,
    StatementLine,
)
from royalties.selectors import payable_balances, release_split
from royalties.services import (
    production_cost_record,
    production_cost_withdraw,
    revenue_record,
    revenue_stream_create,
    statements_build_month,
)
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project
from tests.royalties.costs import cost_in_effect

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def people():
    return {name: UserFactory(username=name) for name in ("prod", "ana", "bo", "cy")}


@pytest.fixture
def project(people):
    """Ana's loop, remixed by Bo into the song the project releases; produced by Prod."""
    loop = ContributionFactory(author=people["ana"], title="Loop")
    song = ContributionFactory(author=people["bo"], title="Song")
    RemixLink.objects.create(source=loop, remix=song)
    project = make_project(owner=people["prod"], title="Night Bus", contributor_pool="1/2")
    Submission.objects.create(
        project=project, contribution=song, submitted_by=song.author, status="accepted"
    )
    project_release(
        project=project, actor=people["prod"], credits=[CreditInput(song.id, 1)], commercial=True
    )
    return project


def earn(project, amount: str, key: str, stream: str | None = None) -> RevenueEvent:
    event, _ = revenue_record(
        project=project, actor=project.owner, amount=amount, currency="USD",
        idempotency_key=key, stream=stream,
    )  # fmt: skip
    return event


def allocations(event: RevenueEvent) -> dict[int, int]:
    return dict(event.allocations.values_list("user_id", "amount_minor"))


def test_revenue_pays_back_costs_first_then_splits_the_profit(project, people):
    cost = cost_in_effect(
        project=project, actor=people["prod"], amount="100.00", currency="USD", note="Studio day"
    )

    first = earn(project, "60.00", "a")  # all of it pays back the studio day
    assert first.recouped_minor == 6000
    assert allocations(first) == {}
    second = earn(project, "100.00", "b")  # 40.00 finishes paying it back, 60.00 is profit
    assert second.recouped_minor == 4000
    assert sum(allocations(second).values()) == 6000
    third = earn(project, "10.00", "c")  # nothing left to pay back: all profit
    assert third.recouped_minor == 0

    cost.refresh_from_db()
    assert cost.recouped_minor == cost.amount_minor == 10000
    assert list(Recoupment.objects.values_list("event_id", "amount_minor")) == [
        (first.id, 6000),
        (second.id, 4000),
    ]
    # Prod gets the 100.00 back and half of the 70.00 profit; Bo and Ana share the rest.
    assert payable_balances(user=people["prod"]) == {"USD": 10000 + 3500}
    split_profit = sum(payable_balances(user=people[name]).get("USD", 0) for name in ("ana", "bo"))
    assert split_profit == 3500
    assert Posting.objects.aggregate(total=Sum("amount_minor"))["total"] == 0


def test_costs_are_paid_back_oldest_first_to_whoever_bore_them(project, people):
    co = UserFactory(username="co")
    ProjectMember.objects.create(project=project, user=co, accepted_at=dt.datetime.now(dt.UTC))
    cost_in_effect(
        project=project, actor=people["prod"], amount="5.00", currency="USD", note="Strings"
    )
    cost_in_effect(
        project=project, actor=people["prod"], amount="5.00", currency="USD", note="Mixing",
        borne_by=co,
    )  # fmt: skip

    earn(project, "7.00", "a")

    assert payable_balances(user=co) == {"USD": 200}
    assert payable_balances(user=people["prod"]) == {"USD": 500}


def test_a_budget_stream_pays_everything_to_contributors_and_recoups_nothing(project, people):
    cost_in_effect(
        project=project, actor=people["prod"], amount="50.00", currency="USD", note="Camera"
    )
    budget = revenue_stream_create(project=project, actor=people["prod"], name="budget")
    assert (budget.contributor_pool, budget.recoups_costs) == (1, False)

    event = earn(project, "300.00", "budget-1", stream="budget")

    assert event.stream == budget and event.recouped_minor == 0
    paid = allocations(event)
    assert people["prod"].id not in paid  # the producer's share of a budget is nothing
    assert sum(paid.values()) == 30000
    release = project.release
    shares = release_split(release=release, stream=budget).shares()
    assert set(paid) == set(shares)
    assert all(paid[user] == shares[user] * 30000 for user in shares)  # exact here


def test_each_stream_keeps_its_own_pool_and_running_totals(project, people):
    publishing = revenue_stream_create(
        project=project, actor=people["prod"], name="publishing", contributor_pool="30%"
    )
    assert publishing.contributor_pool == Fraction(3, 10)

    default = earn(project, "10.00", "d1")
    publishing_event = earn(project, "10.00", "p1", stream="publishing")

    assert allocations(default)[people["prod"].id] == 500  # the release's pool: 1/2
    assert allocations(publishing_event)[people["prod"].id] == 700  # the stream's: 30%
    assert publishing_event.cumulative_minor == 1000  # its own running total, not 2000


def test_unknown_streams_and_bad_costs_are_refused_with_what_is_wrong(project, people):
    revenue_stream_create(project=project, actor=people["prod"], name="master")
    with pytest.raises(ValidationError, match="no revenue stream “sync”; its streams are master"):
        earn(project, "1.00", "x", stream="sync")
    with pytest.raises(ValidationError, match="already has a stream “master”"):
        revenue_stream_create(project=project, actor=people["prod"], name="master")
    with pytest.raises(ValidationError, match="between 0 and 1"):
        revenue_stream_create(
            project=project, actor=people["prod"], name="sync", contributor_pool="3/2"
        )
    with pytest.raises(ValidationError, match="EUR|USD"):
        production_cost_record(
            project=project, actor=people["prod"], amount="1.00", currency="EUR", note="x"
        )
    with pytest.raises(ValidationError, match="producer"):
        production_cost_record(
            project=project, actor=people["prod"], amount="1.00", currency="USD", note="x",
            borne_by=people["cy"],
        )  # fmt: skip
    assert not RevenueEvent.objects.exists() and not ProductionCost.objects.exists()


def test_statements_show_recoupment_lines_beside_earnings(project, people):
    cost_in_effect(
        project=project, actor=people["prod"], amount="20.00", currency="USD", note="Studio day"
    )
    earn(project, "100.00", "a")

    statements_build_month(period=dt.datetime.now(dt.UTC).date())

    lines = StatementLine.objects.filter(statement__user=people["prod"]).order_by("kind")
    assert [(line.kind, line.amount_minor) for line in lines] == [
        ("earning", 4000),  # half of the 80.00 profit
        ("recoupment", 2000),
    ]
    assert "Studio day" in lines[1].description
    statement = lines[0].statement
    assert statement.earned_minor == 6000 == payable_balances(user=people["prod"])["USD"]


# --- the API ---------------------------------------------------------------------------------


def _client_for(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def test_producers_record_costs_with_a_receipt_that_they_and_the_people_credited_download(
    api_client, project, people, settings
):
    client = _client_for(api_client, people["prod"])
    receipt = SimpleUploadedFile("studio.pdf", PDF, content_type="application/pdf")
    response = client.post(
        f"/api/projects/{project.id}/costs/",
        {"amount": "12.50", "currency": "USD", "note": "Studio", "receipt": receipt},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["amount_minor"], body["outstanding_minor"], body["borne_by"]["id"]) == (
        1250, 1250, people["prod"].id,
    )  # fmt: skip
    # Prod is the only producer: nobody can agree, so the cost waits for its public window.
    assert (body["status"], body["rule"], body["has_receipt"]) == ("pending", "window", True)

    download = client.get(body["receipt"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")

    _client_for(api_client, people["ana"])  # credited: her loop is in the release's lineage
    assert client.get(body["receipt"]).status_code == 200
    assert client.get(f"/api/projects/{project.id}/costs/").status_code == 200
    _client_for(api_client, people["cy"])  # in nothing of the project
    assert client.get(body["receipt"]).status_code == 404
    assert client.get(f"/api/projects/{project.id}/costs/").status_code == 403


def test_a_receipt_that_is_not_a_pdf_or_picture_leaves_nothing_behind(
    api_client, project, people, settings
):
    client = _client_for(api_client, people["prod"])
    fake = SimpleUploadedFile("receipt.pdf", b"<html><script>alert(1)</script>", "application/pdf")
    response = client.post(
        f"/api/projects/{project.id}/costs/",
        {"amount": "1.00", "currency": "USD", "note": "x", "receipt": fake},
        format="multipart",
    )
    assert response.status_code == 400
    assert "receipt" in response.json()
    assert not ProductionCost.objects.exists()
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_streams_through_the_api_and_the_split_of_a_stream(api_client, project, people):
    client = _client_for(api_client, people["prod"])
    created = client.post(f"/api/projects/{project.id}/streams/", {"name": "budget"}, format="json")
    assert created.status_code == 201
    assert created.json()["contributor_pool"] == "1"
    assert created.json()["recoups_costs"] is False

    posted = client.post(
        f"/api/projects/{project.id}/revenue/",
        {"amount": "9.00", "currency": "USD", "stream": "budget"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="b1",
    )
    assert posted.status_code == 201
    assert posted.json()["stream"] == "budget"
    assert posted.json()["recoupments"] == []

    api_client.force_authenticate(None)
    streams = api_client.get(f"/api/projects/{project.id}/streams/").json()
    assert [s["name"] for s in streams] == ["budget"]
    split = api_client.get(f"/api/projects/{project.id}/split/?stream=budget").json()
    assert people["prod"].id not in {party["user"] for party in split["parties"]}
    assert api_client.get(f"/api/projects/{project.id}/split/?stream=nope").status_code == 404
    refused = api_client.post(f"/api/projects/{project.id}/streams/", {"name": "x"})
    assert refused.status_code in (401, 403)


def test_the_revenue_list_shows_recoupments_in_constant_queries(
    api_client, project, people, django_assert_max_num_queries
):
    cost_in_effect(
        project=project, actor=people["prod"], amount="3.00", currency="USD", note="Strings"
    )
    for n in range(6):
        earn(project, "1.00", f"k{n}")
    client = _client_for(api_client, people["prod"])
    with django_assert_max_num_queries(8):
        events = client.get(f"/api/projects/{project.id}/revenue/").json()["results"]
    assert sum(event["recouped_minor"] for event in events) == 300
    assert [r["amount_minor"] for e in events for r in e["recoupments"]] == [100, 100, 100]


# --- the money rules, over random costs, streams and events ----------------------------------


def test_a_withdrawn_cost_is_not_paid_back_any_further(project, people):
    cost = cost_in_effect(
        project=project, actor=people["prod"], amount="100.00", currency="USD", note="Studio day"
    )
    earn(project, "30.00", "a")  # pays back 30.00 of it

    withdrawn = production_cost_withdraw(
        cost=cost, actor=people["prod"], reason="Recorded twice: the label paid for it."
    )

    assert (withdrawn.recouped_minor, withdrawn.withdrawn_minor) == (3000, 7000)
    assert withdrawn.outstanding_minor == 0
    assert withdrawn.withdrawal_reason == "Recorded twice: the label paid for it."
    assert withdrawn.withdrawn_by == people["prod"]
    later = earn(project, "50.00", "b")
    assert later.recouped_minor == 0
    assert sum(allocations(later).values()) == 5000  # all of it is profit, split as usual
    # What was paid back stays paid: the ledger is never edited.
    assert payable_balances(user=people["prod"]) == {"USD": 3000 + 2500}
    assert Posting.objects.aggregate(total=Sum("amount_minor"))["total"] == 0


def test_a_withdrawal_leaves_the_other_costs_to_be_paid_back(project, people):
    mistake = cost_in_effect(
        project=project, actor=people["prod"], amount="80.00", currency="USD", note="Typo"
    )
    right = cost_in_effect(
        project=project, actor=people["prod"], amount="8.00", currency="USD", note="Strings"
    )

    production_cost_withdraw(cost=mistake, actor=people["prod"], reason="Meant 8.00")
    event = earn(project, "10.00", "a")

    assert list(event.recoupments.values_list("cost_id", "amount_minor")) == [(right.id, 800)]


@pytest.mark.parametrize(
    ("arrange", "reason", "refusal"),
    [
        ("recouped", "typo", "Revenue has already paid this cost back in full"),
        ("withdrawn", "typo", "This cost was already withdrawn on"),
        ("none", "   ", "Say why the cost is withdrawn."),
    ],
)
def test_withdrawals_that_make_no_sense_are_refused_and_change_nothing(
    project, people, arrange, reason, refusal
):
    cost = cost_in_effect(
        project=project, actor=people["prod"], amount="10.00", currency="USD", note="Strings"
    )
    if arrange == "recouped":
        earn(project, "10.00", "a")
    if arrange == "withdrawn":
        production_cost_withdraw(cost=cost, actor=people["prod"], reason="typo")
    before = ProductionCost.objects.filter(pk=cost.pk).values().get()

    with pytest.raises(ValidationError) as refused:
        production_cost_withdraw(cost=cost, actor=people["prod"], reason=reason)

    assert refusal in str(refused.value)
    assert ProductionCost.objects.filter(pk=cost.pk).values().get() == before


def test_only_the_projects_producers_withdraw_costs(project, people):
    cost = cost_in_effect(
        project=project, actor=people["prod"], amount="10.00", currency="USD", note="Strings"
    )

    with pytest.raises(PermissionDenied, match="Only the producers of “Night Bus”"):
        production_cost_withdraw(cost=cost, actor=people["bo"], reason="typo")

    cost.refresh_from_db()
    assert (cost.withdrawn_at, cost.withdrawn_minor) == (None, 0)


def test_producers_withdraw_a_cost_through_the_api(api_client, project, people):
    cost = cost_in_effect(
        project=project, actor=people["prod"], amount="12.50", currency="USD", note="Taxi"
    )
    url = f"/api/projects/{project.id}/costs/{cost.id}/withdraw/"
    api_client.force_authenticate(people["prod"])

    missing = api_client.post(url, {}, format="json")
    done = api_client.post(url, {"reason": "Not ours"}, format="json")
    again = api_client.post(url, {"reason": "Not ours"}, format="json")
    unknown = api_client.post(
        f"/api/projects/{project.id}/costs/{cost.id + 1}/withdraw/", {"reason": "x"}, format="json"
    )

    assert (missing.status_code, missing.json()) == (400, {"reason": ["This field is required."]})
    assert done.status_code == 200
    body = done.json()
    assert (body["withdrawn_minor"], body["outstanding_minor"], body["withdrawal_reason"]) == (
        1250,
        0,
        "Not ours",
    )
    assert body["withdrawn_at"] is not None
    assert again.status_code == 400 and "already withdrawn" in again.json()["cost"][0]
    assert unknown.status_code == 404
    listed = api_client.get(f"/api/projects/{project.id}/costs/").json()["results"]
    assert [(c["id"], c["withdrawn_minor"]) for c in listed] == [(cost.id, 1250)]


def test_the_recoupment_plan_pays_each_cost_in_full_before_the_next():
    assert recoupment_plan(outstanding=[500, 300], amount=600) == [500, 100]
    assert recoupment_plan(outstanding=[500, 300], amount=10_000) == [500, 300]
    assert recoupment_plan(outstanding=[], amount=7) == []


@pytest.mark.django_db
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("cost"), st.integers(1, 10**6)),
            st.tuples(st.just("withdraw"), st.integers(0, 20)),  # the n-th cost, if any
            st.tuples(
                st.just("revenue"),
                st.integers(1, 10**7),
                st.sampled_from([None, "publishing", "budget"]),
            ),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_costs_and_streams_keep_every_money_rule(steps, people, project):
    with transaction.atomic():
        release = project.release
        streams = {
            None: None,
            "publishing": revenue_stream_create(
                project=project, actor=people["prod"], name="publishing", contributor_pool="1/3"
            ),
            "budget": revenue_stream_create(project=project, actor=people["prod"], name="budget"),
        }
        shares = {
            name: release_split(release=release, stream=s).shares() for name, s in streams.items()
        }
        costs_total = recouped_total = withdrawn_total = 0
        costs: list[ProductionCost] = []
        profit = dict.fromkeys(streams, 0)
        running: dict[tuple, int] = {}
        for n, step in enumerate(steps):
            if step[0] == "cost":
                costs.append(cost_in_effect(
                    project=project, actor=people["prod"], amount=f"{step[1] // 100}.{step[1] % 100:02d}",
                    currency="USD", note=f"cost {n}",
                ))  # fmt: skip
                costs_total += step[1]
                continue
            if step[0] == "withdraw":
                if not costs:
                    continue
                cost = ProductionCost.objects.get(pk=costs[step[1] % len(costs)].pk)
                if cost.withdrawn_at or not cost.outstanding_minor:
                    with pytest.raises(ValidationError):
                        production_cost_withdraw(cost=cost, actor=people["prod"], reason="typo")
                    continue
                withdrawn = production_cost_withdraw(
                    cost=cost, actor=people["prod"], reason="typo"
                ).withdrawn_minor
                assert withdrawn == cost.amount_minor - cost.recouped_minor
                withdrawn_total += withdrawn
                continue
            _, amount, stream = step
            event = earn(project, f"{amount // 100}.{amount % 100:02d}", f"e{n}", stream=stream)
            parts = allocations(event)
            recouped = sum(event.recoupments.values_list("amount_minor", flat=True))
            # Each event sums exactly; nothing is negative; costs first, in full, when it recoups.
            assert sum(parts.values()) + recouped == amount
            assert all(part >= 0 for part in parts.values())
            owed = costs_total - recouped_total - withdrawn_total
            assert recouped == (0 if stream == "budget" else min(owed, amount))
            recouped_total += recouped
            profit[stream] += amount - recouped
            for user_id, part in parts.items():
                running[stream, user_id] = running.get((stream, user_id), 0) + part
            for user_id, share in shares[stream].items():  # within a minor unit of exact
                exact = share * profit[stream]
                assert math.floor(exact) <= running.get((stream, user_id), 0) <= math.ceil(exact)
        totals = ProductionCost.objects.aggregate(
            recouped=Sum("recouped_minor"), withdrawn=Sum("withdrawn_minor")
        )
        assert (totals["recouped"] or 0, totals["withdrawn"] or 0) == (
            recouped_total,
            withdrawn_total,
        )
        # A withdrawn cost is never paid back beyond what it had been when withdrawn.
        assert all(
            cost.outstanding_minor == 0
            for cost in ProductionCost.objects.filter(withdrawn_at__isnull=False)
        )
        assert Posting.objects.aggregate(total=Sum("amount_minor"))["total"] in (0, None)
        allocated = Allocation.objects.aggregate(total=Sum("amount_minor"))["total"] or 0
        assert allocated + recouped_total == sum(s[1] for s in steps if s[0] == "revenue")
        transaction.set_rollback(True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_a_withdrawal_racing_a_revenue_post_never_pays_back_what_was_withdrawn(
    people, project, round_
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks under real concurrency are a PostgreSQL matter")
    cost = cost_in_effect(
        project=project, actor=people["prod"], amount="100.00", currency="USD", note="Studio"
    )
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(action) -> None:
        try:
            barrier.wait()
            action()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    post = partial(earn, project, "30.00", f"race-{round_}")
    withdraw = partial(
        production_cost_withdraw, cost=cost, actor=people["prod"], reason="Label paid"
    )
    threads = [threading.Thread(target=run, args=(action,)) for action in (post, withdraw)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    cost.refresh_from_db()
    event = RevenueEvent.objects.get(project=project)
    # Whichever came first, the other saw it: paid back and withdrawn make the cost exactly.
    assert cost.recouped_minor + cost.withdrawn_minor == 10_000
    assert event.recouped_minor == cost.recouped_minor in (0, 3_000)
    assert sum(allocations(event).values()) + event.recouped_minor == 3_000
    assert Posting.objects.aggregate(total=Sum("amount_minor"))["total"] == 0
