"""Costs in the open: after a release a cost needs its receipt and another producer's
agreement (or a public window) before revenue pays it back, and everyone credited sees it."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contributions.models import RemixLink
from projects.models import ProjectMember, Submission
from projects.services import CreditInput, project_release
from royalties.models import ProductionCost, Recoupment
from royalties.selectors import cost_summary
from royalties.services import (
    cost_window,
    production_cost_approve,
    production_cost_record,
    production_cost_withdraw,
    revenue_record,
)
from tests.accounts.factories import StaffFactory, UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project
from tests.royalties.costs import PDF, receipt_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {name: UserFactory(username=name) for name in ("prod", "cop", "ana", "bo", "cy")}


def _release(project, people) -> None:
    """Ana's loop, remixed by Bo into the song the project releases."""
    loop = ContributionFactory(author=people["ana"], title="Loop")
    song = ContributionFactory(author=people["bo"], title="Song")
    RemixLink.objects.create(source=loop, remix=song)
    Submission.objects.create(
        project=project, contribution=song, submitted_by=song.author, status="accepted"
    )
    project_release(
        project=project, actor=people["prod"], credits=[CreditInput(song.id, 1)], commercial=True
    )


@pytest.fixture
def solo(people):
    """Released by Prod, its only producer."""
    project = make_project(owner=people["prod"], title="Night Bus", contributor_pool="1/2")
    _release(project, people)
    return project


@pytest.fixture
def duo(people):
    """Released by Prod, with Cop as an accepted co-producer."""
    project = make_project(owner=people["prod"], title="Day Tram", contributor_pool="1/2")
    ProjectMember.objects.create(
        project=project, user=people["cop"], role=ProjectMember.Role.CO_PRODUCER,
        accepted_at=timezone.now(),
    )  # fmt: skip
    _release(project, people)
    return project


def record(project, actor, amount="100.00", *, borne_by=None, receipt=True, note="Studio day"):
    return production_cost_record(
        project=project, actor=actor, amount=amount, currency="USD", note=note,
        borne_by=borne_by, receipt=receipt_pdf() if receipt else None,
    )  # fmt: skip


def earn(project, amount: str, key: str):
    event, _ = revenue_record(
        project=project, actor=project.owner, amount=amount, currency="USD", idempotency_key=key
    )
    return event


def window_passes() -> None:
    """The clock moves past every cost's window (the costs' dates move back instead)."""
    ProductionCost.objects.filter(effective_at__isnull=False).update(
        effective_at=F("effective_at") - cost_window() - dt.timedelta(seconds=1)
    )


# --- before and after the release ----------------------------------------------------------


def test_before_the_release_a_cost_needs_no_receipt_and_is_in_effect_at_once(people):
    project = make_project(owner=people["prod"], title="Night Bus", contributor_pool="1/2")
    cost = record(project, people["prod"], receipt=False)
    assert cost.rule == ProductionCost.Rule.AT_RECORDING and cost.in_effect(timezone.now())

    _release(project, people)
    event = earn(project, "60.00", "a")

    assert event.recouped_minor == 6000


def test_after_the_release_a_cost_without_its_receipt_is_refused_and_nothing_is_kept(
    solo, people, settings
):
    with pytest.raises(ValidationError) as refused:
        record(solo, people["prod"], receipt=False)

    assert refused.value.message_dict == {
        "receipt": [
            "“Night Bus” is released: a cost recorded now needs its receipt, which everyone "
            "credited can see."
        ]
    }
    assert not ProductionCost.objects.exists()
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_a_cost_waits_for_a_producer_who_neither_recorded_nor_bore_it(duo, people):
    cost = record(duo, people["prod"])
    assert (cost.rule, cost.effective_at) == (ProductionCost.Rule.AGREEMENT, None)

    waiting = earn(duo, "30.00", "a")  # nothing is paid back of a cost nobody agreed to
    with pytest.raises(PermissionDenied, match="You recorded this cost"):
        production_cost_approve(cost=cost, actor=people["prod"])
    with pytest.raises(PermissionDenied, match="Only the producers of “Day Tram”"):
        production_cost_approve(cost=cost, actor=people["ana"])
    with pytest.raises(PermissionDenied, match="Only the producers"):
        production_cost_approve(cost=cost, actor=StaffFactory())
    agreed = production_cost_approve(cost=cost, actor=people["cop"])
    after = earn(duo, "30.00", "b")

    assert waiting.recouped_minor == 0 and not Recoupment.objects.filter(event=waiting).exists()
    assert (agreed.approved_by, agreed.in_effect(timezone.now())) == (people["cop"], True)
    assert after.recouped_minor == 3000
    with pytest.raises(ValidationError, match="has been in effect since"):
        production_cost_approve(cost=cost, actor=people["cop"])


