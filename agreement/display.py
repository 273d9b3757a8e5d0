"""How figures are written for people: rounding, alpha and interval text, and the help text.

One home for these rules: the server sends the formatted figure and its verdict, and the
browser shows them as they come (static/js never re-implements a threshold or a rounding).
"""

from __future__ import annotations

import math

from .core import RELIABLE, TENTATIVE, reading_code

# Stored figures keep four decimals; people read alpha with two (three near a threshold).
FIGURE_DIGITS = 4

FIGURES_HELP = {
    "explanation": [
        "Krippendorff's alpha measures how far reviewers agree beyond what chance alone would "
        "give: 1 is perfect agreement, 0 is no better than chance, and below 0 means reviewers "
        "disagree systematically.",
        "It copes with missing ratings (N/A counts as missing), and the 95% confidence "
        "interval shows how much the figure could move with other interactions: few "
        "interactions give a wide interval.",
    ],
    "thresholds": (
        f"≥ {RELIABLE:.3f} reliable · {TENTATIVE:.3f} to {RELIABLE:.3f} tentative: draw only "
        f"tentative conclusions · below {TENTATIVE:.3f} not yet calibrated. Thresholds from "
        "Krippendorff (2004), Content Analysis, 2nd ed., p. 241."
    ),
}


def format_count(number: int, noun: str, plural: str = "") -> str:
    """ "1 rating", "1,234 ratings": a count with its noun, as every figure carries its count."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def round_figure(value, digits: int = FIGURE_DIGITS) -> float | None:
    """A figure rounded for storage and JSON; None and NaN become None."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else round(value, digits)


MINUS = "\u2212"
DASH = "\u2014"  # what a missing figure reads as in a table


def _minus(text: str) -> str:
    """A real minus sign, and no "−0.00"."""
    if float(text.rstrip("%")) == 0:
        return text.lstrip("-")
    return f"{MINUS}{text[1:]}" if text.startswith("-") else text


def format_decimal(value, digits: int = 2) -> str:
    """A figure in fixed decimals with a real minus sign; a missing one is a dash."""
    value = round_figure(value)
    return DASH if value is None else _minus(f"{value:.{digits}f}")


def format_percent(value, digits: int = 0) -> str:
    """0.5714 -> "57%"; a missing share is a dash."""
    value = round_figure(value)
    return DASH if value is None else _minus(f"{value * 100:.{digits}f}") + "%"


def format_shares(counts) -> dict[str, str]:
    """{"1": 3, "0": 1} -> {"1": "75%", "0": "25%"}: each answer's share of all the answers,
    as the distribution of a criterion shows it."""
    total = sum(counts.values())
    return {key: format_percent(count / total) for key, count in counts.items()} if total else {}


def format_signed_percent(value, digits: int = 1) -> str:
    """-0.0147 -> "−1.5%", 0.125 -> "+12.5%": a bias, where the sign is the point."""
    value = round_figure(value)
    if value is None:
        return DASH
    text = format_percent(value, digits)
    return f"+{text}" if round(value * 100, digits) > 0 else text


def format_alpha(value, verdict: str | None = None) -> str | None:
    """An alpha in two decimals ("0.62", "−0.21"). Where two decimals would put the figure on
    the other side of a threshold than its verdict (0.7996 is tentative but "0.80" reads
    reliable), three decimals rounded down keep number and reading consistent ("0.799")."""
    value = round_figure(value)
    if value is None:
        return None
    text = f"{value:.2f}"
    if verdict and verdict != "undefined" and reading_code(float(text)) != verdict:
        text = f"{math.floor(value * 1000) / 1000:.3f}"
    return _minus(text)


def format_interval(ci) -> str | None:
    """ "0.41–0.80", or "−0.25 to 0.06" where a dash would read as a minus sign."""
    if not ci or len(ci) != 2 or any(v is None for v in ci):
        return None
    low, high = (format_alpha(v) for v in ci)
    return f"{low} to {high}" if ci[0] < 0 else f"{low}–{high}"
