"""Bulk payouts: issued statements out as a facilitator's CSV, its result file back in."""

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contributions.models import RemixLink
from projects.models import Submission
from projects.services import CreditInput, project_release
from royalties.models import LedgerAccount, PayoutItem, Posting, Statement
from royalties.payout_files import PayoutFileError, parse_results
from royalties.selectors import payable_balances
from royalties.services import (
    payout_batch_create,
    payout_results_import,
    revenue_record,
    statement_issue,
    statement_pay,
    statements_build_month,
)
from tests.accounts.factories import StaffFactory, UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db
THIS_MONTH = dt.datetime.now(dt.UTC).date().replace(day=1)


def _released_project(n_artists: int = 2):
    producer = UserFactory(username="prod", email="prod@example.org")
    works = [
        ContributionFactory(author=UserFactory(email=f"artist{i}@example.org"))
        for i in range(n_artists)
    ]
    for source, remix in zip(works, works[1:], strict=False):
        RemixLink.objects.create(source=source, remix=remix)
    project = make_project(owner=producer, title="Night Bus")
    Submission.objects.create(
        project=project, contribution=works[-1], submitted_by=works[-1].author, status="accepted"
    )
    project_release(
        project=project, actor=producer, credits=[CreditInput(works[-1].id, 1)], commercial=True
    )
    return project


def _issued_statements(project, amount: str, staff) -> list[Statement]:
    revenue_record(
        project=project, actor=project.owner, amount=amount, currency="USD", idempotency_key="k"
    )
    statements = statements_build_month(period=THIS_MONTH)
    for statement in statements:
        statement_issue(statement=statement, actor=staff)
    return statements


def _result_file(rows: list[tuple[str, str]]) -> SimpleUploadedFile:
    text = "reference,status,message\n" + "".join(f"{ref},{status},\n" for ref, status in rows)
    return SimpleUploadedFile("results.csv", text.encode(), content_type="text/csv")


def _paid_out() -> int:
    """What left through payouts, by the ledger (the platform's payouts account is debited)."""
    total = Posting.objects.filter(account__kind=LedgerAccount.Kind.PAYOUTS).aggregate(
        total=Sum("amount_minor")
    )["total"]
    return -(total or 0)


