"""Reading policies and credit weights from what people type."""

from fractions import Fraction

import pytest

from projects.policy import PolicyError, parse_share, weights_from_form


def test_weights_typed_in_a_form_become_exact_credits_and_bad_fields_become_problems():
    weights, problems = weights_from_form(
        [
            ("weight-7", "1/3"),
            ("weight-8", "50%"),
            ("weight-9", "0"),  # zero: left out
            ("weight-10", "  "),  # blank: left out
            ("weight-abc", "1"),
            ("weight-²", "1"),  # a digit to str.isdigit, not to int()
            ("weight-11", "lots"),
            ("confirm", "yes"),
        ]
    )

    assert weights == [(7, Fraction(1, 3)), (8, Fraction(1, 2))]
    assert problems[0] == "“weight-abc” does not name a contribution."
    assert problems[1] == "“weight-²” does not name a contribution."
    assert problems[2].startswith("A weight must be a number")
    assert len(problems) == 3


@pytest.mark.parametrize("text", ["١/٢", "٥٠%", "0.٥", "１/２"])
def test_shares_are_written_in_ascii_digits_only(text):
    with pytest.raises(PolicyError):
        parse_share(text, name="The contributor pool")


@pytest.mark.parametrize(("text", "share"), [("1/2", Fraction(1, 2)), ("50%", Fraction(1, 2))])
def test_shares_in_ascii_digits_still_parse(text, share):
    assert parse_share(text, name="The contributor pool") == share
