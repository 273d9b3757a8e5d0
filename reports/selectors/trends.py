"""Agreement over time for a team, by scorecard, criterion or channel, per week, month or
quarter: pooled from the per-session, per-criterion summary rows (two queries for any number
of sessions), through agreement.trends and its thin-period rule."""

from __future__ import annotations

import pandas as pd

from agreement.trends import TREND_RESAMPLES, trend
from interactions.models import Channel
from scorecards.models import Criterion
from scorecards.selectors import criterion_spec
from sessions.models import SessionCriterionSummary

TREND_COLUMNS = [
    "series",
    "period",
    "period start",
    "sessions",
    "units",
    "ratings",
    "alpha",
    "alpha 95% low",
    "alpha 95% high",
    "level",
    "reading",
    "exact agreement",
    "mean spread",
    "enough data",
    "note",
]


def summary_blocks(*, team, date_from=None, date_to=None, scorecard=None) -> pd.DataFrame:
    """The summary rows in range as a frame: session, date, channel, counts, spec, criterion
    (its stable key across scorecard versions), criterion name, scorecard name."""
    rows = SessionCriterionSummary.objects.filter(team=team)
    if date_from:
        rows = rows.filter(held_on_date__gte=date_from)
    if date_to:
        rows = rows.filter(held_on_date__lte=date_to)
    if scorecard:
        rows = rows.filter(criterion__version__scorecard_id=scorecard)
    frame = pd.DataFrame(
        list(
            rows.values_list(
                "session_id",
                "held_on_date",
                "channel",
                "unit_counts",
                "criterion_id",
                "n_ratings",
                "n_na",
                "n_fail",
                "most_disputed",
            )
        ),
        columns=[
            "session",
            "date",
            "channel",
            "counts",
            "criterion_id",
            "n_ratings",
            "n_na",
            "n_fail",
            "most_disputed",
        ],
    )
    criteria = {
        c.pk: c
        for c in Criterion.objects.filter(pk__in=set(frame["criterion_id"])).select_related(
            "version__scorecard"
        )
    }
    # A criterion keeps its key across versions: the newest version's name labels it.
    newest = {}
    for criterion in sorted(criteria.values(), key=lambda c: c.version.number):
        newest[criterion.key] = criterion
    specs = {pk: criterion_spec(c) for pk, c in criteria.items()}
    frame["spec"] = frame["criterion_id"].map(specs)
    frame["criterion"] = frame["criterion_id"].map({pk: str(c.key) for pk, c in criteria.items()})
    frame["criterion_name"] = frame["criterion_id"].map(
        {pk: newest[c.key].name for pk, c in criteria.items()}
    )
    frame["scorecard_id"] = frame["criterion_id"].map(
        {pk: c.version.scorecard_id for pk, c in criteria.items()}
    )
    frame["scorecard"] = frame["criterion_id"].map(
        {pk: c.version.scorecard.name for pk, c in criteria.items()}
    )
    frame["latest_criterion_id"] = frame["criterion_id"].map(
        {pk: newest[c.key].pk for pk, c in criteria.items()}
    )
    return frame


def _series_name(group: str, value, frame: pd.DataFrame, team) -> str:
    if group == "team":
        return team.name
    if group == "criterion":
        return frame.loc[frame["criterion"] == value, "criterion_name"].iloc[0]
    if group == "channel":
        return Channel(value).label if value else "Mixed channels"
    return str(value)


def agreement_trends(
    *,
    team,
    group: str,
    period: str,
    date_from=None,
    date_to=None,
    scorecard=None,
    n_resamples: int = TREND_RESAMPLES,
) -> list[dict]:
    """[{name, points}] per series, points in date order (agreement.trends.trend)."""
    frame = summary_blocks(team=team, date_from=date_from, date_to=date_to, scorecard=scorecard)
    if frame.empty:
        return []
    column = None if group == "team" else group
    points = trend(frame, period, group=column, n_resamples=n_resamples)
    series: dict = {}
    for point in points:
        key = point.get(column) if column else team.name
        series.setdefault(key, []).append(point)
    return [
        {"name": _series_name(group, key, frame, team), "points": pts}
        for key, pts in series.items()
    ]


def trend_csv_rows(series: list[dict]) -> list[list]:
    out = []
    for line in series:
        for point in line["points"]:
            alpha = point["alpha"]
            ci = alpha.get("ci") or [None, None]
            out.append(
                [
                    line["name"],
                    point["label"],
                    point["start"].isoformat(),
                    point["n_sessions"],
                    point["n_units"],
                    point["n_ratings"],
                    alpha["alpha"],
                    ci[0],
                    ci[1],
                    alpha["level"],
                    alpha["reading"],
                    point["exact_agreement"],
                    point["mean_spread"],
                    "no" if point["thin"] else "yes",
                    point["note"],
                ]
            )
    return out
