from decimal import Decimal

from django import template

from scorecards.specs import fail_text, format_number

register = template.Library()


@register.filter
def fail_values(scale) -> str:
    """The values that count as a fail, as a person reads them: "1, 2", "Fail", "none"."""
    return fail_text(scale)


@register.filter
def number(value) -> str:
    """A weight without trailing zeros: 1.00 -> "1", 1.50 -> "1.5"."""
    return format_number(Decimal(str(value)))
