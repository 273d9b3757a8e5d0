"""Agreement over time from per-unit counts (pure; no Django).

Run: .venv/bin/python -m pytest tests/test_agreement_trends.py -p no:django -q
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from agreement import MIN_UNITS_FOR_CI, CriterionSpec, krippendorff_alpha
from agreement.trends import Block, agreement_figures, period_start, trend, unit_counts


@pytest.fixture(autouse=True)
def _isolated_channel_layer():
    """Overrides the Django-only autouse fixture of tests/conftest.py: no Django needed here."""
    yield


FIVE = CriterionSpec(level="ordinal", scale_kind="numeric", scale_min=1, scale_max=5)
BINARY = CriterionSpec(level="nominal", scale_kind="binary", scale_min=0, scale_max=1)


def test_alpha_from_counts_equals_alpha_from_the_ratings():
    # raters x units, as Krippendorff's alpha reads them
    ratings = np.array(
        [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5],
            [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5],
        ]
    )
    counts = unit_counts(ratings.T, FIVE)

    figures = agreement_figures([Block(FIVE, np.array(counts))], key="t")

    expected = krippendorff_alpha(ratings, "ordinal").value
    assert figures["alpha"]["alpha"] == pytest.approx(expected, abs=1e-4)
    assert figures["alpha"]["ci"] is not None and not figures["thin"]
    assert figures["n_units"] == 10 and figures["n_ratings"] == 28


def test_a_period_with_too_few_units_is_thin_and_says_so():
    counts = np.array([[2, 0, 0, 0, 0], [0, 1, 1, 0, 0], [0, 0, 0, 2, 0]])  # 3 units

    figures = agreement_figures([Block(FIVE, counts)], key="t")

    assert figures["n_units"] < MIN_UNITS_FOR_CI
    assert figures["thin"] is True
    assert figures["alpha"]["ci"] is None
    assert "too few" in figures["note"].lower() or "too few" in figures["alpha"]["reading"]


def test_one_unit_gives_no_alpha_at_all():
    figures = agreement_figures([Block(FIVE, np.array([[1, 1, 0, 0, 0]]))], key="t")

    assert figures["alpha"]["alpha"] is None
    assert figures["thin"] and figures["note"]


def test_exact_agreement_and_spread_come_from_the_unit_counts():
    counts = np.array([[0, 1], [3, 0], [1, 1]])  # the first unit has a single rating: no share

    figures = agreement_figures([Block(BINARY, counts)], key="t")

    assert figures["exact_agreement"] == pytest.approx((1 + 0.5) / 2)
    # binary spread is the population SD over half the range: 0 and 0.5 / 0.5
    assert figures["mean_spread"] == pytest.approx((0 + 1) / 2)


def test_mixed_levels_pool_nominally_with_answers_equal_only_on_the_same_scale():
    five = np.array([[3, 0, 0, 0, 0]] * 3)
    binary = np.array([[3, 0]] * 3)  # code 0 on the binary scale is not code 1 on the 5-point

    figures = agreement_figures([Block(FIVE, five), Block(BINARY, binary)], key="t")

    assert figures["alpha"]["level"] == "nominal"
    assert figures["alpha"]["alpha"] == 1.0
    assert figures["n_units"] == 6


def test_period_start_is_the_monday_the_first_of_the_month_or_of_the_quarter():
    dates = [dt.date(2026, 5, 14)]  # a Thursday
    assert period_start(dates, "week").iloc[0] == dt.date(2026, 5, 11)
    assert period_start(dates, "month").iloc[0] == dt.date(2026, 5, 1)
    assert period_start(dates, "quarter").iloc[0] == dt.date(2026, 4, 1)
    with pytest.raises(ValueError, match="Unknown period"):
        period_start(dates, "fortnight")


def test_trend_gives_one_point_per_group_and_period_in_date_order():
    good = np.array(
        [[3, 0, 0, 0, 0], [0, 3, 0, 0, 0], [0, 0, 3, 0, 0], [0, 0, 0, 3, 0], [0, 0, 0, 0, 3]]
    )
    poor = np.array(
        [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [1, 0, 0, 1, 1], [1, 1, 0, 0, 1], [0, 1, 1, 0, 1]]
    )
    rows = pd.DataFrame(
        {
            "session": [1, 2, 3, 4],
            "date": [
                dt.date(2026, 1, 5),
                dt.date(2026, 1, 20),
                dt.date(2026, 2, 3),
                dt.date(2026, 2, 9),
            ],
            "criterion": ["a", "a", "a", "b"],
            "spec": [FIVE] * 4,
            "counts": [poor, poor, good, good[:2]],
        }
    )

    points = trend(rows, "month", group="criterion")

    assert [(p["criterion"], p["label"]) for p in points] == [
        ("a", "Jan 2026"),
        ("a", "Feb 2026"),
        ("b", "Feb 2026"),
    ]
    jan, feb, thin = points
    assert jan["n_sessions"] == 2 and jan["n_units"] == 10
    assert jan["alpha"]["alpha"] < feb["alpha"]["alpha"] == 1.0
    assert thin["thin"] and thin["n_units"] == 2


def test_the_pattern_bootstrap_agrees_with_the_unit_bootstrap():
    from agreement import bootstrap_alpha_ci

    rng = np.random.default_rng(3)
    truth = rng.integers(1, 6, size=200)
    ratings = np.clip(truth + rng.integers(-1, 2, size=(4, 200)), 1, 5).astype(float)
    counts = np.array(unit_counts(ratings.T, FIVE))

    figures = agreement_figures([Block(FIVE, counts)], key="t", n_resamples=2000)

    low, high = bootstrap_alpha_ci(ratings, "ordinal", n_resamples=2000)
    assert figures["alpha"]["ci"][0] == pytest.approx(low, abs=0.02)
    assert figures["alpha"]["ci"][1] == pytest.approx(high, abs=0.02)


def test_weighted_patterns_give_the_figures_of_the_units_they_stand_for():
    from agreement.trends import pattern_block, pattern_key

    units = np.array([[2, 1, 0, 0, 0]] * 4 + [[0, 0, 3, 0, 0]] * 3 + [[0, 1, 1, 1, 0]] * 2)
    patterns = {}
    for row in units:
        patterns[pattern_key(row)] = patterns.get(pattern_key(row), 0) + 1

    weighted = agreement_figures([pattern_block(FIVE, patterns)], key="t")
    expanded = agreement_figures([Block(FIVE, units)], key="t")

    assert len(patterns) == 3
    for name in ("exact_agreement", "mean_spread", "n_units", "n_ratings"):
        assert weighted[name] == expanded[name]
    assert weighted["alpha"]["alpha"] == expanded["alpha"]["alpha"]
    assert weighted["alpha"]["ci"] == expanded["alpha"]["ci"]


def test_the_poisson_bootstrap_of_many_units_agrees_with_the_unit_bootstrap():
    from agreement import bootstrap_alpha_ci
    from agreement.trends import POISSON_FROM_UNITS

    rng = np.random.default_rng(5)
    n = POISSON_FROM_UNITS + 500
    truth = rng.integers(1, 6, size=n)
    ratings = np.clip(truth + rng.integers(-2, 3, size=(3, n)), 1, 5).astype(float)
    counts = np.array(unit_counts(ratings.T, FIVE))

    figures = agreement_figures([Block(FIVE, counts)], key="t", n_resamples=1000)

    low, high = bootstrap_alpha_ci(ratings, "ordinal", n_resamples=1000)
    assert figures["alpha"]["ci"][0] == pytest.approx(low, abs=0.01)
    assert figures["alpha"]["ci"][1] == pytest.approx(high, abs=0.01)