def test_export_then_import_accounts_for_every_cent(api_client):
    staff = StaffFactory()
    project = _released_project()
    statements = _issued_statements(project, "1000.00", staff)
    owed = {s.user_id: s.payable_minor for s in statements}
    api_client.force_authenticate(staff)

    batch = api_client.post("/api/payouts/batches/")
    assert batch.status_code == 201
    assert batch.json()["payments"] == len(statements) == 3
    exported = api_client.get(batch.json()["file"])
    assert exported["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert sum(int(row["amount"].replace(".", "")) for row in rows) == 100000
    assert {row["payee_email"] for row in rows} == {s.user.email for s in statements}

    failed_ref = rows[0]["reference"]
    results = [(row["reference"], "paid") for row in rows[1:]] + [(failed_ref, "failed")]
    url = f"/api/payouts/batches/{batch.json()['id']}/results/"
    first = api_client.post(url, {"file": _result_file(results)}, format="multipart")
    assert first.json() == {"paid": 2, "failed": 1, "unchanged": 0}
    again = api_client.post(url, {"file": _result_file(results)}, format="multipart")
    assert again.json() == {"paid": 0, "failed": 0, "unchanged": 3}  # idempotent

    failed = PayoutItem.objects.get(reference=failed_ref).statement
    paid = [s for s in Statement.objects.all() if s.pk != failed.pk]
    assert failed.status == "failed" and failed.carried_forward_minor == failed.payable_minor
    assert {s.status for s in paid} == {"paid"}
    # The ledger: what went out is exactly the paid statements; the failed amount is still owed.
    assert _paid_out() == sum(s.payable_minor for s in paid)
    assert payable_balances(user=failed.user) == {"USD": owed[failed.user_id]}
    assert all(payable_balances(user=s.user) == {"USD": 0} for s in paid)
    assert Posting.objects.aggregate(total=Sum("amount_minor"))["total"] == 0

    # Next month the failed amount is carried into the person's statement.
    next_month = (THIS_MONTH + dt.timedelta(days=32)).replace(day=1)
    carried = statements_build_month(period=next_month)
    assert [(s.user_id, s.carried_in_minor) for s in carried] == [
        (failed.user_id, failed.payable_minor)
    ]


def test_a_result_file_that_contradicts_or_names_strangers_changes_nothing(api_client):
    staff = StaffFactory()
    project = _released_project()
    _issued_statements(project, "500.00", staff)
    batch = payout_batch_create(actor=staff)
    refs = list(batch.items.values_list("reference", flat=True))
    payout_results_import(batch=batch, actor=staff, text=f"reference,status\n{refs[0]},paid\n")
    before = (_paid_out(), list(PayoutItem.objects.values_list("result", flat=True)))

    with pytest.raises(ValidationError, match="already recorded as paid"):
        payout_results_import(
            batch=batch, actor=staff, text=f"reference,status\n{refs[1]},paid\n{refs[0]},failed\n"
        )
    with pytest.raises(ValidationError, match="hitrec-999999 is not in batch"):
        payout_results_import(
            batch=batch, actor=staff, text="reference,status\nhitrec-999999,paid\n"
        )
    api_client.force_authenticate(staff)
    response = api_client.post(
        f"/api/payouts/batches/{batch.id}/results/",
        {"file": _result_file([(refs[1], "bounced")])},
        format="multipart",
    )
    assert response.status_code == 400
    assert "line 2" in response.json()["file"][0]
    assert (_paid_out(), list(PayoutItem.objects.values_list("result", flat=True))) == before


def test_only_staff_handle_batches_and_a_batched_statement_is_paid_by_its_result(api_client):
    staff = StaffFactory()
    project = _released_project()
    statements = _issued_statements(project, "500.00", staff)
    api_client.force_authenticate(project.owner)
    assert api_client.post("/api/payouts/batches/").status_code == 403
    assert api_client.get("/api/payouts/batches/").status_code == 403

    batch = payout_batch_create(actor=staff)
    with pytest.raises(ValidationError, match="no issued statements waiting"):
        payout_batch_create(actor=staff)  # each statement goes out once
    with pytest.raises(ValidationError, match="result file"):
        statement_pay(statement=statements[0], actor=staff)
    assert api_client.get(f"/api/payouts/batches/{batch.id}/file.csv").status_code == 403


def test_result_files_are_read_strictly():
    assert parse_results("\ufeffReference,Status,Extra\nhitrec-1,PAID,x\n\n")[0].status == "paid"
    with pytest.raises(PayoutFileError, match="missing: status"):
        parse_results("reference,amount\nhitrec-1,3.00\n")
    with pytest.raises(PayoutFileError, match="line 3: hitrec-1 already appears on line 2"):
        parse_results("reference,status\nhitrec-1,paid\nhitrec-1,failed\n")
    with pytest.raises(PayoutFileError, match="cannot be read after line 1: field larger"):
        parse_results("reference,status,message\nhitrec-1,paid," + "x" * 200_000 + "\n")


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    amount=st.integers(3_000, 10**8),
    outcomes=st.lists(st.sampled_from(["paid", "failed", None]), min_size=4, max_size=4),
)
def test_any_mix_of_results_leaves_the_ledger_owing_exactly_the_unpaid(amount, outcomes):
    with transaction.atomic():
        staff = StaffFactory()
        project = _released_project(n_artists=3)
        _issued_statements(project, f"{amount // 100}.{amount % 100:02d}", staff)
        batch = payout_batch_create(actor=staff)
        items = list(batch.items.select_related("statement"))
        rows = [
            f"{item.reference},{outcome}"
            for item, outcome in zip(items, outcomes, strict=False)
            if outcome
        ]
        payout_results_import(batch=batch, actor=staff, text="reference,status\n" + "\n".join(rows))
        owed_total = -Posting.objects.filter(account__kind=LedgerAccount.Kind.PAYABLE).aggregate(
            total=Sum("amount_minor")
        )["total"]
        paid = sum(i.amount_minor for i in items if i.reference + ",paid" in rows)
        assert owed_total + _paid_out() == amount  # every cent is owed or paid out
        assert _paid_out() == paid
        assert Posting.objects.aggregate(total=Sum("amount_minor"))["total"] == 0
        transaction.set_rollback(True)
