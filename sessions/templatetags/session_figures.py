"""Agreement figures in templates, written by the one set of rules in agreement.display."""

from __future__ import annotations

from django import template

from agreement.display import (
    FIGURES_HELP,
    format_alpha,
    format_decimal,
    format_interval,
    format_percent,
    format_signed_percent,
)

register = template.Library()


@register.simple_tag
def alpha_thresholds() -> str:
    """The reading thresholds in words, from the rules in force."""
    return FIGURES_HELP["thresholds"]


@register.filter
def alpha_value(block) -> str:
    """An alpha block's value as the live pages show it ("0.62", "0.799" near a threshold)."""
    block = block or {}
    return format_alpha(block.get("alpha"), block.get("verdict")) or ""


@register.filter
def alpha_ci(block) -> str:
    """The interval as "0.41–0.80", or "−0.25 to 0.06" when a dash would read as a minus."""
    return format_interval((block or {}).get("ci")) or ""


@register.filter
def percent(value, digits: int = 0) -> str:
    return format_percent(_number(value), int(digits))


@register.filter
def signed_percent(value, digits: int = 1) -> str:
    return format_signed_percent(_number(value), int(digits))


@register.filter
def decimal2(value) -> str:
    return format_decimal(_number(value), 2)


def _number(value) -> float | None:
    try:
        return None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None
