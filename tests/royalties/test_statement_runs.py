"""Statement runs: a month's statements built in batches, a job each, with progress."""

import contextlib
import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from notifications.models import Notification
from projects.models import Submission
from projects.services import CreditInput, project_release
from royalties.models import Statement, StatementRun, StatementRunBatch
from royalties.selectors import statement_people
from royalties.services import (
    revenue_record,
    statement_batch_build,
    statement_issue,
    statement_issue_run_execute,
    statement_issue_run_start,
    statement_run_execute,
    statement_run_retry,
    statement_run_start,
    statements_build_month,
)
from tests.accounts.factories import StaffFactory, UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def released_project(*, artists: int):
    """A released project crediting one work by each of `artists` people, and its producer."""
    producer = UserFactory()
    project = make_project(owner=producer, title="Night Bus")
    works = [ContributionFactory(author=UserFactory()) for _ in range(artists)]
    Submission.objects.bulk_create(
        Submission(project=project, contribution=work, submitted_by=work.author, status="accepted")
        for work in works
    )
    project_release(
        project=project,
        actor=producer,
        credits=[CreditInput(work.id, 1) for work in works],
        commercial=True,
    )
    revenue_record(
        project=project, actor=producer, amount="100.00", currency="USD", idempotency_key="a"
    )
    return project


@pytest.fixture
def five_people(settings):
    settings.HITREC_STATEMENT_BATCH_SIZE = 2
    released_project(artists=4)  # four artists and the producer
    return timezone.now().date()


def planned_run(period: dt.date, django_capture_on_commit_callbacks) -> StatementRun:
    """A run whose batches are planned and queued, none of them built yet."""
    run = StatementRun.objects.create(period=period.replace(day=1), requested_by=StaffFactory())
    with django_capture_on_commit_callbacks(execute=False) as queued:
        statement_run_execute(run_id=run.id)
    assert len(queued) == 1  # the batches' jobs, queued after the commit
    run.refresh_from_db()
    return run


