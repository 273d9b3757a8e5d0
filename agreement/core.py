"""Agreement coefficients and descriptives: Krippendorff's alpha (+ bootstrap CI), Fleiss' kappa,
ICC, plain readings, per-group descriptives and scale-normalised disagreement.

Reliability data is raters x units with NaN = missing (as in Krippendorff 2011); undefined
results carry ``value=None`` and a plain-words ``reason``. See docs/statistics.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

LEVELS = ("nominal", "ordinal", "interval", "ratio")
SCALE_KINDS = ("binary", "numeric", "labels")
RELIABLE, TENTATIVE = 0.800, 0.667  # Krippendorff (2004), Content Analysis, 2nd ed., p. 241
DEFAULT_SEED = 20261128
NO_PAIRS = (
    "Not enough paired ratings to compute alpha: at least two reviewers must rate the same item."
)
NO_VARIATION = "All reviewers gave the same answer everywhere: alpha is undefined (no variation)."
_EPS = 1e-9


# --------------------------------------------------------------------------- criterion metadata
@dataclass(frozen=True)
class CriterionSpec:
    """How one criterion is scored. Codes: binary 0=fail 1=pass; numeric 1..N; labels 0..k-1."""

    level: str = "nominal"  # nominal | ordinal | interval | ratio (metric used by alpha)
    scale_kind: str = "binary"  # binary | numeric | labels
    scale_min: float = 0.0
    scale_max: float = 1.0
    weight: float = 1.0  # used by exact_match_score / alignment_score
    critical: bool = False  # a fail here fails the whole interaction
    fail_values: tuple[float, ...] = ()  # codes that fail; binary: empty means (scale_min,)
    ordered: bool = True  # labels only: False = unordered (must be nominal)

    def __post_init__(self):
        if self.level not in LEVELS:
            raise ValueError(f"Unknown level {self.level!r}; use one of {LEVELS}.")
        if self.scale_kind not in SCALE_KINDS:
            raise ValueError(f"Unknown scale kind {self.scale_kind!r}; use one of {SCALE_KINDS}.")
        if not self.scale_max > self.scale_min:
            raise ValueError("scale_max must be greater than scale_min.")
        if not self.has_magnitude and self.level != "nominal":
            raise ValueError("Unordered label criteria can only use the nominal level.")
        if not self.weight >= 0:
            raise ValueError("Criterion weights must be zero or positive.")
        fail = tuple(float(v) for v in self.fail_values)
        if not fail and self.scale_kind == "binary":
            fail = (float(self.scale_min),)  # binary: the low code is "fail"
        object.__setattr__(self, "fail_values", fail)

    @property
    def scale_range(self) -> float:
        return float(self.scale_max - self.scale_min)

    @property
    def has_magnitude(self) -> bool:
        """True when a higher code means 'more' (binary, numeric, ordered labels)."""
        return self.scale_kind != "labels" or bool(self.ordered)

    @classmethod
    def from_mapping(cls, row: Mapping) -> CriterionSpec:
        def get(key, default):
            value = row.get(key, default)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                return default
            return value

        fail = get("fail_values", ())
        return cls(
            level=str(get("level", "nominal")),
            scale_kind=str(get("scale_kind", "binary")),
            scale_min=float(get("scale_min", 0.0)),
            scale_max=float(get("scale_max", 1.0)),
            weight=float(get("weight", 1.0)),
            critical=bool(get("critical", False)),
            fail_values=tuple(np.atleast_1d(np.asarray(fail, dtype=float)).tolist()),
            ordered=bool(get("ordered", True)),
        )


def coerce_specs(specs) -> dict:
    """``{criterion_id: CriterionSpec}`` from a dict of specs/mappings or a DataFrame.

    A DataFrame is indexed by criterion id or has a ``criterion`` column.
    """
    if isinstance(specs, pd.DataFrame):
        frame = specs.set_index("criterion") if "criterion" in specs.columns else specs
        specs = frame.to_dict("index")
    return {
        key: spec if isinstance(spec, CriterionSpec) else CriterionSpec.from_mapping(spec)
        for key, spec in specs.items()
    }


# --------------------------------------------------------------------------- result objects
@dataclass(frozen=True)
class AlphaResult:
    value: float | None
    reason: str | None
    level: str
    n_units: int  # units with at least two ratings (pairable units)
    n_pairable: int  # ratings in those units


@dataclass(frozen=True)
class StatResult:
    value: float | None
    reason: str | None


@dataclass(frozen=True)
class ICCResult:
    icc2_1: float | None
    icc3_1: float | None
    icc2_k: float | None
    icc3_k: float | None
    reason: str | None
    n_units: int
    n_raters: int


@dataclass(frozen=True)
class Descriptives:
    n_ratings: int  # non-missing ratings
    n_na: int  # missing (NaN) ratings
    mean: float | None
    std: float | None  # ddof=1
    range: float | None  # max - min
    exact_agreement: float | None
    within_one: float | None


@dataclass(frozen=True)
class Disagreement:
    value: float | None  # 0 = everyone agrees, 1 = maximal spread for the scale
    n_distinct: int
    n_ratings: int


# --------------------------------------------------------------------------- Krippendorff's alpha
@dataclass(frozen=True)
class _Units:
    """Pairable units as a value-count matrix; everything alpha needs, resample-ready."""

    level: str
    counts: np.ndarray  # (U, V) ratings per unit and category
    m: np.ndarray  # (U,) ratings per unit (>= 2)
    values: np.ndarray  # (V,) category values (centred for interval)
    unit_obs: np.ndarray | None  # (U,) observed-disagreement term, when the metric is fixed
    delta: np.ndarray | None  # (V, V) ratio metric
    mixed: np.ndarray  # (U,) unit holds more than one distinct value (else it adds exactly 0)


def _prepare(reliability_data, level: str) -> _Units:
    if level not in LEVELS:
        raise ValueError(f"Unknown level {level!r}; use one of {LEVELS}.")
    data = np.asarray(reliability_data, dtype=float)
    if data.ndim != 2:
        raise ValueError("Reliability data must be 2-D: raters x units.")
    ok = ~np.isnan(data)
    unit = np.nonzero(ok)[1]
    cats, inv = np.unique(data[ok], return_inverse=True)
    n_units, n_cats = data.shape[1], len(cats)
    counts = np.bincount(unit * n_cats + inv, minlength=n_units * n_cats)
    counts = counts.reshape(n_units, n_cats).astype(float)
    m = counts.sum(axis=1)
    counts, m = counts[m >= 2], m[m >= 2]
    used = counts.sum(axis=0) > 0
    counts, values = counts[:, used], cats[used]
    unit_obs = delta = None
    mixed = (counts > 0).sum(axis=1) > 1
    with np.errstate(divide="ignore", invalid="ignore"):
        if level == "nominal":
            unit_obs = (m * m - (counts * counts).sum(axis=1)) / (m - 1)
        elif level == "interval":
            if len(values):
                values = values - (counts.sum(axis=0) @ values) / m.sum()
            s1, s2 = counts @ values, counts @ (values * values)
            unit_obs = np.where(mixed, 2 * (m * s2 - s1 * s1) / (m - 1), 0.0)
        elif level == "ratio":
            total = values[:, None] + values[None, :]
            diff = values[:, None] - values[None, :]
            delta = np.where(total != 0, diff / np.where(total != 0, total, 1), 0.0) ** 2
            unit_obs = ((counts @ delta) * counts).sum(axis=1) / (m - 1)
    return _Units(level, counts, m, values, unit_obs, delta, mixed)


def _alpha_batch(u: _Units, w: np.ndarray) -> np.ndarray:
    """Alpha for each row of unit weights ``w`` (B x U); NaN where undefined.

    alpha = 1 - (n - 1) * sum_ck o_ck d_ck / sum_ck n_c n_k d_ck (Krippendorff 2011).
    """
    n = w @ u.m
    nc = w @ u.counts  # (B, V) pairable values per category
    varied = (nc > 0).sum(axis=1) >= 2
    if u.level == "ordinal":
        # ordinal d_ck = (sum_{g=c..k} n_g - (n_c + n_k)/2)^2 = (F_k - F_c)^2 with mid-ranks F;
        # so ordinal alpha is interval alpha on mid-ranks computed from the (resampled) marginals.
        f = np.cumsum(nc, axis=1) - nc / 2 - n[:, None] / 2
        a1, a2 = u.counts @ f.T, u.counts @ (f * f).T  # (U, B)
        per_unit = 2 * (u.m[:, None] * a2 - a1 * a1) / (u.m[:, None] - 1) * u.mixed[:, None]
        obs = np.einsum("bu,ub->b", w, per_unit)
        exp = 2 * (n * (nc * f * f).sum(axis=1) - (nc * f).sum(axis=1) ** 2)
    else:
        obs = w @ u.unit_obs
        if u.level == "nominal":
            exp = n * n - (nc * nc).sum(axis=1)
        elif u.level == "interval":
            s1, s2 = nc @ u.values, nc @ (u.values * u.values)
            exp = 2 * (n * s2 - s1 * s1)
        else:
            exp = ((nc @ u.delta) * nc).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1 - (n - 1) * obs / exp
    return np.where(varied, alpha, np.nan)


def _alpha_result(u: _Units) -> AlphaResult:
    n_units, n_pairable = len(u.m), int(u.m.sum())
    if n_units == 0:
        return AlphaResult(None, NO_PAIRS, u.level, 0, 0)
    value = float(_alpha_batch(u, np.ones((1, n_units)))[0])
    if math.isnan(value):
        return AlphaResult(None, NO_VARIATION, u.level, n_units, n_pairable)
    return AlphaResult(value, None, u.level, n_units, n_pairable)


def krippendorff_alpha(reliability_data, level: str) -> AlphaResult:
    """Krippendorff's alpha; ``reliability_data`` is raters x units, NaN = missing."""
    return _alpha_result(_prepare(reliability_data, level))


