"""The reports' precomputed tables: one `SessionSummary`, one `SessionCriterionSummary` per
criterion, its units counted by rating pattern (`SessionPatternSummary`) and one
`SessionReviewerSummary` per reviewer × criterion × reference, written for a closed session.

Closed sessions never change (scores, revisions and consensus refuse a closed session), so the
rows are written once: by `session_close` and `session_import_closed` in their own
transaction, and by `manage.py rebuild_report_summaries` for sessions closed before the table
existed. Rewriting is idempotent (the session's rows are replaced), so a rebuild is always safe.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
from django.db import transaction

from agreement.reviewers import deviation_sums
from agreement.trends import Block, agreement_figures, pattern_key, unit_counts
from scorecards.selectors import criterion_spec

from ..models import (
    CalibrationSession,
    Consensus,
    Score,
    SessionCriterionSummary,
    SessionInteraction,
    SessionKind,
    SessionPatternSummary,
    SessionReviewerSummary,
    SessionStatus,
    SessionSummary,
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
    if sessions is None:
        sessions = list(
            CalibrationSession.objects.filter(pk__in=list(session_ids), status=SessionStatus.CLOSED)
        )
        ids = [s.pk for s in sessions]
        SessionSummary.objects.filter(session_id__in=ids).delete()
        SessionCriterionSummary.objects.filter(session_id__in=ids).delete()
        SessionReviewerSummary.objects.filter(session_id__in=ids).delete()
        SessionPatternSummary.objects.filter(session_id__in=ids).delete()
    # Scoring statistics come from scoring sessions only (a criterion review has no ratings).
    sessions = [
        s for s in sessions if s.status == SessionStatus.CLOSED and s.kind == SessionKind.SCORING
    ]
    if not sessions:
        return 0
    ids = [s.pk for s in sessions]
    loaded = _load(ids)
    summaries, criteria_rows, reviewer_rows = [], [], []
    for session in sessions:
        one, crit, rev = _session_rows(session, loaded, n_resamples)
        summaries.append(one)
        criteria_rows += crit
        reviewer_rows += rev
    SessionSummary.objects.bulk_create(summaries, batch_size=_BATCH)
    SessionCriterionSummary.objects.bulk_create(criteria_rows, batch_size=_BATCH)
    SessionReviewerSummary.objects.bulk_create(reviewer_rows, batch_size=_BATCH)
    SessionPatternSummary.objects.bulk_create(
        [pattern for row in criteria_rows for pattern in _patterns(row)], batch_size=_BATCH
    )
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
                "item__session_id", "item_id", "criterion_id", "participant__user_id", "value"
            )
        ),
        columns=["session", "interaction", "criterion", "reviewer", "value"],
    )
    scores["value"] = pd.to_numeric(scores["value"]).astype(float)
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
