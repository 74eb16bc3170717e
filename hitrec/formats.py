"""Numbers, money, months and dates in the reader's locale (Babel), for pages and statements.

The API keeps its machine formats ("12.34", ISO dates, "YYYY-MM"); these are for people.
Amounts go to Babel as exact Decimals built from integer minor units, never floats.
"""

import datetime as dt
import functools
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_skeleton
from babel.numbers import format_currency, format_decimal, format_percent
from django.conf import settings
from django.utils import timezone, translation

from hitrec.currencies import MINOR_UNIT_DIGITS


@functools.lru_cache(maxsize=64)
def _locale(language: str) -> Locale:
    # Parsing a locale reads its CLDR data from disk: once per language and process.
    try:
        return Locale.parse(translation.to_locale(language))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(translation.to_locale(settings.LANGUAGE_CODE))


def reader_locale() -> Locale:
    return _locale(translation.get_language() or settings.LANGUAGE_CODE)


def _amount(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-MINOR_UNIT_DIGITS[currency])


def money_display(minor: int, *, currency: str) -> str:
    """1234 EUR → "€12.34" in English, "12,34 €" in Spanish; every digit of the minor unit."""
    return format_currency(
        _amount(minor, currency), currency, locale=reader_locale(), currency_digits=True
    )


def number_display(value: int | Decimal) -> str:
    """12345 → "12,345" in English, "12.345" in Spanish."""
    return format_decimal(value, locale=reader_locale())


def percent_display(value: Decimal, *, decimals: int = 2) -> str:
    """Decimal("0.125") → "12.5%" / "12,5 %"; at most `decimals` decimals, as written."""
    pattern = "#,##0." + "#" * decimals + "%" if decimals else "#,##0%"
    return format_percent(value, format=pattern, locale=reader_locale())


def date_display(value: dt.date | dt.datetime, *, length: str = "medium") -> str:
    """A day as the reader writes it ("Dec 5, 2026" / "5 dic 2026"); a time of day is
    first moved to the site's time zone."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return format_date(value, format=length, locale=reader_locale())


def datetime_display(value: dt.datetime, *, length: str = "medium") -> str:
    value = timezone.localtime(value) if timezone.is_aware(value) else value
    return format_datetime(value, format=length, locale=reader_locale())


def month_display(value: dt.date) -> str:
    """A statement's month: "December 2026" / "diciembre de 2026"."""
    return format_skeleton("yMMMM", value, locale=reader_locale())
