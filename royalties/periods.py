"""Statement periods: calendar months in UTC, as dates and as the instants that bound them."""

import datetime as dt

from hitrec.messages import ExplainedError, gettext_noop


def month_start(day: dt.date) -> dt.date:
    """The first day of the day's month: how a statement's period is named."""
    return day.replace(day=1)


def next_month(period: dt.date) -> dt.date:
    return (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_bounds(period: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month's first instant and the next month's, in UTC (revenue dates are UTC)."""
    end_day = next_month(period)
    return (
        dt.datetime(period.year, period.month, 1, tzinfo=dt.UTC),
        dt.datetime(end_day.year, end_day.month, 1, tzinfo=dt.UTC),
    )


class PeriodError(ExplainedError):
    """A month given as text that is not one."""


def parse_period(text: str) -> dt.date:
    """A month given as ``YYYY-MM`` (as people and the API write it), as its first day.

    The year stops at 9998: a statement's period ends where the next month begins.
    """
    year, dash, month = text.strip().partition("-")
    if not (
        text.strip().isascii()
        and dash
        and len(year) == 4
        and len(month) == 2
        and f"{year}{month}".isdigit()
    ):
        raise PeriodError(gettext_noop("Give the month as YYYY-MM."))
    if not 1 <= int(month) <= 12:
        raise PeriodError(gettext_noop("Give the month as YYYY-MM."))
    if not 1 <= int(year) <= 9998:
        raise PeriodError(gettext_noop("Give a month between 0001-01 and 9998-12."))
    return dt.date(int(year), int(month), 1)


def format_period(period: dt.date) -> str:
    """The month as ``YYYY-MM``, the form `parse_period` reads (strftime's ``%Y`` drops the
    leading zeros of years before 1000 on some platforms)."""
    return f"{period.year:04d}-{period.month:02d}"
