"""Formatting of the agreement figures on the summary page (the live pages do the same in JS)."""

from __future__ import annotations

import math

from django import template

register = template.Library()

# Krippendorff (2004), Content Analysis, 2nd ed., p. 241.
RELIABLE = 0.8
TENTATIVE = 0.667
MINUS = "\u2212"
DASH = "\u2014"


def _fixed(value: float, digits: int) -> str:
    text = f"{value:.{digits}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    return text.replace("-", MINUS)


def _verdict(value: float) -> str:
    if value >= RELIABLE:
        return "reliable"
    return "tentative" if value >= TENTATIVE else "not_calibrated"


def _number(value) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


@register.filter
def alpha_value(block) -> str:
    """An alpha block's value in two decimals, three (rounded down) when two would put it on
    the other side of a threshold than its reading (0.7996 is tentative, not "0.80")."""
    value = _number((block or {}).get("alpha"))
    if value is None:
        return ""
    verdict = block.get("verdict")
    shown = round(value, 2)
    if verdict in ("reliable", "tentative", "not_calibrated") and _verdict(shown) != verdict:
        return _fixed(math.floor(value * 1000) / 1000, 3)
    return _fixed(value, 2)


@register.filter
def alpha_ci(block) -> str:
    """The interval as "0.41–0.80", or "−0.25 to 0.06" when a dash would read as a minus."""
    ci = (block or {}).get("ci")
    if not ci or len(ci) != 2:
        return ""
    low, high = (_number(v) for v in ci)
    if low is None or high is None:
        return ""
    separator = " to " if low < 0 else "\u2013"
    return f"{_fixed(low, 2)}{separator}{_fixed(high, 2)}"


@register.filter
def percent(value, digits: int = 0) -> str:
    """0.5714 -> "57%"; None -> an em dash."""
    number = _number(value)
    return DASH if number is None else f"{_fixed(number * 100, int(digits))}%"


@register.filter
def signed_percent(value, digits: int = 1) -> str:
    """-0.0147 -> "−1.5%", 0.125 -> "+12.5%"; None -> an em dash."""
    number = _number(value)
    if number is None:
        return DASH
    text = _fixed(number * 100, int(digits))
    return f"{'+' if round(number * 100, int(digits)) > 0 else ''}{text}%"


@register.filter
def decimal2(value) -> str:
    """A figure in two decimals with a real minus sign; None -> an em dash."""
    number = _number(value)
    return DASH if number is None else _fixed(number, 2)
