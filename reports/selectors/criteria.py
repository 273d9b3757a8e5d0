"""Criterion health: criteria with persistently low agreement, high N/A or fail rates, or often
the most disputed of their session, each with its quarterly trend.

Built on the evidence the criterion review shows (sessions.selectors.evidence), so the two
pages can never disagree: the same series (a scale change starts a new one), the same summary
tables, the same minimum-data rule, rates and flags (agreement.history).
"""

from __future__ import annotations

from agreement import TENTATIVE
from agreement.history import (
    HIGH_FAIL_RATE,
    HIGH_NA_RATE,
    LOW_AGREEMENT_PERIODS,
    MIN_SESSIONS_TO_JUDGE,
    OFTEN_DISPUTED,
)
from agreement.trends import TREND_RESAMPLES
from sessions.selectors.evidence import CriterionEvidence, team_criterion_evidence

PERIOD = "quarter"
HEALTH_COLUMNS = [
    "criterion",
    "scorecard",
    "sessions",
    "units",
    "ratings",
    "alpha",
    "alpha 95% low",
    "alpha 95% high",
    "reading",
    "N/A answers",
    "answers",
    "N/A rate",
    "failed ratings",
    "ratings with fail values",
    "fail rate",
    "sessions most disputed",
    "most disputed share",
    "mean spread",
    "earlier-scale sessions (not pooled)",
    "enough history",
    "flags",
    "scale",
    "scale since version",
]
THRESHOLDS = {
    "tentative": TENTATIVE,
    "na": HIGH_NA_RATE,
    "fail": HIGH_FAIL_RATE,
    "disputed": OFTEN_DISPUTED,
    "periods": LOW_AGREEMENT_PERIODS,
    "sessions": MIN_SESSIONS_TO_JUDGE,
}


def criterion_health(
    *, team, date_from=None, date_to=None, n_resamples: int = TREND_RESAMPLES
) -> dict:
    """The criteria on the team's scorecards now (each in its current series), most worrying
    first, and how many series were left out (criteria no longer on a scorecard, or history on
    an earlier scale)."""
    evidence = team_criterion_evidence(
        team=team, date_from=date_from, date_to=date_to, period=PERIOD, n_resamples=n_resamples
    )
    current = [e for e in evidence if e.on_scorecard]
    rows = [_row(e) for e in current]
    # The most worrying first: most flags, then the lowest alpha (unjudged ones last).
    rows.sort(key=lambda r: (-len(r["flags"]), not r["enough_history"], _alpha_or(r)))
    return {
        "criteria": rows,
        "flagged": [r for r in rows if r["flags"]],
        "left_out": len(evidence) - len(current),
    }


def _alpha_or(row: dict, missing: float = 2.0) -> float:
    value = row["evidence"].alpha["alpha"]
    return missing if value is None else value


def _row(evidence: CriterionEvidence) -> dict:
    """What the page and the downloads show of one criterion (names kept from the first
    version of this page: the template and its tests read them)."""
    return {
        "evidence": evidence,
        "key": str(evidence.key),
        "name": evidence.name,
        "scorecard": evidence.scorecard,
        "scorecard_id": evidence.scorecard_id,
        "sessions": evidence.n_sessions,
        "ratings": evidence.n_ratings,
        "alpha": evidence.alpha,
        "na_rate": evidence.rates.na,
        "fail_rate": evidence.rates.fail,
        "disputed_share": evidence.rates.disputed,
        "points": list(evidence.points),
        "flags": list(evidence.flags),
        "enough_history": evidence.enough_history,
    }


def health_csv_rows(criteria: list[dict]) -> list[list]:
    out = []
    for row in criteria:
        e: CriterionEvidence = row["evidence"]
        ci = e.alpha.get("ci") or [None, None]
        out.append(
            [
                e.name,
                e.scorecard,
                e.n_sessions,
                e.n_units,
                e.n_ratings,
                e.alpha["alpha"],
                ci[0],
                ci[1],
                e.alpha["reading"],
                e.n_na,
                e.n_answers,
                e.rates.na,
                e.n_fail,
                e.n_fail_rated,
                e.rates.fail,
                e.n_disputed,
                e.rates.disputed,
                e.mean_spread,
                e.earlier_sessions,
                "yes" if e.enough_history else "no",
                "; ".join(e.flags) if e.flags else (e.shortfall or ""),
                e.scale,
                e.first_version,
            ]
        )
    return out
