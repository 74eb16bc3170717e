"""Recording notifications: one per person and event, told in a line, emailed at once if wanted."""

import functools
import re
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils.text import Truncator

from accounts.models import User
from notifications import tasks
from notifications.models import Delivery, Kind, Notification
from notifications.selectors import deliveries_for

Status = Notification.EmailStatus


# SQLite allows 32766 parameters a statement; far under it, and a sensible batch anyway.
CHUNK = 500


def one_line(text: str, limit: int = 500) -> str:
    # Texts become email subjects, where a line break is refused (header injection).
    return Truncator(re.sub(r"\s+", " ", text).strip()).chars(limit)


def titles_quoted(titles: Sequence[str], limit: int = 3) -> str:
    shown = [f"“{title}”" for title in titles[:limit]]
    if len(titles) > limit:
        shown.append(f"{len(titles) - limit} more")
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def notifications_record(
    *, kind: Kind, key: str, actor_id: int | None, link: str, texts: dict[int, str]
) -> int:
    """Record one notification per recipient (texts: recipient id → text), as each chose.

    Nobody is told of their own action. Recording the same event again (same key) adds
    nothing, so the fan-out task may run twice. Returns how many were recorded now or before.
    """
    recipients = sorted(user_id for user_id in texts if user_id != actor_id)
    recorded = 0
    for start in range(0, len(recipients), CHUNK):
        chunk = recipients[start : start + CHUNK]
        deliveries = deliveries_for(user_ids=chunk, kind=kind)
        addresses = dict(
            User.objects.filter(id__in=chunk, is_active=True).values_list("id", "email")
        )
        rows = []
        for user_id in chunk:
            delivery = deliveries[user_id]
            if delivery == Delivery.OFF or user_id not in addresses:
                continue
            if not addresses[user_id]:
                status = Status.NONE
            else:
                status = Status.QUEUED if delivery == Delivery.IMMEDIATE else Status.DIGEST
            rows.append(
                Notification(
                    recipient_id=user_id, kind=kind, actor_id=actor_id,
                    text=one_line(texts[user_id]), link=link[:500], key=key,
                    email_status=status,
                )
            )  # fmt: skip
        with transaction.atomic():
            Notification.objects.bulk_create(rows, ignore_conflicts=True)
            # Read back rather than trust bulk_create: on a rerun the rows already exist, and
            # one still queued (its email never went) is queued again.
            queued = list(
                Notification.objects.filter(
                    key=key, recipient_id__in=[row.recipient_id for row in rows],
                    email_status=Status.QUEUED,
                ).values_list("id", flat=True)
            )  # fmt: skip
            _email_on_commit(queued)
        recorded += len(rows)
    return recorded


def _email_on_commit(notification_ids: Iterable[int]) -> None:
    for notification_id in notification_ids:
        transaction.on_commit(functools.partial(_email_send, notification_id))


def _email_send(notification_id: int) -> None:
    tasks.send_email.delay(notification_id)
