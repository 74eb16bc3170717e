"""Money's words for people: amounts inside sentences, and the stored phrases of lines.

Amounts inside sentences (messages, notifications): "12.50" before its currency code, with
the reader's decimal sign ("12,50" in Spanish) and no grouping, so an English sentence reads
exactly as `format_minor` wrote it. Tables and documents use hitrec.formats.money_display;
machines read `royalties.money.format_minor`. Lines' stored phrases: `stored_phrase`."""

import re
from decimal import Decimal

from babel.numbers import format_decimal
from django.utils.translation import gettext, ngettext

from hitrec.currencies import MINOR_UNIT_DIGITS
from hitrec.formats import reader_locale


def amount_number(minor: int, *, currency: str) -> str:
    """1250 USD → "12.50" in English, "12,50" in Spanish; 1234 JPY → "1234"."""
    digits = MINOR_UNIT_DIGITS[currency]
    pattern = "0." + "0" * digits if digits else "0"
    return format_decimal(Decimal(minor).scaleb(-digits), format=pattern, locale=reader_locale())


def fixed_number(value: Decimal, *, decimals: int = 2) -> str:
    """A number with exactly `decimals` decimals and no grouping, with the reader's decimal
    sign: Decimal("33.3") → "33.30" in English, "33,30" in Spanish."""
    pattern = "0." + "0" * decimals if decimals else "0"
    return format_decimal(value, format=pattern, locale=reader_locale())


# Statement and release lines are frozen when written, in English. These are the phrases
# hitrec itself puts in them; titles and notes around them are people's own words.
_RECOUPMENT = re.compile(r"^recoupment of cost #(\d+)$")
_MORE_PATHS = re.compile(r"^(.*) \(and (\d+) other path\(s\)\)$", re.S)
_COST_PAID_BACK = re.compile(r"^(?:(.*): )?cost paid back: (.*)$", re.S)
_PRODUCERS_SHARE = "producer's share"


def stored_phrase(text: str) -> str:
    """A statement or release line's stored words in the reader's language: "producer's
    share", "recoupment of cost #7", "… (and 2 other path(s))", "…: cost paid back: …"."""
    if text == _PRODUCERS_SHARE:
        return gettext("producer's share")
    if text.endswith(": " + _PRODUCERS_SHARE):
        # Translators: a statement line: the project (and stream) it came from, then this.
        return gettext("%(source)s: producer's share") % {
            "source": text[: -len(_PRODUCERS_SHARE) - 2]
        }
    if match := _RECOUPMENT.match(text):
        return gettext("recoupment of cost #%(id)s") % {"id": match[1]}
    if match := _MORE_PATHS.match(text):
        count = int(match[2])
        return ngettext(
            "%(path)s (and %(count)s other path)", "%(path)s (and %(count)s other paths)", count
        ) % {"path": match[1], "count": count}
    if match := _COST_PAID_BACK.match(text):
        if match[1] is None:
            return gettext("cost paid back: %(note)s") % {"note": match[2]}
        return gettext("%(project)s: cost paid back: %(note)s") % {
            "project": match[1],
            "note": match[2],
        }
    return text