def test_a_run_builds_everyone_in_batches_of_the_configured_size(
    five_people, api_client, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(StaffFactory())

    with django_capture_on_commit_callbacks(execute=True):
        started = api_client.post(
            "/api/payouts/statements/build/", {"period": f"{five_people:%Y-%m}"}
        )

    run = StatementRun.objects.get(pk=started.json()["id"])
    batches = list(run.batches.all())
    assert [(b.number, b.size) for b in batches] == [(1, 2), (2, 2), (3, 1)]
    assert all(b.built_at is not None for b in batches)
    people = statement_people(period=five_people)
    assert [tuple(p) for b in batches for p in b.people] == people
    assert len(people) == 5
    assert Statement.objects.count() == 5
    body = api_client.get(f"/api/payouts/runs/{run.id}/").json()
    assert (body["status"], body["done"], body["total"], body["percent"]) == ("done", 5, 5, 100)
    assert body["error"] == ""
    assert run.finished_at is not None


def test_progress_counts_the_people_of_each_built_batch(
    five_people, api_client, django_capture_on_commit_callbacks
):
    run = planned_run(five_people, django_capture_on_commit_callbacks)
    assert (run.status, run.done, run.total) == ("running", 0, 5)
    first = run.batches.get(number=1)

    statement_batch_build(batch_id=first.id)

    api_client.force_authenticate(StaffFactory())
    body = api_client.get(f"/api/payouts/runs/{run.id}/").json()
    assert (body["status"], body["done"], body["total"], body["percent"]) == ("running", 2, 5, 40)
    assert set(Statement.objects.values_list("user_id", flat=True)) == {
        user_id for user_id, _ in first.people
    }


def test_a_batch_built_twice_counts_once(five_people, django_capture_on_commit_callbacks):
    run = planned_run(five_people, django_capture_on_commit_callbacks)
    first = run.batches.get(number=1)

    statement_batch_build(batch_id=first.id)
    built_at = StatementRunBatch.objects.get(pk=first.id).built_at
    statement_batch_build(batch_id=first.id)  # a redelivered job

    run.refresh_from_db()
    assert run.done == 2
    assert StatementRunBatch.objects.get(pk=first.id).built_at == built_at
    assert Statement.objects.count() == 2


def test_a_redelivered_run_plans_once_and_queues_what_is_not_built(
    five_people, django_capture_on_commit_callbacks
):
    run = planned_run(five_people, django_capture_on_commit_callbacks)
    first = run.batches.get(number=1)
    statement_batch_build(batch_id=first.id)
    first_built_at = StatementRunBatch.objects.get(pk=first.id).built_at

    with django_capture_on_commit_callbacks(execute=True):
        statement_run_execute(run_id=run.id)  # the run's job, delivered again

    run.refresh_from_db()
    assert run.batches.count() == 3
    assert (run.status, run.done, run.total) == ("done", 5, 5)
    assert StatementRunBatch.objects.get(pk=first.id).built_at == first_built_at
    assert Statement.objects.count() == 5
    with django_capture_on_commit_callbacks(execute=False) as queued:
        statement_run_execute(run_id=run.id)  # a finished run queues nothing
    assert queued == []


def test_a_month_without_earnings_finishes_at_once(django_capture_on_commit_callbacks):
    staff = StaffFactory()

    with django_capture_on_commit_callbacks(execute=True):
        run = statement_run_start(period=dt.date(2020, 2, 1), actor=staff)

    run.refresh_from_db()
    assert (run.status, run.done, run.total) == ("done", 0, 0)
    assert run.batches.count() == 0


def test_a_batch_that_cannot_be_built_fails_the_run_and_says_why(
    five_people, django_capture_on_commit_callbacks
):
    run = planned_run(five_people, django_capture_on_commit_callbacks)
    broken = run.batches.get(number=2)
    broken.people = [["nobody", "USD"]]  # not a user id
    broken.save()

    with pytest.raises(ValueError, match="nobody"):
        statement_batch_build(batch_id=broken.id)

    run.refresh_from_db()
    assert run.status == "failed"
    assert "nobody" in run.error
    assert StatementRunBatch.objects.get(pk=broken.id).built_at is None
    # The other batches still build, and the run stays failed: staff start another.
    for batch in run.batches.exclude(pk=broken.id):
        statement_batch_build(batch_id=batch.id)
    run.refresh_from_db()
    assert (run.status, run.done) == ("failed", 3)


def test_the_batches_build_the_same_statements_as_a_month_at_once(
    five_people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        statement_run_start(period=five_people, actor=StaffFactory())
    batched = {
        s.user_id: (s.earned_minor, s.payable_minor, list(s.lines.values_list("amount_minor")))
        for s in Statement.objects.all()
    }

    at_once = {
        s.user_id: (s.earned_minor, s.payable_minor, list(s.lines.values_list("amount_minor")))
        for s in statements_build_month(period=five_people)  # rebuilds the open statements
    }

    assert batched == at_once
    assert sum(earned for earned, _, _ in batched.values()) == 10_000


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_batches_built_at_once_by_two_workers_finish_the_run_once(five_people):
    # Planned as the run's job plans it (its jobs would run at once here: no test transaction
    # holds them back).
    people = statement_people(period=five_people)
    run = StatementRun.objects.create(
        period=five_people.replace(day=1), status="running", total=len(people)
    )
    batch_ids = [
        StatementRunBatch.objects.create(
            run=run, number=number, people=people[i : i + 2], size=len(people[i : i + 2])
        ).id
        for number, i in enumerate(range(0, len(people), 2), start=1)
    ]
    start = threading.Barrier(len(batch_ids) * 2)
    errors = []

    def worker(batch_id: int) -> None:
        try:
            start.wait()
            statement_batch_build(batch_id=batch_id)
        except Exception as exc:  # reported below, with the others
            errors.append(exc)
        finally:
            connection.close()

    # Every batch twice, as if each job had been delivered to two workers.
    threads = [threading.Thread(target=worker, args=(b,)) for b in batch_ids * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    run.refresh_from_db()
    assert (run.status, run.done, run.total) == ("done", 5, 5)
    assert Statement.objects.count() == 5


# --- issuing a month ---------------------------------------------------------------------


def built_month(period, django_capture_on_commit_callbacks) -> list[Statement]:
    with django_capture_on_commit_callbacks(execute=True):
        return statements_build_month(period=period)


def test_issuing_a_month_issues_its_open_statements_and_tells_each_person(
    five_people, api_client, django_capture_on_commit_callbacks
):
    statements = built_month(five_people, django_capture_on_commit_callbacks)
    other_month = Statement.objects.create(
        user=UserFactory(), period=dt.date(2020, 1, 1), currency="USD", earned_minor=5
    )
    with django_capture_on_commit_callbacks(execute=True):  # one already issued
        statement_issue(statement=statements[0], actor=StaffFactory())
    api_client.force_authenticate(StaffFactory())

    with django_capture_on_commit_callbacks(execute=True):
        started = api_client.post(
            "/api/payouts/statements/issue/", {"period": f"{five_people:%Y-%m}"}
        )

    assert started.status_code == 202
    assert (started.json()["kind"], started.json()["total"]) == ("issue", 4)
    run = api_client.get(f"/api/payouts/runs/{started.json()['id']}/").json()
    assert (run["status"], run["done"], run["total"], run["percent"]) == ("done", 4, 4, 100)
    assert set(Statement.objects.filter(period=five_people.replace(day=1)).values_list(
        "status", flat=True
    )) == {"issued"}  # fmt: skip
    other_month.refresh_from_db()
    assert other_month.status == "open"
    told = Notification.objects.filter(kind="statement_issued")
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(
        s.user_id for s in statements
    )


def test_issuing_waits_for_the_months_build_and_needs_an_open_statement(
    five_people, django_capture_on_commit_callbacks
):
    staff = StaffFactory()
    run = planned_run(five_people, django_capture_on_commit_callbacks)  # still building

    with pytest.raises(ValidationError) as building:
        statement_issue_run_start(period=five_people, actor=staff)
    for batch in run.batches.all():
        statement_batch_build(batch_id=batch.id)
    with pytest.raises(ValidationError) as empty:
        statement_issue_run_start(period=dt.date(2020, 2, 1), actor=staff)
    with pytest.raises(PermissionDenied):
        statement_issue_run_start(period=five_people, actor=UserFactory())

    assert building.value.message_dict["period"] == [
        f"The statements of {five_people:%B %Y} are being built (run #{run.id}); "
        "issue them once it is done."
    ]
    assert empty.value.message_dict["period"] == ["No statement of February 2020 is open to issue."]
    assert StatementRun.objects.filter(kind="issue").count() == 0
    assert set(Statement.objects.values_list("status", flat=True)) == {"open"}


def test_an_issue_run_goes_batch_by_batch_and_a_redelivered_one_changes_nothing(
    five_people, django_capture_on_commit_callbacks
):
    built_month(five_people, django_capture_on_commit_callbacks)  # batch size 2: 3 batches
    with django_capture_on_commit_callbacks(execute=False):
        run = statement_issue_run_start(period=five_people, actor=StaffFactory())

    with django_capture_on_commit_callbacks(execute=False) as told:
        statement_issue_run_execute(run_id=run.id)
    issued_at = dict(Statement.objects.values_list("id", "issued_at"))
    statement_issue_run_execute(run_id=run.id)  # delivered again

    run.refresh_from_db()
    assert (run.status, run.done, run.total) == ("done", 5, 5)
    assert len(told) == 5  # a notification job per statement, after its batch's commit
    assert dict(Statement.objects.values_list("id", "issued_at")) == issued_at


# --- trying a failed run again -------------------------------------------------------------


def test_a_failed_build_tried_again_builds_what_is_left_and_counts_each_person_once(
    five_people, api_client, django_capture_on_commit_callbacks
):
    run = planned_run(five_people, django_capture_on_commit_callbacks)
    broken = run.batches.get(number=2)
    planned_people = broken.people
    broken.people = [["nobody", "USD"]]
    broken.save()
    for batch in run.batches.order_by("number"):
        with contextlib.suppress(ValueError):
            statement_batch_build(batch_id=batch.id)
    run.refresh_from_db()
    assert (run.status, run.done) == ("failed", 3)
    broken.people = planned_people  # put right
    broken.save()
    api_client.force_authenticate(StaffFactory())

    with django_capture_on_commit_callbacks(execute=True):
        retried = api_client.post(f"/api/payouts/runs/{run.id}/retry/")

    assert retried.status_code == 202
    run.refresh_from_db()
    assert (run.status, run.done, run.total, run.error) == ("done", 5, 5, "")
    assert Statement.objects.count() == 5
    again = api_client.post(f"/api/payouts/runs/{run.id}/retry/")
    assert again.status_code == 400
    assert again.json() == {"run": ["Only a failed run can be tried again; this one is done."]}


def test_a_failed_issue_run_tried_again_issues_the_rest(
    five_people, django_capture_on_commit_callbacks
):
    built_month(five_people, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        run = statement_issue_run_start(period=five_people, actor=StaffFactory())
    StatementRun.objects.filter(pk=run.pk).update(status="failed", error="OSError: disk full")

    with django_capture_on_commit_callbacks(execute=True):
        statement_run_retry(run=run, actor=StaffFactory())

    run.refresh_from_db()
    assert (run.status, run.done, run.error) == ("done", 5, "")
    assert set(Statement.objects.values_list("status", flat=True)) == {"issued"}
    with pytest.raises(PermissionDenied):
        statement_run_retry(run=run, actor=UserFactory())


def test_a_failed_build_whose_batches_were_all_built_after_all_is_done_when_tried_again(
    five_people, django_capture_on_commit_callbacks
):
    run = planned_run(five_people, django_capture_on_commit_callbacks)
    for batch in run.batches.all():
        statement_batch_build(batch_id=batch.id)
    # A batch failed, and a redelivered copy of its job built it: the run says failed.
    StatementRun.objects.filter(pk=run.pk).update(status="failed", error="OSError: once")

    with django_capture_on_commit_callbacks(execute=False) as queued:
        statement_run_retry(run=run, actor=StaffFactory())

    run.refresh_from_db()
    assert (run.status, run.done, run.total, queued) == ("done", 5, 5, [])
    assert run.finished_at is not None


def test_building_waits_for_the_months_issuing(five_people, django_capture_on_commit_callbacks):
    built_month(five_people, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):  # queued, not yet run
        issuing = statement_issue_run_start(period=five_people, actor=StaffFactory())

    with pytest.raises(ValidationError) as refused:
        statement_run_start(period=five_people, actor=StaffFactory())

    assert refused.value.message_dict["period"] == [
        f"The statements of {five_people:%B %Y} are being issued (run #{issuing.id}); "
        "build them once it is done."
    ]
    assert list(StatementRun.objects.values_list("kind", flat=True)) == ["issue"]


def test_staff_list_the_runs_newest_first_in_a_constant_number_of_queries(
    api_client, django_assert_max_num_queries
):
    staff = StaffFactory(username="sam")
    api_client.force_authenticate(staff)
    StatementRun.objects.create(period=dt.date(2026, 1, 1), requested_by=staff)
    with django_assert_max_num_queries(10) as few:
        api_client.get("/api/payouts/runs/")
    for month in range(2, 12):
        StatementRun.objects.create(
            period=dt.date(2026, month, 1), requested_by=StaffFactory(), kind="issue"
        )

    with django_assert_max_num_queries(len(few)):
        listed = api_client.get("/api/payouts/runs/?page_size=50").json()

    assert listed["count"] == 11
    assert [run["period"] for run in listed["results"]][:2] == ["2026-11", "2026-10"]
    oldest = listed["results"][-1]
    assert (oldest["kind"], oldest["requested_by"]["username"]) == ("build", "sam")
    api_client.force_authenticate(UserFactory())
    assert api_client.get("/api/payouts/runs/").status_code == 403


def test_a_month_has_one_run_at_a_time(five_people, django_capture_on_commit_callbacks):
    staff = StaffFactory()
    with django_capture_on_commit_callbacks(execute=False):  # queued, not yet run
        first = statement_run_start(period=five_people, actor=staff)

    with pytest.raises(ValidationError) as refused:
        statement_run_start(period=five_people, actor=staff)  # a double click
    other_month = statement_run_start(period=dt.date(2020, 3, 1), actor=staff)

    assert refused.value.message_dict["period"] == [
        f"The statements of {five_people:%B %Y} are being built (run #{first.id}); "
        "build them once it is done."
    ]
    assert other_month.period == dt.date(2020, 3, 1)
    StatementRun.objects.filter(pk=first.pk).update(status="failed")  # no longer under way
    assert statement_run_start(period=five_people, actor=staff).period == first.period
