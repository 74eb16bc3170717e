"""The split policy's two numbers: parsed from what people type, kept exact (no Django)."""

import re
from collections.abc import Iterable
from fractions import Fraction

from hitrec.messages import Explained, ExplainedError, gettext_noop

# ASCII digits only: \d would take any script's digits ("١/٢" read as 1/2).
_DECIMAL = re.compile(r"^\s*([0-9]+)(?:\.([0-9]+))?\s*$", re.ASCII)
_RATIO = re.compile(r"^\s*([0-9]+)\s*/\s*([0-9]+)\s*$", re.ASCII)
_PERCENT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*$", re.ASCII)


class PolicyError(ExplainedError):
    """A share or weight typed that is not one; `name` says which (the caller gives it in
    the reader's language, e.g. "The weight")."""


# Shares and weights are stored as 64-bit numerators and denominators (in lowest terms).
_LARGEST = 2**63 - 1


def parse_share(text: str, *, name: str) -> Fraction:
    """ "0.5", "1/2" and "50%" are the same exact half; floats never enter."""
    value = _parse(str(text), name=name)
    if value.numerator > _LARGEST or value.denominator > _LARGEST:
        raise PolicyError(
            # Translators: %(name)s is what was typed, e.g. "The weight"; %(text)s the number.
            gettext_noop(
                "%(name)s “%(text)s” is too large or too fine: keep it to at most 18 digits "
                "above and below the fraction bar."
            ),
            name=name,
            text=str(text)[:40],
        )
    return value


_TOO_MANY_DIGITS = gettext_noop("%(name)s “%(text)s” has too many digits.")


def _parse(text: str, *, name: str) -> Fraction:
    if match := _RATIO.match(text):
        if len(match[1]) + len(match[2]) > 60:
            raise PolicyError(_TOO_MANY_DIGITS, name=name, text=text[:40])
        numerator, denominator = int(match[1]), int(match[2])
        if denominator == 0:
            raise PolicyError(
                gettext_noop("%(name)s “%(text)s” divides by zero."), name=name, text=text
            )
        return Fraction(numerator, denominator)
    if match := _PERCENT.match(text):
        return _parse(match[1], name=name) / 100
    if match := _DECIMAL.match(text):
        whole, decimals = match[1], match[2] or ""
        if len(whole) + len(decimals) > 30:
            raise PolicyError(_TOO_MANY_DIGITS, name=name, text=text[:40])
        return Fraction(int(whole + decimals), 10 ** len(decimals))
    raise PolicyError(
        gettext_noop(
            "%(name)s must be a number such as 0.5, a fraction such as 1/2, or a percent such "
            "as 50%%."
        ),
        name=name,
    )


def format_share(value: Fraction) -> str:
    """A decimal when the value has an exact one (0.25), else the fraction in lowest terms (1/3)."""
    denominator = value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        return f"{value.numerator}/{value.denominator}"
    digits = max(twos, fives)
    scaled = value.numerator * 10**digits // value.denominator
    if digits == 0:
        return str(scaled)
    text = str(scaled).rjust(digits + 1, "0")
    return f"{text[:-digits]}.{text[-digits:]}"


def check_policy(*, contributor_pool: Fraction, upstream_share: Fraction) -> list[Explained]:
    problems = []
    if not 0 <= contributor_pool <= 1:
        problems.append(
            Explained(gettext_noop("The contributor pool must be between 0 and 1 (0% to 100%)."))
        )
    if not 0 <= upstream_share < 1:
        problems.append(
            Explained(
                gettext_noop("The upstream share must be at least 0 and less than 1 (under 100%).")
            )
        )
    return problems


WEIGHT_FIELD_PREFIX = "weight-"


def weights_from_form(
    fields: Iterable[tuple[str, str]], *, name: str = "A weight"
) -> tuple[list[tuple[int, Fraction]], list[Explained]]:
    """The credit weights typed in a release or proposal form (`weight-<contribution id>`).

    Returns (contribution id, weight) pairs and the problems found; a blank or zero weight
    leaves the contribution out, a field that names no id is a problem, not a crash. `name`
    is what a problem calls a weight: give it in the reader's language (`_("A weight")`).
    """
    weights: list[tuple[int, Fraction]] = []
    problems: list[Explained] = []
    for key, value in fields:
        if not key.startswith(WEIGHT_FIELD_PREFIX) or not value.strip():
            continue
        contribution = key.removeprefix(WEIGHT_FIELD_PREFIX)
        if not contribution.isascii() or not contribution.isdigit() or len(contribution) > 18:
            problems.append(
                Explained(gettext_noop("“%(field)s” does not name a contribution."), field=key[:40])
            )
            continue
        try:
            weight = parse_share(value, name=name)
        except PolicyError as exc:
            problems.append(Explained(exc.message, **exc.params))
            continue
        if weight:
            weights.append((int(contribution), weight))
    return weights, problems
