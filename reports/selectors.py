"""Builds the statistics module's inputs from the database, through the visibility selector.

Only what the viewer may see goes into a frame: ratings of revealed interactions that were
included at the reveal (or the viewer's own). Management commands pass no viewer and so see
revealed ratings only.
"""

from __future__ import annotations

import pandas as pd

from scorecards.scales import ScaleKind

from .statistics import CriterionSpec, session_statistics

FRAME_COLUMNS = ["session", "interaction", "criterion", "reviewer", "value", "kind"]


def criterion_spec(criterion) -> CriterionSpec:
    scale = criterion.scale
    unordered = scale.kind == ScaleKind.LABELS and not scale.ordered
    level = "nominal" if unordered or scale.kind == ScaleKind.BINARY else "ordinal"
    return CriterionSpec(
        level=level,
        scale_kind=scale.kind,
        scale_min=scale.min_value,
        scale_max=scale.max_value,
        weight=float(criterion.weight),
        critical=criterion.critical,
        fail_values=scale.effective_fail_values,
        ordered=not unordered,
    )


def session_ratings_frame(*, session, viewer=None, revealed_only: bool = True) -> pd.DataFrame:
    """Long format, one row per rating (blind) or revision, values as scale codes, N/A NaN."""
    from sessions.selectors import visible_scores

    scores = visible_scores(session=session, viewer=viewer).filter(included=True)
    if revealed_only:
        scores = scores.filter(item__revealed_at__isnull=False)
    rows = []
    for score in scores:
        base = {
            "session": session.pk,
            "interaction": score.item_id,
            "criterion": score.criterion_id,
            "reviewer": score.participant_id,
        }
        rows.append({**base, "value": _code(score), "kind": "blind"})
        for revision in score.revisions.all():
            rows.append({**base, "value": _code(revision), "kind": "revision"})
    return pd.DataFrame(rows, columns=FRAME_COLUMNS)


def _code(rating) -> float:
    return float("nan") if rating.is_na or rating.value is None else float(rating.value)


def _references(session) -> tuple[dict, dict]:
    from sessions.models import Consensus, Score

    consensus = {
        (record.item_id, record.criterion_id): _code(record)
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
            baseline[(score.item_id, score.criterion_id)] = _code(score)
    return consensus, baseline


def session_report(*, session, viewer=None, n_resamples: int = 1000) -> dict | None:
    """Every figure of one session for what the viewer may see; None when nothing is revealed."""
    frame = session_ratings_frame(session=session, viewer=viewer)
    if frame.empty:
        return None
    criteria = list(session.criteria.all())
    specs = {criterion.pk: criterion_spec(criterion) for criterion in criteria}
    consensus, baseline = _references(session)
    return session_statistics(
        frame,
        specs,
        consensus=consensus or None,
        baseline=baseline or None,
        n_resamples=n_resamples,
    )
