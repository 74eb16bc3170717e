"""Monthly statements: built (in runs of batches), issued, paid."""

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, transaction
from django.db.models import F, QuerySet, Sum
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from hitrec.audit import audit_record
from hitrec.events import announce
from hitrec.formats import month_display
from royalties import tasks
from royalties.events import StatementIssued
from royalties.models import (
    Allocation,
    AllocationLine,
    JournalEntry,
    LedgerAccount,
    PayoutItem,
    Posting,
    Recoupment,
    Statement,
    StatementLine,
    StatementRun,
    StatementRunBatch,
)
from royalties.periods import month_bounds, month_start
from royalties.selectors import (
    statement_people,
)
from royalties.services.itemisation import revenue_itemise
from royalties.services.ledger import accounts_for


def payout_threshold(currency: str) -> int:
    thresholds = settings.HITREC_PAYOUT_THRESHOLDS
    return thresholds.get(currency, thresholds["default"])


@transaction.atomic
def statement_build(*, user_id: int, period: dt.date, currency: str) -> Statement | None:
    """Build (or rebuild, while open) one person's statement for a month. Idempotent."""
    period = month_start(period)
    statement = (
        Statement.objects.select_for_update()
        .filter(user_id=user_id, period=period, currency=currency)
        .first()
    )
    if statement is not None and statement.status != Statement.Status.OPEN:
        return statement  # issued statements never change
    start, end = month_bounds(period)
    itemise_waiting(
        allocations=Allocation.objects.filter(
            user_id=user_id, event__currency=currency, event__created_at__lt=end
        )
    )
    earned = (
        AllocationLine.objects.filter(
            allocation__user_id=user_id, allocation__event__currency=currency,
            allocation__event__created_at__gte=start, allocation__event__created_at__lt=end,
        )
        # A line per project, stream and contribution: what a publishing stream paid is not
        # folded into the release's own revenue.
        .values("allocation__event__project_id", "line__contribution_id", "line__path",
                "line__contribution__title", "allocation__event__project__title",
                "allocation__event__stream__name")
        .annotate(amount=Sum("amount_minor"))
        .order_by("allocation__event__project_id", F("allocation__event__stream__name").asc(
            nulls_first=True), "line__contribution_id")
    )  # fmt: skip
    repaid = (
        Recoupment.objects.filter(
            cost__borne_by_id=user_id, event__currency=currency,
            event__created_at__gte=start, event__created_at__lt=end,
        )
        .values("event__project_id", "event__project__title", "cost_id", "cost__note")
        .annotate(amount=Sum("amount_minor"))
        .order_by("event__project_id", "cost_id")
    )  # fmt: skip
    previous = (
        Statement.objects.filter(user_id=user_id, currency=currency, period__lt=period)
        .order_by("-period")
        .first()
    )
    carried_in = previous.carried_forward_minor if previous else 0
    if not earned and not repaid and not carried_in:
        return statement
    if statement is None:
        statement = Statement(user_id=user_id, period=period, currency=currency)
    total_earned = sum(row["amount"] for row in earned) + sum(row["amount"] for row in repaid)
    total = carried_in + total_earned
    reaches = total >= payout_threshold(currency)
    statement.carried_in_minor = carried_in
    statement.earned_minor = total_earned
    statement.payable_minor = total if reaches else 0
    statement.carried_forward_minor = 0 if reaches else total
    statement.save()
    statement.lines.all().delete()
    StatementLine.objects.bulk_create(
        StatementLine(
            statement=statement,
            project_id=row["allocation__event__project_id"],
            contribution_id=row["line__contribution_id"],
            description=(
                _earning_source(
                    row["allocation__event__project__title"], row["allocation__event__stream__name"]
                )
                + ": "
                + (row["line__contribution__title"] or "producer's share")
            )[:300],  # fmt: skip
            path=row["line__path"],
            amount_minor=row["amount"],
        )
        for row in earned
    )
    StatementLine.objects.bulk_create(
        StatementLine(
            statement=statement,
            kind=StatementLine.Kind.RECOUPMENT,
            project_id=row["event__project_id"],
            description=(f"{row['event__project__title']}: cost paid back: {row['cost__note']}")[
                :300
            ],
            path=f"recoupment of cost #{row['cost_id']}",
            amount_minor=row["amount"],
        )
        for row in repaid
    )
    return statement


