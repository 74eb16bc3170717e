"""The emails notifications send: a plain-text part, an HTML part, one-click unsubscribe."""

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import Truncator

from accounts.models import User
from notifications.models import Kind, Notification


def absolute(path: str) -> str:
    return settings.HITREC_SITE_URL.rstrip("/") + path


def _message(
    *, recipient: User, subject: str, template: str, context: dict, unsubscribe_url: str
) -> EmailMultiAlternatives:
    context = {
        **context,
        "recipient": recipient,
        "site_url": absolute("/"),
        "settings_url": absolute(reverse("notifications:settings")),
        "unsubscribe_url": unsubscribe_url,
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"notifications/email/{template}.txt", context),
        to=[recipient.email],
        headers={
            # RFC 2369 and RFC 8058: mail clients offer their own unsubscribe button, which
            # POSTs "List-Unsubscribe=One-Click" to the same URL the link in the body opens.
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(
        render_to_string(f"notifications/email/{template}.html", context), "text/html"
    )
    return message


def _item(notification: Notification) -> dict:
    return {
        "text": notification.text,
        "url": absolute(notification.link or reverse("notifications:list")),
        "created_at": notification.created_at,
    }


def notification_email(
    *, notification: Notification, recipient: User, unsubscribe_url: str
) -> EmailMultiAlternatives:
    """One notification, on its own."""
    kind = Kind(notification.kind)
    return _message(
        recipient=recipient,
        subject=f"hitrec: {Truncator(notification.text).chars(110)}",
        template="notification",
        context={"item": _item(notification), "kind_label": kind.label},
        unsubscribe_url=unsubscribe_url,
    )


def digest_email(
    *,
    recipient: User,
    notifications: Sequence[Notification],
    unsubscribe_urls: dict[str, str],
    unsubscribe_all_url: str,
) -> EmailMultiAlternatives:
    """Everything waiting for a person's digest, grouped by kind, each with its own way out."""
    sections = [
        {
            "label": kind.label,
            "items": [_item(n) for n in notifications if n.kind == kind],
            "unsubscribe_url": unsubscribe_urls[kind],
        }
        for kind in Kind
        if kind in unsubscribe_urls
    ]
    return _message(
        recipient=recipient,
        subject="hitrec: your daily digest",
        template="digest",
        context={"sections": sections},
        unsubscribe_url=unsubscribe_all_url,
    )
