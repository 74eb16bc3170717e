"""What several kinds of notification say alike: a kind of work in a sentence, a deadline's day."""

import datetime as dt

from babel.dates import format_date
from django.utils.translation import pgettext, pgettext_lazy

from hitrec.formats import reader_locale

# Each text below is a function that writes it in the active language: recording calls it
# once per recipient language (notifications.services.recording.texts_written).

# A kind of work as a sentence names it ("asks for audio").
KIND_WORDS = {
    "image": pgettext_lazy("a kind of work, within a sentence", "image"),
    "audio": pgettext_lazy("a kind of work, within a sentence", "audio"),
    "video": pgettext_lazy("a kind of work, within a sentence", "video"),
    "text": pgettext_lazy("a kind of work, within a sentence", "text"),
}


def day_written(moment: dt.datetime) -> str:
    """A deadline's day: "05 December 2026" in English."""
    # Translators: how a deadline's day is written in notifications, as a CLDR date pattern
    # (dd: day, MMMM: month name, yyyy: year); e.g. "d 'de' MMMM 'de' yyyy".
    return format_date(moment.date(), format=pgettext("date pattern", "dd MMMM yyyy"),
                       locale=reader_locale())  # fmt: skip
