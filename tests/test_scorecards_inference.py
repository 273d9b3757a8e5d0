"""Inferring a new criterion's scale from its values (scorecards.inference): pure, no database."""

import pytest

from scorecards.inference import infer_scale
from scorecards.scales import ScaleKind


def test_inference_of_numbers_spans_one_to_the_highest_value():
    inference = infer_scale([(2, "2"), (3, "7"), (4, "3.0")])

    assert (inference.scale.kind, inference.scale.points) == ("numeric", 7)
    assert inference.codes == {2: 2, 3: 7, 4: 3}
    assert inference.description == "numeric 1–7 inferred from values 2…7"


@pytest.mark.parametrize(
    ("values", "bad_rows", "phrase"),
    [
        ([(2, "0"), (3, "1"), (4, "2")], [2], "0-based"),
        ([(2, "11"), (3, "4")], [2], "at most 10"),
        ([(2, "2.5"), (3, "4")], [2], "whole numbers"),
        ([(2, "1"), (3, "1")], [2, 3], "every value is 1"),
        ([(2, "Good"), (3, "3"), (4, "Poor")], [3], "mixes numbers and words"),
        ([(2, "Good"), (3, "good")], [2, 3], "every value is 'Good'"),
        ([(n, f"note {n}") for n in range(2, 14)], list(range(2, 14)), "free text"),
    ],
)
def test_inference_refuses_what_it_cannot_tell(values, bad_rows, phrase):
    inference = infer_scale(values)

    assert inference.scale is None
    assert inference.bad_lines == bad_rows
    assert phrase in inference.problem


def test_inference_of_words_is_pass_fail_or_labels_in_order_of_first_appearance():
    yes_no = infer_scale([(2, "Yes"), (3, "no"), (4, "YES")])
    labels = infer_scale([(2, "Friendly"), (3, "Curt"), (4, "friendly"), (5, "Warm")])

    assert yes_no.scale.kind == ScaleKind.BINARY
    assert yes_no.codes == {2: 1, 3: 0, 4: 1}
    assert labels.scale.labels == ("Friendly", "Curt", "Warm")
    assert labels.scale.ordered is False
    assert labels.codes == {2: 0, 3: 1, 4: 0, 5: 2}
    assert labels.description.startswith("unordered labels Friendly / Curt / Warm")


@pytest.mark.parametrize(
    "values,labels",
    [
        (["Partly", "Fully", "partly", "Missed"], ("Missed", "Partly", "Fully")),
        (["Fully", "Missed"], ("Missed", "Fully")),
        (["Good", "Excellent", "poor", "Fair"], ("poor", "Fair", "Good", "Excellent")),
        (["Meets expectations", "Exceeds-expectations", "Below expectations"], None),
        (["always", "Never", "sometimes"], ("Never", "sometimes", "always")),
        (["No", "Partly", "Yes"], ("No", "Partly", "Yes")),
    ],
)
def test_labels_whose_words_state_an_order_are_inferred_ordered_lowest_first(values, labels):
    inference = infer_scale(list(enumerate(values, start=2)))

    assert inference.scale.ordered is True
    if labels:
        assert inference.scale.labels == labels
    assert inference.description.startswith("ordered labels ")
    assert "lowest first" in inference.description
    # Each row's code is its own label's place on the ordered scale.
    coded = [inference.scale.labels[inference.codes[line]] for line in range(2, 2 + len(values))]
    assert [label.casefold() for label in coded] == [value.casefold() for value in values]


def test_labels_outside_one_known_scale_stay_unordered():
    mixed = infer_scale([(2, "Poor"), (3, "Fully"), (4, "Missed")])  # two scales' words
    twice = infer_scale([(2, "Not met"), (3, "not-met"), (4, "Met")])  # one label spelled two ways

    assert mixed.scale.ordered is False
    assert twice.scale.ordered is False
