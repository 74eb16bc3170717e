"""Revenue and ledger rows are insert-only in the database itself, whatever changed the schema."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from projects.models import Release, Submission
from projects.services import CreditInput, project_release
from royalties.models import (
    Allocation,
    AllocationLine,
    EventItemisation,
    JournalEntry,
    LedgerAccount,
    Posting,
    Recoupment,
    ReleaseLine,
    RevenueEvent,
    RevenueStream,
)
from royalties.services import production_cost_record, revenue_record, revenue_stream_create
from royalties.services.ledger import insert_rows
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db

# (model, a column whose change must be refused)
INSERT_ONLY = [
    (RevenueEvent, "note"),
    (Allocation, "amount_minor"),
    (AllocationLine, "amount_minor"),
    (EventItemisation, "itemised_at"),
    (JournalEntry, "memo"),
    (Posting, "amount_minor"),
    (Recoupment, "amount_minor"),
    (RevenueStream, "recoups_costs"),
]


@pytest.fixture
def ledger(django_capture_on_commit_callbacks):
    """A released project with a cost, a stream and one revenue event: a row in each table."""
    project = make_project()
    work = ContributionFactory()
    Submission.objects.create(
        project=project, contribution=work, submitted_by=work.author, status="accepted"
    )
    # Recorded before the release, the cost is in effect at once: the event pays it back.
    production_cost_record(
        project=project, actor=project.owner, amount="1.00", currency="USD", note="Strings"
    )
    project_release(
        project=project, actor=project.owner, credits=[CreditInput(work.id, 1)], commercial=True
    )
    revenue_stream_create(project=project, actor=project.owner, name="sync")
    with django_capture_on_commit_callbacks(execute=True):  # the event's itemisation job
        revenue_record(
            project=project,
            actor=project.owner,
            amount="10.00",
            currency="USD",
            idempotency_key="a",
        )
    assert Release.objects.filter(project=project).exists()


@pytest.mark.parametrize(("model", "column"), INSERT_ONLY, ids=lambda v: getattr(v, "__name__", v))
def test_changing_a_recorded_row_is_refused_by_the_database(ledger, model, column):
    row = model.objects.order_by("pk").first()
    assert row is not None, f"the fixture made no {model.__name__}"
    value = getattr(row, column)
    if isinstance(value, bool):
        changed = not value
    elif isinstance(value, int):
        changed = value + 1
    elif isinstance(value, dt.datetime):
        changed = value + dt.timedelta(seconds=1)
    else:
        changed = f"{value}!"

    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=row.pk).update(**{column: changed})

    row.refresh_from_db()
    assert getattr(row, column) == value


# --- references and balance, checked by the database per INSERT statement ----------------

# (model, a reference column that no longer is a foreign key)
CHECKED_REFERENCES = [
    (Allocation, "event_id"),
    (AllocationLine, "allocation_id"),
    (AllocationLine, "line_id"),
    (Posting, "entry_id"),
    (Posting, "account_id"),
]


@pytest.mark.parametrize(
    ("model", "column"), CHECKED_REFERENCES, ids=lambda v: getattr(v, "__name__", v)
)
def test_a_new_row_naming_a_missing_row_is_refused(ledger, model, column):
    """No foreign key, but the same guarantee: a reference to nothing is not stored."""
    existing = model.objects.order_by("id").first()
    values = {
        field.attname: getattr(existing, field.attname)
        for field in model._meta.concrete_fields
        if not field.primary_key
    }
    # Any other allocation already has this (event, user) or (allocation, line): a new user
    # or line keeps the unique constraints out of the way, so only the reference can fail.
    if model is Allocation:
        values["user_id"] = UserFactory().id
    values[column] = 10**9
    before = model.objects.count()

    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(**values)

    assert model.objects.count() == before


def test_an_entry_whose_postings_do_not_sum_to_zero_is_refused(ledger):
    if connection.vendor != "postgresql":
        pytest.skip("the balance trigger is PostgreSQL's (SQLite is the embedded default)")
    account = LedgerAccount.objects.order_by("id").first()
    before = Posting.objects.count()

    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        entry = JournalEntry.objects.create(kind=JournalEntry.Kind.REVERSAL, memo="lopsided")
        Posting.objects.bulk_create(
            [
                Posting(entry=entry, account=account, amount_minor=500),
                Posting(entry=entry, account=account, amount_minor=-499),
            ]
        )

    assert Posting.objects.count() == before


def test_an_entry_that_balances_is_stored(ledger):
    account = LedgerAccount.objects.order_by("id").first()
    entry = JournalEntry.objects.create(kind=JournalEntry.Kind.REVERSAL, memo="even")

    Posting.objects.bulk_create(
        [
            Posting(entry=entry, account=account, amount_minor=500),
            Posting(entry=entry, account=account, amount_minor=-500),
        ]
    )

    assert sum(entry.postings.values_list("amount_minor", flat=True)) == 0


@pytest.mark.parametrize("model", [ReleaseLine, LedgerAccount], ids=lambda m: m.__name__)
def test_rows_the_ledger_refers_to_are_never_deleted(ledger, model):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite relies on the ORM's PROTECT (Django empties its tables by DELETE)")
    row = model.objects.order_by("id").first()

    with pytest.raises(IntegrityError, match="never deleted"), transaction.atomic():
        model.objects.filter(pk=row.pk)._raw_delete(model.objects.db)

    assert model.objects.filter(pk=row.pk).exists()


def test_rows_written_in_bulk_are_checked_too(ledger):
    """Revenue posts write their rows in one go (a COPY on PostgreSQL); a bad row fails it
    whole, as Django's IntegrityError, and nothing of it is stored."""
    line = ReleaseLine.objects.order_by("id").first()
    allocation = Allocation.objects.order_by("id").first()
    before = AllocationLine.objects.count()
    rows = [(allocation.id, line.id + 10**9, 5), (10**9, line.id, 5)]

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(AllocationLine, ("allocation", "line", "amount_minor"), rows)

    assert AllocationLine.objects.count() == before