def _earning_source(project_title: str, stream: str | None) -> str:
    """How a statement line names where money came from: the project, and its stream if any."""
    return f"{project_title} ({stream})" if stream else project_title


def itemise_waiting(*, allocations: QuerySet[Allocation]) -> None:
    """Itemise first the events whose lines statements will read and whose job has not run
    yet: a statement's lines must add up to what the ledger owes the person."""
    releases = set(
        allocations.filter(event__itemisation__isnull=True).values_list(
            "event__release_id", flat=True
        )
    )
    for release_id in sorted(releases):  # release locks in primary-key order
        revenue_itemise(release_id=release_id)


def statements_build_month(*, period: dt.date) -> list[Statement]:
    """Everyone's statements for a month, at once (a statement run does it in batches)."""
    return statements_build(people=statement_people(period=period), period=month_start(period))


def statements_build(*, people: Iterable[tuple[int, str]], period: dt.date) -> list[Statement]:
    built = []
    for user_id, currency in people:
        statement = statement_build(user_id=user_id, period=period, currency=currency)
        if statement is not None:
            built.append(statement)
    return built


@transaction.atomic
def statement_run_start(*, period: dt.date, actor: User) -> StatementRun:
    """Staff ask for a month's statements; workers build them and report progress.

    Refused while another run of the month is under way (`_refuse_while_under_way`).
    """
    if not actor.is_staff:
        raise PermissionDenied(_("Only staff can build statements."))
    period = month_start(period)
    _refuse_while_under_way(period=period, then="build")
    run = StatementRun.objects.create(period=period, requested_by=actor)
    transaction.on_commit(lambda: tasks.build_statements.delay(run.id))
    audit_record(
        action="statement_run.build", actor=actor, target=run, details={"period": str(period)}
    )
    return run


def _refuse_while_under_way(*, period: dt.date, then: str) -> None:
    """One run at a time per month: a second would lock the same statements (in another
    order, when it is of the other kind), and a double click would count nothing twice but
    show a run that found nothing left to do."""
    under_way = (
        StatementRun.objects.filter(
            period=period, status__in=[StatementRun.Status.QUEUED, StatementRun.Status.RUNNING]
        )
        .order_by("id")
        .first()
    )
    if under_way is not None:
        doing = "issued" if under_way.kind == StatementRun.Kind.ISSUE else "built"
        message = _UNDER_WAY[(doing, then)]
        raise ValidationError(
            {"period": [message % {"month": month_display(period), "run": under_way.pk}]}
        )


_UNDER_WAY = {
    # Translators: %(month)s is a month and its year, e.g. "October 2026".
    ("built", "build"): gettext_lazy(
        "The statements of %(month)s are being built (run #%(run)s); build them once it is done."
    ),
    ("built", "issue"): gettext_lazy(
        "The statements of %(month)s are being built (run #%(run)s); issue them once it is done."
    ),
    ("issued", "build"): gettext_lazy(
        "The statements of %(month)s are being issued (run #%(run)s); build them once it is done."
    ),
    ("issued", "issue"): gettext_lazy(
        "The statements of %(month)s are being issued (run #%(run)s); issue them once it is done."
    ),
}


