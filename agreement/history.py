"""Judging a criterion from its history: the minimum-data rule, its rates and its flags.

One home for the rules that the criterion-review evidence, the criterion health report and the
scorecard version history all apply (docs/statistics.md, "A criterion's history"):

- A criterion is judged from its history only with at least MIN_SESSIONS_TO_JUDGE sessions
  and a pooled alpha with its interval (MIN_UNITS_FOR_CI units, agreement.display); otherwise
  the reason says, in words, what is missing ("too little history to judge", or after a change
  "too early to tell").
- Rates carry their counts: N/A over all answers, fail over the ratings (only where the scale
  has fail values), most disputed over the sessions.
- Flags are raised only for a criterion that can be judged.

numpy/pandas only (here: plain Python): no Django.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .core import TENTATIVE
from .display import MIN_UNITS_FOR_CI, format_count

MIN_SESSIONS_TO_JUDGE = 4
RECENT_SESSIONS = 12  # what "recent history" means for a criterion's evidence

# Flags (README, Reports): documented thresholds, raised only with enough history.
LOW_AGREEMENT_PERIODS = 2  # the last N periods with an interval, all with alpha below TENTATIVE
HIGH_NA_RATE = 0.20
HIGH_FAIL_RATE = 0.50
OFTEN_DISPUTED = 0.40  # share of its sessions in which it had the session's highest spread

TOO_LITTLE = "Too little history to judge"
TOO_EARLY = "Too early to tell"


def history_shortfall(n_sessions: int, alpha: dict | None, *, lead: str = TOO_LITTLE) -> str | None:
    """None when the history is enough to judge; otherwise why not, in words with the counts.

    ``alpha`` is an agreement.trends alpha block (its ``ci`` and ``n_units``).
    """
    n_units = int((alpha or {}).get("n_units") or 0)
    has_ci = bool(alpha) and alpha.get("ci") is not None
    if n_sessions >= MIN_SESSIONS_TO_JUDGE and has_ci:
        return None
    missing = []
    if n_sessions < MIN_SESSIONS_TO_JUDGE:
        missing.append(
            f"{format_count(n_sessions, 'session')} (at least {MIN_SESSIONS_TO_JUDGE} needed)"
        )
    if not has_ci:
        if n_units >= MIN_UNITS_FOR_CI and alpha and alpha.get("reason"):
            missing.append(alpha["reason"].rstrip(".").lower())
        else:
            missing.append(
                f"{format_count(n_units, 'interaction')} with two ratings or more "
                f"(at least {MIN_UNITS_FOR_CI} needed for an interval)"
            )
    return f"{lead}: {' and '.join(missing)}."


def share(part: int, whole: int) -> float | None:
    """part / whole, or None without a whole (a rate with nothing behind it is not 0%)."""
    return part / whole if whole else None


@dataclass(frozen=True)
class Rates:
    na: float | None  # N/A answers / all answers
    fail: float | None  # failed ratings / ratings; None where the scale has no fail values
    disputed: float | None  # sessions where it was the most disputed / sessions


def criterion_rates(
    *, n_ratings: int, n_na: int, n_fail: int, has_fail_values: bool, n_disputed: int, n_sessions
) -> Rates:
    return Rates(
        na=share(n_na, n_ratings + n_na),
        fail=share(n_fail, n_ratings) if has_fail_values else None,
        disputed=share(n_disputed, n_sessions),
    )


def criterion_flags(
    *,
    rates: Rates,
    n_sessions: int,
    periods: Sequence[dict] = (),
    judged: bool = True,
    period_name: str = "periods",
) -> list[str]:
    """The flags of one criterion series, in words. ``periods`` are agreement.trends points in
    date order; only those with enough units for an interval (MIN_UNITS_FOR_CI) and an alpha
    count towards low agreement (the rule needs no bootstrap, so a page may skip it)."""
    if not judged or n_sessions < MIN_SESSIONS_TO_JUDGE:
        return []
    flags = []
    enough = [
        p for p in periods if p["n_units"] >= MIN_UNITS_FOR_CI and p["alpha"]["alpha"] is not None
    ]
    plotted = enough[-LOW_AGREEMENT_PERIODS:]
    if len(plotted) == LOW_AGREEMENT_PERIODS and all(
        p["alpha"]["alpha"] < TENTATIVE for p in plotted
    ):
        flags.append(
            f"Low agreement: alpha below {TENTATIVE:.3f} in each of the last "
            f"{LOW_AGREEMENT_PERIODS} {period_name} with enough units"
        )
    if rates.na is not None and rates.na >= HIGH_NA_RATE:
        flags.append(f"High N/A rate: {rates.na:.0%} of answers")
    if rates.fail is not None and rates.fail >= HIGH_FAIL_RATE:
        flags.append(f"High fail rate: {rates.fail:.0%} of ratings")
    if rates.disputed is not None and rates.disputed >= OFTEN_DISPUTED:
        flags.append(f"Often the most disputed: {rates.disputed:.0%} of its sessions")
    return flags
