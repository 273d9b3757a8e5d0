"""The reports' precomputed tables: one `SessionSummary`, one `SessionCriterionSummary` per
criterion, its units counted by rating pattern (`SessionPatternSummary`) and one
`SessionReviewerSummary` per reviewer × criterion × reference, written for a closed session.

Closed sessions never change (scores, revisions and consensus refuse a closed session), so the
rows are written once: by `session_close` and `session_import_closed` in their own
transaction, and by `manage.py rebuild_report_summaries` for sessions closed before the table
existed. Rewriting is idempotent (the session's rows are replaced), so a rebuild is always safe.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, timedelta

import numpy as np
import pandas as pd
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth, TruncWeek

from agreement import session_statistics
from agreement.reviewers import deviation_sums
from agreement.trends import Block, agreement_figures, pattern_key, unit_counts
from scorecards.selectors import criterion_spec
from teams.models import Team

from ..models import (
    CalibrationSession,
    Consensus,
    CriterionRollup,
    PatternRollup,
    ReviewerRollup,
    Revision,
    RollupPeriod,
    Score,
    SessionCriterionSummary,
    SessionInteraction,
    SessionKind,
    SessionPatternSummary,
    SessionReviewerSummary,
    SessionStatus,
    SessionSummary,
    TrendPoint,
)

SESSION_RESAMPLES = 1000
_BATCH = 2000


@transaction.atomic
def session_summaries_write(
    *, session_ids=(), sessions=None, n_resamples: int = SESSION_RESAMPLES
) -> int:
    """(Re)writes the summary rows of the given closed sessions; returns how many were written.

    A few queries for any number of sessions (the import writes thousands at once).
    ``sessions``: sessions just created closed (by the import), which have no rows yet.
    """
    touched: set[tuple[int, date]] = set()  # (team, day held) whose periods need rolling up
    if sessions is None:
        sessions = list(
            CalibrationSession.objects.filter(pk__in=list(session_ids), status=SessionStatus.CLOSED)
        )
        ids = [s.pk for s in sessions]
        touched |= set(
            SessionSummary.objects.filter(session_id__in=ids).values_list("team_id", "held_on_date")
        )
        SessionSummary.objects.filter(session_id__in=ids).delete()
        SessionCriterionSummary.objects.filter(session_id__in=ids).delete()
        SessionReviewerSummary.objects.filter(session_id__in=ids).delete()
        SessionPatternSummary.objects.filter(session_id__in=ids).delete()
    # Scoring statistics come from scoring sessions only (a criterion review has no ratings).
    sessions = [
        s for s in sessions if s.status == SessionStatus.CLOSED and s.kind == SessionKind.SCORING
    ]
    if not sessions:
        rollups_write(touched=touched)
        return 0
    ids = [s.pk for s in sessions]
    loaded = _load(ids)
    summaries, criteria_rows, reviewer_rows = [], [], []
    for session in sessions:
        one, crit, rev = _session_rows(session, loaded, n_resamples)
        one.report = _report(session, loaded, n_resamples)
        summaries.append(one)
        criteria_rows += crit
        reviewer_rows += rev
        touched.add((session.team_id, one.held_on_date))
    SessionSummary.objects.bulk_create(summaries, batch_size=_BATCH)
    SessionCriterionSummary.objects.bulk_create(criteria_rows, batch_size=_BATCH)
    SessionReviewerSummary.objects.bulk_create(reviewer_rows, batch_size=_BATCH)
    SessionPatternSummary.objects.bulk_create(
        [pattern for row in criteria_rows for pattern in _patterns(row)], batch_size=_BATCH
    )
    rollups_write(touched=touched)
    return len(summaries)


def _patterns(row: SessionCriterionSummary) -> list[SessionPatternSummary]:
    """The pairable units (two ratings or more) of one criterion row, counted by pattern."""
    counted: dict[str, int] = {}
    for counts in row.unit_counts:
        if sum(counts) >= 2:
            key = pattern_key(counts)
            counted[key] = counted.get(key, 0) + 1
    return [
        SessionPatternSummary(
            session=row.session,
            team_id=row.team_id,
            criterion_id=row.criterion_id,
            held_on_date=row.held_on_date,
            channel=row.channel,
            pattern=key,
            n_units=n,
        )
        for key, n in counted.items()
    ]


def _load(ids: list[int]) -> dict:
    through = CalibrationSession.criteria.through
    criteria_of = defaultdict(list)
    specs = {}
    links = through.objects.filter(calibrationsession_id__in=ids).select_related("criterion")
    for link in links.order_by("criterion__position", "criterion_id"):
        criteria_of[link.calibrationsession_id].append(link.criterion_id)
        if link.criterion_id not in specs:
            specs[link.criterion_id] = criterion_spec(link.criterion)
    channels = defaultdict(set)
    n_items = defaultdict(int)
    for session_id, channel in SessionInteraction.objects.filter(session_id__in=ids).values_list(
        "session_id", "interaction__channel"
    ):
        channels[session_id].add(channel)
        n_items[session_id] += 1
    # Ratings as the statistics read them: revealed, included at the reveal, blind.
    scores = pd.DataFrame(
        list(
            Score.objects.filter(
                item__session_id__in=ids, item__revealed_at__isnull=False, included=True
            )
            .exclude(value__isnull=True, is_na=False)
            .values_list(
                "item__session_id",
                "item_id",
                "criterion_id",
                "participant__user_id",
                "value",
                "participant_id",
                "pk",
            )
        ),
        columns=["session", "interaction", "criterion", "reviewer", "value", "participant", "pk"],
    )
    scores["value"] = pd.to_numeric(scores["value"]).astype(float)
    # The summary page's report reads revisions beside the blind ratings.
    revisions = pd.DataFrame(
        list(
            Revision.objects.filter(
                score__item__session_id__in=ids,
                score__item__revealed_at__isnull=False,
                score__included=True,
            )
            .order_by("revised_at", "id")
            .values_list("score_id", "value", "is_na")
        ),
        columns=["pk", "value", "is_na"],
    )
    consensus = pd.DataFrame(
        list(
            Consensus.objects.filter(item__session_id__in=ids, item__revealed_at__isnull=False)
            .exclude(value__isnull=True, is_na=False)
            .values_list("item__session_id", "item_id", "criterion_id", "value")
        ),
        columns=["session", "interaction", "criterion", "value"],
    )
    consensus["value"] = pd.to_numeric(consensus["value"]).astype(float)
    return {
        "criteria_of": criteria_of,
        "specs": specs,
        "channels": channels,
        "n_items": n_items,
        "scores": dict(tuple(scores.groupby("session"))),
        "consensus": dict(tuple(consensus.groupby("session"))),
        "revisions": revisions,
    }


def _session_rows(session, loaded: dict, n_resamples: int):
    held = session.held_on_date or (session.closed_at or session.created_at).date()
    channels = loaded["channels"].get(session.pk, set())
    channel = next(iter(channels)) if len(channels) == 1 else ""
    common = {"session": session, "team_id": session.team_id, "held_on_date": held}
    ratings = loaded["scores"].get(session.pk)
    if ratings is None:
        ratings = pd.DataFrame(columns=["interaction", "criterion", "reviewer", "value"])
    specs = loaded["specs"]
    blocks, criteria_rows = [], []
    by_criterion = dict(tuple(ratings.groupby("criterion"))) if len(ratings) else {}
    for criterion_id in loaded["criteria_of"].get(session.pk, []):
        spec = specs[criterion_id]
        part = by_criterion.get(criterion_id)
        values = part["value"].to_numpy() if part is not None else np.empty(0)
        units = (
            [group.to_numpy() for _, group in part.groupby("interaction")["value"]]
            if part is not None
            else []
        )
        counts = unit_counts(units, spec)
        width = round(spec.scale_range) + 1
        block = Block(spec, np.asarray(counts, dtype=int).reshape(len(counts), width))
        figures = agreement_figures(
            [block], key=f"{session.pk}:{criterion_id}", n_resamples=n_resamples
        )
        blocks.append(block)
        rated = values[~np.isnan(values)]
        criteria_rows.append(
            SessionCriterionSummary(
                **common,
                criterion_id=criterion_id,
                channel=channel,
                unit_counts=counts,
                n_units=figures["n_units"],
                n_ratings=int(rated.size),
                n_na=int(np.isnan(values).sum()),
                n_fail=int(np.isin(rated, spec.fail_values).sum()),
                alpha=figures["alpha"],
                exact_agreement=figures["exact_agreement"],
                mean_spread=figures["mean_spread"],
            )
        )
    spreads = [row.mean_spread for row in criteria_rows if row.mean_spread is not None]
    for row in criteria_rows:
        row.most_disputed = bool(spreads) and row.mean_spread == max(spreads) and max(spreads) > 0
    overall = agreement_figures(blocks, key=f"{session.pk}", n_resamples=n_resamples)
    summary = SessionSummary(
        **common,
        channel=channel,
        n_interactions=loaded["n_items"].get(session.pk, 0),
        n_reviewers=int(ratings["reviewer"].nunique()),
        n_ratings=int(ratings["value"].notna().sum()),
        alpha=overall["alpha"],
        exact_agreement=overall["exact_agreement"],
        mean_spread=overall["mean_spread"],
    )
    return summary, criteria_rows, _reviewer_rows(session, ratings, loaded, common)


def _reviewer_rows(session, ratings: pd.DataFrame, loaded: dict, common: dict) -> list:
    references = []
    consensus = loaded["consensus"].get(session.pk)
    if consensus is not None:
        references.append(consensus.assign(reference="consensus"))
    if session.baseline_id and len(ratings):
        base = ratings[ratings["reviewer"] == session.baseline_id]
        references.append(base.drop(columns=["reviewer"]).assign(reference="baseline"))
    if not references or ratings.empty:
        return []
    refs = pd.concat(references, ignore_index=True)[
        ["interaction", "criterion", "reference", "value"]
    ]
    sums = deviation_sums(ratings, refs, {k: v for k, v in loaded["specs"].items()})
    return [
        SessionReviewerSummary(
            **common,
            user_id=int(row.reviewer),
            criterion_id=int(row.criterion),
            reference=row.reference,
            anonymous=session.anonymous,
            n=int(row.n),
            dev_sum=float(row.dev_sum),
            dev_sq=float(row.dev_sq),
            abs_sum=float(row.abs_sum),
            match=int(row.match),
            n_compared=int(row.n_compared),
        )
        for row in sums.itertuples(index=False)
        # The baseline compared with itself says nothing.
        if not (row.reference == "baseline" and int(row.reviewer) == session.baseline_id)
    ]


# --------------------------------------------------------------------------- the stored report
def _finite(value):
    """The report as JSON stores it: NaN and infinities (which jsonb refuses) become None."""
    if isinstance(value, dict):
        return {str(key): _finite(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(inner) for inner in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return _finite(value.item())
    return value


def _report(session, loaded: dict, n_resamples: int) -> dict | None:
    """`sessions.selectors.session_report` of the closed session, from the loaded rows: the
    ratings of revealed interactions included at the reveal (every viewer's view once the
    session is closed) and their revisions, keyed by participant as the summary page reads."""
    ratings = loaded["scores"].get(session.pk)
    if ratings is None or ratings.empty:
        return None
    blind = ratings.assign(kind="blind")
    revised = loaded["revisions"].merge(
        ratings.drop(columns=["value"]), on="pk", how="inner", sort=False
    )
    revised = revised.assign(
        value=np.where(revised["is_na"], np.nan, pd.to_numeric(revised["value"]).astype(float)),
        kind="revision",
    )
    frame = pd.concat([blind, revised], ignore_index=True)
    frame = frame.assign(reviewer=frame["participant"])[
        ["session", "interaction", "criterion", "reviewer", "value", "kind"]
    ]
    specs = {pk: loaded["specs"][pk] for pk in loaded["criteria_of"].get(session.pk, [])}
    consensus = loaded["consensus"].get(session.pk)
    consensus = (
        {(row.interaction, row.criterion): row.value for row in consensus.itertuples()}
        if consensus is not None
        else {}
    )
    baseline = {}
    if session.baseline_id:
        base = ratings[ratings["reviewer"] == session.baseline_id]
        baseline = {(row.interaction, row.criterion): row.value for row in base.itertuples()}
    report = session_statistics(
        frame,
        specs,
        consensus=consensus or None,
        baseline=baseline or None,
        n_resamples=n_resamples,
    )
    return _finite(report)


# --------------------------------------------------------------------------- period rollups
def period_start(day: date, period: str) -> date:
    """The Monday of ``day``'s week, or the first day of its month or quarter (as the
    database's TruncWeek / TruncMonth / TruncQuarter)."""
    if period == RollupPeriod.WEEK:
        return day - timedelta(days=day.weekday())
    if period == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(day=1)


