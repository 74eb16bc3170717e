"""Amounts as people type them ("12.34") to integer minor units and back (no Django)."""

import re

from hitrec.currencies import MINOR_UNIT_DIGITS
from hitrec.messages import ExplainedError, gettext_noop

# ASCII digits only: \d would take any script's digits ("١٢" read as 12).
_AMOUNT = re.compile(r"^\s*([0-9]{1,15})(?:\.([0-9]+))?\s*$", re.ASCII)
MAX_MINOR = 10**15  # a quadrillion minor units per event is far beyond any real revenue


class AmountError(ExplainedError):
    pass


def parse_amount(text: str, *, currency: str) -> int:
    """ "12.34" USD → 1234. More decimals than the currency has is an error, not a rounding."""
    if currency not in MINOR_UNIT_DIGITS:
        raise AmountError(
            gettext_noop("hitrec does not handle the currency “%(currency)s”."), currency=currency
        )
    digits = MINOR_UNIT_DIGITS[currency]
    match = _AMOUNT.match(str(text))
    if not match:
        raise AmountError(
            gettext_noop(
                "Write the amount as a positive number with at most %(digits)s decimals, "
                "e.g. “%(example)s”."
            ),
            digits=digits,
            example=format_minor(1234 * 10 ** max(digits - 2, 0), currency=currency),
        )
    whole, decimals = match[1], (match[2] or "")
    if len(decimals.rstrip("0")) > digits:
        # Translators: %(currency)s is a currency code such as EUR; %(text)s the amount typed.
        message = (
            gettext_noop(
                "%(currency)s has %(digits)s decimal; “%(text)s” has more. Amounts are never rounded."
            )
            if digits == 1
            else gettext_noop(
                "%(currency)s has %(digits)s decimals; “%(text)s” has more. Amounts are never rounded."
            )
        )
        raise AmountError(message, currency=currency, digits=digits, text=text)
    decimals = decimals[:digits].ljust(digits, "0")
    minor = int(whole + decimals) if digits else int(whole)
    if minor <= 0:
        raise AmountError(gettext_noop("The amount must be more than zero."))
    if minor >= MAX_MINOR:
        raise AmountError(gettext_noop("The amount is too large for one revenue event."))
    return minor


def format_minor(minor: int, *, currency: str) -> str:
    """1234 USD → "12.34"; 1234 JPY → "1234"."""
    digits = MINOR_UNIT_DIGITS[currency]
    sign = "-" if minor < 0 else ""
    text = str(abs(minor)).rjust(digits + 1, "0")
    return f"{sign}{text[:-digits]}.{text[-digits:]}" if digits else f"{sign}{text}"
