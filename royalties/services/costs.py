"""Production costs: recorded with receipts, agreed to after a release, paid back first from
revenue, withdrawn."""

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from hitrec.audit import audit_record
from hitrec.events import announce
from hitrec.i18n import message_of
from hitrec.storage import files_kept_only_if_saved
from projects.models import Project, Release
from projects.selectors import is_producer
from royalties.events import CostChanged
from royalties.models import (
    ProductionCost,
    Recoupment,
    RevenueEvent,
)
from royalties.money import AmountError, parse_amount
from royalties.selectors import producer_ids

RECEIPT_MAX_BYTES = 10 * 1000 * 1000


_RECEIPT_TYPES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def _receipt_type(head: bytes) -> tuple[str, str]:
    for magic, mime, extension in _RECEIPT_TYPES:
        if head.startswith(magic):
            return mime, extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    raise ValidationError({"receipt": [_("A receipt must be a PDF, JPEG, PNG or WebP file.")]})


def cost_window() -> dt.timedelta:
    """How long a cost recorded after the release, with no producer to agree to it, stays
    open to objection before it takes effect: as long as a payment proposal's comment window."""
    return dt.timedelta(days=settings.HITREC_PROPOSAL_COMMENT_DAYS)


def production_cost_record(
    *,
    project: Project,
    actor: User,
    amount: str,
    currency: str,
    note: str,
    borne_by: User | None = None,
    receipt: UploadedFile | None = None,
) -> ProductionCost:
    """A producer records what making the work cost and who paid; revenue pays it back first.

    Before the release a cost is in effect at once. After it, a cost needs a receipt and
    takes effect only when a producer who neither recorded it nor bore it agrees
    (`production_cost_approve`), or, when the project has no such producer, once a public
    window as long as a payment proposal's has passed; everyone credited is told of it.

    The receipt is kept as uploaded (checked to be a PDF or a picture by its content) and
    served as a download to the project's producers, its credited people, the bearer and staff.
    """
    if not is_producer(project=project, user=actor):
        raise PermissionDenied(
            _("Only the producers of “%(title)s” can record costs.") % {"title": project.title}
        )
    if currency != project.currency:
        raise ValidationError(
            {
                "currency": [
                    # Translators: %(currency)s is a currency code such as EUR.
                    _("“%(title)s” keeps its accounts in %(currency)s.")
                    % {"title": project.title, "currency": project.currency}
                ]
            }
        )
    try:
        amount_minor = parse_amount(amount, currency=currency)
    except AmountError as exc:
        raise ValidationError({"amount": [message_of(exc)]}) from exc
    if not note.strip():
        raise ValidationError({"note": [_("Say what the cost was for.")]})
    borne_by = borne_by or actor
    if not is_producer(project=project, user=borne_by):
        raise ValidationError(
            {"borne_by": [_("Costs are paid back to a producer of the project who bore them.")]}
        )
    mime = extension = ""
    if receipt is not None:
        if receipt.size is None:
            # Django's upload handlers always give an upload its size; comparing an unknown
            # size raises this same TypeError.
            raise TypeError("A receipt of unknown size cannot be checked against the limit.")
        if receipt.size > RECEIPT_MAX_BYTES:
            raise ValidationError({"receipt": [_("A receipt is limited to 10 MB.")]})
        receipt.seek(0)
        mime, extension = _receipt_type(receipt.read(16))
        receipt.seek(0)
    # No receipt without its cost: if the row is refused, the stored receipt goes. The file
    # is stored before the lock is taken, so no upload to storage holds the project's lock.
    with files_kept_only_if_saved() as files:
        stored = (
            files.save(f"receipts/{project.pk}/{uuid.uuid4().hex}.{extension}", receipt)
            if receipt is not None
            else ""
        )
        with transaction.atomic():
            # The release takes this lock too: a cost is recorded before it or after it.
            project = Project.objects.select_for_update().get(pk=project.pk)
            rule, effective_at = _rule_for(project=project, actor=actor, borne_by=borne_by)
            if rule != ProductionCost.Rule.AT_RECORDING and receipt is None:
                raise ValidationError(
                    {"receipt": [_(
                        "“%(title)s” is released: a cost recorded now needs its receipt, which "
                        "everyone credited can see."
                    ) % {"title": project.title}]}
                )  # fmt: skip
            cost = ProductionCost.objects.create(
                project=project, amount_minor=amount_minor, currency=currency,
                note=note.strip(), receipt=stored, receipt_mime=mime, borne_by=borne_by,
                recorded_by=actor, rule=rule, effective_at=effective_at,
            )  # fmt: skip
            announce(CostChanged(cost_id=cost.id, change="recorded"))
            audit_record(
                action="cost.record", actor=actor, target=cost, subject=borne_by,
                details={"amount_minor": amount_minor, "currency": currency, "rule": rule,
                         "receipt": bool(stored)},
            )  # fmt: skip
    return cost


def _rule_for(
    *, project: Project, actor: User, borne_by: User
) -> tuple[ProductionCost.Rule, dt.datetime | None]:
    """How a new cost of the (locked) project takes effect, and when (None: on agreement)."""
    now = timezone.now()
    if not Release.objects.filter(project=project).exists():
        return ProductionCost.Rule.AT_RECORDING, now
    if producer_ids(project=project) - {actor.id, borne_by.id}:
        return ProductionCost.Rule.AGREEMENT, None
    return ProductionCost.Rule.WINDOW, now + cost_window()


