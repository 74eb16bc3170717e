"""Revenue and ledger rows are insert-only in the database itself, whatever changed the schema."""

import pytest
from django.db import IntegrityError, transaction

from projects.models import Release, Submission
from projects.services import CreditInput, project_release
from royalties.models import (
    Allocation,
    AllocationLine,
    JournalEntry,
    Posting,
    Recoupment,
    RevenueEvent,
    RevenueStream,
)
from royalties.services import production_cost_record, revenue_record, revenue_stream_create
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db

# (model, a column whose change must be refused)
INSERT_ONLY = [
    (RevenueEvent, "note"),
    (Allocation, "amount_minor"),
    (AllocationLine, "amount_minor"),
    (JournalEntry, "memo"),
    (Posting, "amount_minor"),
    (Recoupment, "amount_minor"),
    (RevenueStream, "recoups_costs"),
]


@pytest.fixture
def ledger():
    """A released project with a cost, a stream and one revenue event: a row in each table."""
    project = make_project()
    work = ContributionFactory()
    Submission.objects.create(
        project=project, contribution=work, submitted_by=work.author, status="accepted"
    )
    project_release(
        project=project, actor=project.owner, credits=[CreditInput(work.id, 1)], commercial=True
    )
    revenue_stream_create(project=project, actor=project.owner, name="sync")
    production_cost_record(
        project=project, actor=project.owner, amount="1.00", currency="USD", note="Strings"
    )
    revenue_record(
        project=project, actor=project.owner, amount="10.00", currency="USD", idempotency_key="a"
    )
    assert Release.objects.filter(project=project).exists()


@pytest.mark.parametrize(("model", "column"), INSERT_ONLY, ids=lambda v: getattr(v, "__name__", v))
def test_changing_a_recorded_row_is_refused_by_the_database(ledger, model, column):
    row = model.objects.order_by("id").first()
    assert row is not None, f"the fixture made no {model.__name__}"
    value = getattr(row, column)
    changed = (
        (not value)
        if isinstance(value, bool)
        else (value + 1 if isinstance(value, int) else f"{value}!")
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=row.pk).update(**{column: changed})

    row.refresh_from_db()
    assert getattr(row, column) == value
