"""Reads of notifications: a person's inbox, their unread count, their preferences."""

from collections.abc import Iterable
from typing import NamedTuple

from django.db.models import QuerySet

from accounts.models import User
from notifications.models import DEFAULT_DELIVERY, Kind, Notification, Preference


def notification_list(*, user: User, unread: bool | None = None) -> QuerySet[Notification]:
    """The person's own notifications, newest first."""
    rows = Notification.objects.filter(recipient=user).select_related("actor").order_by("-id")
    if unread is not None:
        rows = rows.filter(read_at__isnull=unread)
    return rows


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def preferences_get(*, user: User) -> dict[str, str]:
    """How the person hears about each kind: their choice, or the default."""
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind.value: chosen.get(kind.value, DEFAULT_DELIVERY[kind].value) for kind in Kind}


class Recipient(NamedTuple):
    """What recording a notification needs of a person: where to email it, and in what
    language to write it (`language` as `hitrec.i18n.language_of` reads it)."""

    email: str
    language: str


def recipients_for(*, user_ids: Iterable[int]) -> dict[int, Recipient]:
    """The active people among these, with their address and language (one query). An
    address not yet verified counts as none: hitrec writes only to proven addresses."""
    return {
        user_id: Recipient(email if verified_at else "", language)
        for user_id, email, language, verified_at in User.objects.filter(
            id__in=list(user_ids), is_active=True
        ).values_list("id", "email", "language", "email_verified_at")
    }


def deliveries_for(*, user_ids: Iterable[int], kind: str) -> dict[int, str]:
    """How each of these people hears about one kind (one query)."""
    user_ids = list(user_ids)
    chosen = dict(
        Preference.objects.filter(kind=kind, user_id__in=user_ids).values_list(
            "user_id", "delivery"
        )
    )
    default = DEFAULT_DELIVERY[Kind(kind)].value
    return {user_id: chosen.get(user_id, default) for user_id in user_ids}
