"""Statement periods: calendar months in UTC, as dates and as the instants that bound them."""

import datetime as dt


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
