"""Monthly statements: lines with paths, threshold and carry-forward, issue and pay, CSV/PDF."""

import csv
import io

import pytest
from django.db.models import Sum
from django.utils import timezone
from pypdf import PdfReader

from contributions.models import RemixLink
from projects.models import Submission
from projects.services import CreditInput, project_release
from royalties.models import LedgerAccount, Posting, RevenueEvent, Statement, StatementRun
from royalties.services import (
    revenue_record,
    statement_issue,
    statements_build_month,
)
from tests.accounts.factories import StaffFactory, UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        name: UserFactory(username=name, display_name=name.title())
        for name in ("prod", "ana", "bo")
    }


@pytest.fixture
def project(people):
    loop = ContributionFactory(author=people["ana"], title="Loop")
    song = ContributionFactory(author=people["bo"], title="Song")
    RemixLink.objects.create(source=loop, remix=song)
    project = make_project(owner=people["prod"], title="Night Bus")
    Submission.objects.create(
        project=project, contribution=song, submitted_by=song.author, status="accepted"
    )
    project_release(
        project=project, actor=people["prod"], credits=[CreditInput(song.id, 1)], commercial=True
    )
    return project


def earn(project, amount: str, key: str):
    event, _ = revenue_record(
        project=project, actor=project.owner, amount=amount, currency="USD", idempotency_key=key
    )
    return event


def test_a_month_of_revenue_becomes_statements_with_paths(project, people):
    earn(project, "100.00", "a")
    earn(project, "20.00", "b")

    statements = statements_build_month(period=timezone.now().date())

    by_user = {s.user.username: s for s in statements}
    assert set(by_user) == {"prod", "ana", "bo"}
    ana = by_user["ana"]
    assert (ana.earned_minor, ana.payable_minor, ana.carried_forward_minor) == (1500, 1500, 0)
    [line] = ana.lines.all()
    assert line.description == "Night Bus: Loop"
    assert "“Loop”" in line.path and "→ “Song”" in line.path
    assert by_user["prod"].lines.get().description == "Night Bus: producer's share"


def test_below_the_threshold_the_balance_carries_forward(project, people, settings):
    settings.HITREC_PAYOUT_THRESHOLDS = {"default": 1000}
    earn(project, "40.00", "a")  # ana earns 5.00: below 10.00

    [ana] = [
        s for s in statements_build_month(period=timezone.now().date()) if s.user == people["ana"]
    ]

    assert (ana.earned_minor, ana.payable_minor, ana.carried_forward_minor) == (500, 0, 500)


def test_building_twice_changes_nothing_and_issued_statements_never_change(project, people):
    earn(project, "100.00", "a")
    month = timezone.now().date()
    first = {s.id: (s.earned_minor, s.lines.count()) for s in statements_build_month(period=month)}
    again = {s.id: (s.earned_minor, s.lines.count()) for s in statements_build_month(period=month)}
    assert first == again
    assert Statement.objects.count() == 3

    staff = StaffFactory()
    ana = Statement.objects.get(user=people["ana"])
    statement_issue(statement=ana, actor=staff)
    earn(project, "100.00", "b")
    statements_build_month(period=month)

    ana.refresh_from_db()
    assert (ana.status, ana.earned_minor) == ("issued", 1250)  # the later revenue is not in it
    assert Statement.objects.get(user=people["bo"]).earned_minor == 7500  # still open: rebuilt


def test_paying_a_statement_moves_the_balance_out_and_keeps_the_ledger_balanced(
    api_client, project, people
):
    earn(project, "100.00", "a")
    statements_build_month(period=timezone.now().date())
    staff = StaffFactory()
    ana = Statement.objects.get(user=people["ana"])
    api_client.force_authenticate(people["ana"])
    assert api_client.get("/api/payouts/me/").json()["balances"][0]["balance_minor"] == 1250

    refused = api_client.post(f"/api/payouts/statements/{ana.id}/pay/")
    assert refused.status_code == 403
    api_client.force_authenticate(staff)
    not_issued = api_client.post(f"/api/payouts/statements/{ana.id}/pay/")
    assert "Only an issued statement can be paid" in not_issued.json()["detail"]
    assert api_client.post(f"/api/payouts/statements/{ana.id}/issue/").json()["status"] == "issued"
    assert api_client.post(f"/api/payouts/statements/{ana.id}/pay/").json()["status"] == "paid"

    api_client.force_authenticate(people["ana"])
    assert api_client.get("/api/payouts/me/").json()["balances"][0]["balance_minor"] == 0
    assert Posting.objects.aggregate(total=Sum("amount_minor"))["total"] == 0
    payouts = Posting.objects.filter(account__kind=LedgerAccount.Kind.PAYOUTS)
    assert payouts.aggregate(total=Sum("amount_minor"))["total"] == -1250


