"""Amounts as people type them ("12.34") to integer minor units and back (no Django)."""

import re

from hitrec.currencies import MINOR_UNIT_DIGITS

_AMOUNT = re.compile(r"^\s*(\d{1,15})(?:\.(\d+))?\s*$")
MAX_MINOR = 10**15  # a quadrillion minor units per event is far beyond any real revenue


class AmountError(ValueError):
    pass


def parse_amount(text: str, *, currency: str) -> int:
    """ "12.34" USD → 1234. More decimals than the currency has is an error, not a rounding."""
    if currency not in MINOR_UNIT_DIGITS:
        raise AmountError(f"hitrec does not handle the currency “{currency}”.")
    digits = MINOR_UNIT_DIGITS[currency]
    match = _AMOUNT.match(str(text))
    if not match:
        raise AmountError(
            f"Write the amount as a positive number with at most {digits} decimals, e.g. "
            f"“{format_minor(1234 * 10 ** max(digits - 2, 0), currency=currency)}”."
        )
    whole, decimals = match[1], (match[2] or "")
    if len(decimals.rstrip("0")) > digits:
        raise AmountError(
            f"{currency} has {digits} decimal{'s' if digits != 1 else ''}; "
            f"“{text}” has more. Amounts are never rounded."
        )
    decimals = decimals[:digits].ljust(digits, "0")
    minor = int(whole + decimals) if digits else int(whole)
    if minor <= 0:
        raise AmountError("The amount must be more than zero.")
    if minor >= MAX_MINOR:
        raise AmountError("The amount is too large for one revenue event.")
    return minor


def format_minor(minor: int, *, currency: str) -> str:
    """1234 USD → "12.34"; 1234 JPY → "1234"."""
    digits = MINOR_UNIT_DIGITS[currency]
    sign = "-" if minor < 0 else ""
    text = str(abs(minor)).rjust(digits + 1, "0")
    return f"{sign}{text[:-digits]}.{text[-digits:]}" if digits else f"{sign}{text}"
