"""The emails notifications send: a plain-text part, an HTML part, one-click unsubscribe.

Each is written in its recipient's language (hitrec.i18n.writing_to): the subject, the
templates and the kinds' labels. The notifications' own texts were written in it when
they were recorded."""

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts.models import User
from hitrec.i18n import writing_to
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


def _in_order(notifications: Sequence[Notification], kind: Kind) -> list[Notification]:
    """A kind's notifications as its section lists them: as they happened, except asks for
    one's skills, newest first like everywhere else they are listed."""
    items = [n for n in notifications if n.kind == kind]
    return sorted(items, key=lambda n: -n.id) if kind == Kind.ASK_FOR_YOU else items


def notification_email(
    *, notification: Notification, recipient: User, unsubscribe_url: str
) -> EmailMultiAlternatives:
    """One notification, on its own."""
    kind = Kind(notification.kind)
    with writing_to(recipient):
        return _message(
            recipient=recipient,
            # Translators: an email's subject: the notification's text after the site's name.
            subject=_("hitrec: %(text)s") % {"text": Truncator(notification.text).chars(110)},
            template="notification",
            context={"item": _item(notification), "kind_label": str(kind.label)},
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
    with writing_to(recipient):
        sections = [
            {
                "label": str(kind.label),
                "items": [_item(n) for n in _in_order(notifications, kind)],
                "unsubscribe_url": unsubscribe_urls[kind],
            }
            for kind in Kind
            if kind in unsubscribe_urls
        ]
        return _message(
            recipient=recipient,
            subject=_("hitrec: your daily digest"),
            template="digest",
            context={"sections": sections},
            unsubscribe_url=unsubscribe_all_url,
        )
