"""The reviewer-figure rule: counts, intervals, shrinkage and labels (pure; no Django).

Run: .venv/bin/python -m pytest tests/test_agreement_reviewers.py -p no:django -q
"""

import math

import numpy as np
import pandas as pd
import pytest

from agreement.reviewers import (
    LABEL_MIN_COMPARED,
    PRIOR_COMPARED,
    bias_figure,
    deviation_figure,
    deviation_sums,
    summarise_deviations,
    t95,
)


@pytest.fixture(autouse=True)
def _isolated_channel_layer():
    """Overrides the Django-only autouse fixture of tests/conftest.py: no Django needed here."""
    yield


def figure_of(deviations):
    d = np.asarray(deviations, dtype=float)
    return deviation_figure(d.size, d.sum(), (d * d).sum())


def test_one_compared_rating_is_never_called_harsh_and_shrinks_toward_zero():
    figure = figure_of([-1.0])

    assert figure.mean == -1.0
    assert figure.label is None
    assert figure.shrunk == pytest.approx(-1 / (1 + PRIOR_COMPARED))
    assert figure.ci is None  # one rating has no spread
    assert "1 compared rating" in figure.reason
    assert "harsh" not in figure.text


def test_a_consistent_bias_over_enough_ratings_is_labelled():
    figure = figure_of([-0.5, -0.25] * 15)  # 30 compared, mean −37.5%

    assert figure.n == 30
    assert figure.label == "harsh"
    assert figure.ci[1] < 0
    assert figure.shrunk == pytest.approx(-0.375 * 30 / 40)


def test_enough_ratings_but_an_interval_across_zero_gives_no_label():
    figure = figure_of([1.0, -0.7] * 15)  # mean +15%, but all over the place

    assert figure.n >= LABEL_MIN_COMPARED
    assert abs(figure.shrunk) >= 0.1
    assert figure.ci[0] < 0 < figure.ci[1]
    assert figure.label is None
    assert "includes zero" in figure.reason


def test_just_below_the_minimum_count_gives_no_label_however_large_the_bias():
    figure = figure_of([0.5] * (LABEL_MIN_COMPARED - 1))

    assert figure.label is None
    assert f"at least {LABEL_MIN_COMPARED}" in figure.reason
    assert figure_of([0.5] * LABEL_MIN_COMPARED).label == "lenient"


def test_the_interval_is_the_t_interval_of_the_mean():
    d = np.array([0.1, 0.3, 0.2, 0.4])
    figure = figure_of(d)
    half = t95(3) * d.std(ddof=1) / math.sqrt(4)

    assert figure.ci == pytest.approx((d.mean() - half, d.mean() + half))


def test_bias_figure_from_a_sessions_mean_count_and_sd_matches_the_raw_deviations():
    d = np.array([0.25, 0.0, 0.5, 0.25, 0.25, 0.0])
    raw = figure_of(d)

    via_summary = bias_figure(d.mean(), d.size, d.std(ddof=1))

    assert via_summary.ci == pytest.approx(raw.ci)
    assert via_summary.shrunk == pytest.approx(raw.shrunk)
    assert bias_figure(None, 0, None).n == 0


SPECS = {
    "score": {"level": "ordinal", "scale_kind": "numeric", "scale_min": 1, "scale_max": 5},
    "tone": {"level": "nominal", "scale_kind": "labels", "scale_max": 2, "ordered": False},
}


def test_deviation_sums_scale_by_the_range_and_leave_unordered_labels_out_of_the_bias():
    ratings = pd.DataFrame(
        {
            "interaction": [1, 2, 1, 1],
            "criterion": ["score", "score", "tone", "score"],
            "reviewer": ["bob", "bob", "bob", "ann"],
            "value": [5.0, 3.0, 1.0, np.nan],  # ann's N/A is not compared
        }
    )
    references = pd.DataFrame(
        {
            "interaction": [1, 2, 1],
            "criterion": ["score", "score", "tone"],
            "reference": ["consensus"] * 3,
            "value": [3.0, 3.0, 2.0],
        }
    )

    sums = deviation_sums(ratings, references, SPECS)

    score = sums[(sums.reviewer == "bob") & (sums.criterion == "score")].iloc[0]
    assert score["n"] == 2 and score["dev_sum"] == pytest.approx(0.5)
    assert score["dev_sq"] == pytest.approx(0.25) and score["match"] == 1
    tone = sums[(sums.reviewer == "bob") & (sums.criterion == "tone")].iloc[0]
    assert tone["n"] == 0 and tone["n_compared"] == 1 and tone["match"] == 0
    assert "ann" not in set(sums.reviewer)
    (bob,) = summarise_deviations(sums, ["reviewer"])
    assert bob["bias"].n == 2 and bob["bias"].mean == pytest.approx(0.25)
    assert bob["n_compared"] == 3 and bob["match_share"] == pytest.approx(1 / 3, abs=1e-4)


def test_deviation_sums_refuse_a_criterion_without_metadata():
    ratings = pd.DataFrame(
        {"interaction": [1], "criterion": ["x"], "reviewer": ["a"], "value": [1.0]}
    )
    refs = pd.DataFrame(
        {"interaction": [1], "criterion": ["x"], "reference": ["consensus"], "value": [1.0]}
    )
    with pytest.raises(ValueError, match="No criterion metadata"):
        deviation_sums(ratings, refs, SPECS)
