"""How a criterion's fail values and weight read on the scorecard pages."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from scorecards.scales import Scale, ScaleKind
from scorecards.templatetags.scorecard_tags import fail_values, number
from tests.factories import CriterionFactory

# --- fail_values ---------------------------------------------------------------------------


def test_fail_values_lists_the_failing_points_of_a_numeric_scale():
    scale = Scale(kind=ScaleKind.NUMERIC, points=5, fail_values=(1, 2))

    assert fail_values(scale) == "1, 2"


def test_fail_values_gives_the_point_not_its_label_on_a_labelled_numeric_scale():
    scale = Scale(
        kind=ScaleKind.NUMERIC, points=3, labels=("Poor", "Fair", "Good"), fail_values=(1,)
    )

    assert fail_values(scale) == "1"


def test_fail_values_names_the_failing_labels_of_a_label_scale():
    scale = Scale(kind=ScaleKind.LABELS, labels=("Missed", "Partly", "Fully"), fail_values=(0, 1))

    assert fail_values(scale) == "Missed, Partly"


@pytest.mark.parametrize("stored", [(), (0,)])
def test_fail_values_of_pass_fail_is_always_fail(stored):
    assert fail_values(Scale(kind=ScaleKind.BINARY, fail_values=stored)) == "Fail"


@pytest.mark.parametrize(
    "scale",
    [
        Scale(kind=ScaleKind.NUMERIC, points=5),
        Scale(kind=ScaleKind.LABELS, labels=("No", "Yes")),
    ],
    ids=["numeric", "labels"],
)
def test_fail_values_says_none_when_nothing_fails(scale):
    assert fail_values(scale) == "none"


# --- number --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1.00"), "1"),
        (Decimal("1.50"), "1.5"),
        (Decimal("0.25"), "0.25"),
        (Decimal("10.00"), "10"),  # not "1E+1"
        (Decimal("100"), "100"),
        (Decimal("0.00"), "0"),
        (2.5, "2.5"),
        (3, "3"),
        ("1.50", "1.5"),
    ],
)
def test_number_writes_a_weight_without_trailing_zeros(value, text):
    assert number(value) == text


# --- in a template -------------------------------------------------------------------------


def test_a_template_writes_a_criterions_fail_values_and_weight():
    criterion = CriterionFactory.build(
        scale_kind=ScaleKind.LABELS,
        scale_points=None,
        scale_labels=["Missed", "Partly", "Fully"],
        fail_values=[0],
        weight=Decimal("2.50"),
    )
    template = Template(
        "{% load scorecard_tags %}Fails on {{ criterion.scale|fail_values }}, "
        "weight {{ criterion.weight|number }}"
    )

    text = template.render(Context({"criterion": criterion}))

    assert text == "Fails on Missed, weight 2.5"
