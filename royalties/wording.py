"""Amounts inside sentences people read (messages, notifications): "12.50" before its
currency code, with the reader's decimal sign ("12,50" in Spanish) and no grouping, so an
English sentence reads exactly as `format_minor` wrote it. Tables and documents use
hitrec.formats.money_display; machines read `royalties.money.format_minor`."""

from decimal import Decimal

from babel.numbers import format_decimal

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