def test_the_producer_a_cost_pays_back_cannot_agree_to_it(duo, people):
    cost = record(duo, people["cop"], borne_by=people["prod"])  # Cop records what Prod paid

    with pytest.raises(PermissionDenied, match="Revenue would pay this cost back to you"):
        production_cost_approve(cost=cost, actor=people["prod"])
    with pytest.raises(PermissionDenied, match="You recorded this cost"):
        production_cost_approve(cost=cost, actor=people["cop"])
    # Nobody else can agree, so it goes through the public window instead.
    assert cost.rule == ProductionCost.Rule.WINDOW


def test_with_no_producer_to_agree_a_cost_takes_effect_when_its_window_ends(solo, people, settings):
    settings.HITREC_PROPOSAL_COMMENT_DAYS = 10
    before = timezone.now()
    cost = record(solo, people["prod"])

    assert cost.rule == ProductionCost.Rule.WINDOW
    assert (
        before + dt.timedelta(days=10)
        <= cost.effective_at
        <= timezone.now() + dt.timedelta(days=10)
    )
    assert earn(solo, "30.00", "a").recouped_minor == 0
    window_passes()
    assert earn(solo, "30.00", "b").recouped_minor == 3000


def test_a_pending_cost_withdrawn_is_never_paid_back_nor_agreed_to(duo, people):
    cost = record(duo, people["prod"])
    withdrawn = production_cost_withdraw(cost=cost, actor=people["prod"], reason="Wrong project")

    assert (withdrawn.withdrawn_minor, withdrawn.recouped_minor) == (10000, 0)
    with pytest.raises(ValidationError, match="withdrawn; there is nothing to agree to"):
        production_cost_approve(cost=cost, actor=people["cop"])
    assert earn(duo, "30.00", "a").recouped_minor == 0


def test_the_summary_counts_what_is_in_effect_apart_from_what_waits(duo, people):
    agreed = record(duo, people["prod"], "50.00")
    production_cost_approve(cost=agreed, actor=people["cop"])
    record(duo, people["prod"], "20.00")  # waiting
    withdrawn = record(duo, people["prod"], "7.00")
    production_cost_withdraw(cost=withdrawn, actor=people["cop"], reason="Typo")
    earn(duo, "30.00", "a")

    summary = cost_summary(project=duo)

    assert (summary.count, summary.recorded_minor, summary.recouped_minor) == (3, 7700, 3000)
    assert (summary.outstanding_minor, summary.withdrawn_minor) == (2000, 700)
    assert (summary.pending_count, summary.pending_minor) == (1, 2000)


# --- the API -------------------------------------------------------------------------------


