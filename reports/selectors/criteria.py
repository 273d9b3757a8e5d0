"""Criterion health: criteria with persistently low agreement, high N/A or fail rates, or often
the most disputed of their session, each with its quarterly trend. From the summary table."""

from __future__ import annotations

from agreement import TENTATIVE
from agreement.trends import TREND_RESAMPLES, Block, agreement_figures, trend

from .trends import summary_blocks

# The flags (README, Reports): documented thresholds, each needing enough data behind it.
LOW_AGREEMENT_PERIODS = 2  # the last N quarters with a point all below TENTATIVE
HIGH_NA_RATE = 0.20
HIGH_FAIL_RATE = 0.50
OFTEN_DISPUTED = 0.40  # share of its sessions where it had the highest spread
MIN_SESSIONS_FOR_FLAGS = 4
HEALTH_COLUMNS = [
    "criterion",
    "scorecard",
    "sessions",
    "ratings",
    "alpha",
    "alpha 95% low",
    "alpha 95% high",
    "reading",
    "N/A rate",
    "fail rate",
    "most disputed share",
    "flags",
]


def criterion_health(
    *, team, date_from=None, date_to=None, n_resamples: int = TREND_RESAMPLES
) -> list[dict]:
    frame = summary_blocks(team=team, date_from=date_from, date_to=date_to)
    if frame.empty:
        return []
    quarterly = trend(frame, "quarter", group="criterion", n_resamples=n_resamples)
    out = []
    for key, part in frame.groupby("criterion", sort=False):
        blocks = [Block(s, c) for s, c in zip(part["spec"], part["counts"], strict=True)]
        figures = agreement_figures(blocks, key=f"health:{key}", n_resamples=n_resamples)
        points = [p for p in quarterly if p["criterion"] == key]
        n_sessions = int(part["session"].nunique())
        rated = int(part["n_ratings"].sum())
        na = int(part["n_na"].sum())
        na_rate = na / (rated + na) if rated + na else None
        fail_rate = (
            int(part["n_fail"].sum()) / rated
            if rated and part["spec"].iloc[0].fail_values
            else None
        )
        disputed = float(part["most_disputed"].mean()) if n_sessions else None
        flags = _flags(points, na_rate, fail_rate, disputed, n_sessions)
        out.append(
            {
                "key": key,
                "name": part["criterion_name"].iloc[0],
                "scorecard": part["scorecard"].iloc[0],
                "scorecard_id": int(part["scorecard_id"].iloc[0]),
                "sessions": n_sessions,
                "ratings": rated,
                "figures": figures,
                "na_rate": na_rate,
                "fail_rate": fail_rate,
                "disputed_share": disputed,
                "points": points,
                "flags": flags,
            }
        )
    # The most worrying first: most flags, then lowest alpha.
    return sorted(
        out,
        key=lambda c: (
            -len(c["flags"]),
            c["figures"]["alpha"]["alpha"] if c["figures"]["alpha"]["alpha"] is not None else 2,
        ),
    )


def _flags(points, na_rate, fail_rate, disputed, n_sessions) -> list[str]:
    if n_sessions < MIN_SESSIONS_FOR_FLAGS:
        return []
    flags = []
    plotted = [p for p in points if not p["thin"]][-LOW_AGREEMENT_PERIODS:]
    if len(plotted) == LOW_AGREEMENT_PERIODS and all(
        p["alpha"]["alpha"] is not None and p["alpha"]["alpha"] < TENTATIVE for p in plotted
    ):
        flags.append(
            f"Low agreement: alpha below {TENTATIVE:.3f} in each of the last "
            f"{LOW_AGREEMENT_PERIODS} quarters"
        )
    if na_rate is not None and na_rate >= HIGH_NA_RATE:
        flags.append(f"High N/A rate: {na_rate:.0%} of answers")
    if fail_rate is not None and fail_rate >= HIGH_FAIL_RATE:
        flags.append(f"High fail rate: {fail_rate:.0%} of ratings")
    if disputed is not None and disputed >= OFTEN_DISPUTED:
        flags.append(f"Often the most disputed: {disputed:.0%} of its sessions")
    return flags


def health_csv_rows(criteria: list[dict]) -> list[list]:
    out = []
    for c in criteria:
        alpha = c["figures"]["alpha"]
        ci = alpha.get("ci") or [None, None]
        out.append(
            [
                c["name"],
                c["scorecard"],
                c["sessions"],
                c["ratings"],
                alpha["alpha"],
                ci[0],
                ci[1],
                alpha["reading"],
                c["na_rate"],
                c["fail_rate"],
                c["disputed_share"],
                "; ".join(c["flags"]),
            ]
        )
    return out
