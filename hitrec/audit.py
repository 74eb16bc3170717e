"""The audit log: services record with `audit_record` inside their transaction (the request's
address comes from the middleware, so services need not be handed it); staff read it with
`audit_entries`."""

import datetime as dt
from contextvars import ContextVar
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet

from hitrec.clients import UNKNOWN, client_address
from hitrec.models import AuditEntry

_address: ContextVar[str | None] = ContextVar("hitrec_audit_address", default=None)


def audit_record(
    *,
    action: str,
    actor,
    target: models.Model | None = None,
    subject=None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record one staff or money-moving action: its actor, what it was done to, and whom it
    concerns. Written in the caller's transaction: it is kept exactly when the action is."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=(target._meta.model_name or "") if target is not None else "",
        target_id=target.pk if target is not None else None,
        subject=subject if getattr(subject, "pk", None) else None,
        address=_address.get(),
        details=details or {},
    )


class AuditAddressMiddleware:
    """Notes the request's client address (as the throttles tell it) for the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        address = client_address(request)
        token = _address.set(None if address == UNKNOWN else address)
        try:
            return self.get_response(request)
        finally:
            _address.reset(token)


def audit_entries(
    *,
    action: str = "",
    person: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    """Newest first, filtered: an action (or its family, "payout" for every payout.*), a
    username who acted or whom it concerned, and a range of days (inclusive)."""
    entries = AuditEntry.objects.select_related("actor", "subject")
    if action:
        entries = entries.filter(Q(action=action) | Q(action__startswith=f"{action}."))
    if person:
        entries = entries.filter(
            Q(actor__username__iexact=person) | Q(subject__username__iexact=person)
        )
    if since:
        entries = entries.filter(at__date__gte=since)
    if until:
        entries = entries.filter(at__date__lte=until)
    return entries


def audit_of(user) -> list[dict[str, Any]]:
    """What the log holds about a person (as actor or subject), for their data export."""
    return [
        {
            "at": entry.at.isoformat(), "action": entry.action,
            "target": f"{entry.target_type}#{entry.target_id}" if entry.target_type else "",
            "by_you": entry.actor_id == user.pk, "about_you": entry.subject_id == user.pk,
            "address": entry.address if entry.actor_id == user.pk else None,
            "details": entry.details,
        }
        for entry in AuditEntry.objects.filter(Q(actor=user) | Q(subject=user)).order_by("at", "id")
    ]  # fmt: skip
