"""Statement periods: months as people write them, and the instants that bound them."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from royalties.periods import PeriodError, format_period, month_bounds, month_start, parse_period


@pytest.mark.parametrize(
    ("text", "month"),
    [("2024-03", dt.date(2024, 3, 1)), (" 2026-12 ", dt.date(2026, 12, 1))],
)
def test_a_month_is_read_as_its_first_day(text, month):
    assert parse_period(text) == month


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2024-13", "Give the month as YYYY-MM."),
        ("2024-3", "Give the month as YYYY-MM."),
        ("2024/03", "Give the month as YYYY-MM."),
        ("２０２４-03", "Give the month as YYYY-MM."),  # digits, but not ASCII ones
        ("", "Give the month as YYYY-MM."),
        ("0000-01", "Give a month between 0001-01 and 9998-12."),
        ("9999-12", "Give a month between 0001-01 and 9998-12."),
    ],
)
def test_what_is_not_a_month_is_refused_with_the_form_to_use(text, problem):
    with pytest.raises(PeriodError, match=problem):
        parse_period(text)


@given(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9998, 12, 31)))
def test_every_day_lies_within_its_months_bounds_and_months_follow_each_other(day):
    start, end = month_bounds(month_start(day))
    noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)

    assert start <= noon < end
    assert start.day == end.day == 1 and start.tzinfo == end.tzinfo == dt.UTC
    assert parse_period(format_period(day)) == month_start(day)
    if end.year <= 9998:
        assert month_bounds(end.date())[0] == end  # the next month starts where this ends