def next_period_start(start: date, period: str) -> date:
    if period == RollupPeriod.WEEK:
        return start + timedelta(days=7)
    if period == "quarter":
        month = start.month + 3
        return start.replace(year=start.year + (month > 12), month=(month - 1) % 12 + 1, day=1)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


_TRUNC = {RollupPeriod.WEEK: TruncWeek, RollupPeriod.MONTH: TruncMonth}


@transaction.atomic
def rollups_write(*, touched=(), team_ids=()) -> None:
    """Rewrites the weekly and monthly rollups of the periods holding ``touched`` (team id,
    day held) pairs, or every period of ``team_ids``, from the session rows.

    The rollups are sums of the session summary rows, so rewriting a period from them is
    always exact and idempotent. One span per team and period kind (from its first to its last
    touched period), so a close rewrites one week and one month, an import or a batch the span
    it covers.
    """
    spans: dict[tuple[int, str], tuple[date, date]] = {}
    for team_id, day in touched:
        for period in RollupPeriod.values:
            start = period_start(day, period)
            low, high = spans.get((team_id, period), (start, start))
            spans[(team_id, period)] = (min(low, start), max(high, start))
    for team_id in team_ids:
        for period in RollupPeriod.values:
            spans[(team_id, period)] = (None, None)
    # One writer per team at a time: two sessions closing in the same month would otherwise
    # each replace the month's rows with a sum that misses the other's (READ COMMITTED). The
    # next statements then see what the first writer committed. NO KEY UPDATE: inserts of rows
    # that point at the team (KEY SHARE) are not held up.
    list(
        Team.objects.select_for_update(no_key=True)
        .filter(pk__in={team_id for team_id, _ in spans})
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for (team_id, period), (first, last) in sorted(spans.items(), key=str):
        _rollup_span(team_id, period, first, last)


def _rollup_span(team_id: int, period: str, first: date | None, last: date | None) -> None:
    """Rollups of one team and period kind, for the periods starting in [first, last] (None:
    all of them)."""
    within = Q(team_id=team_id)
    held = Q(team_id=team_id)
    if first is not None:
        within &= Q(start__gte=first, start__lte=last)
        held &= Q(held_on_date__gte=first, held_on_date__lt=next_period_start(last, period))
    start = _TRUNC[period]("held_on_date")
    # The trends' memo of these periods goes with them (a month's quarter too).
    points = TrendPoint.objects.filter(team_id=team_id)
    if first is not None:
        low = period_start(first, "quarter") if period == RollupPeriod.MONTH else first
        points = points.filter(start__gte=low, start__lte=last)
    kinds = ["month", "quarter"] if period == RollupPeriod.MONTH else [period]
    points.filter(period__in=kinds).delete()
    PatternRollup.objects.filter(within, span=period).delete()
    CriterionRollup.objects.filter(within, span=period).delete()
    PatternRollup.objects.bulk_create(
        [
            PatternRollup(team_id=team_id, span=period, **row)
            for row in SessionPatternSummary.objects.filter(held)
            .annotate(start=start)
            .values("criterion_id", "channel", "start", "pattern")
            .annotate(n_units=Sum("n_units"))
            .order_by()
        ],
        batch_size=_BATCH,
    )
    CriterionRollup.objects.bulk_create(
        [
            CriterionRollup(team_id=team_id, span=period, **row)
            for row in SessionCriterionSummary.objects.filter(held)
            .annotate(start=start)
            .values("criterion_id", "channel", "start")
            .annotate(
                n_sessions=Count("session_id"),
                n_units=Sum("n_units"),
                n_ratings=Sum("n_ratings"),
                n_na=Sum("n_na"),
                n_fail=Sum("n_fail"),
                n_disputed=Count("pk", filter=Q(most_disputed=True)),
            )
            .order_by()
        ],
        batch_size=_BATCH,
    )
    if period != RollupPeriod.MONTH:
        return  # profiles read months (and quarters made of them)
    ReviewerRollup.objects.filter(within).delete()
    ReviewerRollup.objects.bulk_create(
        [
            ReviewerRollup(team_id=team_id, **row)
            for row in SessionReviewerSummary.objects.filter(held)
            .annotate(start=start)
            .values("user_id", "criterion_id", "reference", "anonymous", "start")
            .annotate(
                n=Sum("n"),
                dev_sum=Sum("dev_sum"),
                dev_sq=Sum("dev_sq"),
                abs_sum=Sum("abs_sum"),
                match=Sum("match"),
                n_compared=Sum("n_compared"),
            )
            .order_by()
        ],
        batch_size=_BATCH,
    )


@transaction.atomic
def trend_points_save(*, points: list[TrendPoint]) -> None:
    """Keeps computed points of one series group, scorecard filter, period kind and resample
    count (the trends page's memo), replacing older ones. Two visitors computing the same
    point at once store it once; a point of a period rewritten meanwhile is deleted by that
    rewrite, or found stale by its counts when next read."""
    if not points:
        return
    first = points[0]
    # Stale points of these periods (counts that no longer match) are replaced.
    TrendPoint.objects.filter(
        team_id=first.team_id,
        series_group=first.series_group,
        scorecard_filter=first.scorecard_filter,
        period=first.period,
        n_resamples=first.n_resamples,
        start__in={point.start for point in points},
        series_key__in={point.series_key for point in points},
    ).delete()
    TrendPoint.objects.bulk_create(points, batch_size=_BATCH, ignore_conflicts=True)
