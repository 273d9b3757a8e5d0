"""Per-criterion evidence from a team's own history: what the criterion review shows beside
each criterion, what the criterion health report lists, and the agreement before and after
each change in a scorecard's version history. One builder for all three.

Read from the precomputed summary tables (`SessionCriterionSummary` for the counts,
`SessionPatternSummary` for alpha, and their monthly rollups `CriterionRollup` and
`PatternRollup` for whole months), never from ratings, so the number of queries does not grow
with the sessions and the work grows with the periods and patterns, not the ratings. Figures
are memoised by exactly the pattern counts they come from (`_figures`). Only closed
*scoring* sessions count (a criterion review rates no interactions). A criterion is followed
across versions by its key, within one statistical series: a scale change starts a new series
(scorecards.selectors.criterion_series), and incompatible scales are never pooled. The
minimum-data rule, the rates and the flags are agreement.history's.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache

from django.db.models import Count, DateField, F, Max, Min, Q, Sum, Window
from django.db.models.functions import Cast, RowNumber, TruncMonth, TruncQuarter, TruncWeek

from agreement.display import format_count, format_decimal, format_percent
from agreement.history import (
    RECENT_SESSIONS,
    TOO_EARLY,
    Rates,
    criterion_flags,
    criterion_rates,
    history_shortfall,
)
from agreement.trends import TREND_RESAMPLES, agreement_figures, pattern_block, period_label
from scorecards.models import Criterion
from scorecards.selectors import (
    CriterionSeries,
    calibration_notes,
    criteria_history,
    criterion_series,
    criterion_spec,
)

from ..models import (
    CalibrationSession,
    CriterionRollup,
    PatternRollup,
    RollupPeriod,
    SessionCriterionSummary,
    SessionKind,
    SessionPatternSummary,
)

TRUNC = {"week": TruncWeek, "month": TruncMonth, "quarter": TruncQuarter}


def _trunc(period: str, field: str):
    # As a date: the database sends a date, not a time zone-aware timestamp to convert back.
    return Cast(TRUNC[period](field, output_field=DateField()), DateField())


_COUNTS = ("n_ratings", "n_na", "n_fail", "n_disputed")


@dataclass(frozen=True)
class CriterionEvidence:
    """One criterion's record over its recent scoring sessions, in one statistical series.

    Every figure comes with the count behind it; ``shortfall`` says, when there are too few
    sessions or units, why the history cannot judge it (and the template then shows that
    instead of a verdict).
    """

    key: uuid.UUID
    name: str  # the criterion's newest name
    scorecard_id: int
    scorecard: str
    series: str  # CriterionSeries.id: "<key>:v<first version>"
    scale: str
    first_version: int
    last_version: int
    on_scorecard: bool  # active in the scorecard's newest version
    n_sessions: int
    n_sessions_in_series: int  # all of the series' sessions in scope ("12 most recent of 40")
    n_units: int
    n_ratings: int
    n_na: int
    n_fail: int
    n_fail_rated: int  # ratings on versions with fail values: the fail rate's denominator
    n_disputed: int
    alpha: dict  # agreement.trends alpha block: alpha_text, ci_text, reading, n_units, …
    exact_agreement: float | None
    mean_spread: float | None
    rates: Rates
    first_held: dt.date | None
    last_held: dt.date | None
    # Sessions of the same criterion on an earlier, incompatible scale: not pooled in.
    earlier_sessions: int
    shortfall: str | None
    notes: tuple = ()  # scorecards CalibrationNote, newest first, superseded ones included
    points: tuple = ()  # per-period figures (agreement.trends), for the health report
    flags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def enough_history(self) -> bool:
        return self.shortfall is None

    @property
    def n_answers(self) -> int:
        return self.n_ratings + self.n_na

    @property
    def na_text(self) -> str:
        return _rate_text(self.rates.na, self.n_na, self.n_answers, "answer")

    @property
    def fail_text(self) -> str:
        if self.rates.fail is None and not self.n_fail_rated:
            return "no fail values on this scale"
        return _rate_text(self.rates.fail, self.n_fail, self.n_fail_rated, "rating")

    @property
    def disputed_text(self) -> str:
        return _rate_text(self.rates.disputed, self.n_disputed, self.n_sessions, "session")

    @property
    def spread_text(self) -> str:
        if self.mean_spread is None:
            return "—"
        return (
            f"{format_decimal(self.mean_spread)} over {format_count(self.n_units, 'interaction')}"
        )

    @property
    def open_notes(self) -> list:
        return [note for note in self.notes if not note.is_superseded]


def _rate_text(rate, part: int, whole: int, noun: str) -> str:
    if rate is None:
        return f"— (no {noun}s)"
    return f"{format_percent(rate)} ({part:,} of {format_count(whole, noun)})"


# --------------------------------------------------------------------------- shared reads
def _scoring(queryset):
    """Summary rows of scoring sessions only. Excluding the few other sessions by id keeps the
    sessions table out of the join: on a large table whose statistics lag (a bulk load), the
    join was planned as a nested loop and took 30 s instead of 30 ms."""
    others = CalibrationSession.objects.exclude(kind=SessionKind.SCORING).values("pk")
    return queryset.exclude(session_id__in=others)


def _sessions_by_month(criterion_ids: list[int]) -> dict[int, dict[dt.date, int]]:
    """Scoring sessions per criterion version and month, from the monthly rollups."""
    out: dict[int, dict[dt.date, int]] = {}
    for criterion_id, start, n in (
        CriterionRollup.objects.filter(criterion_id__in=criterion_ids, span=RollupPeriod.MONTH)
        .values_list("criterion_id", "start")
        .annotate(n=Sum("n_sessions"))
        .order_by()
    ):
        out.setdefault(criterion_id, {})[start] = n
    return out


def _recent_since(metas: Iterable[_Meta], months: dict, recent: int) -> dict[int, dt.date]:
    """For each series, the first day of the month from which on it holds its ``recent``
    latest sessions (by the rollups' counts), so the window reads only those months' rows;
    a series with fewer sessions in all is read whole (no entry)."""
    out = {}
    for meta in metas:
        per_month: dict[dt.date, int] = {}
        for criterion_id in meta.series.criterion_ids:
            for start, n in months.get(criterion_id, {}).items():
                per_month[start] = per_month.get(start, 0) + n
        seen = 0
        for start in sorted(per_month, reverse=True):
            seen += per_month[start]
            if seen >= recent:
                out.update(dict.fromkeys(meta.series.criterion_ids, start))
                break
    return out


def _windowed(
    criterion_ids: Iterable[int],
    *,
    newest: int | None,
    oldest: int | None,
    since: dict[int, dt.date] | None = None,
    team_id: int | None = None,
) -> list:
    """Summary rows of the criteria, each criterion's ``newest`` latest and ``oldest`` earliest
    sessions (None: all), in one query whatever the number of sessions. ``since``: criterion
    id -> the first day worth reading for it (with ``team_id``, the team and date index finds
    those rows without visiting the others)."""
    fields = ("session_id", "criterion_id", "held_on_date", "n_ratings", "n_na", "n_fail")
    criterion_ids = list(criterion_ids)
    rows = _scoring(SessionCriterionSummary.objects.filter(criterion_id__in=criterion_ids))
    if since:
        by_day: dict[dt.date, list[int]] = {}
        for criterion_id, day in since.items():
            by_day.setdefault(day, []).append(criterion_id)
        unbounded = [i for i in criterion_ids if i not in since]
        within = Q(criterion_id__in=unbounded)
        for day, ids in by_day.items():
            within |= Q(team_id=team_id, held_on_date__gte=day, criterion_id__in=ids)
        rows = rows.filter(within)
    # Only the columns needed: the window sorts every row, and the stored unit counts and
    # alpha would make it spill to disk.
    rows = rows.values(*fields, "most_disputed")
    keep = Q()
    if newest is not None:
        rows = rows.annotate(
            newest_rank=Window(
                RowNumber(),
                partition_by=[F("criterion_id")],
                order_by=[F("held_on_date").desc(), F("session_id").desc()],
            )
        )
        keep |= Q(newest_rank__lte=newest)
    if oldest is not None:
        rows = rows.annotate(
            oldest_rank=Window(
                RowNumber(),
                partition_by=[F("criterion_id")],
                order_by=[F("held_on_date").asc(), F("session_id").asc()],
            )
        )
        keep |= Q(oldest_rank__lte=oldest)
    if newest is not None or oldest is not None:
        rows = rows.filter(keep)
    return [
        {
            **{name: row[name] for name in fields},
            "n_disputed": int(row["most_disputed"]),
        }
        for row in rows
    ]


def _patterns_of(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], dict[str, int]]:
    """{(session id, criterion id): {pattern: units}} for the chosen session × criterion pairs."""
    if not pairs:
        return {}
    sessions = {s for s, _ in pairs}
    criteria = {c for _, c in pairs}
    out: dict = {}
    # Review sessions rate no interactions, so they have no pattern rows to exclude.
    for session_id, criterion_id, pattern, n in SessionPatternSummary.objects.filter(
        session_id__in=sessions, criterion_id__in=criteria
    ).values_list("session_id", "criterion_id", "pattern", "n_units"):
        if (session_id, criterion_id) in pairs:
            out.setdefault((session_id, criterion_id), {})[pattern] = n
    return out


@dataclass
class _Pool:
    """What one series' chosen sessions add up to."""

    n_sessions: int = 0
    counts: dict = field(default_factory=lambda: dict.fromkeys(_COUNTS, 0))
    n_fail_rated: int = 0
    patterns: dict = field(default_factory=dict)  # criterion id -> {pattern: units}
    first: dt.date | None = None
    last: dt.date | None = None

    def add_row(self, row: dict, *, fails: bool, sessions: int = 1) -> None:
        self.n_sessions += sessions
        for name in _COUNTS:
            self.counts[name] += row.get(name) or 0
        if fails:
            self.n_fail_rated += row.get("n_ratings") or 0
        for name, pick in (("first", min), ("last", max)):
            held = row.get(name, row.get("held_on_date"))
            if held is not None:
                current = getattr(self, name)
                setattr(self, name, held if current is None else pick(current, held))

    def add_patterns(self, criterion_id: int, patterns: dict) -> None:
        into = self.patterns.setdefault(criterion_id, {})
        for pattern, n in patterns.items():
            into[pattern] = into.get(pattern, 0) + n


@dataclass(frozen=True)
class _Meta:
    series: CriterionSeries
    name: str
    scorecard_id: int
    scorecard: str
    on_scorecard: bool
    is_current: bool  # the key's newest series
    specs: dict  # criterion id -> CriterionSpec


def _metas(criteria: list[Criterion]) -> dict[int, _Meta]:
    """criterion id -> its series' meta, for criteria with version (and scorecard) loaded."""
    newest_version: dict[int, int] = {}
    newest: dict[uuid.UUID, Criterion] = {}
    for criterion in criteria:
        sc = criterion.version.scorecard_id
        newest_version[sc] = max(newest_version.get(sc, 0), criterion.version.number)
        held = newest.get(criterion.key)
        if held is None or held.version.number < criterion.version.number:
            newest[criterion.key] = criterion
    by_id = {c.pk: c for c in criteria}
    out = {}
    for key, runs in criterion_series(criteria).items():
        latest = newest[key]
        for series in runs:
            first = by_id[series.criterion_ids[0]]
            out.update(
                dict.fromkeys(
                    series.criterion_ids,
                    _Meta(
                        series=series,
                        name=latest.name,
                        scorecard_id=first.version.scorecard_id,
                        scorecard=first.version.scorecard.name,
                        on_scorecard=latest.is_active
                        and latest.version.number == newest_version[first.version.scorecard_id]
                        and series is runs[-1],
                        is_current=series is runs[-1],
                        specs={i: criterion_spec(by_id[i]) for i in series.criterion_ids},
                    ),
                )
            )
    return out


def _build(
    meta: _Meta,
    pool: _Pool,
    *,
    n_resamples: int,
    in_series: int,
    earlier: int = 0,
    notes=(),
    points=(),
    period_name: str = "periods",
    lead: str | None = None,
) -> CriterionEvidence:
    figures = _figures(
        meta.specs, pool.patterns, key=f"evidence:{meta.series.id}", n_resamples=n_resamples
    )
    c = pool.counts
    rates = criterion_rates(
        n_ratings=c["n_ratings"],
        n_na=c["n_na"],
        n_fail=c["n_fail"],
        has_fail_values=pool.n_fail_rated > 0,
        n_disputed=c["n_disputed"],
        n_sessions=pool.n_sessions,
    )
    shortfall = history_shortfall(
        pool.n_sessions, figures["alpha"], **({"lead": lead} if lead else {})
    )
    if rates.fail is not None and not pool.n_fail_rated:
        rates = Rates(na=rates.na, fail=None, disputed=rates.disputed)
    return CriterionEvidence(
        key=meta.series.key,
        name=meta.name,
        scorecard_id=meta.scorecard_id,
        scorecard=meta.scorecard,
        series=meta.series.id,
        scale=meta.series.scale,
        first_version=meta.series.first_version,
        last_version=meta.series.last_version,
        on_scorecard=meta.on_scorecard,
        n_sessions=pool.n_sessions,
        n_sessions_in_series=in_series,
        n_units=figures["n_units"],
        n_ratings=c["n_ratings"],
        n_na=c["n_na"],
        n_fail=c["n_fail"],
        n_fail_rated=pool.n_fail_rated,
        n_disputed=c["n_disputed"],
        alpha=figures["alpha"],
        exact_agreement=figures["exact_agreement"],
        mean_spread=figures["mean_spread"],
        rates=rates,
        first_held=pool.first,
        last_held=pool.last,
        earlier_sessions=earlier,
        shortfall=shortfall,
        notes=tuple(notes),
        points=tuple(points),
        flags=tuple(
            criterion_flags(
                rates=rates,
                n_sessions=pool.n_sessions,
                periods=points,
                judged=shortfall is None,
                period_name=period_name,
            )
        ),
    )


def _figures(specs: dict, patterns: dict, *, key: str, n_resamples: int) -> dict:
    """agreement_figures of the pooled patterns, memoised by exactly what they are computed
    from (each criterion version's scale and its pattern counts, the seed key, the resamples):
    closed sessions never change, so a past period's figures are computed once per process,
    and any new session changes the inputs and so the entry."""
    # One order for one input (by criterion version), whatever order the database returned.
    frozen = tuple(
        (specs[criterion_id], tuple(sorted(patterns[criterion_id].items())))
        for criterion_id in sorted(patterns)
        if patterns[criterion_id]
    )
    figures = _figures_of(frozen, key, n_resamples)
    return {**figures, "alpha": dict(figures["alpha"])}  # the memo stays as computed


@lru_cache(maxsize=4096)
def _figures_of(frozen: tuple, key: str, n_resamples: int) -> dict:
    blocks = [pattern_block(spec, dict(found)) for spec, found in frozen]
    return agreement_figures(blocks, key=key, n_resamples=n_resamples)


def _pool_rows(rows: list[dict], metas: dict[int, _Meta], pairs_patterns: dict) -> _Pool:
    pool = _Pool()
    for row in rows:
        criterion_id = row["criterion_id"]
        pool.add_row(row, fails=bool(metas[criterion_id].specs[criterion_id].fail_values))
        pool.add_patterns(criterion_id, pairs_patterns.get((row["session_id"], criterion_id), {}))
    return pool


def _newest_first(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (r["held_on_date"], r["session_id"]), reverse=True)


# --------------------------------------------------------------------------- the review room
def criterion_evidence(
    *,
    scorecard,
    keys: Iterable[uuid.UUID] | None = None,
    recent: int = RECENT_SESSIONS,
    n_resamples: int = TREND_RESAMPLES,
) -> dict[uuid.UUID, CriterionEvidence]:
    """Each criterion's evidence over its ``recent`` latest closed scoring sessions in its
    current series (the series of the newest version that holds its key), with its
    calibration notes. ``keys``: only those criteria. Five queries for any history.
    """
    # Every key's versions, even with ``keys``: whether a criterion is still on the scorecard
    # depends on the scorecard's newest version.
    criteria = criteria_history(scorecard=scorecard)
    for criterion in criteria:
        criterion.version.scorecard = scorecard  # one scorecard: no join needed
    metas = _metas(criteria)
    runs = criterion_series(criteria)
    if keys is not None:
        wanted = set(keys)
        runs = {key: series for key, series in runs.items() if key in wanted}
        metas = {i: m for i, m in metas.items() if m.series.key in wanted}
    current = {key: metas[series[-1].criterion_ids[0]] for key, series in runs.items()}
    current_ids = {i for m in current.values() for i in m.series.criterion_ids}
    months = _sessions_by_month(list(metas))
    counts = {i: sum(found.values()) for i, found in months.items()}
    rows = _windowed(
        current_ids,
        newest=recent,
        oldest=None,
        since=_recent_since(current.values(), months, recent),
        team_id=scorecard.team_id,
    )
    by_key: dict[uuid.UUID, list[dict]] = {}
    for row in _newest_first(rows):
        if row["criterion_id"] in current_ids:
            by_key.setdefault(metas[row["criterion_id"]].series.key, []).append(row)
    chosen = {key: found[:recent] for key, found in by_key.items()}
    patterns = _patterns_of(
        {(r["session_id"], r["criterion_id"]) for found in chosen.values() for r in found}
    )
    notes = calibration_notes(scorecard=scorecard)
    out = {}
    for key, meta in current.items():
        pool = _pool_rows(chosen.get(key, []), metas, patterns)
        earlier = sum(counts.get(i, 0) for series in runs[key][:-1] for i in series.criterion_ids)
        out[key] = _build(
            meta,
            pool,
            n_resamples=n_resamples,
            # The rollups count every session; the window's own count stands in without them.
            in_series=max(
                sum(counts.get(i, 0) for i in meta.series.criterion_ids), pool.n_sessions
            ),
            earlier=earlier,
            notes=notes.get(key, ()),
        )
    return out


# --------------------------------------------------------------------------- criterion health
def team_criterion_evidence(
    *,
    team,
    date_from=None,
    date_to=None,
    period: str = "quarter",
    n_resamples: int = TREND_RESAMPLES,
) -> list[CriterionEvidence]:
    """Every criterion series of the team's scorecards with scoring sessions in the dates, each
    with its per-period trend and flags. The database sums the counts and the rating patterns
    per criterion version and period, from the monthly rollups when the dates are whole months
    (the page's default: all dates), else from the session rows: three queries for any number
    of sessions.

    Each series' pooled alpha has its bootstrap interval; its periods get one only when it is
    flagged (their trend is then shown): the low-agreement flag reads each period's alpha and
    unit count (agreement.history), which need no resampling.
    """
    if _whole_months(date_from, date_to) and period in MONTH_MULTIPLES:
        per_period_counts, per_period = _from_rollups(team, date_from, date_to, period)
    else:
        per_period_counts, per_period = _from_sessions(team, date_from, date_to, period)
    criteria = list(
        Criterion.objects.filter(version__scorecard__team=team).select_related("version__scorecard")
    )
    metas = _metas(criteria)
    pools: dict[str, _Pool] = {}
    in_scope: dict[str, _Meta] = {}
    by_period: dict[str, dict] = {}
    for row in per_period_counts:
        meta = metas.get(row["criterion_id"])
        if meta is None:
            continue
        in_scope[meta.series.id] = meta
        pools.setdefault(meta.series.id, _Pool()).add_row(
            row,
            fails=bool(meta.specs[row["criterion_id"]].fail_values),
            sessions=row["sessions"],
        )
        at = by_period.setdefault(meta.series.id, {}).setdefault(
            _as_date(row["period"]), {"patterns": {}, "sessions": 0}
        )
        at["sessions"] += row["sessions"]
    for criterion_id, start, pattern, n in per_period:
        meta = metas.get(criterion_id)
        if meta is None or meta.series.id not in pools:
            continue
        pools[meta.series.id].add_patterns(criterion_id, {pattern: n})
        at = by_period[meta.series.id].setdefault(_as_date(start), {"patterns": {}, "sessions": 0})
        into = at["patterns"].setdefault(criterion_id, {})
        into[pattern] = into.get(pattern, 0) + n
    # Sessions in the dates on an earlier scale of the same key (not pooled with the current).
    earlier: dict[uuid.UUID, int] = {}
    for series_id, meta in in_scope.items():
        if not meta.is_current:
            earlier[meta.series.key] = earlier.get(meta.series.key, 0) + pools[series_id].n_sessions
    out = []
    for series_id, meta in in_scope.items():
        periods = by_period.get(series_id, {})
        evidence = _build(
            meta,
            pools[series_id],
            n_resamples=n_resamples,
            in_series=pools[series_id].n_sessions,
            earlier=earlier.get(meta.series.key, 0) if meta.is_current else 0,
            points=_points(meta, periods, period, 0),
            period_name=f"{period}s",
        )
        if evidence.flags:
            evidence = replace(evidence, points=tuple(_points(meta, periods, period, n_resamples)))
        out.append(evidence)
    return out


MONTH_MULTIPLES = ("month", "quarter")
_COUNT_SUMS = ("n_ratings", "n_na", "n_fail")


def _whole_months(date_from, date_to) -> bool:
    """Dates the monthly rollups answer exactly: open, or from a month's first day to a
    month's last."""
    if date_from is not None and date_from.day != 1:
        return False
    return date_to is None or (date_to + dt.timedelta(days=1)).day == 1


def _from_sessions(team, date_from, date_to, period: str) -> tuple[list, list]:
    """Per criterion version and period: the session counts and the rating patterns, summed
    by the database over each session's rows (any dates)."""
    rows = _scoring(SessionCriterionSummary.objects.filter(team=team))
    patterns = SessionPatternSummary.objects.filter(team=team)
    if date_from:
        rows = rows.filter(held_on_date__gte=date_from)
        patterns = patterns.filter(held_on_date__gte=date_from)
    if date_to:
        rows = rows.filter(held_on_date__lte=date_to)
        patterns = patterns.filter(held_on_date__lte=date_to)
    counts = list(
        rows.annotate(period=_trunc(period, "held_on_date"))
        .values("criterion_id", "period")
        .annotate(
            sessions=Count("pk"),
            **{name: Sum(name) for name in _COUNT_SUMS},
            n_disputed=Count("pk", filter=Q(most_disputed=True)),
            first=Min("held_on_date"),
            last=Max("held_on_date"),
        )
        .order_by()
    )
    found = list(
        patterns.annotate(period=_trunc(period, "held_on_date"))
        .values_list("criterion_id", "period", "pattern")
        .annotate(n=Sum("n_units"))
        .order_by()
    )
    return counts, found


def _from_rollups(team, date_from, date_to, period: str) -> tuple[list, list]:
    """The same from the monthly rollups (sums of the same session rows, scoring sessions
    only, services.summaries.rollups_write): a few thousand rows in place of every session's.
    They hold no exact first and last day, so those stay None."""
    months = {"team": team, "span": RollupPeriod.MONTH}
    if date_from:
        months["start__gte"] = date_from
    if date_to:
        months["start__lte"] = date_to
    counts = list(
        CriterionRollup.objects.filter(**months)
        .annotate(period=_trunc(period, "start"))
        .values("criterion_id", "period")
        .annotate(
            sessions=Sum("n_sessions"),
            **{name: Sum(name) for name in (*_COUNT_SUMS, "n_disputed")},
        )
        .order_by()
    )
    found = list(
        PatternRollup.objects.filter(**months)
        .annotate(period=_trunc(period, "start"))
        .values_list("criterion_id", "period", "pattern")
        .annotate(n=Sum("n_units"))
        .order_by()
    )
    return counts, found


def _as_date(value):
    return value.date() if isinstance(value, dt.datetime) else value


def _points(meta: _Meta, periods: dict, period: str, n_resamples: int) -> list[dict]:
    out = []
    for start in sorted(periods):
        at = periods[start]
        figures = _figures(
            meta.specs,
            at["patterns"],
            key=f"health:{meta.series.id}:{start}",
            n_resamples=n_resamples,
        )
        out.append(
            {
                "start": start,
                "label": period_label(start, period),
                **figures,
                "n_sessions": at["sessions"],
            }
        )
    return out


# --------------------------------------------------------------------------- version history
@dataclass(frozen=True)
class ChangeEvidence:
    """A criterion's agreement just before and just after the version that changed it."""

    key: uuid.UUID
    version: int  # the version that changed it
    before: CriterionEvidence | None  # None: the criterion is new in this version
    after: CriterionEvidence | None  # None: deleted in this version
    new_series: bool  # the scale changed: before and after are different series

    @property
    def too_early(self) -> bool:
        return self.after is not None and not self.after.enough_history


def change_evidence(
    *,
    scorecard,
    changes: Iterable[tuple[uuid.UUID, int]],
    window: int = RECENT_SESSIONS,
    n_resamples: int = TREND_RESAMPLES,
) -> dict[tuple[uuid.UUID, int], ChangeEvidence]:
    """For each (criterion key, version number that changed it): its ``window`` latest scoring
    sessions before that version and its ``window`` first sessions from it on, up to the next
    version in ``changes`` for that key. "Too early to tell" (agreement.history) until enough
    sessions have used the new version. Five queries for any history.
    """
    changes = sorted(set(changes), key=lambda c: (str(c[0]), c[1]))
    keys = {key for key, _ in changes}
    if not keys:
        return {}
    criteria = criteria_history(scorecard=scorecard, keys=keys)
    for criterion in criteria:
        criterion.version.scorecard = scorecard
    metas = _metas(criteria)
    by_key_version = {(c.key, c.version.number): c.pk for c in criteria}
    rows = _windowed([c.pk for c in criteria], newest=window, oldest=window)
    per_criterion: dict[int, list[dict]] = {}
    for row in _newest_first(rows):
        per_criterion.setdefault(row["criterion_id"], []).append(row)
    versions_of: dict[uuid.UUID, list[int]] = {}
    for key, number in sorted(by_key_version):
        versions_of.setdefault(key, []).append(number)
    changed_at: dict[uuid.UUID, list[int]] = {}
    for key, number in changes:
        changed_at.setdefault(key, []).append(number)
    plans = {}
    for key, number in changes:
        marks = sorted(changed_at[key])
        earlier_marks = [m for m in marks if m < number]
        later_marks = [m for m in marks if m > number]
        low = earlier_marks[-1] if earlier_marks else 0
        high = later_marks[0] if later_marks else None
        own = versions_of.get(key, [])
        before_ids = [by_key_version[(key, v)] for v in own if low <= v < number]
        after_ids = [
            by_key_version[(key, v)] for v in own if v >= number and (high is None or v < high)
        ]
        # Each side stays within one series: never pooled across a scale change.
        if before_ids:
            series = metas[before_ids[-1]].series.criterion_ids
            before_ids = [i for i in before_ids if i in series]
        if after_ids:
            series = metas[after_ids[0]].series.criterion_ids
            after_ids = [i for i in after_ids if i in series]
        before = _take(before_ids, per_criterion, window, newest=True)
        after = _take(after_ids, per_criterion, window, newest=False)
        plans[(key, number)] = (before_ids, after_ids, before, after)
    patterns = _patterns_of(
        {
            (r["session_id"], r["criterion_id"])
            for _, _, before, after in plans.values()
            for r in before + after
        }
    )
    out = {}
    for (key, number), (before_ids, after_ids, before, after) in plans.items():
        sides = []
        for ids, chosen, lead in ((before_ids, before, None), (after_ids, after, TOO_EARLY)):
            if not ids:
                sides.append(None)
                continue
            sides.append(
                _build(
                    metas[ids[-1]],
                    _pool_rows(chosen, metas, patterns),
                    n_resamples=n_resamples,
                    in_series=len(chosen),
                    lead=lead,
                )
            )
        new_series = bool(before_ids and after_ids) and (
            metas[before_ids[-1]].series.id != metas[after_ids[0]].series.id
        )
        out[(key, number)] = ChangeEvidence(
            key=key, version=number, before=sides[0], after=sides[1], new_series=new_series
        )
    return out


def _take(ids: list[int], per_criterion: dict, window: int, *, newest: bool) -> list[dict]:
    """The ``window`` sessions nearest the change from these versions' rows (each version's
    rows hold its ``window`` latest and earliest sessions, so the pick is exact)."""
    rows = [r for i in ids for r in per_criterion.get(i, [])]
    ordered = _newest_first(rows)
    return ordered[:window] if newest else list(reversed(ordered))[:window]
