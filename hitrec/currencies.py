"""ISO 4217 currencies hitrec accepts, with the number of digits of their minor unit (no Django)."""

# Digits after the decimal point of each currency's minor unit (ISO 4217 "minor unit").
MINOR_UNIT_DIGITS: dict[str, int] = {
    "AUD": 2, "BHD": 3, "BRL": 2, "CAD": 2, "CHF": 2, "CLP": 0, "CNY": 2, "CZK": 2,
    "DKK": 2, "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2,
    "ISK": 0, "JOD": 3, "JPY": 0, "KRW": 0, "KWD": 3, "MXN": 2, "NOK": 2, "NZD": 2,
    "OMR": 3, "PHP": 2, "PLN": 2, "SEK": 2, "SGD": 2, "THB": 2, "TND": 3, "TRY": 2,
    "TWD": 2, "UGX": 0, "USD": 2, "VND": 0, "ZAR": 2,
}  # fmt: skip
CURRENCY_CHOICES = [(code, code) for code in sorted(MINOR_UNIT_DIGITS)]
DEFAULT_CURRENCY = "USD"


def minor_unit_digits(currency: str) -> int:
    return MINOR_UNIT_DIGITS[currency]
