"""Rating scales: what values a criterion accepts and what they mean.

A rating is stored as a small integer code so statistics and constraints need no lookup:
binary 0 = fail, 1 = pass; numeric points 1..N; labels 0..k-1 in the order given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models


class ScaleKind(models.TextChoices):
    BINARY = "binary", "Pass / fail"
    NUMERIC = "numeric", "Numeric points (1..N)"
    LABELS = "labels", "Custom labels"


class Level(models.TextChoices):
    NOMINAL = "nominal", "Nominal"
    ORDINAL = "ordinal", "Ordinal"


NUMERIC_MIN_POINTS = 2
NUMERIC_MAX_POINTS = 10


class ScaleError(ValueError):
    pass


@dataclass(frozen=True)
class Scale:
    kind: str
    points: int | None = None  # numeric only
    labels: tuple[str, ...] = field(default_factory=tuple)  # numeric: optional per point
    ordered: bool = True
    fail_values: tuple[int, ...] = field(default_factory=tuple)

    def __post_init__(self):
        if self.kind == ScaleKind.BINARY:
            pass
        elif self.kind == ScaleKind.NUMERIC:
            if self.points is None or not (NUMERIC_MIN_POINTS <= self.points <= NUMERIC_MAX_POINTS):
                raise ScaleError(
                    f"A numeric scale needs between {NUMERIC_MIN_POINTS} and "
                    f"{NUMERIC_MAX_POINTS} points."
                )
            if self.labels and len(self.labels) != self.points:
                raise ScaleError(
                    f"Give one label per point ({self.points}), or none at all "
                    f"(got {len(self.labels)})."
                )
        elif self.kind == ScaleKind.LABELS:
            if len(self.labels) < 2:
                raise ScaleError("A label scale needs at least two labels.")
            if len({label.strip().lower() for label in self.labels}) != len(self.labels):
                raise ScaleError("Labels must be different from each other.")
        else:
            raise ScaleError(f"Unknown scale kind {self.kind!r}.")
        bad = [v for v in self.fail_values if v not in self.values]
        if bad:
            raise ScaleError(f"Fail values {bad} are not on the scale.")

    @property
    def values(self) -> list[int]:
        if self.kind == ScaleKind.BINARY:
            return [1, 0]
        if self.kind == ScaleKind.NUMERIC:
            return list(range(1, self.points + 1))
        return list(range(len(self.labels)))

    @property
    def min_value(self) -> int:
        return min(self.values)

    @property
    def max_value(self) -> int:
        return max(self.values)

    @property
    def level(self) -> str:
        if self.kind == ScaleKind.BINARY:
            return Level.NOMINAL
        if self.kind == ScaleKind.NUMERIC:
            return Level.ORDINAL
        return Level.ORDINAL if self.ordered else Level.NOMINAL

    @property
    def is_ordered(self) -> bool:
        return self.level == Level.ORDINAL

    @property
    def effective_fail_values(self) -> tuple[int, ...]:
        if self.kind == ScaleKind.BINARY:
            return (0,)
        return self.fail_values

    def label_for(self, value: int | None) -> str:
        if value is None:
            return "N/A"
        if self.kind == ScaleKind.BINARY:
            return "Pass" if value == 1 else "Fail"
        if self.kind == ScaleKind.NUMERIC:
            if self.labels:
                return f"{value} · {self.labels[value - 1]}"
            return str(value)
        return self.labels[value]

    def choices(self) -> list[tuple[int, str]]:
        return [(value, self.label_for(value)) for value in self.values]

    def is_fail(self, value: int | None) -> bool:
        return value is not None and value in self.effective_fail_values

    def parse(self, raw: str) -> int:
        """A value as a person would write it in a file: the number or the label."""
        text = str(raw).strip()
        lowered = text.lower()
        if self.kind == ScaleKind.BINARY:
            if lowered in {"1", "pass", "yes", "true", "passed", "y"}:
                return 1
            if lowered in {"0", "fail", "no", "false", "failed", "n"}:
                return 0
            raise ScaleError(f"{text!r} is not pass or fail.")
        if self.kind == ScaleKind.NUMERIC:
            try:
                number = float(text)
            except ValueError:
                for index, label in enumerate(self.labels, start=1):
                    if label.lower() == lowered:
                        return index
                raise ScaleError(f"{text!r} is not a number from 1 to {self.points}.") from None
            if not number.is_integer() or not 1 <= number <= self.points:
                raise ScaleError(f"{text!r} is not a whole number from 1 to {self.points}.")
            return int(number)
        for index, label in enumerate(self.labels):
            if label.lower() == lowered:
                return index
        raise ScaleError(f"{text!r} is not one of: {', '.join(self.labels)}.")

    def describe(self) -> str:
        if self.kind == ScaleKind.BINARY:
            return "Pass / fail"
        if self.kind == ScaleKind.NUMERIC:
            text = f"1–{self.points}"
            if self.labels:
                text += f" ({self.labels[0]} … {self.labels[-1]})"
            return text
        joined = " / ".join(self.labels)
        return f"{joined} ({'ordered' if self.ordered else 'unordered'})"
