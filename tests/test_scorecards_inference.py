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
    labels = infer_scale([(2, "Partly"), (3, "Fully"), (4, "partly"), (5, "Missed")])

    assert yes_no.scale.kind == ScaleKind.BINARY
    assert yes_no.codes == {2: 1, 3: 0, 4: 1}
    assert labels.scale.labels == ("Partly", "Fully", "Missed")
    assert labels.scale.ordered is False
    assert labels.codes == {2: 0, 3: 1, 4: 0, 5: 2}
