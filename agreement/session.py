"""``session_statistics``: every statistic of one calibration session as a JSON-ready dict.

Layout and definitions: docs/statistics.md.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .core import (
    _EPS,
    DEFAULT_SEED,
    LEVELS,
    RELIABLE,
    TENTATIVE,
    AlphaResult,
    _agreement_shares,
    _alpha_result,
    _bootstrap,
    _disagreement_values,
    _pooled,
    _prepare,
    _row_stats,
    coerce_specs,
    fleiss_kappa,
    icc,
    plain_reading,
    reading_code,
)
from .display import (
    FIGURE_DIGITS,
    MIN_UNITS_FOR_CI,
    format_alpha,
    format_interval,
    round_figure,
)

ONE_UNIT = "Only one unit has paired ratings: alpha needs at least two to compare."
# The lowest alpha each reading stands for (Krippendorff 2004, p. 241).
THRESHOLDS = {"reliable": RELIABLE, "tentative": TENTATIVE}


def _r(x, digits: int = FIGURE_DIGITS):
    return round_figure(x, digits)


def _rl(arr) -> list:
    """Rounded list with NaN -> None."""
    rounded = np.round(np.asarray(arr, float), FIGURE_DIGITS).tolist()
    return [None if math.isnan(x) else x for x in rounded]


def _sorted_ids(series: pd.Series) -> tuple[np.ndarray, list]:
    codes, uniques = pd.factorize(series)
    if (codes < 0).any():
        raise ValueError(f"Column {series.name!r} has missing ids.")
    uniques = list(uniques)

    def key(x):
        if isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool):
            return (0, float(x), "")
        return (1, 0.0, str(x))

    order = sorted(range(len(uniques)), key=lambda j: key(uniques[j]))
    rank = np.empty(len(order), dtype=int)
    rank[order] = np.arange(len(order))
    return rank[codes], [uniques[j] for j in order]


def _reference_grid(ref, i_ids: list, c_ids: list) -> np.ndarray | None:
    """(interactions x criteria) reference values; ids are matched by their string form."""
    if ref is None:
        return None
    if isinstance(ref, pd.DataFrame):
        if {"interaction", "criterion"} <= set(ref.columns):
            keys, vals = zip(ref["interaction"], ref["criterion"], strict=True), ref["value"]
        else:
            keys, vals = ref.index, ref["value"]
    elif isinstance(ref, pd.Series):
        keys, vals = ref.index, ref
    elif isinstance(ref, Mapping):
        keys, vals = ref.keys(), ref.values()
    else:
        raise TypeError("A reference must be a DataFrame, a Series or a mapping.")
    vals = pd.to_numeric(pd.Series(list(vals), dtype=object)).to_numpy(float, na_value=np.nan)
    i_pos = {str(k): j for j, k in enumerate(i_ids)}
    c_pos = {str(k): j for j, k in enumerate(c_ids)}
    grid = np.full((len(i_ids), len(c_ids)), np.nan)
    for (i, c), v in zip(keys, vals, strict=True):
        if str(i) in i_pos and str(c) in c_pos:
            grid[i_pos[str(i)], c_pos[str(c)]] = v
    return grid


def _majority(n_pass: int, n_fail: int) -> str | None:
    if n_pass + n_fail == 0:
        return None
    if n_pass == n_fail:
        return "tie"
    return "pass" if n_pass > n_fail else "fail"


def _outcomes(cube: np.ndarray, crit: list[int], specs: list) -> np.ndarray:
    """(I, R) critical outcome: 1 pass, 0 fail, NaN when no critical criterion was rated."""
    fail = np.zeros((cube.shape[0], cube.shape[2]), dtype=bool)
    for c in crit:
        fail |= np.isin(cube[:, c, :], specs[c].fail_values)
    rated = (~np.isnan(cube[:, crit, :])).any(axis=1)
    return np.where(rated, np.where(fail, 0.0, 1.0), np.nan)


def _reviewer_scores(cube, ref, magnitude, span, weight, r_ids, c_ids) -> dict:
    """{reviewer: scores against one reference grid}; see docs for the formulas."""
    d = cube - ref[:, :, None]
    ok = ~np.isnan(d)
    n = ok.sum(axis=0)  # (C, R)
    signed, absolute = np.nansum(d, axis=0), np.nansum(np.abs(d), axis=0)
    match = (ok & (np.abs(d) <= _EPS)).sum(axis=0)
    mag, span, w = magnitude[:, None], span[:, None], weight[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        n_mag = (n * mag).sum(axis=0)
        bias = _rl((signed / span * mag).sum(axis=0) / n_mag)
        mad = _rl((absolute / span * mag).sum(axis=0) / n_mag)
        wn = (w * n).sum(axis=0)
        exact = _rl((w * match).sum(axis=0) / wn)
        align = _rl((w * np.where(mag, n - absolute / span, match)).sum(axis=0) / wn)
        c_bias = np.round(np.where(mag, signed / n, np.nan), FIGURE_DIGITS)
        c_mad = np.round(np.where(mag, absolute / n, np.nan), FIGURE_DIGITS)
        c_match = np.round(match / n, FIGURE_DIGITS)
        # Spread of the scaled deviations, for the reviewer-label rule (agreement.reviewers).
        squares = (np.nansum(d * d, axis=0) / (span * span) * mag).sum(axis=0)
        raw_bias = (signed / span * mag).sum(axis=0) / n_mag
        bias_sd = _rl(np.sqrt(np.maximum(squares - n_mag * raw_bias**2, 0) / (n_mag - 1)))
    out = {}
    for r, rid in enumerate(r_ids):
        per = {}
        for c in np.nonzero(n[:, r])[0]:
            per[str(c_ids[c])] = {
                "n_compared": int(n[c, r]),
                "bias": _r(c_bias[c, r]),
                "mean_abs_deviation": _r(c_mad[c, r]),
                "match_share": _r(c_match[c, r]),
            }
        out[str(rid)] = {
            "n_compared": int(n[:, r].sum()),
            "bias": bias[r],
            "mean_abs_deviation": mad[r],
            "exact_match_score": exact[r],
            "alignment_score": align[r],
            "n_bias": int(n_mag[r]),
            "bias_sd": bias_sd[r],
            "criteria": per,
        }
    return out


class _Session:
    """A session as dense arrays: ``cube[interaction, criterion, reviewer]`` (NaN = missing)."""

    def __init__(self, ratings_df, specs, kinds, n_resamples, seed, confidence):
        specs = {str(k): v for k, v in coerce_specs(specs).items()}
        needed = {"interaction", "criterion", "reviewer", "value"}
        if needed - set(ratings_df.columns):
            raise ValueError(f"Ratings lack columns {sorted(needed - set(ratings_df.columns))}.")
        df = ratings_df
        if "kind" in df.columns:
            df = df[df["kind"].isin(list(kinds))]
        # several rows for one reviewer x interaction x criterion: the last row wins
        df = df.drop_duplicates(["interaction", "criterion", "reviewer"], keep="last")
        ii, self.i_ids = _sorted_ids(df["interaction"])
        cc, self.c_ids = _sorted_ids(df["criterion"])
        rr, self.r_ids = _sorted_ids(df["reviewer"])
        unknown = [c for c in self.c_ids if str(c) not in specs]
        if unknown:
            raise ValueError(f"No criterion metadata for {unknown}.")
        self.specs = sp = [specs[str(c)] for c in self.c_ids]
        self.session_ids = (
            [str(s) for s in _sorted_ids(df["session"])[1]] if "session" in df.columns else []
        )
        values = pd.to_numeric(df["value"]).to_numpy(dtype=float, na_value=np.nan)
        lo = np.array([s.scale_min for s in sp], dtype=float)
        hi = np.array([s.scale_max for s in sp], dtype=float)
        bad = ~np.isnan(values) & ((values < lo[cc] - _EPS) | (values > hi[cc] + _EPS))
        if bad.any():
            j = np.nonzero(bad)[0][0]
            raise ValueError(
                f"{int(bad.sum())} rating(s) fall outside their criterion's scale, e.g. "
                f"{values[j]} on criterion {self.c_ids[cc[j]]!r}."
            )
        shape = (len(self.i_ids), len(self.c_ids), len(self.r_ids))
        self.cube = np.full(shape, np.nan)
        self.cube[ii, cc, rr] = values
        self.na = np.zeros(shape, dtype=bool)
        self.na[ii, cc, rr] = np.isnan(values)
        self.level = np.array([s.level for s in sp], dtype=object)
        self.levels = [lv for lv in LEVELS if (self.level == lv).any()]
        self.magnitude = np.array([s.has_magnitude for s in sp], dtype=bool)
        binary = np.array([s.scale_kind == "binary" for s in sp], dtype=bool)
        self.within_ok = self.magnitude & ~binary
        self.span = hi - lo
        self.weight = np.array([s.weight for s in sp], dtype=float)
        # Pooling several criteria in one alpha: nominal answers are equal only on the same scale;
        # ordinal/interval answers are put on 0..1 by their scale; ratio divided by max |code|.
        scale_keys = [(s.scale_kind, s.scale_min, s.scale_max) for s in sp]
        key_no = {k: j for j, k in enumerate(dict.fromkeys(scale_keys))}
        offset = np.array([key_no[k] for k in scale_keys], dtype=float)
        offset *= self.span.max(initial=0) + 2
        self.pooled = {
            "nominal": self.cube - lo[:, None] + offset[:, None],
            "ordinal": (self.cube - lo[:, None]) / self.span[:, None],
            "ratio": self.cube / np.maximum(np.abs(lo), np.abs(hi))[:, None],
        }
        self.pooled["interval"] = self.pooled["ordinal"]
        self.n_ratings = int((~np.isnan(values)).sum())
        self.n_na = int(np.isnan(values).sum())
        self.n_resamples, self.seed, self.confidence = n_resamples, seed, confidence

    def alpha_block(self, data, lvl: str, key: str) -> dict:
        """Alpha + bootstrap CI + reading; the CI seed is derived from ``seed`` and ``key``.

        Small samples are said to be small: one unit gives no alpha (its disagreement is only
        compared with itself), fewer than MIN_UNITS_FOR_CI units give no interval (resampling
        two or three units only ever redraws the same few values), and a reading whose
        interval reaches below its own threshold says it is not conclusive.
        """
        u = _prepare(data, lvl)
        res = _alpha_result(u)
        if res.value is not None and res.n_units < 2:
            res = AlphaResult(None, ONE_UNIT, res.level, res.n_units, res.n_pairable)
        ci = None
        caution = None
        if res.value is not None and self.n_resamples > 0:
            if res.n_units >= MIN_UNITS_FOR_CI:
                rng = np.random.default_rng([self.seed, zlib.crc32(key.encode())])
                ci = _bootstrap(u, self.n_resamples, rng, self.confidence)
            else:
                caution = f"only {res.n_units} units: too few for an interval, read with care"
        value = _r(res.value)
        verdict = reading_code(value)
        reading = plain_reading(value, res.reason)
        low = _r(ci[0]) if ci else None
        if low is not None and verdict in THRESHOLDS and low < THRESHOLDS[verdict]:
            caution = f"not conclusive: the 95% interval reaches down to {low:.2f}"
        if caution:
            reading = f"{reading} ({caution})"
        interval = [low, _r(ci[1])] if ci else None
        return {
            "level": lvl,
            "alpha": value,
            "ci": interval,
            "alpha_text": format_alpha(value, verdict),
            "ci_text": format_interval(interval),
            "reading": reading,
            "verdict": verdict,
            "reason": res.reason,
            "caution": caution,
            "n_units": res.n_units,
            "n_pairable": res.n_pairable,
        }


def _cells(ss: _Session, refs: dict) -> tuple[dict, dict, np.ndarray]:
    """Per (interaction, criterion) statistics as flat lists indexed ``i * n_criteria + c``."""
    n_i, n_c, n_r = ss.cube.shape
    st = _row_stats(ss.cube.reshape(n_i * n_c, n_r))
    crit = np.tile(np.arange(n_c), n_i)
    mag, span = ss.magnitude[crit], ss.span[crit]
    dis = _disagreement_values(st, mag, span / 2, span + 1)
    m = st["m"]
    with np.errstate(divide="ignore", invalid="ignore"):
        cell = {
            "n_ratings": m.tolist(),
            "n_na": ss.na.sum(axis=2).ravel().tolist(),
            "mean": _rl(np.where(mag, st["mean"], np.nan)),
            "std": _rl(np.where(mag, np.sqrt(st["var"] * m / (m - 1)), np.nan)),
            "range": _rl(np.where(mag, st["max"] - st["min"], np.nan)),
            "exact_agreement": _rl(np.where(m >= 2, st["mode"] / m, np.nan)),
            "within_one": _rl(np.where(ss.within_ok[crit] & (m >= 2), st["within"] / m, np.nan)),
            "disagreement": _rl(dis),
            "n_distinct": st["distinct"].tolist(),
        }
    for name, grid in refs.items():
        if grid is not None:
            cell[name] = _rl(grid.ravel())
    return cell, st, dis


def _interactions(ss: _Session, cell: dict) -> dict:
    n_c = len(ss.c_ids)
    out = {}
    for i, iid in enumerate(ss.i_ids):
        by_level = {
            lv: ss.alpha_block(ss.pooled[lv][i][ss.level == lv].T, lv, f"interaction:{iid}:{lv}")
            for lv in ss.levels
        }
        if len(ss.levels) == 1:
            headline = by_level[ss.levels[0]]
        else:  # mixed levels: nominal over all criteria (answers compared for equality only)
            headline = ss.alpha_block(ss.pooled["nominal"][i].T, "nominal", f"interaction:{iid}")
        out[str(iid)] = {
            "alpha": headline,
            "alpha_by_level": by_level,
            "criteria": {
                str(cid): {k: v[i * n_c + c] for k, v in cell.items()}
                for c, cid in enumerate(ss.c_ids)
            },
        }
    return out


def _criteria(ss: _Session, st: dict, dis: np.ndarray) -> dict:
    n_i, n_c, _ = ss.cube.shape
    grid_stats = {k: v.reshape(n_i, n_c) for k, v in st.items()}
    dis_grid = dis.reshape(n_i, n_c)
    out = {}
    for c, cid in enumerate(ss.c_ids):
        spec, col = ss.specs[c], ss.cube[:, c, :]
        rated = col[~np.isnan(col)]
        exact, within = _agreement_shares({k: v[:, c] for k, v in grid_stats.items()}, True)
        within = within if ss.within_ok[c] else None
        desc = _pooled(col.ravel(), int(ss.na[:, c, :].sum()), exact, within, spec.has_magnitude)
        fleiss = None
        if spec.level == "nominal":
            counts = (col[:, :, None] == np.unique(rated)).sum(axis=1)
            res = fleiss_kappa(counts[counts.sum(axis=1) > 0])
            fleiss = {"value": _r(res.value), "reason": res.reason}
        icc_block = None
        if spec.scale_kind == "numeric" or spec.level in ("interval", "ratio"):
            res = icc(col)
            icc_block = {k: _r(v) if isinstance(v, float) else v for k, v in vars(res).items()}
        col_dis = dis_grid[:, c][~np.isnan(dis_grid[:, c])]
        out[str(cid)] = {
            "spec": {
                "level": spec.level,
                "scale_kind": spec.scale_kind,
                "scale_min": float(spec.scale_min),
                "scale_max": float(spec.scale_max),
                "weight": float(spec.weight),
                "critical": bool(spec.critical),
                "ordered": spec.has_magnitude,
            },
            "alpha": ss.alpha_block(col.T, spec.level, f"criterion:{cid}"),
            # Numeric points are ordinal by default; interval alpha is reported beside it.
            "alpha_interval": ss.alpha_block(col.T, "interval", f"criterion:{cid}:interval")
            if spec.scale_kind == "numeric" and spec.level == "ordinal"
            else None,
            "descriptives": {
                k: _r(v) if isinstance(v, float) else v for k, v in vars(desc).items()
            },
            "mean_disagreement": _r(col_dis.mean()) if col_dis.size else None,
            "n_distinct": len(np.unique(rated)),
            "fleiss_kappa": fleiss,
            "icc": icc_block,
        }
    return out


def _reviewers(ss: _Session, refs: dict) -> dict:
    scores = {
        name: _reviewer_scores(ss.cube, grid, ss.magnitude, ss.span, ss.weight, ss.r_ids, ss.c_ids)
        for name, grid in refs.items()
        if grid is not None
    }
    rated = (~np.isnan(ss.cube)).sum(axis=(0, 1))
    na = ss.na.sum(axis=(0, 1))
    return {
        str(rid): {
            "n_ratings": int(rated[r]),
            "n_na": int(na[r]),
            **{name: scores[name][str(rid)] if name in scores else None for name in refs},
        }
        for r, rid in enumerate(ss.r_ids)
    }


def _critical(ss: _Session, refs: dict) -> dict:
    crit = [c for c, spec in enumerate(ss.specs) if spec.critical]
    out = {
        "criteria": [str(ss.c_ids[c]) for c in crit],
        "agreement": None,
        "alpha": None,
        "reason": None,
        "interactions": {},
    }
    if not crit:
        out["reason"] = "No critical criteria in this scorecard."
        return out
    outcome = _outcomes(ss.cube, crit, ss.specs)  # (I, R)
    ost = _row_stats(outcome)
    out["agreement"] = _r(_agreement_shares(ost, False)[0])
    out["alpha"] = ss.alpha_block(outcome.T, "nominal", "critical")
    ref_out = {
        k: _outcomes(g[:, :, None], crit, ss.specs)[:, 0] for k, g in refs.items() if g is not None
    }
    for i, iid in enumerate(ss.i_ids):
        n_fail, n_pass = int((outcome[i] == 0).sum()), int((outcome[i] == 1).sum())
        entry = {
            "n_reviewers": n_fail + n_pass,
            "n_fail": n_fail,
            "majority": _majority(n_pass, n_fail),
            "agreement": _r(ost["mode"][i] / ost["m"][i]) if ost["m"][i] >= 2 else None,
        }
        for k, o in ref_out.items():
            entry[f"{k}_outcome"] = None if np.isnan(o[i]) else ("pass" if o[i] else "fail")
        out["interactions"][str(iid)] = entry
    return out


def session_statistics(
    ratings_df: pd.DataFrame,
    specs,
    consensus=None,
    baseline=None,
    n_resamples: int = 1000,
    seed: int = DEFAULT_SEED,
    *,
    kinds=("blind",),
    confidence: float = 0.95,
) -> dict:
    """All statistics of a session as a JSON-serialisable dict (layout: docs/statistics.md).

    ``ratings_df``: long format (session, interaction, criterion, reviewer, value, kind);
    ``specs``: {criterion: CriterionSpec | mapping} or a DataFrame; ``consensus``/``baseline``:
    references keyed by (interaction, criterion) (Series, DataFrame or mapping).
    """
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    ss = _Session(ratings_df, specs, kinds, n_resamples, seed, confidence)
    refs = {
        "consensus": _reference_grid(consensus, ss.i_ids, ss.c_ids),
        "baseline": _reference_grid(baseline, ss.i_ids, ss.c_ids),
    }
    cell, st, dis = _cells(ss, refs)
    n_r = len(ss.r_ids)
    session = {
        "ids": ss.session_ids,
        "n_ratings": ss.n_ratings,
        "n_na": ss.n_na,
        "n_interactions": len(ss.i_ids),
        "n_criteria": len(ss.c_ids),
        "n_reviewers": n_r,
        "kinds": list(kinds),
        "n_resamples": n_resamples,
        "seed": seed,
        "confidence": confidence,
        "alpha": {
            lv: ss.alpha_block(
                ss.pooled[lv][:, ss.level == lv, :].reshape(-1, n_r).T, lv, f"session:{lv}"
            )
            for lv in ss.levels
        },
    }
    numeric_ordinal = np.array(
        [sp.scale_kind == "numeric" and sp.level == "ordinal" for sp in ss.specs], dtype=bool
    )
    if numeric_ordinal.any() and "interval" not in session["alpha"]:
        # Interval alpha over the numeric-point criteria, reported beside their ordinal alpha.
        session["alpha"]["interval"] = ss.alpha_block(
            ss.pooled["interval"][:, numeric_ordinal, :].reshape(-1, n_r).T,
            "interval",
            "session:interval",
        )
    return {
        "session": session,
        "interactions": _interactions(ss, cell),
        "criteria": _criteria(ss, st, dis),
        "reviewers": _reviewers(ss, refs),
        "critical": _critical(ss, refs),
    }
