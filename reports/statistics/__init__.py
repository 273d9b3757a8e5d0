"""Inter-rater statistics for calibration sessions: numpy/pandas only, no Django, no database.

Formulas, thresholds, sources and the output layout are in docs/statistics.md.
"""

from .core import (
    DEFAULT_SEED,
    LEVELS,
    NO_PAIRS,
    NO_VARIATION,
    RELIABLE,
    SCALE_KINDS,
    TENTATIVE,
    AlphaResult,
    CriterionSpec,
    Descriptives,
    Disagreement,
    ICCResult,
    StatResult,
    bootstrap_alpha_ci,
    coerce_specs,
    criterion_disagreement,
    descriptives,
    fleiss_kappa,
    icc,
    krippendorff_alpha,
    plain_reading,
    reading_code,
)
from .session import session_statistics

__all__ = [
    "DEFAULT_SEED",
    "LEVELS",
    "NO_PAIRS",
    "NO_VARIATION",
    "RELIABLE",
    "SCALE_KINDS",
    "TENTATIVE",
    "AlphaResult",
    "CriterionSpec",
    "Descriptives",
    "Disagreement",
    "ICCResult",
    "StatResult",
    "bootstrap_alpha_ci",
    "coerce_specs",
    "criterion_disagreement",
    "descriptives",
    "fleiss_kappa",
    "icc",
    "krippendorff_alpha",
    "plain_reading",
    "reading_code",
    "session_statistics",
]
