"""The agreement core: inter-rater statistics, the disagreement ranking, the minimum-data rules
and how figures are written. numpy/pandas only: no Django, no database.

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
from .display import (
    FIGURES_HELP,
    format_alpha,
    format_decimal,
    format_interval,
    format_percent,
    format_signed_percent,
    round_figure,
)
from .ranking import DISAGREEMENT_RULE, disagreement_band, rank_criteria, rank_session
from .session import MIN_UNITS_FOR_CI, session_statistics

__all__ = [
    "DEFAULT_SEED",
    "DISAGREEMENT_RULE",
    "FIGURES_HELP",
    "LEVELS",
    "MIN_UNITS_FOR_CI",
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
    "disagreement_band",
    "fleiss_kappa",
    "format_alpha",
    "format_decimal",
    "format_interval",
    "format_percent",
    "format_signed_percent",
    "icc",
    "krippendorff_alpha",
    "plain_reading",
    "rank_criteria",
    "rank_session",
    "reading_code",
    "round_figure",
    "session_statistics",
]
