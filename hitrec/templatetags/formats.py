"""Template filters that write numbers, money and dates in the reader's locale."""

from django import template

from hitrec import formats

register = template.Library()


@register.filter
def money(minor: int, currency: str) -> str:
    """{{ line.amount_minor|money:line.currency }}"""
    return formats.money_display(int(minor), currency=currency)


@register.filter
def number(value) -> str:
    return formats.number_display(value)


@register.filter
def day(value) -> str:
    """{{ contribution.created_at|day }}: the date alone, as the reader writes it."""
    return formats.date_display(value) if value else ""


@register.filter
def moment(value) -> str:
    """{{ comment.created_at|moment }}: date and time of day, as the reader writes them."""
    return formats.datetime_display(value) if value else ""


@register.filter
def month(value) -> str:
    return formats.month_display(value) if value else ""
