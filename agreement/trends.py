"""Agreement over many sessions: alpha with its interval, exact agreement and spread, from
per-unit value counts, pooled per period (week, month, quarter) or any other group.

A *block* is one criterion's units in one session: a (units × codes) count matrix whose
column j counts ratings of code ``scale_min + j``. Stored once per session and criterion
(the reports' summary table), blocks pool into any period or group without re-reading ratings.

The minimum-data rule is the session's (agreement.session): fewer than two pairable units give
no alpha, fewer than MIN_UNITS_FOR_CI no interval. A period without an interval is *thin*: it
says so and is not plotted as a point. Pooling several criteria follows docs/statistics.md
("Pooling several criteria"): one shared level keeps it (codes put on 0..1), mixed levels are
compared nominally, answers equal only on the same scale.

numpy/pandas only: no Django.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .core import (
    DEFAULT_SEED,
    NO_PAIRS,
    NO_VARIATION,
    CriterionSpec,
    _alpha_batch,
    _disagreement_values,
    _prepare,
    _row_stats,
    plain_reading,
    reading_code,
)
from .display import format_alpha, format_count, format_interval, round_figure
from .session import MIN_UNITS_FOR_CI, ONE_UNIT, THRESHOLDS

PERIODS = {"week": "W-SUN", "month": "M", "quarter": "Q"}
TREND_RESAMPLES = 500
POISSON_FROM_UNITS = 2000


@dataclass(frozen=True)
class Block:
    spec: CriterionSpec
    counts: np.ndarray  # (units, scale_max - scale_min + 1)
    # How many units each row stands for (rows are then distinct patterns); None: one each.
    weights: np.ndarray | None = None


def pattern_key(counts) -> str:
    """A unit's value counts as text ("0,2,1,0,0"): stored, grouped and summed by the database."""
    return ",".join(str(int(c)) for c in counts)


def pattern_block(spec: CriterionSpec, patterns: dict) -> Block:
    """A block from ``{pattern_key: number of units}`` (the summary table's pattern rows)."""
    keys = list(patterns)
    counts = np.array([[int(c) for c in key.split(",")] for key in keys], dtype=int)
    weights = np.array([patterns[key] for key in keys], dtype=int)
    return Block(spec, counts.reshape(len(keys), round(spec.scale_range) + 1), weights)


def unit_counts(values_by_unit: Iterable[Iterable[float]], spec: CriterionSpec) -> list[list[int]]:
    """Count matrix of one criterion's units (each an iterable of codes; NaN = N/A, dropped)."""
    width = round(spec.scale_range) + 1
    out = []
    for values in values_by_unit:
        row = [0] * width
        for value in values:
            if value is None or value != value:
                continue
            row[round(value - spec.scale_min)] += 1
        out.append(row)
    return out


def _values_matrix(block: Block) -> np.ndarray:
    """(units, max ratings) codes, NaN-padded: the same data alpha reads from raters × units."""
    counts = np.asarray(block.counts, dtype=int).reshape(-1, round(block.spec.scale_range) + 1)
    codes = block.spec.scale_min + np.arange(counts.shape[1], dtype=float)
    m = counts.sum(axis=1)
    out = np.full((counts.shape[0], max(int(m.max(initial=0)), 1)), np.nan)
    flat = counts.ravel()
    values = np.repeat(np.tile(codes, counts.shape[0]), flat)
    unit = np.repeat(np.repeat(np.arange(counts.shape[0]), counts.shape[1]), flat)
    starts = np.concatenate([[0], np.cumsum(m)[:-1]]) if len(m) else np.empty(0, int)
    out[unit, np.arange(values.size) - starts[unit]] = values
    return out


def _pooled(blocks: list[Block]) -> tuple[np.ndarray, np.ndarray, str]:
    """Units × ratings on one comparable scale, their weights, and the level to read them at."""
    levels = {b.spec.level for b in blocks}
    level = levels.pop() if len(levels) == 1 else "nominal"
    scale_keys = list(
        dict.fromkeys((b.spec.scale_kind, b.spec.scale_min, b.spec.scale_max) for b in blocks)
    )
    offset_step = max((b.spec.scale_range for b in blocks), default=0) + 2
    parts = []
    for block in blocks:
        values = _values_matrix(block)
        spec = block.spec
        if level == "nominal":
            key = scale_keys.index((spec.scale_kind, spec.scale_min, spec.scale_max))
            values = values - spec.scale_min + key * offset_step
        elif level == "ratio":
            values = values / max(abs(spec.scale_min), abs(spec.scale_max))
        else:
            values = (values - spec.scale_min) / spec.scale_range
        parts.append(values)
    width = max((p.shape[1] for p in parts), default=1)
    parts = [np.pad(p, ((0, 0), (0, width - p.shape[1])), constant_values=np.nan) for p in parts]
    weights = np.concatenate([_weights(b) for b in blocks]) if blocks else np.empty(0, int)
    return (np.vstack(parts) if parts else np.empty((0, 1))), weights, level


