"""The pure money modules refuse in English (str) and keep their marked message and its
parameters apart, so that where a person reads the refusal it is translated."""

from fractions import Fraction

import pytest
from django.utils import translation
from django.utils.translation import gettext

from hitrec.i18n import message_of
from hitrec.messages import ExplainedError
from royalties.money import AmountError, parse_amount
from royalties.payout_files import PayoutFileError, parse_results, problems_message
from royalties.periods import PeriodError, parse_period
from royalties.splits import Credit, InvalidWeightError, LineageCycleError


def _cycle(nodes: list[int]) -> None:
    raise LineageCycleError(nodes)


def raised(call) -> ExplainedError:
    with pytest.raises(ExplainedError) as caught:
        call()
    return caught.value


@pytest.mark.parametrize(
    ("call", "kind", "english"),
    [
        (lambda: parse_amount("12.345", currency="USD"), AmountError,
         "USD has 2 decimals; “12.345” has more. Amounts are never rounded."),
        (lambda: parse_period("2026-13"), PeriodError, "Give the month as YYYY-MM."),
        (lambda: Credit(7, Fraction(-1)), InvalidWeightError,
         "Contribution #7 is credited with weight -1; a weight must be positive."),
        (lambda: _cycle([1, 2]), LineageCycleError,
         "The lineage snapshot has a cycle (#1 → #2 → #1, each a source of the next), so value "
         "would flow round it for ever; a lineage must be acyclic."),
    ],
)  # fmt: skip
def test_a_refusal_is_english_and_keeps_its_message_for_translation(call, kind, english):
    error = raised(call)

    assert isinstance(error, kind) and isinstance(error, ValueError)
    assert str(error) == english
    assert message_of(error) == english
    with translation.override("es"):
        assert message_of(error) == gettext(error.message) % error.params


def test_a_result_files_wrong_lines_are_each_translated():
    text = "reference,status\n" + "".join(f"r{n},maybe\n" for n in range(23))
    error = raised(lambda: parse_results(text))

    assert isinstance(error, PayoutFileError) and len(error.problems) == 23
    assert str(error).endswith("line 21: status “maybe” is not paid or failed (and 3 more).")
    assert problems_message(error.problems, message_of) == str(error)
    with translation.override("es"):
        line = gettext("line %(line)s: status “%(status)s” is not paid or failed")
        assert line % {"line": 2, "status": "maybe"} in problems_message(error.problems, message_of)