@transaction.atomic
def production_cost_approve(*, cost: ProductionCost, actor: User) -> ProductionCost:
    """A producer agrees to a cost recorded after the release: from now revenue pays it back.

    Only a producer who neither recorded the cost nor bore it may agree, so no producer
    alone decides that revenue pays them. A cost waiting for its window may be agreed to
    as well, which ends its wait. The project row is locked first, as a revenue post locks
    it, so a post sees the cost either waiting or in effect.
    """
    project = Project.objects.select_for_update().get(pk=cost.project_id)
    if not is_producer(project=project, user=actor):
        raise PermissionDenied(
            _("Only the producers of “%(title)s” can agree to its costs.")
            % {"title": project.title}
        )
    cost = ProductionCost.objects.select_for_update().get(pk=cost.pk)
    if cost.withdrawn_at is not None:
        raise ValidationError(
            {"cost": [_("This cost was withdrawn; there is nothing to agree to.")]}
        )
    now = timezone.now()
    if cost.effective_at is not None and cost.effective_at <= now:
        raise ValidationError(
            {
                "cost": [
                    _("This cost has been in effect since %(day)s; nothing is left to agree to.")
                    % {"day": f"{cost.effective_at:%Y-%m-%d}"}
                ]
            }
        )
    if cost.recorded_by_id == actor.id:
        raise PermissionDenied(_("You recorded this cost, so another producer must agree to it."))
    if cost.borne_by_id == actor.id:
        raise PermissionDenied(
            _("Revenue would pay this cost back to you, so another producer must agree to it.")
        )
    cost.effective_at = cost.approved_at = now
    cost.approved_by = actor
    cost.save(update_fields=["effective_at", "approved_at", "approved_by"])
    announce(CostChanged(cost_id=cost.id, change="approved"))
    audit_record(action="cost.approve", actor=actor, target=cost, subject=cost.borne_by)
    return cost


@transaction.atomic
def production_cost_withdraw(*, cost: ProductionCost, actor: User, reason: str) -> ProductionCost:
    """A producer withdraws what revenue has not yet paid back of a cost (recorded by mistake,
    or with the wrong amount: withdraw it and record the right one).

    What was paid back stays paid: those recoupments are in the ledger, which is never
    edited. The project row is locked first, as a revenue post locks it, so a post either
    pays the cost back before the withdrawal or sees it withdrawn.
    """
    project = Project.objects.select_for_update().get(pk=cost.project_id)
    if not is_producer(project=project, user=actor):
        raise PermissionDenied(
            _("Only the producers of “%(title)s” can withdraw costs.") % {"title": project.title}
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the cost is withdrawn.")]})
    cost = ProductionCost.objects.select_for_update().get(pk=cost.pk)
    if cost.withdrawn_at is not None:
        raise ValidationError(
            {
                "cost": [
                    _("This cost was already withdrawn on %(day)s.")
                    % {"day": f"{cost.withdrawn_at:%Y-%m-%d}"}
                ]
            }
        )
    if not cost.outstanding_minor:
        raise ValidationError(
            {
                "cost": [
                    _(
                        "Revenue has already paid this cost back in full; nothing is left to "
                        "withdraw."
                    )
                ]
            }
        )
    cost.withdrawn_minor = cost.outstanding_minor
    cost.withdrawn_at = timezone.now()
    cost.withdrawn_by = actor
    cost.withdrawal_reason = reason
    cost.save(
        update_fields=["withdrawn_minor", "withdrawn_at", "withdrawn_by", "withdrawal_reason"]
    )
    announce(CostChanged(cost_id=cost.id, change="withdrawn"))
    audit_record(
        action="cost.withdraw", actor=actor, target=cost, subject=cost.borne_by,
        details={"withdrawn_minor": cost.withdrawn_minor, "reason": reason},
    )  # fmt: skip
    return cost


def costs_outstanding(project: Project) -> list[ProductionCost]:
    """The project's costs in effect and not yet paid back, oldest first, locked (in
    primary-key order). A cost waiting for agreement or for its window is not among them."""
    return list(
        ProductionCost.objects.select_for_update()
        .filter(
            project=project,
            effective_at__lte=timezone.now(),
            recouped_minor__lt=F("amount_minor") - F("withdrawn_minor"),
        )
        .order_by("id")
    )


def recoup(event: RevenueEvent, costs: list[ProductionCost], plan: list[int]) -> dict[int, int]:
    """Record the event's recoupments; returns what each cost bearer is paid back."""
    repaid: dict[int, int] = {}
    rows = []
    for cost, amount in zip(costs, plan, strict=True):
        if not amount:
            continue
        rows.append(Recoupment(event=event, cost=cost, amount_minor=amount))
        cost.recouped_minor += amount
        repaid[cost.borne_by_id] = repaid.get(cost.borne_by_id, 0) + amount
    if rows:
        Recoupment.objects.bulk_create(rows)
        ProductionCost.objects.bulk_update([row.cost for row in rows], ["recouped_minor"])
    return repaid