def test_credited_people_read_each_cost_and_the_revenue_and_everyone_reads_the_totals(
    api_client, duo, people, django_assert_max_num_queries
):
    production_cost_approve(cost=record(duo, people["prod"], "10.00"), actor=people["cop"])
    earn(duo, "4.00", "a")
    for n in range(5):
        record(duo, people["cop"], f"{n + 1}.00", note=f"Strings {n}")
    url = f"/api/projects/{duo.id}/costs/"

    api_client.force_authenticate(people["ana"])  # her loop is in the release's lineage
    with django_assert_max_num_queries(12):
        costs = api_client.get(url).json()["results"]
    revenue = api_client.get(f"/api/projects/{duo.id}/revenue/")
    download = api_client.get(costs[-1]["receipt"])

    assert len(costs) == 6
    first = costs[-1]
    assert (first["status"], first["rule"], first["approved_by"]["id"]) == (
        "in_effect", "agreement", people["cop"].id,
    )  # fmt: skip
    assert (first["recouped_minor"], first["outstanding_minor"], first["has_receipt"]) == (
        400, 600, True,
    )  # fmt: skip
    assert {cost["status"] for cost in costs[:-1]} == {"pending"}
    assert revenue.status_code == 200
    assert revenue.json()["results"][0]["recoupments"][0]["amount_minor"] == 400
    assert b"".join(download.streaming_content) == PDF

    api_client.force_authenticate(people["cy"])  # credited in nothing
    refused = api_client.get(url)
    assert refused.status_code == 403 and "credited" in refused.json()["detail"]
    assert api_client.get(f"/api/projects/{duo.id}/revenue/").status_code == 403
    assert api_client.get(first["receipt"]).status_code == 404

    api_client.force_authenticate(None)
    with django_assert_max_num_queries(4):
        summary = api_client.get(f"{url}summary/")
    assert summary.status_code == 200
    assert summary.json() == {
        "currency": "USD", "count": 6, "recorded_minor": 2500, "recouped_minor": 400,
        "withdrawn_minor": 0, "outstanding_minor": 600, "pending_count": 5,
        "pending_minor": 1500, "recorded": "25.00", "recouped": "4.00", "outstanding": "6.00",
        "pending": "15.00",
    }  # fmt: skip


def test_the_costs_list_reads_in_constant_queries(api_client, duo, people):
    api_client.force_authenticate(people["ana"])
    url = f"/api/projects/{duo.id}/costs/"
    record(duo, people["prod"], "1.00")
    with CaptureQueriesContext(connection) as one:
        api_client.get(url)
    for n in range(6):
        cost = record(duo, people["cop"], f"{n + 2}.00", borne_by=people["prod"])
        if n % 2:
            production_cost_withdraw(cost=cost, actor=people["prod"], reason="Typo")
    with CaptureQueriesContext(connection) as seven:
        assert len(api_client.get(url).json()["results"]) == 7
    assert len(seven) == len(one)


def test_before_the_release_only_the_producers_see_the_totals(api_client, people):
    project = make_project(owner=people["prod"], title="Night Bus")
    record(project, people["prod"], receipt=False)
    url = f"/api/projects/{project.id}/costs/summary/"

    assert api_client.get(url).status_code == 404
    api_client.force_authenticate(people["prod"])
    assert api_client.get(url).json()["outstanding_minor"] == 10000


def test_a_co_producer_agrees_through_the_api_and_refusals_say_why(api_client, duo, people):
    cost = record(duo, people["prod"], "12.00")
    url = f"/api/projects/{duo.id}/costs/{cost.id}/approve/"

    api_client.force_authenticate(people["prod"])
    own = api_client.post(url)
    api_client.force_authenticate(people["ana"])
    stranger = api_client.post(url)
    api_client.force_authenticate(people["cop"])
    agreed = api_client.post(url)
    again = api_client.post(url)
    unknown = api_client.post(f"/api/projects/{duo.id}/costs/{cost.id + 1}/approve/")

    assert own.status_code == 403
    assert own.json()["detail"] == "You recorded this cost, so another producer must agree to it."
    assert stranger.status_code == 403 and "Only the producers" in stranger.json()["detail"]
    assert agreed.status_code == 200
    body = agreed.json()
    assert (body["status"], body["approved_by"]["username"]) == ("in_effect", "cop")
    assert again.status_code == 400 and "in effect since" in again.json()["cost"][0]
    assert unknown.status_code == 404


def test_a_cost_sent_to_the_api_after_the_release_without_a_receipt_is_a_400(
    api_client, duo, people
):
    api_client.force_authenticate(people["cop"])
    response = api_client.post(
        f"/api/projects/{duo.id}/costs/",
        {"amount": "3.00", "currency": "USD", "note": "Strings"},
        format="json",
    )

    assert response.status_code == 400
    assert "needs its receipt" in response.json()["receipt"][0]
    assert not ProductionCost.objects.exists()