def _weights(block: Block) -> np.ndarray:
    n = np.asarray(block.counts).shape[0]
    return np.ones(n, dtype=int) if block.weights is None else np.asarray(block.weights, int)


def _collapse(units: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairable units folded into distinct rating patterns and how often each occurs.

    Alpha is a sum over units, so identical units can be weighted instead of repeated; and a
    bootstrap draw of U units with replacement gives each pattern a multinomial count, so the
    resampling is exact on the patterns (a few hundred) instead of the units (thousands).
    """
    keep = ((~np.isnan(units)).sum(axis=1) >= 2) & (weights > 0)
    pairable, weights = units[keep], weights[keep]
    if not len(pairable) or len(pairable) <= 1000:
        return pairable, weights  # already few rows: weighting them as they are is exact
    filled = np.where(np.isnan(pairable), np.inf, pairable)  # rows are sorted, NaN-padded
    patterns, inverse = np.unique(filled, axis=0, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=weights, minlength=len(patterns)).astype(int)
    return np.where(np.isinf(patterns), np.nan, patterns), counts


def alpha_figure(
    units: np.ndarray,
    level: str,
    *,
    key: str,
    n_resamples: int = TREND_RESAMPLES,
    seed=DEFAULT_SEED,
    weights: np.ndarray | None = None,
) -> dict:
    """Alpha, interval and reading of units × ratings (each row standing for ``weights`` units),
    under the session's minimum-data rule."""
    if weights is None:
        weights = np.ones(len(units), dtype=int)
    patterns, weight = _collapse(units, np.asarray(weights, dtype=int))
    n_units = int(weight.sum())
    n_pairable = int((weight * (~np.isnan(patterns)).sum(axis=1)).sum()) if n_units else 0
    value, reason, ci, caution = None, None, None, None
    if n_units == 0:
        reason = NO_PAIRS
    else:
        u = _prepare(patterns.T, level)
        point = float(_alpha_batch(u, weight[None, :].astype(float))[0])
        if np.isnan(point):
            reason = NO_VARIATION
        elif n_units < 2:
            reason = ONE_UNIT
        else:
            value = point
    if value is not None and n_resamples > 0:
        if n_units >= MIN_UNITS_FOR_CI:
            rng = np.random.default_rng([seed, zlib.crc32(key.encode())])
            if n_units >= POISSON_FROM_UNITS:
                # Many units: each pattern's resampled count as Poisson(its count), the Poisson
                # bootstrap (Hanley & MacGibbon 2006), which the multinomial approaches as the
                # number of units grows, at a fraction of the cost.
                draws = rng.poisson(weight, size=(n_resamples, len(weight))).astype(float)
            else:
                draws = rng.multinomial(n_units, weight / n_units, size=n_resamples).astype(float)
            alphas = _alpha_batch(u, draws)
            alphas = alphas[~np.isnan(alphas)]
            if alphas.size:
                ci = tuple(float(x) for x in np.quantile(alphas, [0.025, 0.975]))
        else:
            caution = f"only {n_units} units: too few for an interval, read with care"
    value = round_figure(value)
    verdict = reading_code(value)
    interval = [round_figure(ci[0]), round_figure(ci[1])] if ci else None
    if interval and verdict in THRESHOLDS and interval[0] < THRESHOLDS[verdict]:
        caution = f"not conclusive: the 95% interval reaches down to {interval[0]:.2f}"
    reading = plain_reading(value, reason)
    return {
        "level": level,
        "alpha": value,
        "ci": interval,
        "alpha_text": format_alpha(value, verdict),
        "ci_text": format_interval(interval),
        "verdict": verdict,
        "reading": f"{reading} ({caution})" if caution else reading,
        "reason": reason,
        "n_units": n_units,
        "n_pairable": n_pairable,
    }


def _merge(blocks: list[Block]) -> list[Block]:
    """Blocks of one criterion scale stacked into one (units of many sessions)."""
    by_spec: dict = {}
    for block in blocks:
        counts = np.asarray(block.counts, dtype=int)
        if counts.size:
            rows = counts.reshape(-1, round(block.spec.scale_range) + 1)
            by_spec.setdefault(block.spec, []).append((rows, _weights(block)))
    return [
        Block(spec, np.vstack([r for r, _ in parts]), np.concatenate([w for _, w in parts]))
        for spec, parts in by_spec.items()
    ]


def agreement_figures(blocks: list[Block], *, key: str, n_resamples: int = TREND_RESAMPLES) -> dict:
    """Alpha with interval, exact-agreement share and mean spread of pooled blocks.

    ``thin`` is True when the alpha has no interval (too few units): the figure is then shown
    as text with its count, never as a point on a chart.
    """
    blocks = _merge(blocks)
    units, weights, level = (
        _pooled(blocks) if blocks else (np.empty((0, 1)), np.empty(0, int), "nominal")
    )
    alpha = alpha_figure(units, level, key=key, n_resamples=n_resamples, weights=weights)
    exact, spread = _shares(blocks)
    thin = alpha["ci"] is None
    note = ""
    if thin:
        note = alpha["reason"] or (
            f"Too few units for a point: {format_count(alpha['n_units'], 'unit')}, "
            f"at least {MIN_UNITS_FOR_CI} are needed."
        )
    return {
        "alpha": alpha,
        "exact_agreement": exact,
        "mean_spread": spread,
        "n_units": alpha["n_units"],
        "n_ratings": int(
            sum((np.asarray(b.counts).sum(axis=1) * _weights(b)).sum() for b in blocks)
        ),
        "thin": thin,
        "note": note,
    }


def _shares(blocks: list[Block]) -> tuple[float | None, float | None]:
    """Mean over units with ≥ 2 ratings of the modal share, and mean scale-normalised spread."""
    modal, spreads, modal_w, spread_w = [], [], [], []
    for block in blocks:
        values = _values_matrix(block)
        st = _row_stats(values)
        spec = block.spec
        weights = _weights(block)
        multi = st["m"] >= 2
        modal.append(st["mode"][multi] / st["m"][multi])
        modal_w.append(weights[multi])
        dis = _disagreement_values(
            st, spec.has_magnitude, spec.scale_range / 2, round(spec.scale_range) + 1
        )[multi]
        spreads.append(dis[~np.isnan(dis)])
        spread_w.append(weights[multi][~np.isnan(dis)])
    modal_w = np.concatenate(modal_w) if modal_w else np.empty(0)
    spread_w = np.concatenate(spread_w) if spread_w else np.empty(0)
    return (
        round_figure(np.average(np.concatenate(modal), weights=modal_w)) if modal_w.sum() else None,
        round_figure(np.average(np.concatenate(spreads), weights=spread_w))
        if spread_w.sum()
        else None,
    )


def period_start(dates, period: str) -> pd.Series:
    """The first day of each date's week (Monday), month or quarter."""
    if period not in PERIODS:
        raise ValueError(f"Unknown period {period!r}; use one of {sorted(PERIODS)}.")
    stamps = pd.to_datetime(pd.Series(dates))
    return stamps.dt.to_period(PERIODS[period]).dt.start_time.dt.date


def period_label(start, period: str) -> str:
    if period == "week":
        return f"Week of {start:%d %b %Y}"
    if period == "month":
        return f"{start:%b %Y}"
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


def trend(
    rows: pd.DataFrame, period: str, *, n_resamples: int = TREND_RESAMPLES, group: str | None = None
) -> list[dict]:
    """One point per (group ×) period from rows with ``date``, ``spec``, ``counts``.

    ``group`` names a column to split on (for example criterion or channel). Points come in
    date order; a thin period carries ``thin=True`` and its note instead of a plotted value.
    """
    if rows.empty:
        return []
    frame = rows.assign(period=period_start(rows["date"], period).to_numpy())
    keys = ["period"] if group is None else [group, "period"]
    out = []
    for key, part in frame.groupby(keys, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        start = key[-1]
        blocks = [
            Block(s, np.asarray(c)) for s, c in zip(part["spec"], part["counts"], strict=True)
        ]
        figures = agreement_figures(blocks, key=f"{group}:{key}:{period}", n_resamples=n_resamples)
        point = {
            "start": start,
            "label": period_label(start, period),
            "n_sessions": int(part["session"].nunique()) if "session" in part else len(part),
            **figures,
        }
        if group is not None:
            point[group] = key[0]
        out.append(point)
    return out
