"""The audit log: staff actions and money moved are recorded (who, what, when, from where,
to what, whom it concerns), it is insert-only, staff read it with filters, and a person's
data export carries what it holds about them."""

import json
import zipfile

import pytest
from django.db import IntegrityError, InternalError, transaction

from accounts.services import data_export_build, data_export_request
from community.services import contribution_take_down
from hitrec.audit import audit_entries, audit_of
from hitrec.models import AuditEntry
from royalties.models import Statement
from royalties.services import payout_batch_create
from tests.accounts.factories import StaffFactory, UserFactory
from tests.accounts.two_factor import signed_in_with_second_factor
from tests.contributions.factories import ContributionFactory

pytestmark = pytest.mark.django_db


def issued(person, minor=5000):
    return Statement.objects.create(
        user=person, period="2026-11-01", currency="USD", status=Statement.Status.ISSUED,
        earned_minor=minor, payable_minor=minor,
    )  # fmt: skip


def test_staff_actions_are_recorded_with_who_what_and_whom(client):
    staff, ana = StaffFactory(username="sam"), UserFactory(username="ana")
    work = ContributionFactory(author=ana, title="Copied")
    issued(ana)
    signed_in_with_second_factor(client, staff)

    client.post("/staff/payouts/batches/", REMOTE_ADDR="203.0.113.7")
    contribution_take_down(contribution=work, actor=staff, reason="Not theirs.")

    batch, takedown = AuditEntry.objects.order_by("id")
    assert (batch.action, batch.actor, batch.target_type) == (
        "payout_batch.create",
        staff,
        "payoutbatch",
    )
    assert batch.address == "203.0.113.7"
    assert (takedown.action, takedown.subject, takedown.target_id) == (
        "contribution.take_down", ana, work.id,
    )  # fmt: skip
    assert takedown.details == {"reason": "Not theirs."}


def test_the_log_is_insert_only():
    entry = AuditEntry.objects.create(action="statement.pay", details={})

    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="nothing happened")
    assert AuditEntry.objects.get(pk=entry.pk).action == "statement.pay"


def test_staff_read_it_with_filters_in_a_constant_number_of_queries(
    client, django_assert_max_num_queries
):
    staff = StaffFactory(username="sam")
    for n in range(30):
        person = UserFactory()
        issued(person, minor=1000 + n)
    payout_batch_create(actor=staff)
    signed_in_with_second_factor(client, staff)

    with django_assert_max_num_queries(12):
        page = client.get("/staff/audit/", {"action": "payout_batch", "person": "sam"})
    nothing = client.get("/staff/audit/", {"action": "cost"})

    assert page.status_code == 200 and "payout_batch.create" in page.content.decode()
    assert "payout_batch.create" not in nothing.content.decode()
    assert audit_entries(action="payout").count() == 0  # "payout" is not "payout_batch"
    assert audit_entries(action="payout_batch").count() == 1


def test_a_persons_export_holds_what_the_log_says_about_them(django_capture_on_commit_callbacks):
    staff, ana = StaffFactory(), UserFactory()
    work = ContributionFactory(author=ana)
    contribution_take_down(contribution=work, actor=staff, reason="Reported twice.")

    export = data_export_request(user=ana)
    data_export_build(export_id=export.id)
    export.refresh_from_db()

    with zipfile.ZipFile(export.file.open("rb")) as archive:
        held = json.loads(archive.read("audit.json"))
    assert held == audit_of(ana)
    assert [(e["action"], e["about_you"], e["by_you"], e["address"]) for e in held] == [
        ("contribution.take_down", True, False, None)  # the staff member's address stays theirs
    ]
