"""A person's choices: what they have read, how each kind reaches them, one-click unsubscribe."""

from collections.abc import Sequence

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.models import DIGEST_ONLY, Delivery, Kind, Notification, Preference
from notifications.selectors import preferences_get
from notifications.services.recording import Status


def notifications_mark_read(*, user: User, ids: Sequence[int] = (), every: bool = False) -> int:
    """The person marks some of their notifications (or all of them) as read."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if not every:
        # Ids of other people's notifications simply match nothing here.
        rows = rows.filter(id__in=list(ids)[:1000])
    return rows.update(read_at=timezone.now())


@transaction.atomic
def preferences_set(*, user: User, preferences: dict[str, str]) -> dict[str, str]:
    """The person chooses, per kind, off, immediately or a daily digest (off or the digest
    for the kinds that come only in it)."""
    problems = {
        kind: [_("“%(kind)s” is not a kind of notification.") % {"kind": kind}]
        for kind in preferences
        if kind not in Kind.values
    }
    problems.update(
        {
            kind: [
                # Translators: %(choices)s lists the codes off, immediate, digest (as sent).
                _("Choose one of %(choices)s, not “%(delivery)s”.")
                % {"choices": ", ".join(Delivery.values), "delivery": delivery}
            ]
            for kind, delivery in preferences.items()
            if kind in Kind.values and delivery not in Delivery.values
        }
    )
    problems.update(
        {
            kind: [
                # Translators: %(label)s names the kind of notification; off and digest are
                # the codes as sent.
                _("“%(label)s” come only in the daily digest: choose off or digest.")
                % {"label": Kind(kind).label}
            ]
            for kind, delivery in preferences.items()
            if kind in DIGEST_ONLY and delivery == Delivery.IMMEDIATE
        }
    )
    if problems:
        raise ValidationError(problems)
    if preferences:
        Preference.objects.bulk_create(
            [Preference(user=user, kind=k, delivery=d) for k, d in sorted(preferences.items())],
            update_conflicts=True,
            unique_fields=["user", "kind"],
            update_fields=["delivery", "updated_at"],
        )
    off = [kind for kind, delivery in preferences.items() if delivery == Delivery.OFF]
    if off:
        # What was waiting to be emailed stays in the app but is no longer sent.
        Notification.objects.filter(
            recipient=user, kind__in=off, email_status__in=[Status.QUEUED, Status.DIGEST]
        ).update(email_status=Status.DROPPED)
    return preferences_get(user=user)


UNSUBSCRIBE_SALT = "notifications.unsubscribe"


# In a token's kind: every kind the person now gets by daily digest (the digest's own link).
ALL_DIGEST_KINDS = "digest"


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    """A signed token naming the person and the kind; it never expires (old emails keep
    working) and only ever turns notifications off."""
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    from django.urls import reverse

    token = unsubscribe_token(user_id=user_id, kind=kind)
    return settings.HITREC_SITE_URL.rstrip("/") + reverse("notifications:unsubscribe", args=[token])


def unsubscribe(*, token: str) -> tuple[User, list[str]]:
    """Turn off what an email's unsubscribe link names, without logging in.

    Returns the person and the kinds now off. Clicking twice is harmless.
    """
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise ValidationError(
            _(
                "This unsubscribe link is damaged or was not made by hitrec, so nothing was "
                "changed. Copy the whole link from the email, or choose what you hear about on "
                "your notification settings page."
            )
        ) from None
    if not (
        isinstance(data, dict)
        and isinstance(data.get("u"), int)
        and data.get("k") in {*Kind.values, ALL_DIGEST_KINDS}
    ):
        raise ValidationError(_("This unsubscribe link names nothing hitrec knows."))
    user = User.objects.filter(pk=data["u"]).first()
    if user is None:
        raise ValidationError(_("This unsubscribe link names an account that no longer exists."))
    if data["k"] == ALL_DIGEST_KINDS:
        kinds = [k for k, d in preferences_get(user=user).items() if d == Delivery.DIGEST]
    else:
        kinds = [data["k"]]
    preferences_set(user=user, preferences=dict.fromkeys(kinds, Delivery.OFF.value))
    return user, kinds