@transaction.atomic
def statement_issue_run_start(*, period: dt.date, actor: User) -> StatementRun:
    """Staff issue every open statement of a month at once; a worker does it, with progress.

    Refused while another run of the month is under way (a statement issued mid-build would
    miss what the rest of the build adds), and when none is open.
    """
    if not actor.is_staff:
        raise PermissionDenied(_("Only staff can issue statements."))
    period = month_start(period)
    _refuse_while_under_way(period=period, then="issue")
    open_count = Statement.objects.filter(period=period, status=Statement.Status.OPEN).count()
    if not open_count:
        raise ValidationError(
            {
                "period": [
                    _("No statement of %(month)s is open to issue.")
                    % {"month": month_display(period)}
                ]
            }
        )
    run = StatementRun.objects.create(
        kind=StatementRun.Kind.ISSUE, period=period, requested_by=actor, total=open_count
    )
    transaction.on_commit(lambda: tasks.issue_statements.delay(run.id))
    audit_record(
        action="statement_run.issue",
        actor=actor,
        target=run,
        details={"period": str(period), "statements": open_count},
    )
    return run


def statement_issue_run_execute(*, run_id: int) -> None:
    """The worker's side of issuing a month: the open statements, a batch per transaction.

    Each batch's statements, their notifications and the run's count commit together, so a
    redelivered job goes on where the last one stopped. A statement opened after the run
    was asked for (a late build) is issued too: the run issues what is open when it gets
    there, and its total grows to say so.
    """
    run = StatementRun.objects.get(pk=run_id)
    if run.status in (StatementRun.Status.DONE, StatementRun.Status.FAILED):
        return
    StatementRun.objects.filter(pk=run_id).update(status=StatementRun.Status.RUNNING)
    size = settings.HITREC_STATEMENT_BATCH_SIZE
    with _failure_recorded(StatementRun.objects.filter(pk=run_id)):
        while True:
            with transaction.atomic():
                batch = list(
                    Statement.objects.select_for_update()
                    .filter(period=run.period, status=Statement.Status.OPEN)
                    .order_by("id")[:size]
                )
                if not batch:
                    break
                _statements_issued(batch)
                StatementRun.objects.filter(pk=run_id).update(
                    done=F("done") + len(batch), total=Greatest(F("total"), F("done") + len(batch))
                )
    StatementRun.objects.filter(pk=run_id).update(
        status=StatementRun.Status.DONE, finished_at=timezone.now()
    )


def statement_run_execute(*, run_id: int) -> None:
    """The run's first job: it divides the month's people into batches, a job each.

    A month at a million people is then built by every money worker at once, and a job that
    fails or is redelivered repeats only its batch. Guarded: the batches are planned once
    (with the run's total, in one transaction); a redelivered job queues again only those
    not yet built (a batch's own job skips one that is built or being built).
    """
    with transaction.atomic():
        run = StatementRun.objects.select_for_update().get(pk=run_id)
        if run.status == StatementRun.Status.QUEUED:
            people = statement_people(period=run.period)
            size = settings.HITREC_STATEMENT_BATCH_SIZE
            slices = [people[start : start + size] for start in range(0, len(people), size)]
            StatementRunBatch.objects.bulk_create(
                StatementRunBatch(run=run, number=number, people=slice_, size=len(slice_))
                for number, slice_ in enumerate(slices, start=1)
            )
            run.total = len(people)
            run.status = StatementRun.Status.RUNNING if people else StatementRun.Status.DONE
            run.finished_at = None if people else timezone.now()
            run.save(update_fields=["total", "status", "finished_at"])
        if run.status == StatementRun.Status.RUNNING:
            _batches_queue(run)


def _batches_queue(run: StatementRun) -> bool:
    """Queue, after the commit, a job for each of the run's batches not yet built; whether
    there was any."""
    waiting = list(
        run.batches.filter(built_at__isnull=True).order_by("number").values_list("id", flat=True)
    )
    if waiting:
        transaction.on_commit(
            lambda: [tasks.build_statement_batch.delay(batch) for batch in waiting]
        )
    return bool(waiting)


