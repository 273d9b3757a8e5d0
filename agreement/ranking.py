"""Which criteria the group should discuss first: the disagreement ranking of the variance view.

Pure functions of plain data: criteria come as ``{criterion_id: CriterionSpec}`` in scorecard
order, ratings as ``{criterion_id: [code or None for N/A, ...]}``. The rule is shown on the page
(``DISAGREEMENT_RULE``) and documented in docs/statistics.md.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from .core import CriterionSpec, criterion_disagreement
from .display import round_figure

DISAGREEMENT_RULE = (
    "Criteria are ranked by disagreement normalised to their scale (0 = everyone agrees, "
    "1 = as far apart as the scale allows): for binary, numeric and ordered scales the spread "
    "of the ratings divided by half the scale's range; for unordered labels the share of "
    "ratings that differ from the most common answer. Ties go to the criterion with more "
    "distinct answers, then to scorecard order. Critical criteria where reviewers split on "
    "pass/fail come first: that split flips the whole interaction's result."
)

# Colour bands of the variance view: the lowest disagreement each band starts at.
DISAGREEMENT_BANDS = (("high", 0.5), ("medium", 0.25), ("low", 0.0))


def disagreement_band(value: float | None) -> str:
    """'agree' | 'low' | 'medium' | 'high' for a disagreement between 0 and 1."""
    if value is None or value == 0:
        return "agree"
    for band, lowest in DISAGREEMENT_BANDS:
        if value >= lowest:
            return band
    return "agree"  # negative values do not occur; read them as agreement


def _ranking_key(row: dict) -> tuple:
    """Critical pass/fail splits first, then disagreement, then the number of distinct
    answers, then scorecard order (the rule in DISAGREEMENT_RULE)."""
    return (not row["critical_flip"], -(row["disagreement"] or 0.0), -row["distinct"], row["order"])


def _is_fail(spec: CriterionSpec, code) -> bool:
    return code is not None and float(code) in spec.fail_values


def rank_criteria(
    specs: Mapping[int, CriterionSpec],
    ratings: Mapping[int, Sequence],
    baseline: Mapping | None = None,
) -> list[dict]:
    """One interaction's criteria ordered by disagreement, with what the variance view shows."""
    baseline = baseline or {}
    rows = []
    for order, (criterion_id, spec) in enumerate(specs.items()):
        values = list(ratings.get(criterion_id, []))
        numeric = [float("nan") if v is None else float(v) for v in values]
        result = criterion_disagreement(numeric, spec) if numeric else None
        outcomes = {_is_fail(spec, v) for v in values if v is not None}
        disagreement = None if result is None else round_figure(result.value, 3)
        rows.append(
            {
                "criterion": criterion_id,
                "disagreement": disagreement,
                "disagreement_text": format_disagreement(disagreement),
                "distinct": 0 if result is None else result.n_distinct,
                "n": len(values),
                "critical_flip": spec.critical and len(outcomes) > 1,
                "distribution": dict(Counter("na" if v is None else str(v) for v in values)),
                "baseline": baseline.get(criterion_id),
                "level": disagreement_band(None if result is None else result.value),
                "order": order,
            }
        )
    rows.sort(key=_ranking_key)
    return rows


def rank_session(criterion_ids: Sequence[int], per_item_rankings: Sequence[list[dict]]) -> list:
    """Across revealed interactions: mean disagreement per criterion, with the same tie rules."""
    totals: dict[int, list] = defaultdict(list)
    distinct: dict[int, int] = defaultdict(int)
    flips: dict[int, int] = defaultdict(int)
    for ranking in per_item_rankings:
        for row in ranking:
            if row["disagreement"] is not None:
                totals[row["criterion"]].append(row["disagreement"])
            distinct[row["criterion"]] = max(distinct[row["criterion"]], row["distinct"])
            flips[row["criterion"]] += int(row["critical_flip"])
    rows = []
    for order, criterion_id in enumerate(criterion_ids):
        values = totals.get(criterion_id, [])
        mean = sum(values) / len(values) if values else None
        disagreement = round_figure(mean, 3)
        rows.append(
            {
                "criterion": criterion_id,
                "disagreement": disagreement,
                "disagreement_text": format_disagreement(disagreement),
                "distinct": distinct.get(criterion_id, 0),
                "critical_flips": flips.get(criterion_id, 0),
                "critical_flip": flips.get(criterion_id, 0) > 0,
                "level": disagreement_band(mean),
                "order": order,
            }
        )
    rows.sort(key=_ranking_key)
    return rows


def format_disagreement(value: float | None) -> str | None:
    """A disagreement as shown beside its band: two decimals ("0.67")."""
    return None if value is None else f"{value:.2f}"


def discussion_queue(
    per_item: Sequence[tuple[int, list[dict], set]],
    flags: Mapping[tuple[int, int], int] | None = None,
) -> dict:
    """The facilitator's queue after the reveal: every revealed interaction × criterion, the
    undecided ones in order of disagreement across the session (the rule of DISAGREEMENT_RULE,
    then interaction order), and how many are decided. Criteria reviewers flagged to discuss
    come first, most flags first: the group asked for them.

    ``per_item``: (item id, its ranking rows, the criterion ids with a recorded consensus), in
    interaction order. ``flags``: how many reviewers flagged (item id, criterion id)."""
    flags = flags or {}
    pending, decided, total = [], 0, 0
    for position, (item_id, ranking, agreed) in enumerate(per_item):
        for row in ranking:
            total += 1
            if row["criterion"] in agreed:
                decided += 1
            else:
                count = flags.get((item_id, row["criterion"]), 0)
                key = (-count, *_ranking_key(row)[:3], position, row["order"])
                pending.append((key, item_id, row, count))
    pending.sort(key=lambda entry: entry[0])
    return {
        "decided": decided,
        "total": total,
        "text": f"{decided} of {total} agreed",
        "flagged": sum(1 for *_, count in pending if count),
        "queue": [
            {"item": item_id, "criterion": row["criterion"], "flags": count}
            for _, item_id, row, count in pending
        ],
    }
