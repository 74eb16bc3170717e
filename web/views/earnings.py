"""A person's earnings page: balances, statements by month and the latest lines."""

from decimal import Decimal
from fractions import Fraction

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from hitrec.currencies import minor_unit_digits
from hitrec.formats import money_display
from royalties.models import Statement
from royalties.periods import format_period
from royalties.selectors import (
    earning_lines,
    payable_balances,
    statements_visible_to,
)
from royalties.wording import fixed_number, stored_phrase
from web.charts import bar_chart


@login_required
def dashboard(request):
    statements = list(statements_visible_to(user=request.user).filter(user=request.user))
    balances = [
        (currency, money_display(minor, currency=currency))
        for currency, minor in payable_balances(user=request.user).items()
    ]
    charts = _charts_by_currency(statements)
    lines = [
        {
            **line,
            "amount": money_display(line["amount_minor"], currency=line["currency"]),
            "path": stored_phrase(line["path"]),
        }
        for line in earning_lines(user=request.user, limit=50)
    ]
    return render(
        request,
        "web/dashboard.html",
        {
            "balances": balances,
            "statements": [
                (
                    s,
                    {
                        k: money_display(getattr(s, f"{k}_minor"), currency=s.currency)
                        for k in ("earned", "carried_in", "payable", "carried_forward")
                    },
                )
                for s in statements
            ],  # fmt: skip
            "charts": charts,
            "lines": lines,
        },
    )


def _charts_by_currency(statements: list[Statement]) -> list[SafeString]:
    """What each month earned, one chart a currency (amounts in different currencies are not
    added up or drawn on one scale), each in its own minor unit."""
    by_currency: dict[str, dict[str, int]] = {}
    for statement in sorted(statements, key=lambda s: (s.currency, s.period)):
        months = by_currency.setdefault(statement.currency, {})
        month = format_period(statement.period)
        months[month] = months.get(month, 0) + statement.earned_minor
    charts = []
    for currency, months in by_currency.items():
        digits = minor_unit_digits(currency)
        charts.append(
            bar_chart(
                [(month, Fraction(minor, 10**digits)) for month, minor in months.items()],
                # One currency needs no saying; several are told apart.
                title=_("Your earnings by month")
                if len(by_currency) == 1
                # Translators: a chart's title; %(currency)s is a code such as EUR.
                else _("Your earnings by month, in %(currency)s") % {"currency": currency},
                label=lambda value, digits=digits: fixed_number(
                    Decimal(value.numerator) / value.denominator, decimals=digits
                ),
            )
        )
    return charts