@transaction.atomic
def statement_run_retry(*, run: StatementRun, actor: User) -> StatementRun:
    """Staff try a failed run again (once what made it fail is put right): its jobs are queued
    again and it goes on where it stopped, since what was built or issued is kept."""
    if not actor.is_staff:
        raise PermissionDenied(_("Only staff can retry statement runs."))
    run = StatementRun.objects.select_for_update().get(pk=run.pk)
    if run.status != StatementRun.Status.FAILED:
        raise ValidationError({"run": [str(_NOT_FAILED[run.status])]})
    run.error = ""
    run.status = StatementRun.Status.RUNNING
    if run.kind == StatementRun.Kind.ISSUE:
        transaction.on_commit(lambda: tasks.issue_statements.delay(run.id))
    elif _batches_queue(run):  # its unbuilt batches go on
        pass
    elif run.batches.exists():  # every batch was built after all (a redelivered job)
        run.status = StatementRun.Status.DONE
        run.finished_at = timezone.now()
    else:  # it failed before its batches were planned: plan them
        run.status = StatementRun.Status.QUEUED
        transaction.on_commit(lambda: tasks.build_statements.delay(run.id))
    run.save(update_fields=["status", "error", "finished_at"])
    audit_record(action="statement_run.retry", actor=actor, target=run)
    return run


_NOT_FAILED: dict[str, Promise] = {
    StatementRun.Status.QUEUED: gettext_lazy(
        "Only a failed run can be tried again; this one is queued."
    ),
    StatementRun.Status.RUNNING: gettext_lazy(
        "Only a failed run can be tried again; this one is running."
    ),
    StatementRun.Status.DONE: gettext_lazy(
        "Only a failed run can be tried again; this one is done."
    ),
}


