"""Honest per-reviewer figures: a bias or a deviation with the count behind it, its interval,
a shrunk value for small samples, and a "harsh"/"lenient" label only where the data allow it.

The rule (one rule for every page and the session summary; README, "Reports"):

- Deviations are measured on magnitude criteria only (binary, numeric, ordered labels), as a
  share of the criterion's scale: (rating − reference) / (max − min). Unordered labels have
  no direction.
- The 95% interval of the mean deviation is mean ± t(n−1) · sd / √n; it needs two compared
  ratings and a defined spread.
- Small samples shrink toward zero: ``shrunk = mean · n / (n + PRIOR_COMPARED)``, as if
  PRIOR_COMPARED more comparisons had agreed exactly. With 1 compared rating a −100% bias
  reads −9%; with 200 it hardly moves.
- A reviewer is called "harsh" or "lenient" only with at least LABEL_MIN_COMPARED compared
  ratings, when the shrunk bias is at least LABEL_THRESHOLD of the scale, and the interval
  excludes zero. Otherwise no label, and the reason says why.

numpy/pandas only: no Django.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .core import CriterionSpec, coerce_specs
from .display import format_count, format_signed_percent, round_figure

LABEL_MIN_COMPARED = 20
LABEL_THRESHOLD = 0.10  # a tenth of the scale, as the session summary always explained
PRIOR_COMPARED = 10

# Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom; beyond, 1.96 is within 3%.
_T95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip

LABEL_RULE = (
    f"Bias is shrunk toward zero by n / (n + {PRIOR_COMPARED}) for n compared ratings. "
    f"“Harsh” or “lenient” needs at least {LABEL_MIN_COMPARED} compared ratings, a shrunk bias "
    f"of at least {LABEL_THRESHOLD:.0%} of the scale, and a 95% interval that excludes zero."
)


def t95(df: int) -> float:
    """Two-sided 95% quantile of Student's t with ``df`` degrees of freedom."""
    if df < 1:
        return math.nan
    return _T95[df - 1] if df <= len(_T95) else 1.96


@dataclass(frozen=True)
class DeviationFigure:
    """A mean deviation from a reference, with everything needed to read it honestly."""

    n: int  # compared ratings behind the figure
    mean: float | None  # raw mean deviation, share of the scale
    shrunk: float | None  # mean pulled toward zero for small n
    ci: tuple[float, float] | None  # 95% interval of the raw mean
    label: str | None  # "harsh" | "lenient" | None
    reason: str  # why this label, or why none

    @property
    def text(self) -> str:
        """ "+16.7% (shrunk +6.3%; 95% CI −2.1% to +35.4%; 6 compared)"."""
        if self.mean is None:
            return f"— ({format_count(self.n, 'compared rating')})"
        parts = [f"shrunk {format_signed_percent(self.shrunk)}"]
        if self.ci:
            low, high = (format_signed_percent(v) for v in self.ci)
            parts.append(f"95% CI {low} to {high}")
        parts.append(f"{self.n:,} compared")
        return f"{format_signed_percent(self.mean)} ({'; '.join(parts)})"

    def as_dict(self) -> dict:
        return {
            "n": self.n,
            "mean": round_figure(self.mean),
            "shrunk": round_figure(self.shrunk),
            "ci": [round_figure(v) for v in self.ci] if self.ci else None,
            "label": self.label,
            "reason": self.reason,
            "text": self.text,
        }


def deviation_figure(n: int, total: float, total_sq: float, *, directed: bool = True):
    """The figure from sufficient statistics: ``n`` deviations, their sum and sum of squares.

    ``directed=False`` for absolute deviations: shrunk and interval, never a label.
    """
    n = int(n)
    if n <= 0:
        return DeviationFigure(0, None, None, None, None, "No compared ratings.")
    mean = total / n
    shrunk = mean * n / (n + PRIOR_COMPARED)
    ci = None
    if n >= 2:
        var = max((total_sq - n * mean * mean) / (n - 1), 0.0)
        half = t95(n - 1) * math.sqrt(var / n)
        ci = (mean - half, mean + half)
    if not directed:
        return DeviationFigure(n, mean, shrunk, ci, None, "")
    return DeviationFigure(n, mean, shrunk, ci, *_label(n, shrunk, ci))


