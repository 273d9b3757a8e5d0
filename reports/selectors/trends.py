"""Agreement over time for a team, by scorecard, criterion or channel, per week, month or
quarter: the summary table's rating patterns summed by the database per period, then alpha,
its interval and the thin-period rule of agreement.trends (a few queries for any number of
sessions, and work that grows with the number of periods, not of ratings)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Sum

from agreement.trends import TREND_RESAMPLES, agreement_figures, pattern_block, period_label
from interactions.models import Channel
from scorecards.models import Criterion
from scorecards.selectors import criterion_series, criterion_spec
from sessions.models import (
    CriterionRollup,
    PatternRollup,
    SessionCriterionSummary,
    SessionPatternSummary,
    SessionSummary,
    TrendPoint,
)
from sessions.services.summaries import next_period_start, trend_points_save

from .rollups import TRUNC, base_period, combined, split_range

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


def _criteria(team, ids) -> dict:
    """criterion id -> (spec, series key, newest name, scorecard id, scorecard name).

    A criterion is followed across versions by its key, but never across a change of scale
    (`scorecards.selectors.criterion_series`): each run of one scale is its own series, named
    with the versions and scale it covers when the key has more than one."""
    wanted = set(ids)
    criteria = list(
        Criterion.objects.filter(version__scorecard__team=team).select_related("version__scorecard")
    )
    by_pk = {c.pk: c for c in criteria}
    out = {}
    for key, runs in criterion_series(criteria).items():
        for run in runs:
            if not wanted.intersection(run.criterion_ids):
                continue
            newest = max((by_pk[pk] for pk in run.criterion_ids), key=lambda c: c.version.number)
            name, series_key = newest.name, str(key)
            if len(runs) > 1:
                series_key = f"{key}:v{run.first_version}"
                versions = (
                    f"version {run.first_version}"
                    if run.first_version == run.last_version
                    else f"versions {run.first_version}–{run.last_version}"
                )
                name = f"{newest.name} ({versions}, {run.scale})"
            for pk in run.criterion_ids:
                criterion = by_pk[pk]
                out[pk] = {
                    "spec": criterion_spec(criterion),
                    "key": series_key,
                    "name": name,
                    "scorecard_id": criterion.version.scorecard_id,
                    "scorecard": criterion.version.scorecard.name,
                }
    return out


def _scoped(queryset, *, team, scorecard, field="criterion__version__scorecard_id"):
    queryset = queryset.filter(team=team)
    if scorecard:
        queryset = queryset.filter(**{field: scorecard})
    return queryset


def _group_key(group: str, info: dict, channel: str, team) -> str:
    if group == "team":
        return team.name
    if group == "criterion":
        return info["key"]
    if group == "scorecard":
        return info["scorecard"]
    return channel


def period_totals(
    *, team, group: str, period: str | None, date_from=None, date_to=None, scorecard=None
) -> dict:
    """``totals[(group key, period start)] = {"sessions", "ratings"}`` and the criteria's
    ``info``, from the criterion rollups and the one summary row of each session: two small
    queries whatever the number of sessions."""
    base = base_period(period)
    keys = ["criterion_id", "channel"] if group == "channel" else ["criterion_id"]
    per_criterion = combined(
        rollups=_scoped(CriterionRollup.objects.filter(span=base), team=team, scorecard=scorecard),
        rows=_scoped(SessionCriterionSummary.objects.all(), team=team, scorecard=scorecard),
        keys=keys,
        sums={"sessions": Sum("n_sessions"), "ratings": Sum("n_ratings")},
        row_sums={"sessions": Count("session_id"), "ratings": Sum("n_ratings")},
        period=period,
        date_from=date_from,
        date_to=date_to,
    )
    info = _criteria(team, {r["criterion_id"] for r in per_criterion})
    totals: dict = {}
    for row in per_criterion:
        meta = info.get(row["criterion_id"])
        if meta is None:
            continue
        key = (_group_key(group, meta, row.get("channel", ""), team), row.get("period"))
        entry = totals.setdefault(key, {"sessions": 0, "ratings": 0})
        entry["ratings"] += row["ratings"] or 0
        if group == "criterion":
            # A session holds one version of each criterion: summing over versions is exact.
            entry["sessions"] += row["sessions"]
    if group != "criterion":
        # Sessions counted once across criteria: from the one summary row of each session.
        sessions = _scoped(
            SessionSummary.objects.all(),
            team=team,
            scorecard=scorecard,
            field="session__scorecard_version__scorecard_id",
        )
        if date_from:
            sessions = sessions.filter(held_on_date__gte=date_from)
        if date_to:
            sessions = sessions.filter(held_on_date__lte=date_to)
        distinct = {
            "team": [],
            "channel": ["channel"],
            "scorecard": ["session__scorecard_version__scorecard__name"],
        }[group]
        if period:
            sessions = sessions.annotate(period=TRUNC[period]("held_on_date"))
            distinct = [*distinct, "period"]
        for row in sessions.values(*distinct).annotate(n=Count("pk")).order_by():
            name = {
                "team": team.name,
                "channel": row.get("channel"),
                "scorecard": row.get("session__scorecard_version__scorecard__name"),
            }[group]
            key = (name, row.get("period"))
            if key in totals:  # a session with ratings on the criteria counted above
                totals[key]["sessions"] = row["n"]
    return {"totals": totals, "info": info}


def pattern_points(
    *, team, group: str, period: str | None, date_from=None, date_to=None, scorecard=None
) -> dict:
    """Pattern counts and per-period counts, grouped in the database.

    Returns ``blocks[(group key, period start)] = {criterion id: {pattern: units}}`` and
    ``totals[(group key, period start)] = {"sessions", "ratings"}``; ``period=None`` pools all
    dates (the key's period is then None). Whole weeks or months come from the rollups, the
    range's edges from the session rows (`rollups.combined`): a few queries whatever the
    number of sessions.
    """
    scope = {"team": team, "group": group, "period": period, "scorecard": scorecard}
    counted = period_totals(**scope, date_from=date_from, date_to=date_to)
    return {
        "blocks": _blocks(**scope, date_from=date_from, date_to=date_to, info=counted["info"]),
        "totals": counted["totals"],
        "info": counted["info"],
    }


def _blocks(*, team, group, period, scorecard, date_from, date_to, info) -> dict:
    """``{(group key, period start): {criterion id: {pattern: units}}}``, one query per table
    part (`rollups.combined`)."""
    keys = ["criterion_id", "channel"] if group == "channel" else ["criterion_id"]
    pattern_rows = combined(
        rollups=_scoped(
            PatternRollup.objects.filter(span=base_period(period)), team=team, scorecard=scorecard
        ),
        rows=_scoped(SessionPatternSummary.objects.all(), team=team, scorecard=scorecard),
        keys=[*keys, "pattern"],
        sums={"n": Sum("n_units")},
        period=period,
        date_from=date_from,
        date_to=date_to,
    )
    blocks: dict = {}
    for row in pattern_rows:
        meta = info.get(row["criterion_id"])
        if meta is None:
            continue
        key = (_group_key(group, meta, row.get("channel", ""), team), row.get("period"))
        blocks.setdefault(key, {}).setdefault(row["criterion_id"], {})[row["pattern"]] = row["n"]
    return blocks


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


def _point_figures(point: dict) -> dict:
    """A computed point as stored: JSON, without its date and label (the row has them)."""
    return {k: v for k, v in point.items() if k not in ("start", "label")}


def _stored_points(*, team, group, period, scorecard, n_resamples, whole, totals) -> dict:
    """{(series key, start): point} of the whole periods kept, those whose counts still match
    the rollups' (a period rewritten since is recomputed)."""
    points = TrendPoint.objects.filter(
        team=team,
        series_group=group,
        scorecard_filter=scorecard or 0,
        period=period,
        n_resamples=n_resamples,
    )
    first, last = whole
    if first is not None:
        points = points.filter(start__gte=first)
    if last is not None:
        points = points.filter(start__lte=last)
    kept = {}
    for row in points:
        count = totals.get((row.series_key, row.start))
        if count and (count["sessions"], count["ratings"]) == (row.n_sessions, row.n_ratings):
            # An empty memo: the period has ratings but no pairable unit, hence no point.
            kept[(row.series_key, row.start)] = row.figures and {
                "start": row.start,
                "label": period_label(row.start, period),
                **row.figures,
            }
    return kept


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
    """[{name, points}] per series, points in date order (agreement.trends figures).

    A whole period's figures are computed once and kept (`TrendPoint`); a period cut by the
    date range, and any period not kept yet, is computed from the rollups' patterns. The page
    then costs a few small queries and the statistics of the periods that changed.
    """
    whole, edges = split_range(date_from, date_to, period)
    scope = {"team": team, "group": group, "period": period, "scorecard": scorecard}
    key_prefix = f"{group}:{period}"
    series: dict = {}
    info: dict = {}
    if whole is not None:
        first, last = whole
        low = first or date_from
        high = next_period_start(last, period) - timedelta(days=1) if last else date_to
        counts = period_totals(**scope, date_from=low, date_to=high)
        info = counts["info"]
        kept = _stored_points(
            **scope, n_resamples=n_resamples, whole=whole, totals=counts["totals"]
        )
        missing = sorted({start for key, start in counts["totals"] if (key, start) not in kept})
        computed = {}
        if missing:
            blocks = _blocks(
                **scope,
                date_from=missing[0],
                date_to=next_period_start(missing[-1], period) - timedelta(days=1),
                info=info,
            )
            data = {
                "blocks": {k: v for k, v in blocks.items() if k not in kept},
                "totals": counts["totals"],
                "info": info,
            }
            for key, points in points_from(
                data, period=period, key_prefix=key_prefix, n_resamples=n_resamples
            ).items():
                for point in points:
                    computed[(key, point["start"])] = point
            unkept = [key for key in counts["totals"] if key not in kept]
            trend_points_save(
                points=[
                    TrendPoint(
                        team=team,
                        series_group=group,
                        scorecard_filter=scorecard or 0,
                        series_key=key,
                        period=period,
                        start=start,
                        n_resamples=n_resamples,
                        n_sessions=counts["totals"][(key, start)]["sessions"],
                        n_ratings=counts["totals"][(key, start)]["ratings"],
                        figures=_point_figures(computed[(key, start)])
                        if (key, start) in computed
                        else {},
                    )
                    for key, start in unkept
                ]
            )
        for (key, _start), point in sorted(
            {**kept, **computed}.items(), key=lambda item: (str(item[0][0]), item[0][1])
        ):
            if point:
                series.setdefault(key, []).append(point)
    for low, high in edges:
        # A period cut by the range: its own figures, never kept.
        data = pattern_points(**scope, date_from=low, date_to=high)
        info = {**info, **data["info"]}
        for key, points in points_from(
            data, period=period, key_prefix=key_prefix, n_resamples=n_resamples
        ).items():
            series.setdefault(key, []).extend(points)
    for points in series.values():
        points.sort(key=lambda point: point["start"])
    return [
        {"name": _series_name(group, key, info), "key": key, "points": points}
        for key, points in sorted(series.items(), key=lambda item: str(item[0]))
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
