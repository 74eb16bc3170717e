"""Paying issued statements through a payment facilitator's bulk-payout and result files."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from hitrec.audit import audit_record
from hitrec.i18n import message_of
from royalties.models import (
    PayoutBatch,
    PayoutItem,
    Statement,
)
from royalties.payout_files import (
    Payment,
    PayoutFileError,
    parse_results,
    payout_csv,
    problems_message,
)
from royalties.services.statements import statement_failed, statement_paid


@transaction.atomic
def payout_batch_create(*, actor: User) -> PayoutBatch:
    """Staff gather every issued, unpaid statement into one bulk-payout file's worth. A person
    whose payout address is not verified is left out (their statement waits, with its
    balance, until they verify it): hitrec pays only addresses people proved they read."""
    if not actor.is_staff:
        raise PermissionDenied(_("Only staff can send payouts."))
    statements = list(
        Statement.objects.select_for_update(of=("self",))
        .filter(status=Statement.Status.ISSUED, payable_minor__gt=0)
        .exclude(pk__in=PayoutItem.objects.values("statement_id"))
        .select_related("user")
        .order_by("pk")
    )
    payable = [s for s in statements if s.user.payee_email and s.user.payee_verified]
    if not payable:
        raise ValidationError(
            _(
                "There are no issued statements waiting to be paid to someone with a verified "
                "email address."
            )
        )
    batch = PayoutBatch.objects.create(created_by=actor)
    PayoutItem.objects.bulk_create(
        PayoutItem(
            batch=batch, statement=statement, reference=f"hitrec-{statement.pk}",
            payee_email=statement.user.payee_email,
            amount_minor=statement.payable_minor, currency=statement.currency,
        )
        for statement in payable
    )  # fmt: skip
    audit_record(
        action="payout_batch.create", actor=actor, target=batch,
        details={"statements": [s.pk for s in payable],
                 "held_unverified": [s.pk for s in statements if s not in payable]},
    )  # fmt: skip
    return batch


def payout_batch_file(*, batch: PayoutBatch) -> str:
    items = batch.items.order_by("id")
    return payout_csv(
        [Payment(i.payee_email, i.amount_minor, i.currency, i.reference) for i in items]
    )


def payout_file_message(error: PayoutFileError) -> str:
    """Why a result file is refused, in the reader's language, each wrong line included."""
    return problems_message(error.problems, message_of) if error.problems else message_of(error)


@transaction.atomic
def payout_results_import(*, batch: PayoutBatch, actor: User, text: str) -> dict[str, int]:
    """Staff feed back the facilitator's result file: paid statements are paid out in the
    ledger, failed ones stay owed and carry into the next statement.

    All or nothing, and idempotent: a row already recorded with the same result changes
    nothing; one that contradicts an earlier result refuses the whole file.
    """
    if not actor.is_staff:
        raise PermissionDenied(_("Only staff can record payout results."))
    try:
        results = parse_results(text)
    except PayoutFileError as exc:
        raise ValidationError({"file": [payout_file_message(exc)]}) from exc
    items = {
        item.reference: item
        for item in PayoutItem.objects.select_for_update()
        .filter(batch=batch, reference__in=[r.reference for r in results])
        .order_by("pk")
    }
    problems = []
    for result in results:
        item = items.get(result.reference)
        if item is None:
            problems.append(
                _("line %(line)s: %(reference)s is not in batch %(batch)s")
                % {"line": result.line, "reference": result.reference, "batch": batch.pk}
            )
        elif item.result not in (PayoutItem.Result.PENDING, result.status):
            message = (
                _("line %(line)s: %(reference)s was already recorded as paid")
                if item.result == PayoutItem.Result.PAID
                else _("line %(line)s: %(reference)s was already recorded as failed")
            )
            problems.append(message % {"line": result.line, "reference": result.reference})
    if problems:
        raise ValidationError({"file": ["; ".join(problems[:20])]})
    counts = {"paid": 0, "failed": 0, "unchanged": 0}
    statements = {
        s.pk: s
        for s in Statement.objects.select_for_update()
        .filter(pk__in=[item.statement_id for item in items.values()])
        .order_by("pk")
    }
    now = timezone.now()
    for result in results:
        item = items[result.reference]
        if item.result == result.status:
            counts["unchanged"] += 1
            continue
        statement = statements[item.statement_id]
        if result.status == PayoutItem.Result.PAID:
            statement_paid(statement)
        else:
            statement_failed(statement)
        item.result, item.result_message, item.resolved_at = result.status, result.message, now
        item.save(update_fields=["result", "result_message", "resolved_at"])
        counts[result.status] += 1
        audit_record(
            action=f"payout.{result.status}", actor=actor, target=statement,
            subject=statement.user, details={"batch": batch.pk, "amount_minor": item.amount_minor,
                                             "currency": item.currency},
        )  # fmt: skip
    audit_record(action="payout_results.import", actor=actor, target=batch, details=dict(counts))
    return counts
