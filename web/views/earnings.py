"""A person's earnings page: balances, statements by month and the latest lines."""

from decimal import Decimal
from fractions import Fraction

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from hitrec.formats import money_display
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
    by_month: dict[str, int] = {}
    for statement in sorted(statements, key=lambda s: s.period):
        key = format_period(statement.period)
        by_month[key] = by_month.get(key, 0) + statement.earned_minor
    chart = bar_chart(
        [(month, Fraction(minor, 100)) for month, minor in by_month.items()],
        title=_("Your earnings by month"),
        label=lambda value: fixed_number(Decimal(value.numerator) / value.denominator),
    )
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
            "chart": chart,
            "lines": lines,
        },
    )
