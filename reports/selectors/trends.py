"""Agreement over time for a team, by scorecard, criterion or channel, per week, month or
quarter: the summary table's rating patterns summed by the database per period, then alpha,
its interval and the thin-period rule of agreement.trends (a few queries for any number of
sessions, and work that grows with the number of periods, not of ratings)."""

from __future__ import annotations

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth, TruncQuarter, TruncWeek

from agreement.trends import TREND_RESAMPLES, agreement_figures, pattern_block, period_label
from interactions.models import Channel
from scorecards.models import Criterion
from scorecards.selectors import criterion_spec
from sessions.models import SessionCriterionSummary, SessionPatternSummary

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


TRUNC = {"week": TruncWeek, "month": TruncMonth, "quarter": TruncQuarter}


def _criteria(team, ids) -> dict:
    """criterion id -> (spec, stable key, newest name, scorecard id, scorecard name)."""
    criteria = list(
        Criterion.objects.filter(pk__in=set(ids), version__scorecard__team=team).select_related(
            "version__scorecard"
        )
    )
    newest = {}
    for criterion in sorted(criteria, key=lambda c: c.version.number):
        newest[criterion.key] = criterion.name
    return {
        c.pk: {
            "spec": criterion_spec(c),
            "key": str(c.key),
            "name": newest[c.key],
            "scorecard_id": c.version.scorecard_id,
            "scorecard": c.version.scorecard.name,
        }
        for c in criteria
    }


def _scoped(queryset, *, team, date_from, date_to, scorecard):
    queryset = queryset.filter(team=team)
    if date_from:
        queryset = queryset.filter(held_on_date__gte=date_from)
    if date_to:
        queryset = queryset.filter(held_on_date__lte=date_to)
    if scorecard:
        queryset = queryset.filter(criterion__version__scorecard_id=scorecard)
    return queryset


def _group_key(group: str, info: dict, channel: str, team) -> str:
    if group == "team":
        return team.name
    if group == "criterion":
        return info["key"]
    if group == "scorecard":
        return info["scorecard"]
    return channel


def pattern_points(
    *, team, group: str, period: str | None, date_from=None, date_to=None, scorecard=None
) -> tuple[dict, dict]:
    """Pattern counts and per-period counts, grouped in the database.

    Returns ``blocks[(group key, period start)] = {criterion id: {pattern: units}}`` and
    ``totals[(group key, period start)] = {"sessions", "ratings"}``; ``period=None`` pools all
    dates (the key's period is then None). Three queries whatever the number of sessions.
    """
    scope = {"team": team, "date_from": date_from, "date_to": date_to, "scorecard": scorecard}
    patterns = _scoped(SessionPatternSummary.objects.all(), **scope)
    rows = _scoped(SessionCriterionSummary.objects.all(), **scope)
    fields = ["criterion_id", "channel"] if group == "channel" else ["criterion_id"]
    if period:
        patterns = patterns.annotate(period=TRUNC[period]("held_on_date"))
        rows = rows.annotate(period=TRUNC[period]("held_on_date"))
        fields.append("period")
    pattern_rows = list(patterns.values(*fields, "pattern").annotate(n=Sum("n_units")).order_by())
    # Sessions per criterion and period: a session holds one version of each criterion, so
    # summing over a criterion's versions is exact; across criteria the session ids are
    # counted distinct by the second query below.
    per_criterion = list(
        rows.values(*fields)
        .annotate(sessions=Count("session_id"), ratings=Sum("n_ratings"))
        .order_by()
    )
    info = _criteria(team, {r["criterion_id"] for r in per_criterion})
    blocks: dict = {}
    for row in pattern_rows:
        meta = info.get(row["criterion_id"])
        if meta is None:
            continue
        key = (_group_key(group, meta, row.get("channel", ""), team), row.get("period"))
        blocks.setdefault(key, {}).setdefault(row["criterion_id"], {})[row["pattern"]] = row["n"]
    totals: dict = {}
    for row in per_criterion:
        meta = info.get(row["criterion_id"])
        if meta is None:
            continue
        key = (_group_key(group, meta, row.get("channel", ""), team), row.get("period"))
        entry = totals.setdefault(key, {"sessions": 0, "ratings": 0})
        entry["ratings"] += row["ratings"] or 0
        if group == "criterion":
            entry["sessions"] += row["sessions"]
    if group != "criterion":
        distinct = ["channel"] if group == "channel" else []
        if group == "scorecard":
            distinct = ["criterion__version__scorecard__name"]
        if period:
            distinct.append("period")
        for row in rows.values(*distinct).annotate(n=Count("session_id", distinct=True)).order_by():
            name = {
                "team": team.name,
                "channel": row.get("channel"),
                "scorecard": row.get("criterion__version__scorecard__name"),
            }[group]
            totals.setdefault((name, row.get("period")), {"sessions": 0, "ratings": 0})[
                "sessions"
            ] = row["n"]
    return {"blocks": blocks, "totals": totals, "info": info}


def points_from(data: dict, *, period: str | None, key_prefix: str, n_resamples: int) -> dict:
    """{group key: [point, …]} in date order, each point the figures of agreement.trends."""
    series: dict = {}
    for (name, start), by_criterion in sorted(
        data["blocks"].items(), key=lambda item: (str(item[0][0]), item[0][1] or 0)
    ):
        blocks = [
            pattern_block(data["info"][criterion]["spec"], patterns)
            for criterion, patterns in by_criterion.items()
        ]
        figures = agreement_figures(
            blocks, key=f"{key_prefix}:{name}:{start}", n_resamples=n_resamples
        )
        totals = data["totals"].get((name, start), {})
        point = {
            "start": start,
            "label": period_label(start, period) if period and start else "",
            **figures,
            "n_sessions": totals.get("sessions", 0),
            "n_ratings": totals.get("ratings", figures["n_ratings"]),
        }
        series.setdefault(name, []).append(point)
    return series


def _series_name(group: str, key, info: dict) -> str:
    if group == "criterion":
        return next((m["name"] for m in info.values() if m["key"] == key), key)
    if group == "channel":
        return Channel(key).label if key else "Mixed channels"
    return str(key)


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
    """[{name, points}] per series, points in date order (agreement.trends figures)."""
    data = pattern_points(
        team=team,
        group=group,
        period=period,
        date_from=date_from,
        date_to=date_to,
        scorecard=scorecard,
    )
    series = points_from(
        data, period=period, key_prefix=f"{group}:{period}", n_resamples=n_resamples
    )
    return [
        {"name": _series_name(group, key, data["info"]), "key": key, "points": points}
        for key, points in series.items()
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
                    point["start"],
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
