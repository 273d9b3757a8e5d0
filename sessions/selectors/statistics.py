"""A session's agreement figures, from what a viewer may see.

The statistics themselves live in `agreement/` (pure numpy/pandas); this module only builds
their inputs from the database, through the visibility function: ratings of revealed
interactions that were included at the reveal (or the viewer's own). `viewer=None` sees
revealed, included ratings only.
"""

from __future__ import annotations

import pandas as pd
from django.core.cache import cache
from django.db.models import Count, Max

from agreement import session_statistics
from scorecards.selectors import criterion_spec

from ..models import Consensus, Score, SessionStatus, SessionSummary
from .visibility import visible_scores

FRAME_COLUMNS = ["session", "interaction", "criterion", "reviewer", "value", "kind"]


def session_ratings_frame(*, session, viewer=None, revealed_only: bool = True) -> pd.DataFrame:
    """Long format, one row per rating (blind) or revision, values as scale codes, N/A NaN."""
    scores = visible_scores(session=session, viewer=viewer).filter(included=True)
    if revealed_only:
        scores = scores.filter(item__revealed_at__isnull=False)
    rows = []
    for score in scores:
        if not score.is_rated:
            continue  # a comment written before any rating is not a rating
        base = {
            "session": session.pk,
            "interaction": score.item_id,
            "criterion": score.criterion_id,
            "reviewer": score.participant_id,
        }
        rows.append({**base, "value": rating_code(score), "kind": "blind"})
        for revision in score.revisions.all():
            rows.append({**base, "value": rating_code(revision), "kind": "revision"})
    return pd.DataFrame(rows, columns=FRAME_COLUMNS)


def rating_code(rating) -> float:
    """A rating, revision or consensus as the statistics read it: its code, N/A as NaN."""
    return float("nan") if rating.is_na or rating.value is None else float(rating.value)


def _references(session) -> tuple[dict, dict]:
    consensus = {
        (record.item_id, record.criterion_id): rating_code(record)
        for record in Consensus.objects.filter(
            item__session=session, item__revealed_at__isnull=False
        )
        if record.is_na or record.value is not None
    }
    baseline = {}
    if session.baseline_id:
        for score in Score.objects.filter(
            item__session=session,
            item__revealed_at__isnull=False,
            participant__user_id=session.baseline_id,
            included=True,
        ):
            baseline[(score.item_id, score.criterion_id)] = rating_code(score)
    return consensus, baseline


def session_report(*, session, viewer=None, n_resamples: int | None = 1000) -> dict | None:
    """Every figure of one session for what the viewer may see; None when nothing is revealed.

    A closed session's figures are the same for every viewer (revealed, included ratings) and
    never change, so they are computed once at the close (`SessionSummary.report`) and read
    from there when they used ``n_resamples`` resamples, or whatever they used when
    ``n_resamples`` is None (the summary page; the report says its count). Otherwise, and for
    a session not yet closed, they are computed (None: with 1,000 resamples)."""
    if session.status == SessionStatus.CLOSED:
        summary = SessionSummary.objects.filter(session=session, report__isnull=False).first()
        report = summary.report if summary is not None else None
        if report and n_resamples in (None, report["session"].get("n_resamples")):
            return report
    n_resamples = 1000 if n_resamples is None else n_resamples
    frame = session_ratings_frame(session=session, viewer=viewer)
    if frame.empty:
        return None
    specs = {criterion.pk: criterion_spec(criterion) for criterion in session.criteria.all()}
    consensus, baseline = _references(session)
    return session_statistics(
        frame,
        specs,
        consensus=consensus or None,
        baseline=baseline or None,
        n_resamples=n_resamples,
    )


def live_agreement(*, session) -> dict:
    """Alpha with its interval and reading, per criterion and per interaction, of what is
    revealed. Cached per revealed state: every viewer sees the same revealed ratings."""
    state = Score.objects.filter(
        item__session=session, item__revealed_at__isnull=False, included=True
    ).aggregate(n=Count("id"), last=Max("updated_at"), items=Count("item", distinct=True))
    if not state["n"]:
        return {}
    stamp = state["last"].timestamp() if state["last"] else 0
    key = f"concord-agreement-2-{session.pk}-{state['n']}-{state['items']}-{stamp}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    report = session_report(session=session, viewer=None)
    figures = {
        "interactions": {
            k: v.get("alpha") for k, v in (report or {}).get("interactions", {}).items()
        },
        "criteria": {k: v.get("alpha") for k, v in (report or {}).get("criteria", {}).items()},
        # What a criterion's figure falls back to with too few interactions for its alpha.
        "criteria_shares": {
            k: {
                "exact_agreement": v["descriptives"].get("exact_agreement"),
                "within_one": v["descriptives"].get("within_one"),
            }
            for k, v in (report or {}).get("criteria", {}).items()
        },
        "session": (report or {}).get("session", {}).get("alpha", {}),
    }
    cache.set(key, figures, 600)
    return figures
