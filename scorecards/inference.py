"""Inferring a new criterion's scale from the values people gave it (pure: no database).

Used when a file names a criterion the scorecard lacks (history import with --create-missing):
whole numbers from 1 to at most 10 -> numeric points 1..max (at least 2); only pass/fail (or
yes/no) -> binary; labels that all come from one known graded scale (Missed / Partly / Fully,
Poor … Excellent) -> ordered labels in that order; any other text -> unordered labels in order
of first appearance. What cannot
be told (0-based or long scales, a single value, numbers mixed with words, free text) is refused
with the rows at fault, so the person creates the criterion with the scale they mean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .scales import NUMERIC_MAX_POINTS, Scale, ScaleKind
from .specs import LIST_SEPARATOR

BINARY_WORDS = {"pass": 1, "passed": 1, "yes": 1, "fail": 0, "failed": 0, "no": 0}
# Graded labels whose order their words state, lowest first (compared casefolded, with runs
# of spaces, "-" and "_" as one space). Labels that all come from one of these are ordered.
ORDERED_LABELS = (
    ("missed", "partly", "fully"),
    ("missed", "partial", "full"),
    ("missed", "partially", "fully"),
    ("not met", "partly met", "met"),
    ("not met", "partially met", "met", "exceeded"),
    ("not met", "partially met", "fully met"),
    ("no", "partly", "yes"),
    ("no", "partial", "yes"),
    ("no", "partially", "yes"),
    ("none", "partial", "full"),
    ("none", "some", "most", "all"),
    ("never", "rarely", "sometimes", "often", "always"),
    ("poor", "fair", "good", "very good", "excellent"),
    ("poor", "fair", "good", "excellent"),
    ("poor", "average", "good", "excellent"),
    ("bad", "ok", "good"),
    ("bad", "okay", "good"),
    ("low", "medium", "high"),
    ("below expectations", "meets expectations", "exceeds expectations"),
    ("unacceptable", "needs improvement", "meets expectations", "exceeds expectations"),
    ("strongly disagree", "disagree", "neutral", "agree", "strongly agree"),
)
MAX_LABELS = 11  # a rating is stored as a code from 0 to 10
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


@dataclass(frozen=True)
class Inference:
    scale: Scale | None
    description: str = ""
    codes: dict[int, int] = field(default_factory=dict)  # line -> code
    problem: str = ""
    bad_lines: list[int] = field(default_factory=list)


def infer_scale(values: list[tuple[int, str]]) -> Inference:
    """The scale a new criterion's values imply, from (line, value) pairs (no N/A, no blanks).

    Whole numbers from 1 to at most 10 -> numeric points 1..max (at least 2); only pass/fail
    (or yes/no) -> binary; labels of one known graded scale -> ordered labels, lowest first;
    any other text -> unordered labels in order of first appearance.
    """
    if not values:
        return Inference(scale=None)
    numbers = [(line, text) for line, text in values if _NUMBER.match(text)]
    if numbers and len(numbers) != len(values):
        words = [(line, text) for line, text in values if not _NUMBER.match(text)]
        first_is_number = _NUMBER.match(values[0][1]) is not None
        odd = words if first_is_number else numbers
        example_line, example = (numbers if first_is_number else words)[0]
        return Inference(
            scale=None,
            problem=(
                f"mixes numbers and words (for example {example!r} on row {example_line}): "
                "a criterion's values must be all numbers or all labels"
            ),
            bad_lines=[line for line, _ in odd],
        )
    if numbers:
        return _infer_numeric(values)
    folded = {text.casefold() for _, text in values}
    if folded <= set(BINARY_WORDS):
        codes = {line: BINARY_WORDS[text.casefold()] for line, text in values}
        seen = list(dict.fromkeys(text.casefold() for _, text in values))
        return Inference(
            scale=Scale(kind=ScaleKind.BINARY, fail_values=(0,)),
            description=f"pass / fail inferred from values {', '.join(seen)}",
            codes=codes,
        )
    return _infer_labels(values)


def _infer_numeric(values: list[tuple[int, str]]) -> Inference:
    parsed = [(line, text, float(text)) for line, text in values]
    bad = [
        (line, text)
        for line, text, number in parsed
        if not number.is_integer() or not 1 <= number <= NUMERIC_MAX_POINTS
    ]
    if bad:
        return Inference(
            scale=None,
            problem=(
                f"{bad[0][1]!r} cannot be on an inferred numeric scale: those run from 1 up to "
                f"at most {NUMERIC_MAX_POINTS} in whole numbers (a 0-based or larger scale is "
                "not guessed); add the criterion to the scorecard first, or write pass/fail "
                "for a pass / fail criterion"
            ),
            bad_lines=[line for line, _ in bad],
        )
    codes = {line: int(number) for line, _, number in parsed}
    low, high = min(codes.values()), max(codes.values())
    if high < 2:
        return Inference(
            scale=None,
            problem=(
                "every value is 1, so the size of the scale cannot be told: add the criterion "
                "to the scorecard first"
            ),
            bad_lines=list(codes),
        )
    scale = Scale(kind=ScaleKind.NUMERIC, points=high)
    return Inference(
        scale=scale,
        description=f"numeric 1–{high} inferred from values {low}…{high}",
        codes=codes,
    )


def _infer_labels(values: list[tuple[int, str]]) -> Inference:
    labels: dict[str, str] = {}  # casefold -> first spelling
    for _, text in values:
        labels.setdefault(text.casefold(), text)
    with_separator = [line for line, text in values if LIST_SEPARATOR in text]
    if with_separator:
        return Inference(
            scale=None,
            problem=f"a label cannot contain “{LIST_SEPARATOR}”",
            bad_lines=with_separator,
        )
    if len(labels) < 2:
        return Inference(
            scale=None,
            problem=(
                f"every value is {next(iter(labels.values()))!r}, so the scale cannot be told: "
                "add the criterion to the scorecard first"
            ),
            bad_lines=[line for line, _ in values],
        )
    if len(labels) > MAX_LABELS:
        return Inference(
            scale=None,
            problem=(
                f"{len(labels)} different values, more than the {MAX_LABELS} labels a scale "
                "can have: is this free text? Put it in the comment column"
            ),
            bad_lines=[line for line, _ in values],
        )
    ranked = _known_order(list(labels))
    if ranked is not None:
        order = ranked
        description = (
            f"ordered labels {' / '.join(labels[key] for key in order)} inferred from the "
            "values, lowest first (a known order of such labels)"
        )
    else:
        order = list(labels)
        description = (
            f"unordered labels {' / '.join(labels.values())} inferred from the values, in "
            "order of first appearance"
        )
    scale = Scale(
        kind=ScaleKind.LABELS,
        labels=tuple(labels[key] for key in order),
        ordered=ranked is not None,
    )
    return Inference(
        scale=scale,
        description=description,
        codes={line: order.index(text.casefold()) for line, text in values},
    )


def _words(text: str) -> str:
    return " ".join(re.split(r"[\s_-]+", text.casefold().strip()))


def _known_order(folded: list[str]) -> list[str] | None:
    """The labels (casefolded) lowest first, when they all belong to one known graded scale
    (Missed / Partly / Fully, Poor … Excellent, Never … Always); otherwise None: labels are
    only ordered when their words say so."""
    spelled = {_words(label): label for label in folded}
    if len(spelled) != len(folded):  # "Not met" and "not-met" both: not one clear scale
        return None
    for scale in ORDERED_LABELS:
        if set(spelled) <= set(scale):
            return [spelled[word] for word in scale if word in spelled]
    return None
