"""How figures are written for people: rounding, alpha and interval text, and the help text.

One home for these rules: the server sends the formatted figure and its verdict, and the
browser shows them as they come (static/js never re-implements a threshold or a rounding).
"""

from __future__ import annotations

import math

from .core import RELIABLE, TENTATIVE, reading_code

# Stored figures keep four decimals; people read alpha with two (three near a threshold).
FIGURE_DIGITS = 4

# The minimum-data rule for alpha: fewer units than this give no bootstrap interval (resampling
# two or three units only ever redraws the same few values), and a figure without an interval
# is not shown as a verdict: no reading, no colour (``live_alpha``), and a per-criterion alpha
# is not shown at all (``live_criterion_alpha``). docs/statistics.md.
MIN_UNITS_FOR_CI = 5

FIGURES_HELP = {
    "explanation": [
        "Krippendorff's alpha measures how far reviewers agree beyond what chance alone would "
        "give: 1 is perfect agreement, 0 is no better than chance, and below 0 means reviewers "
        "disagree systematically.",
        "It copes with missing ratings (N/A counts as missing), and the 95% confidence "
        "interval shows how much the figure could move with other interactions: few "
        "interactions give a wide interval.",
        "Exact agreement can look high while alpha is low: when nearly everyone gives the same "
        "common answer, agreeing on it is what chance alone would give, so alpha counts only "
        "agreement beyond that, and a single disagreement on a rare answer weighs heavily.",
        f"A criterion's alpha is shown only from {MIN_UNITS_FOR_CI} revealed interactions; "
        "with fewer, the room shows how often reviewers gave the same answer instead.",
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


def has_interval(block) -> bool:
    """The minimum-data rule, in one place: an alpha block may carry a reading and a colour
    only with its 95% interval, which it has from MIN_UNITS_FOR_CI units."""
    return bool(block) and block.get("ci_text") is not None


def _units(n: int) -> str:
    return format_count(n, "unit")


def live_alpha(block: dict | None) -> dict | None:
    """An alpha block as the room shows it. Without an interval the figure stays, but muted:
    no verdict (so no colour) and, instead of the reading, how many units it rests on."""
    if not block or has_interval(block) or block.get("alpha_text") is None:
        return block
    return {
        **block,
        "verdict": "undefined",
        "reading": (
            f"{_units(block['n_units'])}: too few for an interval "
            f"({MIN_UNITS_FOR_CI} needed), so no reading yet"
        ),
        "caution": None,
        "enough_data": False,
    }


def alpha_or_words(block: dict | None) -> dict | None:
    """An alpha block for a page that lists several (the session summary): with an interval as
    it is; without one the figure is left out too, not just muted, and ``reading`` says in
    words how many units it rests on. A block without a figure keeps its reason (no
    variation, no pairs)."""
    if not block or has_interval(block) or block.get("alpha_text") is None:
        return block
    return {
        **live_alpha(block),
        "alpha": None,
        "ci": None,
        "alpha_text": None,
        "reading": f"{_units(block['n_units'])}: too few for an α ({MIN_UNITS_FOR_CI} needed)",
    }


def live_criterion_alpha(
    block: dict | None,
    *,
    exact_agreement=None,
    within_one=None,
    n_interactions: int,
    pooled: dict | None = None,
) -> dict | None:
    """One criterion's alpha across the revealed interactions, as the room and present mode show
    it. With too few interactions for an interval the alpha over them is noise, so it is not
    sent: ``alpha``/``alpha_text`` are None and ``reading`` says in words what the data can
    carry (how often reviewers gave the same answer, and the session's alpha pooled over all
    criteria of this level where that has an interval)."""
    if not block:
        return block
    if has_interval(block):
        return {**block, "enough_data": True}
    parts = [
        f"{format_count(n_interactions, 'revealed interaction')}: too few for this "
        f"criterion's own α ({MIN_UNITS_FOR_CI} needed)."
    ]
    if exact_agreement is not None:
        shares = f"Same answer {format_percent(exact_agreement)} of the time"
        if within_one is not None:
            shares += f", within one point {format_percent(within_one)}"
        parts.append(shares + ".")
    if has_interval(pooled):
        parts.append(
            f"Session α over all {pooled['level']} criteria: {pooled['alpha_text']} "
            f"(95% CI {pooled['ci_text']}) · {pooled['reading']}."
        )
    return {
        "level": block.get("level"),
        "alpha": None,
        "ci": None,
        "alpha_text": None,
        "ci_text": None,
        "reading": " ".join(parts),
        "verdict": "undefined",
        "reason": block.get("reason"),
        "caution": None,
        "n_units": block.get("n_units"),
        "n_pairable": block.get("n_pairable"),
        "enough_data": False,
    }
