"""Criterion health: criteria with persistently low agreement, high N/A or fail rates, or often
the most disputed of their session, each with its quarterly trend. From the summary table."""

from __future__ import annotations

from django.db.models import Count, Q, Sum

from agreement import TENTATIVE
from agreement.trends import TREND_RESAMPLES
from sessions.models import SessionCriterionSummary

from .trends import pattern_points, points_from

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
    scope = {"team": team, "group": "criterion", "date_from": date_from, "date_to": date_to}
    quarterly = pattern_points(period="quarter", **scope)
    if not quarterly["blocks"]:
        return []
    # All dates pooled: the quarters' pattern counts summed (no second trip to the database).
    overall = {"blocks": {}, "totals": {}, "info": quarterly["info"]}
    for (key, _), by_criterion in quarterly["blocks"].items():
        pooled_key = overall["blocks"].setdefault((key, None), {})
        for criterion, patterns in by_criterion.items():
            into = pooled_key.setdefault(criterion, {})
            for pattern, n in patterns.items():
                into[pattern] = into.get(pattern, 0) + n
    info = quarterly["info"]
    points = points_from(quarterly, period="quarter", key_prefix="health", n_resamples=n_resamples)
    pooled = points_from(overall, period=None, key_prefix="health", n_resamples=n_resamples)
    rates: dict = {}
    rows = SessionCriterionSummary.objects.filter(team=team)
    if date_from:
        rows = rows.filter(held_on_date__gte=date_from)
    if date_to:
        rows = rows.filter(held_on_date__lte=date_to)
    for row in (
        rows.values("criterion_id")
        .annotate(
            sessions=Count("session_id"),
            rated=Sum("n_ratings"),
            na=Sum("n_na"),
            fail=Sum("n_fail"),
            disputed=Count("pk", filter=Q(most_disputed=True)),
        )
        .order_by()
    ):
        meta = info.get(row["criterion_id"])
        if meta is None:
            continue
        entry = rates.setdefault(
            meta["key"],
            {
                "sessions": 0,
                "rated": 0,
                "na": 0,
                "fail": 0,
                "disputed": 0,
                "meta": meta,
                "fails": bool(meta["spec"].fail_values),
            },
        )
        for name in ("sessions", "rated", "na", "fail", "disputed"):
            entry[name] += row[name] or 0
    out = []
    for key, entry in rates.items():
        n_sessions, rated, na = entry["sessions"], entry["rated"], entry["na"]
        na_rate = na / (rated + na) if rated + na else None
        fail_rate = entry["fail"] / rated if rated and entry["fails"] else None
        disputed = entry["disputed"] / n_sessions if n_sessions else None
        series = points.get(key, [])
        figures = (pooled.get(key) or [None])[0]
        if figures is None:
            continue
        meta = entry["meta"]
        out.append(
            {
                "key": key,
                "name": meta["name"],
                "scorecard": meta["scorecard"],
                "scorecard_id": meta["scorecard_id"],
                "sessions": n_sessions,
                "ratings": rated,
                "figures": figures,
                "na_rate": na_rate,
                "fail_rate": fail_rate,
                "disputed_share": disputed,
                "points": series,
                "flags": _flags(series, na_rate, fail_rate, disputed, n_sessions),
            }
        )
    # The most worrying first: most flags, then lowest alpha.
    return sorted(out, key=lambda c: (-len(c["flags"]), _alpha_or(c["figures"])))


def _alpha_or(figures: dict, missing: float = 2.0) -> float:
    value = figures["alpha"]["alpha"]
    return missing if value is None else value


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
