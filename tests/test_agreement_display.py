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


# --- the minimum-data rule for the live figures ---------------------------------------------


def _block(n_units, alpha=-0.25, ci=None):
    from agreement.core import reading_code as code

    return {
        "level": "nominal",
        "alpha": alpha,
        "ci": ci,
        "alpha_text": format_alpha(alpha, code(alpha)),
        "ci_text": format_interval(ci),
        "reading": "Not yet calibrated (only 2 units: too few for an interval, read with care)",
        "verdict": code(alpha),
        "reason": None,
        "caution": "only 2 units",
        "n_units": n_units,
        "n_pairable": n_units * 3,
    }


POOLED = {**_block(20, 0.71, [0.52, 0.85]), "reading": "Tentative"}


def test_the_rule_is_the_interval_rule_of_the_statistics():
    from agreement import MIN_UNITS_FOR_CI
    from agreement.display import has_interval

    assert MIN_UNITS_FOR_CI == 5
    assert not has_interval(_block(2))
    assert not has_interval(None)
    assert has_interval(_block(5, 0.5, [0.2, 0.7]))


def test_a_criterion_alpha_over_two_interactions_is_not_sent_and_words_say_what_is_known():
    from agreement.display import live_criterion_alpha

    shown = live_criterion_alpha(
        _block(2), exact_agreement=0.6667, within_one=1.0, n_interactions=2, pooled=POOLED
    )

    assert shown["alpha"] is None and shown["alpha_text"] is None and shown["ci"] is None
    assert shown["verdict"] == "undefined"  # muted: no colour
    assert shown["enough_data"] is False
    assert "0.25" not in shown["reading"]
    assert (
        "2 revealed interactions: too few for this criterion's own α (5 needed)"
        in (shown["reading"])
    )
    assert "Same answer 67% of the time, within one point 100%" in shown["reading"]
    assert (
        "Session α over all nominal criteria: 0.71 (95% CI 0.52–0.85) · Tentative"
        in (shown["reading"])
    )


def test_a_pooled_alpha_without_an_interval_is_left_out_of_the_words():
    from agreement.display import live_criterion_alpha

    shown = live_criterion_alpha(
        _block(2), exact_agreement=0.5, n_interactions=2, pooled=_block(4, 0.3)
    )

    assert "Session α" not in shown["reading"]
    assert "within one" not in shown["reading"]


def test_a_criterion_alpha_with_an_interval_is_sent_as_it_is():
    from agreement.display import live_criterion_alpha

    block = _block(8, 0.5, [0.2, 0.7])

    shown = live_criterion_alpha(block, exact_agreement=0.9, n_interactions=8, pooled=POOLED)

    assert shown == {**block, "enough_data": True}


def test_a_figure_without_an_interval_keeps_its_number_but_loses_reading_and_colour():
    from agreement.display import live_alpha

    shown = live_alpha(_block(3, 0.9))

    assert shown["alpha_text"] == "0.90"
    assert shown["verdict"] == "undefined"
    assert shown["reading"] == "3 units: too few for an interval (5 needed), so no reading yet"
    with_ci = _block(6, 0.9, [0.8, 0.95])
    assert live_alpha(with_ci) is with_ci
    assert live_alpha(None) is None


def test_the_help_explains_why_alpha_can_be_low_while_exact_agreement_is_high():
    text = " ".join(FIGURES_HELP["explanation"])

    assert "Exact agreement can look high while alpha is low" in text
    assert "chance" in text


def test_a_listed_alpha_without_an_interval_loses_its_number_too():
    from agreement.display import alpha_or_words

    shown = alpha_or_words(_block(2, -0.25))

    assert shown["alpha"] is None and shown["alpha_text"] is None
    assert shown["verdict"] == "undefined"
    assert shown["reading"] == "2 units: too few for an α (5 needed)"
    with_ci = _block(6, 0.9, [0.8, 0.95])
    assert alpha_or_words(with_ci) is with_ci
    no_figure = {**_block(2), "alpha_text": None, "reason": "No variation"}
    assert alpha_or_words(no_figure) is no_figure