def test_people_see_only_their_own_statements(api_client, project, people):
    earn(project, "100.00", "a")
    statements_build_month(period=timezone.now().date())
    api_client.force_authenticate(people["ana"])

    mine = api_client.get("/api/payouts/statements/").json()
    bo = Statement.objects.get(user=people["bo"])

    assert [s["user"] for s in mine["results"]] == [people["ana"].id]
    assert api_client.get(f"/api/payouts/statements/{bo.id}/").status_code == 404
    api_client.force_authenticate(StaffFactory())
    assert api_client.get("/api/payouts/statements/").json()["count"] == 3


def test_csv_and_pdf_statements_add_up_to_the_ledger(api_client, project, people):
    for n, amount in enumerate(["100.00", "33.33", "0.01"]):
        earn(project, amount, f"e{n}")
    statements_build_month(period=timezone.now().date())
    bo = Statement.objects.get(user=people["bo"])
    api_client.force_authenticate(people["bo"])
    owed = -Posting.objects.filter(account__user=people["bo"]).aggregate(t=Sum("amount_minor"))["t"]

    csv_response = api_client.get(f"/api/payouts/statements/{bo.id}/", {"format": "csv"})
    pdf_response = api_client.get(f"/api/payouts/statements/{bo.id}/", {"format": "pdf"})

    assert csv_response["Content-Type"].startswith("text/csv")
    assert "attachment" in csv_response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(csv_response.content.decode())))
    lines = [row for row in rows if row[0] == "line"]
    to_minor = lambda text: int(text.replace(".", ""))  # noqa: E731
    assert sum(to_minor(row[4]) for row in lines) == owed
    [earned] = [row for row in rows if row[0] == "earned this period"]
    assert to_minor(earned[4]) == owed

    assert pdf_response["Content-Type"] == "application/pdf"
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(pdf_response.content)).pages
    )
    assert "Night Bus" in text and "Song" in text
    assert f"{owed // 100}.{owed % 100:02d}" in text


def test_statement_runs_build_everyone_with_progress(
    api_client, project, people, django_capture_on_commit_callbacks
):
    earn(project, "100.00", "a")
    api_client.force_authenticate(StaffFactory())
    period = f"{timezone.now():%Y-%m}"

    with django_capture_on_commit_callbacks(execute=True):
        started = api_client.post("/api/payouts/statements/build/", {"period": period})

    assert started.status_code == 202
    run = api_client.get(f"/api/payouts/runs/{started.json()['id']}/").json()
    assert (run["status"], run["done"], run["total"], run["percent"]) == ("done", 3, 3, 100)
    assert StatementRun.objects.get().status == "done"
    assert Statement.objects.count() == 3
    bad = api_client.post("/api/payouts/statements/build/", {"period": "2026-13"})
    assert bad.json() == {"period": ["Give the month as YYYY-MM."]}
    assert RevenueEvent.objects.count() == 1


def test_a_carried_balance_is_paid_in_the_month_it_reaches_the_threshold(
    project, people, monkeypatch
):
    import datetime as dt

    october = dt.datetime(2026, 10, 15, 12, tzinfo=dt.UTC)
    november = dt.datetime(2026, 11, 15, 12, tzinfo=dt.UTC)
    # The clock is outside the code under test: move it to record revenue "in October".
    monkeypatch.setattr(timezone, "now", lambda: october)
    earn(project, "40.00", "october")  # ana earns 5.00, below the 10.00 threshold
    statements_build_month(period=october.date())
    monkeypatch.setattr(timezone, "now", lambda: november)
    earn(project, "48.00", "november")  # ana earns 6.00 more
    statements_build_month(period=november.date())

    ana_october = Statement.objects.get(user=people["ana"], period=dt.date(2026, 10, 1))
    ana_november = Statement.objects.get(user=people["ana"], period=dt.date(2026, 11, 1))
    assert (ana_october.payable_minor, ana_october.carried_forward_minor) == (0, 500)
    assert (ana_november.carried_in_minor, ana_november.earned_minor) == (500, 600)
    assert (ana_november.payable_minor, ana_november.carried_forward_minor) == (1100, 0)


def test_staff_correct_the_ledger_by_reversing_an_entry_never_by_editing(project, people):
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.db import IntegrityError, transaction

    from royalties.models import JournalEntry
    from royalties.services import journal_entry_reverse

    event = earn(project, "10.00", "mistake")
    entry = JournalEntry.objects.get(event=event)
    with pytest.raises(IntegrityError), transaction.atomic():
        Posting.objects.filter(entry=entry).update(amount_minor=1)
    with pytest.raises(PermissionDenied):
        journal_entry_reverse(entry=entry, actor=people["ana"])

    reversal = journal_entry_reverse(
        entry=entry, actor=StaffFactory(), memo="posted twice by mistake"
    )

    assert sorted(reversal.postings.values_list("amount_minor", flat=True)) == sorted(
        -amount for amount in entry.postings.values_list("amount_minor", flat=True)
    )
    assert (
        Posting.objects.filter(account__user=people["ana"]).aggregate(t=Sum("amount_minor"))["t"]
        == 0
    )
    assert Posting.objects.aggregate(total=Sum("amount_minor"))["total"] == 0
    with pytest.raises(ValidationError):
        journal_entry_reverse(entry=entry, actor=StaffFactory())
