"""How figures are written for people: one home for rounding and thresholds."""

import pytest

from agreement import FIGURES_HELP, RELIABLE, TENTATIVE, format_alpha, format_interval, round_figure
from agreement.core import plain_reading, reading_code
from agreement.display import format_shares


def test_reading_thresholds_are_krippendorffs():
    assert (RELIABLE, TENTATIVE) == (0.800, 0.667)
    assert reading_code(0.8) == "reliable"
    assert reading_code(0.7999) == "tentative"
    assert reading_code(0.667) == "tentative"
    assert reading_code(0.6669) == "not_calibrated"
    assert plain_reading(0.5) == "Not yet calibrated"


@pytest.mark.parametrize(
    ("value", "verdict", "text"),
    [
        (0.62, "not_calibrated", "0.62"),
        (-0.21, "not_calibrated", "−0.21"),
        (-0.001, "not_calibrated", "0.00"),
        (0.7996, "tentative", "0.799"),  # "0.80" would read reliable
        (0.6666, "not_calibrated", "0.666"),  # "0.67" would read tentative
        (0.8, "reliable", "0.80"),
        (1.0, "reliable", "1.00"),
        (None, None, None),
        (float("nan"), None, None),
    ],
)
def test_alpha_is_written_so_the_number_matches_its_reading(value, verdict, text):
    assert format_alpha(value, verdict) == text


def test_intervals_use_a_dash_unless_it_would_read_as_minus():
    assert format_interval([0.41, 0.8]) == "0.41–0.80"
    assert format_interval([-0.25, 0.06]) == "−0.25 to 0.06"
    assert format_interval(None) is None
    assert format_interval([0.1, None]) is None


def test_figures_keep_four_decimals():
    assert round_figure(0.123456) == 0.1235
    assert round_figure(float("nan")) is None


def test_the_help_text_states_the_thresholds_in_force():
    assert f"{RELIABLE:.3f}" in FIGURES_HELP["thresholds"]
    assert f"{TENTATIVE:.3f}" in FIGURES_HELP["thresholds"]


def test_shares_of_a_distribution_are_whole_percentages_of_all_answers():
    assert format_shares({"1": 3, "0": 1}) == {"1": "75%", "0": "25%"}
    assert format_shares({"2": 1, "1": 1, "na": 1}) == {"2": "33%", "1": "33%", "na": "33%"}
    # One rounding rule for every percentage: 1 of 8 is 12.5%, written as format_percent does.
    assert format_shares({"1": 1, "0": 7})["1"] == "12%"
    assert format_shares({}) == {}