@contextmanager
def _failure_recorded(runs: QuerySet[StatementRun]) -> Iterator[None]:
    """A run's job failing for a reason other than the database's (a lost connection or a
    deadlock is retried by the task) marks the run failed, with the error, for staff to see."""
    try:
        yield
    except OperationalError:
        raise
    except Exception as exc:
        runs.update(status=StatementRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
        raise


def statement_batch_build(*, batch_id: int) -> None:
    """Build one batch of a statement run: its people's statements, then the run's progress.

    The statements, the batch's mark and the run's count of people done commit together, so
    a batch counts once however often its job runs; the last batch finishes the run. A batch
    another job is building is skipped (its row is locked), not waited for. A failure that
    is not the database's (those are retried) marks the run failed, with the error.
    """
    with _failure_recorded(StatementRun.objects.filter(batches__id=batch_id)):
        # None only when the locked read below finds it built (or gone) meanwhile.
        batch: StatementRunBatch | None
        batch = StatementRunBatch.objects.select_related("run").get(pk=batch_id)
        if batch.built_at is not None:
            return
        people = [(user_id, currency) for user_id, currency in batch.people]
        # Each release's waiting lines first, each in a short transaction of its own: inside
        # the batch's, a release's lock would be held until the whole batch commits.
        itemise_waiting(
            allocations=Allocation.objects.filter(
                user_id__in={user_id for user_id, _ in people},
                event__created_at__lt=month_bounds(batch.run.period)[1],
            )
        )
        with transaction.atomic():
            batch = (
                # Only the batch's row: were the run's locked too, a batch finishing would
                # make the others skip theirs.
                StatementRunBatch.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("run")
                .filter(pk=batch_id, built_at__isnull=True)
                .first()
            )
            if batch is None:
                return
            statements_build(people=people, period=batch.run.period)
            batch.built_at = timezone.now()
            batch.save(update_fields=["built_at"])
            StatementRun.objects.filter(pk=batch.run_id).update(done=F("done") + batch.size)
    # After the commit, so that of two batches finishing together the later sees both counts.
    StatementRun.objects.filter(
        pk=batch.run_id, status=StatementRun.Status.RUNNING, done=F("total")
    ).update(status=StatementRun.Status.DONE, finished_at=timezone.now())


@transaction.atomic
def statement_issue(*, statement: Statement, actor: User) -> Statement:
    """Staff issue an open statement: from now on it never changes."""
    if not actor.is_staff:
        raise PermissionDenied(_("Only staff can issue statements."))
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    if statement.status != Statement.Status.OPEN:
        raise ValidationError(str(_ALREADY[statement.status]))
    _statements_issued([statement])
    return statement


_ALREADY: dict[str, Promise] = {
    Statement.Status.ISSUED: gettext_lazy("This statement is already issued."),
    Statement.Status.PAID: gettext_lazy("This statement is already paid."),
    Statement.Status.FAILED: gettext_lazy("This statement is already failed."),
}


def _statements_issued(statements: list[Statement]) -> None:
    """Mark the locked, open statements issued (one UPDATE), and tell each person."""
    issued_at = timezone.now()
    Statement.objects.filter(pk__in=[s.pk for s in statements]).update(
        status=Statement.Status.ISSUED, issued_at=issued_at
    )
    for statement in statements:
        statement.status = Statement.Status.ISSUED
        statement.issued_at = issued_at
        announce(StatementIssued(statement_id=statement.id))


@transaction.atomic
def statement_pay(*, statement: Statement, actor: User) -> Statement:
    """Staff record that an issued statement was paid: the payable balance goes out."""
    if not actor.is_staff:
        raise PermissionDenied(_("Only staff can record payouts."))
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    if statement.status != Statement.Status.ISSUED:
        raise ValidationError(str(_NOT_ISSUED[statement.status]))
    if statement.payable_minor <= 0:
        raise ValidationError(
            _("This statement is below the payout threshold; its balance carries forward.")
        )
    if PayoutItem.objects.filter(statement=statement).exists():
        raise ValidationError(
            _(
                "This statement was sent to the payment facilitator; its result file says "
                "whether it was paid."
            )
        )
    audit_record(
        action="statement.pay", actor=actor, target=statement, subject=statement.user,
        details={"amount_minor": statement.payable_minor, "currency": statement.currency},
    )  # fmt: skip
    return statement_paid(statement)


_NOT_ISSUED: dict[str, Promise] = {
    Statement.Status.OPEN: gettext_lazy("Only an issued statement can be paid; this one is open."),
    Statement.Status.PAID: gettext_lazy("Only an issued statement can be paid; this one is paid."),
    Statement.Status.FAILED: gettext_lazy(
        "Only an issued statement can be paid; this one is failed."
    ),
}


def statement_paid(statement: Statement) -> Statement:
    """Post the payout (the payable balance goes out) and mark the locked statement paid."""
    payable = accounts_for(
        LedgerAccount.Kind.PAYABLE, statement.currency, users=[statement.user_id]
    )
    payouts = accounts_for(LedgerAccount.Kind.PAYOUTS, statement.currency)
    entry = JournalEntry.objects.create(
        kind=JournalEntry.Kind.PAYOUT, memo=f"payout of statement {statement.pk}"
    )
    postings = [
        Posting(
            entry=entry, account=payable[statement.user_id], amount_minor=statement.payable_minor
        ),
        Posting(entry=entry, account=payouts[None], amount_minor=-statement.payable_minor),
    ]
    Posting.objects.bulk_create(postings)
    statement.status = Statement.Status.PAID
    statement.paid_at = timezone.now()
    statement.payout_entry = entry
    statement.save(update_fields=["status", "paid_at", "payout_entry"])
    return statement


def statement_failed(statement: Statement) -> None:
    """Nothing left the ledger: the amount is still owed, so the next statement carries it."""
    statement.status = Statement.Status.FAILED
    statement.carried_forward_minor = statement.payable_minor
    statement.save(update_fields=["status", "carried_forward_minor"])
    following = (
        Statement.objects.filter(
            user_id=statement.user_id, currency=statement.currency, period__gt=statement.period
        )
        .order_by("period")
        .first()
    )
    if following is not None and following.status == Statement.Status.OPEN:
        statement_build(
            user_id=following.user_id, period=following.period, currency=following.currency
        )
