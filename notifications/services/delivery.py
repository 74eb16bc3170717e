"""Sending email: a notification at once, or a person's daily digest."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from notifications import emails, tasks
from notifications.models import Delivery, Notification
from notifications.selectors import preferences_get
from notifications.services.preferences import ALL_DIGEST_KINDS, unsubscribe_url
from notifications.services.recording import Status


@transaction.atomic
def email_send(*, notification_id: int) -> bool:
    """Email one notification on its own. Guarded: only a queued one is sent, once.

    The row stays locked while the email goes out, so a concurrent rerun waits and then
    finds it sent. If sending fails, nothing is marked and the task retries.
    """
    notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
    if notification is None or notification.email_status != Status.QUEUED:
        return False
    recipient = User.objects.get(pk=notification.recipient_id)
    delivery = preferences_get(user=recipient)[notification.kind]
    if delivery == Delivery.OFF or not recipient.email_verified or not recipient.is_active:
        notification.email_status = Status.DROPPED
        notification.save(update_fields=["email_status"])
        return False
    emails.notification_email(
        notification=notification,
        recipient=recipient,
        unsubscribe_url=unsubscribe_url(user_id=recipient.id, kind=notification.kind),
    ).send()
    notification.email_status = Status.SENT
    notification.emailed_at = timezone.now()
    notification.save(update_fields=["email_status", "emailed_at"])
    return True


@transaction.atomic
def digest_send(*, user_id: int) -> bool:
    """One email with everything a person has waiting for their digest. Guarded: what it
    sends is marked digested in the same transaction, so a second run finds nothing."""
    waiting = list(
        Notification.objects.select_for_update()
        .filter(recipient_id=user_id, email_status=Status.DIGEST)
        .order_by("id")
    )
    if not waiting:
        return False
    recipient = User.objects.get(pk=user_id)
    deliveries = preferences_get(user=recipient)
    send = [n for n in waiting if deliveries[n.kind] != Delivery.OFF]
    if not (recipient.email_verified and recipient.is_active):
        send = []
    sent_ids = {n.id for n in send}
    now = timezone.now()
    if send:
        kinds = list(dict.fromkeys(n.kind for n in send))
        emails.digest_email(
            recipient=recipient,
            notifications=send,
            unsubscribe_urls={k: unsubscribe_url(user_id=user_id, kind=k) for k in kinds},
            unsubscribe_all_url=unsubscribe_url(user_id=user_id, kind=ALL_DIGEST_KINDS),
        ).send()
        Notification.objects.filter(id__in=sent_ids).update(
            email_status=Status.DIGESTED, emailed_at=now
        )
    Notification.objects.filter(id__in=[n.id for n in waiting if n.id not in sent_ids]).update(
        email_status=Status.DROPPED
    )
    return bool(send)


def digests_enqueue() -> int:
    """The daily run: one digest job per person with something waiting."""
    people = list(
        Notification.objects.filter(email_status=Status.DIGEST)
        .order_by()
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    for user_id in people:
        tasks.send_digest.delay(user_id)
    return len(people)