def _label(n: int, shrunk: float, ci) -> tuple[str | None, str]:
    if n < LABEL_MIN_COMPARED:
        return None, (
            f"No label: {format_count(n, 'compared rating')}, "
            f"at least {LABEL_MIN_COMPARED} are needed."
        )
    if abs(shrunk) < LABEL_THRESHOLD:
        return None, f"No label: within ±{LABEL_THRESHOLD:.0%} of the scale."
    if ci is None or ci[0] <= 0 <= ci[1]:
        return None, "No label: the 95% interval includes zero."
    word = "lenient" if shrunk > 0 else "harsh"
    return (
        word,
        f"{word.capitalize()}: {format_count(n, 'compared rating')}, interval excludes zero.",
    )


def bias_figure(bias, n, sd) -> DeviationFigure:
    """The rule applied to a session's reviewer figures (mean bias, count, sample SD)."""
    if bias is None or not n:
        return deviation_figure(0, 0.0, 0.0)
    n = int(n)
    sd = 0.0 if sd is None else float(sd)
    total = float(bias) * n
    total_sq = sd * sd * (n - 1) + n * float(bias) ** 2
    return deviation_figure(n, total, total_sq)


DEVIATION_COLUMNS = [
    "reviewer",
    "criterion",
    "reference",
    "n",
    "dev_sum",
    "dev_sq",
    "abs_sum",
    "match",
    "n_compared",
]


def deviation_sums(ratings: pd.DataFrame, references: pd.DataFrame, specs) -> pd.DataFrame:
    """Per reviewer × criterion × reference, the sufficient statistics of the deviations.

    ``ratings``: interaction, criterion, reviewer, value (NaN = N/A); ``references``:
    interaction, criterion, reference ("consensus" | "baseline"), value. A rating is compared
    where both it and the reference are values. ``n``/``dev_sum``/``dev_sq``/``abs_sum`` cover
    magnitude criteria (as a share of the scale); ``match``/``n_compared`` cover all criteria.
    """
    specs = {str(k): v for k, v in coerce_specs(specs).items()}
    if ratings.empty or references.empty:
        return pd.DataFrame(columns=DEVIATION_COLUMNS)
    left = ratings.assign(criterion=ratings["criterion"].astype(str))
    right = references.assign(criterion=references["criterion"].astype(str))
    both = left.merge(right, on=["interaction", "criterion"], suffixes=("", "_ref"))
    both = both[both["value"].notna() & both["value_ref"].notna()]
    if both.empty:
        return pd.DataFrame(columns=DEVIATION_COLUMNS)
    span = both["criterion"].map(lambda c: _spec(specs, c).scale_range).astype(float)
    magnitude = both["criterion"].map(lambda c: _spec(specs, c).has_magnitude).astype(bool)
    diff = both["value"].astype(float) - both["value_ref"].astype(float)
    scaled = (diff / span).where(magnitude)
    frame = pd.DataFrame(
        {
            "reviewer": both["reviewer"].to_numpy(),
            "criterion": both["criterion"].to_numpy(),
            "reference": both["reference"].to_numpy(),
            "n": scaled.notna().astype(int).to_numpy(),
            "dev_sum": scaled.fillna(0).to_numpy(),
            "dev_sq": (scaled * scaled).fillna(0).to_numpy(),
            "abs_sum": scaled.abs().fillna(0).to_numpy(),
            "match": (diff.abs() < 1e-9).astype(int).to_numpy(),
            "n_compared": np.ones(len(both), dtype=int),
        }
    )
    keys = ["reviewer", "criterion", "reference"]
    return frame.groupby(keys, as_index=False, sort=True)[DEVIATION_COLUMNS[3:]].sum()


def _spec(specs: dict, criterion: str) -> CriterionSpec:
    try:
        return specs[criterion]
    except KeyError:
        raise ValueError(f"No criterion metadata for {criterion!r}.") from None


def summarise_deviations(sums: pd.DataFrame, by: list[str]) -> list[dict]:
    """Rows of :func:`deviation_sums` (or stored copies) pooled by ``by`` into figures."""
    if sums.empty:
        return []
    pooled = sums.groupby(by, as_index=False, sort=True)[
        ["n", "dev_sum", "dev_sq", "abs_sum", "match", "n_compared"]
    ].sum()
    out = []
    for row in pooled.itertuples(index=False):
        row = row._asdict()
        bias = deviation_figure(row["n"], row["dev_sum"], row["dev_sq"])
        # |d| has sum of squares equal to d's, so the same sums give its interval.
        absolute = deviation_figure(row["n"], row["abs_sum"], row["dev_sq"], directed=False)
        share = row["match"] / row["n_compared"] if row["n_compared"] else None
        out.append(
            {
                **{key: row[key] for key in by},
                "bias": bias,
                "abs_deviation": absolute,
                "match_share": round_figure(share),
                "n_compared": int(row["n_compared"]),
            }
        )
    return out