def _bootstrap(u: _Units, n_resamples: int, rng, confidence: float):
    n_units = len(u.m)
    if n_units < 2 or n_resamples < 1:
        return None
    draws = rng.integers(0, n_units, size=(n_resamples, n_units))
    flat = (np.arange(n_resamples)[:, None] * n_units + draws).ravel()
    weights = np.bincount(flat, minlength=n_resamples * n_units).reshape(n_resamples, n_units)
    chunk = max(1, 2_000_000 // (n_units * max(1, u.counts.shape[1])))
    starts = range(0, n_resamples, chunk)
    alphas = np.concatenate([_alpha_batch(u, weights[i : i + chunk].astype(float)) for i in starts])
    alphas = alphas[~np.isnan(alphas)]
    if alphas.size == 0:
        return None
    tail = (1 - confidence) / 2
    low, high = np.quantile(alphas, [tail, 1 - tail])
    return float(low), float(high)


def bootstrap_alpha_ci(
    reliability_data,
    level: str,
    n_resamples: int = 1000,
    seed: int = DEFAULT_SEED,
    confidence: float = 0.95,
) -> tuple[float, float] | None:
    """Percentile bootstrap CI for alpha, resampling pairable units with replacement.

    Resamples where alpha is undefined are skipped; ``None`` when alpha itself is undefined,
    fewer than two pairable units exist, or no resample is defined.
    """
    u = _prepare(reliability_data, level)
    if _alpha_result(u).value is None:
        return None
    return _bootstrap(u, n_resamples, np.random.default_rng(seed), confidence)


# --------------------------------------------------------------------------- kappa, ICC
def fleiss_kappa(counts) -> StatResult:
    """Fleiss (1971) kappa from a units x categories count matrix (equal raters per unit)."""
    c = np.asarray(counts, dtype=float)
    if c.ndim != 2 or c.shape[0] < 2:
        return StatResult(None, "Fleiss' kappa needs at least two rated items.")
    n = c.sum(axis=1)
    if not np.all(n == n[0]):
        return StatResult(
            None, "Fleiss' kappa needs the same number of ratings for every item; counts differ."
        )
    if n[0] < 2:
        return StatResult(None, "Fleiss' kappa needs at least two ratings per item.")
    p_bar = (((c * c).sum(axis=1) - n) / (n * (n - 1))).mean()
    p = c.sum(axis=0) / c.sum()
    p_e = float((p * p).sum())
    if p_e >= 1 - _EPS:
        return StatResult(
            None,
            "All reviewers gave the same answer everywhere: kappa is undefined (no variation).",
        )
    return StatResult(float((p_bar - p_e) / (1 - p_e)), None)


def icc(matrix) -> ICCResult:
    """ICC(2,1), ICC(3,1), ICC(2,k), ICC(3,k) (Shrout & Fleiss 1979); units x raters, complete."""
    x = np.asarray(matrix, dtype=float)
    shape = x.shape if x.ndim == 2 else (0, 0)
    n, k = shape

    def undefined(reason):
        return ICCResult(None, None, None, None, reason, n, k)

    if n < 2 or k < 2:
        return undefined("ICC needs at least two items each rated by at least two reviewers.")
    missing = int(np.isnan(x).sum())
    if missing:
        return undefined(
            f"ICC needs every reviewer to rate every item; {missing} rating(s) are missing."
        )
    grand = x.mean()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_err = ((x - grand) ** 2).sum() - ss_rows - ss_cols
    msr, msc, mse = ss_rows / (n - 1), ss_cols / (k - 1), ss_err / ((n - 1) * (k - 1))
    if msr <= _EPS:
        return undefined("The items do not differ at all: ICC is undefined (no variation).")
    return ICCResult(
        float((msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)),
        float((msr - mse) / (msr + (k - 1) * mse)),
        float((msr - mse) / (msr + (msc - mse) / n)),
        float((msr - mse) / msr),
        None,
        n,
        k,
    )


# --------------------------------------------------------------------------- readings
def reading_code(alpha) -> str:
    """'reliable' | 'tentative' | 'not_calibrated' | 'undefined' (for CSS classes etc.)."""
    value = alpha.value if isinstance(alpha, AlphaResult) else alpha
    if value is None or math.isnan(value):
        return "undefined"
    if value >= RELIABLE:
        return "reliable"
    return "tentative" if value >= TENTATIVE else "not_calibrated"


def plain_reading(alpha, reason: str | None = None) -> str:
    """Plain-words verdict for an alpha value (Krippendorff 2004, p. 241 thresholds)."""
    if isinstance(alpha, AlphaResult):
        alpha, reason = alpha.value, alpha.reason
    code = reading_code(alpha)
    if code == "undefined":
        return reason or "Alpha is undefined."
    return {
        "reliable": "Reliable",
        "tentative": "Tentative: draw only tentative conclusions",
        "not_calibrated": "Not yet calibrated",
    }[code]


# --------------------------------------------------------------------------- descriptives
def _row_stats(matrix: np.ndarray) -> dict:
    """Vectorised per-row statistics of an (N, R) array with NaN = missing."""
    s = np.sort(np.asarray(matrix, dtype=float), axis=1)  # NaN sorts last
    if s.shape[1] == 0:
        s = np.full((s.shape[0], 1), np.nan)
    n_rows, width = s.shape
    ok = ~np.isnan(s)
    m = ok.sum(axis=1)
    rows = np.arange(n_rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(ok, s, 0).sum(axis=1) / m
        dev = np.where(ok, s - mean[:, None], 0)
        var = (dev * dev).sum(axis=1) / m  # population variance
        new = np.ones_like(ok)
        new[:, 1:] = s[:, 1:] != s[:, :-1]
        new &= ok
        run = np.cumsum(new, axis=1) - 1
        runs = np.bincount((rows[:, None] * width + run)[ok], minlength=n_rows * width)
        mode = runs.reshape(n_rows, width).max(axis=1)
        last = np.maximum(m - 1, 0)
        median = (s[rows, last // 2] + s[rows, np.minimum(m // 2, last)]) / 2
        within = (ok & (np.abs(s - median[:, None]) <= 1 + _EPS)).sum(axis=1)
    return {
        "m": m,
        "mean": mean,
        "var": var,
        "min": s[:, 0],
        "max": s[rows, last],
        "mode": mode,
        "distinct": new.sum(axis=1),
        "within": within,
    }


def _agreement_shares(st: dict, ordered: bool) -> tuple[float | None, float | None]:
    """Mean over units with >= 2 ratings of modal share and (ordered) within-one share."""
    multi = st["m"] >= 2
    if not multi.any():
        return None, None
    exact = float((st["mode"][multi] / st["m"][multi]).mean())
    within = float((st["within"][multi] / st["m"][multi]).mean()) if ordered else None
    return exact, within


def _pooled(values: np.ndarray, n_na: int, exact, within, ordered: bool) -> Descriptives:
    v = values[~np.isnan(values)]
    if not ordered or v.size == 0:
        return Descriptives(int(v.size), n_na, None, None, None, exact, within)
    std = float(v.std(ddof=1)) if v.size > 1 else None
    return Descriptives(
        int(v.size), n_na, float(v.mean()), std, float(v.max() - v.min()), exact, within
    )


def descriptives(values, units=None, *, ordered: bool = True, within_one: bool | None = None):
    """Descriptives of one group of ratings (1-D ``values``, NaN = N/A; ``units`` = unit ids).

    mean/std/range only when ``ordered`` (codes have magnitude); within-one share only when
    ``within_one`` (default: ``ordered``).
    """
    v = np.asarray(values, dtype=float).ravel()
    codes = np.zeros(v.size, int) if units is None else pd.factorize(np.asarray(units))[0]
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    n_groups = int(sorted_codes.max()) + 1 if v.size else 0
    starts = np.searchsorted(sorted_codes, np.arange(n_groups))
    pos = np.arange(v.size) - starts[sorted_codes]
    grid = np.full((n_groups, int(pos.max()) + 1 if v.size else 0), np.nan)
    grid[sorted_codes, pos] = v[order]
    exact, within = _agreement_shares(
        _row_stats(grid), ordered if within_one is None else within_one
    )
    return _pooled(v, int(np.isnan(v).sum()), exact, within, ordered)


def _disagreement_values(st: dict, magnitude, half_range, n_labels) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.clip(np.sqrt(st["var"]) / half_range, 0, 1)
        labels = np.clip((1 - st["mode"] / st["m"]) * n_labels / (n_labels - 1), 0, 1)
    return np.where(st["m"] > 0, np.where(magnitude, spread, labels), np.nan)


def criterion_disagreement(values, spec: CriterionSpec) -> Disagreement:
    """Scale-normalised disagreement of the ratings of one item on one criterion."""
    st = _row_stats(np.asarray(values, dtype=float).reshape(1, -1))
    value = _disagreement_values(
        st, spec.has_magnitude, spec.scale_range / 2, round(spec.scale_range) + 1
    )[0]
    return Disagreement(
        None if np.isnan(value) else float(value), int(st["distinct"][0]), int(st["m"][0])
    )
