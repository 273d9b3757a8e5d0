"""Agreement figures as the session pages write them: the rules of agreement.display, pinned.

Blocks are built the way agreement.session builds them (the verdict from reading_code), so a
change to the rounding or to the thresholds changes the strings below and fails here.
"""

import math
from decimal import Decimal

import pytest
from django.template import Context, Template

from agreement.core import reading_code
from sessions.templatetags.session_figures import (
    alpha_ci,
    alpha_thresholds,
    alpha_value,
    decimal2,
    percent,
    signed_percent,
)

MINUS = "\u2212"
EN_DASH = "\u2013"
EM_DASH = "\u2014"


def block(alpha, ci=None):
    return {"alpha": alpha, "ci": ci, "verdict": reading_code(alpha)}


# --- alpha_value ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alpha", "text"),
    [
        (0.62, "0.62"),
        (0.8, "0.80"),
        (1.0, "1.00"),
        (0.0, "0.00"),
        (0.6712, "0.67"),
    ],
)
def test_alpha_value_writes_two_decimals(alpha, text):
    assert alpha_value(block(alpha)) == text


def test_alpha_value_keeps_three_decimals_where_two_would_read_reliable():
    assert alpha_value(block(0.7996)) == "0.799"


def test_alpha_value_keeps_three_decimals_where_two_would_read_tentative():
    assert alpha_value(block(0.6666)) == "0.666"
    assert alpha_value(block(0.6669)) == "0.666"  # just below 0.667


def test_alpha_value_follows_the_verdict_it_is_given():
    assert alpha_value({"alpha": 0.7996, "verdict": "reliable"}) == "0.80"
    assert alpha_value({"alpha": 0.7996}) == "0.80"


def test_alpha_value_writes_a_real_minus_sign():
    assert alpha_value(block(-0.21)) == f"{MINUS}0.21"


def test_alpha_value_never_writes_minus_zero():
    assert alpha_value(block(-0.004)) == "0.00"


@pytest.mark.parametrize(
    "missing", [None, {}, {"alpha": None, "verdict": "undefined"}, block(math.nan)]
)
def test_alpha_value_is_empty_for_a_missing_alpha(missing):
    assert alpha_value(missing) == ""


# --- alpha_ci ------------------------------------------------------------------------------


def test_alpha_ci_joins_a_positive_interval_with_an_en_dash():
    assert alpha_ci(block(0.62, [0.41, 0.8])) == f"0.41{EN_DASH}0.80"


def test_alpha_ci_writes_to_where_a_dash_would_read_as_a_minus():
    assert alpha_ci(block(-0.1, [-0.25, 0.06])) == f"{MINUS}0.25 to 0.06"
    assert alpha_ci(block(-0.3, [-0.4, -0.1])) == f"{MINUS}0.40 to {MINUS}0.10"


@pytest.mark.parametrize(
    "missing", [None, {}, block(0.5), block(0.5, [0.1, None]), block(0.5, [0.1])]
)
def test_alpha_ci_is_empty_without_a_whole_interval(missing):
    assert alpha_ci(missing) == ""


# --- percent -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (0.5714, 0, "57%"),
        (0.5714, 1, "57.1%"),
        (0.5714, "1", "57.1%"),  # a template argument arrives as a string
        ("0.25", 0, "25%"),
        (Decimal("0.125"), 1, "12.5%"),
        (1, 0, "100%"),
        (-0.25, 0, f"{MINUS}25%"),
        (-0.001, 0, "0%"),
        (-0.0004, 1, "0.0%"),
    ],
)
def test_percent_writes_a_share_as_a_rounded_percentage(value, digits, text):
    assert percent(value, digits) == text


@pytest.mark.parametrize("missing", [None, "", "n/a", math.nan, object()])
def test_percent_writes_an_em_dash_for_a_missing_share(missing):
    assert percent(missing) == EM_DASH


# --- signed_percent ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (0.125, 1, "+12.5%"),
        (-0.0147, 1, f"{MINUS}1.5%"),
        (0.127, 0, "+13%"),
        (0, 1, "0.0%"),
        (0.0004, 1, "0.0%"),  # rounds to zero: no "+0.0%"
        (-0.0004, 1, "0.0%"),  # nor "−0.0%"
        ("0.2", "1", "+20.0%"),
    ],
)
def test_signed_percent_shows_the_sign_of_a_bias(value, digits, text):
    assert signed_percent(value, digits) == text


def test_signed_percent_writes_one_decimal_by_default():
    assert signed_percent(0.125) == "+12.5%"


@pytest.mark.parametrize("missing", [None, "", "lenient"])
def test_signed_percent_writes_an_em_dash_for_a_missing_bias(missing):
    assert signed_percent(missing) == EM_DASH


# --- decimal2 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.5, "0.50"),
        (1.234, "1.23"),
        ("0.456", "0.46"),
        (Decimal("2"), "2.00"),
        (-1.234, f"{MINUS}1.23"),
        (-0.004, "0.00"),
    ],
)
def test_decimal2_writes_two_decimals_with_a_real_minus(value, text):
    assert decimal2(value) == text


@pytest.mark.parametrize("missing", [None, "", "x", math.nan])
def test_decimal2_writes_an_em_dash_for_a_missing_figure(missing):
    assert decimal2(missing) == EM_DASH


# --- alpha_thresholds ----------------------------------------------------------------------


def test_alpha_thresholds_states_krippendorffs_thresholds_in_words():
    assert alpha_thresholds() == (
        "≥ 0.800 reliable · 0.667 to 0.800 tentative: draw only tentative conclusions · "
        "below 0.667 not yet calibrated. Thresholds from Krippendorff (2004), Content "
        "Analysis, 2nd ed., p. 241."
    )


# --- in a template -------------------------------------------------------------------------


def test_a_template_writes_every_figure_through_the_library():
    template = Template(
        "{% load session_figures %}"
        "{{ overall|alpha_value }} ({{ overall|alpha_ci }}) | "
        "{{ negative|alpha_value }} ({{ negative|alpha_ci }}) | "
        "{{ share|percent }} {{ share|percent:1 }} | "
        "{{ lenient|signed_percent }} {{ harsh|signed_percent }} | "
        "{{ gap|decimal2 }} {{ nothing|decimal2 }} {{ nothing|percent }} | "
        "{% alpha_thresholds %}"
    )
    context = Context(
        {
            "overall": block(0.7996, [0.6512, 0.9]),
            "negative": block(-0.0012, [-0.25, 0.06]),
            "share": 0.5714,
            "lenient": 0.125,
            "harsh": -0.0147,
            "gap": -0.756,
            "nothing": None,
        }
    )

    text = template.render(context)

    assert text == (
        f"0.799 (0.65{EN_DASH}0.90) | "
        f"0.00 ({MINUS}0.25 to 0.06) | "
        "57% 57.1% | "
        f"+12.5% {MINUS}1.5% | "
        f"{MINUS}0.76 {EM_DASH} {EM_DASH} | "
        "≥ 0.800 reliable · 0.667 to 0.800 tentative: draw only tentative conclusions · "
        "below 0.667 not yet calibrated. Thresholds from Krippendorff (2004), Content "
        "Analysis, 2nd ed., p. 241."
    )
    assert "-" not in text.split("|")[1]  # a hyphen would be a minus in disguise
