"""Recording notifications: one per person and event, told in a line, emailed at once if wanted."""

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from django.db import transaction
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hitrec.i18n import language_of
from notifications import tasks
from notifications.models import Delivery, Kind, Notification
from notifications.selectors import deliveries_for, recipients_for

# A notification's text, written when it is recorded in each recipient's language: a
# function of no argument that puts it together with gettext in the active language. The
# same function given to many recipients is called once per language, not once per person.
# (A plain string is taken as it is.)
Words = Callable[[], str] | str

Status = Notification.EmailStatus


# SQLite allows 32766 parameters a statement; far under it, and a sensible batch anyway.
CHUNK = 500


def one_line(text: str, limit: int = 500) -> str:
    # Texts become email subjects, where a line break is refused (header injection).
    return Truncator(re.sub(r"\s+", " ", text).strip()).chars(limit)


def titles_quoted(titles: Sequence[str], limit: int = 3) -> str:
    """“A”, “B” and “C”; past `limit`, “A”, “B”, “C” and 2 more (in the active language)."""
    shown = [f"“{title}”" for title in titles[:limit]]
    if len(titles) > limit:
        more = len(titles) - limit
        # Translators: the last item of a list of titles, e.g. “A”, “B”, “C” and 2 more.
        shown.append(ngettext("%(count)s more", "%(count)s more", more) % {"count": more})
    if len(shown) == 1:
        return shown[0]
    # Translators: the end of a list: "“A”, “B” and “C”" (%(first)s is "“A”, “B”").
    return _("%(first)s and %(last)s") % {"first": ", ".join(shown[:-1]), "last": shown[-1]}


def texts_written(texts: Mapping[int, Words], languages: Mapping[int, str]) -> dict[int, str]:
    """Each recipient's text in their language (`languages`: recipient id → language code):
    recipients are grouped by language, and a text shared by many is written once in each."""
    by_language: dict[str, list[int]] = {}
    for user_id, language in languages.items():
        by_language.setdefault(language, []).append(user_id)
    written: dict[int, str] = {}
    for language, user_ids in by_language.items():
        with translation.override(language):
            done: dict[int, str] = {}  # by the id of the words, which `texts` keeps alive
            for user_id in user_ids:
                words = texts[user_id]
                if isinstance(words, str):
                    written[user_id] = one_line(words)
                    continue
                if id(words) not in done:
                    done[id(words)] = one_line(words())
                written[user_id] = done[id(words)]
    return written


def notifications_record(
    *, kind: Kind, key: str, actor_id: int | None, link: str, texts: Mapping[int, Words]
) -> int:
    """Record one notification per recipient (texts: recipient id → their words), as each
    chose, in each one's language.

    Nobody is told of their own action. Recording the same event again (same key) adds
    nothing, so the fan-out task may run twice. Returns how many were recorded now or before.
    """
    recipients = sorted(user_id for user_id in texts if user_id != actor_id)
    recorded = 0
    for start in range(0, len(recipients), CHUNK):
        chunk = recipients[start : start + CHUNK]
        deliveries = deliveries_for(user_ids=chunk, kind=kind)
        people = recipients_for(user_ids=chunk)
        told = [
            user_id
            for user_id in chunk
            if deliveries[user_id] != Delivery.OFF and user_id in people
        ]
        written = texts_written(
            {user_id: texts[user_id] for user_id in told},
            {user_id: language_of(people[user_id]) for user_id in told},
        )
        rows = []
        for user_id in told:
            if not people[user_id].email:
                status = Status.NONE
            elif deliveries[user_id] == Delivery.IMMEDIATE:
                status = Status.QUEUED
            else:
                status = Status.DIGEST
            rows.append(
                Notification(
                    recipient_id=user_id, kind=kind, actor_id=actor_id,
                    text=written[user_id], link=link[:500], key=key,
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
