"""What a criterion says, as a plain value: built from a form or an import file, compared
with what is stored, and described in words when it changes.

Everything here is pure (no database), so forms, imports and services share one set of rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation

from .scales import NUMERIC_MAX_POINTS, NUMERIC_MIN_POINTS, Scale, ScaleError, ScaleKind

NAME_MAX_LENGTH = 200
GROUP_MAX_LENGTH = 120
WEIGHT_MAX = Decimal("9999.99")
LIST_SEPARATOR = "|"
TRUE_WORDS = frozenset({"yes", "true", "1", "y"})
FALSE_WORDS = frozenset({"no", "false", "0", "n"})


class SpecError(ValueError):
    """A value that cannot be used; `field` names the input it came from."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(message)


def normalize_scale(scale: Scale) -> Scale:
    """One spelling per scale, so two equal scales compare equal."""
    if scale.kind == ScaleKind.BINARY:
        return Scale(kind=ScaleKind.BINARY, fail_values=(0,))
    fail_values = tuple(value for value in scale.values if value in set(scale.fail_values))
    if scale.kind == ScaleKind.NUMERIC:
        return Scale(
            kind=ScaleKind.NUMERIC,
            points=scale.points,
            labels=scale.labels,
            fail_values=fail_values,
        )
    return Scale(
        kind=ScaleKind.LABELS, labels=scale.labels, ordered=scale.ordered, fail_values=fail_values
    )


@dataclass(frozen=True)
class CriterionData:
    """The editable content of a criterion (everything but its key and position)."""

    name: str
    scale: Scale
    group: str = ""
    description: str = ""
    guidance_right: str = ""
    guidance_wrong: str = ""
    na_allowed: bool = False
    weight: Decimal = Decimal(1)
    critical: bool = False
    is_active: bool = True

    def __post_init__(self):
        object.__setattr__(self, "name", self.name.strip())
        object.__setattr__(self, "group", self.group.strip())
        object.__setattr__(self, "weight", Decimal(str(self.weight)))
        object.__setattr__(self, "scale", normalize_scale(self.scale))
        if not self.name:
            raise SpecError("name", "Give the criterion a name.")
        if len(self.name) > NAME_MAX_LENGTH:
            raise SpecError("name", f"Keep the name under {NAME_MAX_LENGTH} characters.")
        if len(self.group) > GROUP_MAX_LENGTH:
            raise SpecError("group", f"Keep the group under {GROUP_MAX_LENGTH} characters.")
        check_weight(self.weight)

    @classmethod
    def from_criterion(cls, criterion) -> CriterionData:
        names = {item.name for item in fields(cls)} - {"scale"}
        return cls(scale=criterion.scale, **{name: getattr(criterion, name) for name in names})

    @staticmethod
    def model_field_names() -> list[str]:
        plain = [item.name for item in fields(CriterionData) if item.name != "scale"]
        return [
            *plain,
            "scale_kind",
            "scale_points",
            "scale_labels",
            "scale_ordered",
            "fail_values",
        ]

    def model_fields(self) -> dict:
        """Values for the Criterion model's fields."""
        scale = self.scale
        values = {item.name: getattr(self, item.name) for item in fields(self)}
        del values["scale"]
        values.update(
            scale_kind=scale.kind,
            scale_points=scale.points if scale.kind == ScaleKind.NUMERIC else None,
            scale_labels=list(scale.labels),
            scale_ordered=scale.ordered,
            fail_values=list(scale.fail_values),
        )
        return values


# --- building a scale from what a person typed -----------------------------------------------


@dataclass(frozen=True)
class ScaleInput:
    kind: str
    points: int | None = None
    labels: Sequence[str] = field(default_factory=tuple)
    ordered: bool = True
    fail_values: Sequence[str] = field(default_factory=tuple)


def build_scale(raw: ScaleInput) -> Scale:
    """A Scale from typed parts; SpecError names the part that is wrong."""
    kind = (raw.kind or "").strip().lower()
    if kind not in ScaleKind.values:
        raise SpecError("scale", f"Unknown scale {raw.kind!r}: use binary, numeric or labels.")
    labels = tuple(label.strip() for label in raw.labels if label.strip())
    if any(LIST_SEPARATOR in label for label in labels):
        raise SpecError("labels", f"Labels cannot contain “{LIST_SEPARATOR}”.")
    if kind == ScaleKind.NUMERIC:
        _check_points(raw.points, labels)
    try:
        base = Scale(
            kind=kind,
            points=raw.points if kind == ScaleKind.NUMERIC else None,
            labels=labels if kind != ScaleKind.BINARY else (),
            ordered=raw.ordered,
        )
    except ScaleError as error:
        raise SpecError("labels", str(error)) from None
    return replace(base, fail_values=parse_fail_values(base, raw.fail_values))


def _check_points(points: int | None, labels: tuple[str, ...]) -> None:
    if points is None:
        raise SpecError("points", "A numeric scale needs a number of points.")
    if not NUMERIC_MIN_POINTS <= points <= NUMERIC_MAX_POINTS:
        raise SpecError(
            "points",
            f"Points must be from {NUMERIC_MIN_POINTS} to {NUMERIC_MAX_POINTS} (got {points}).",
        )
    if labels and len(labels) != points:
        raise SpecError(
            "labels", f"Give one label per point ({points}) or none at all (got {len(labels)})."
        )


def parse_fail_values(scale: Scale, raw_values: Sequence[str]) -> tuple[int, ...]:
    """Fail values as written on the scale ("1", "2", "Poor", "fail") to their codes."""
    tokens = [str(value).strip() for value in raw_values if str(value).strip()]
    if scale.kind == ScaleKind.BINARY:
        if any(_parse_value(scale, token) != 0 for token in tokens):
            raise SpecError("fail_values", "On a pass / fail scale only “fail” can be a fail.")
        return (0,)
    codes = {_parse_value(scale, token) for token in tokens}
    return tuple(value for value in scale.values if value in codes)


def _parse_value(scale: Scale, token: str) -> int:
    try:
        return scale.parse(token)
    except ScaleError as error:
        raise SpecError("fail_values", f"Fail value {error}") from None


CRITICAL_NEEDS_A_FAIL = "A critical criterion needs at least one value that counts as a fail."


def check_critical(data: CriterionData) -> None:
    """A critical criterion fails the interaction when it fails: it must be able to fail."""
    if data.critical and not data.scale.effective_fail_values:
        raise SpecError("fail_values", CRITICAL_NEEDS_A_FAIL)


def split_list(text: str) -> list[str]:
    """Labels or fail values written in one cell or input: "Poor | Fair | Good"."""
    return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]


def parse_fail_text(text: str, labels: Sequence[str] = ()) -> list[str]:
    """The fail-values input of the form: separated by “|” or new lines if it has any, else by
    commas. With commas, a label that has commas in it is still one value: with the labels
    "Good, mostly" and "Bad, really", "Bad, really" names one label, not "Bad" and "really"."""
    if LIST_SEPARATOR in text or "\n" in text:
        parts = text.replace("\n", LIST_SEPARATOR).split(LIST_SEPARATOR)
        return [part.strip() for part in parts if part.strip()]
    pieces = [part.strip() for part in text.split(",")]
    by_text = {_comma_key(label): label.strip() for label in labels if "," in label}
    values = []
    start = 0
    while start < len(pieces):
        for end in range(len(pieces), start + 1, -1):  # the longest run that names a label
            label = by_text.get(_comma_key(",".join(pieces[start:end])))
            if label is not None:
                values.append(label)
                start = end
                break
        else:
            values.append(pieces[start])
            start += 1
    return [value for value in values if value]


def _comma_key(text: str) -> str:
    return ",".join(part.strip() for part in text.split(",")).casefold()


def fail_tokens(scale: Scale) -> list[str]:
    """Fail values as written on the scale: "fail", numbers, or label text."""
    if scale.kind == ScaleKind.BINARY:
        return ["fail"]
    if scale.kind == ScaleKind.NUMERIC:
        return [str(value) for value in scale.effective_fail_values]
    return [scale.labels[value] for value in scale.effective_fail_values]


def fail_text_for_input(scale: Scale) -> str:
    tokens = fail_tokens(scale)
    separator = f" {LIST_SEPARATOR} " if any("," in token for token in tokens) else ", "
    return separator.join(tokens)


# --- small value parsers shared by imports ---------------------------------------------------


def parse_bool(value, *, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(f"{value!r} is not yes or no (use yes/no, true/false or 1/0).")


def parse_weight(value) -> Decimal:
    if value is None or value == "":
        return Decimal(1)
    if isinstance(value, bool):
        raise SpecError("weight", f"{value!r} is not a number.")
    try:
        weight = Decimal(str(value).strip())
    except InvalidOperation:
        raise SpecError("weight", f"{value!r} is not a number.") from None
    check_weight(weight)
    return weight


def check_weight(weight: Decimal) -> None:
    if not weight.is_finite() or weight < 0:
        raise SpecError("weight", "The weight must be zero or more.")
    if weight > WEIGHT_MAX:
        raise SpecError("weight", f"The weight must be at most {format_number(WEIGHT_MAX)}.")
    if weight != weight.quantize(Decimal("0.01")):
        raise SpecError("weight", "The weight can have at most two decimals.")


def format_number(value: Decimal) -> str:
    """1.00 -> "1", 1.50 -> "1.5"."""
    return format(value.normalize(), "f")


# --- describing changes in words -------------------------------------------------------------


def fail_text(scale: Scale) -> str:
    if not scale.effective_fail_values:
        return "none"
    return ", ".join(_value_text(scale, value) for value in scale.effective_fail_values)


def _value_text(scale: Scale, value: int) -> str:
    if scale.kind == ScaleKind.NUMERIC:
        return str(value)
    return scale.label_for(value)


def describe_changes(old: CriterionData, new: CriterionData) -> list[str]:
    """What changed in one criterion, in the words the version history shows."""
    changes = []
    if old.name != new.name:
        changes.append(f"Renamed “{old.name}” → “{new.name}”")
    name = new.name
    rescaled = replace(old.scale, fail_values=()) != replace(new.scale, fail_values=())
    if rescaled:
        changes.append(f"“{name}”: scale {old.scale.describe()} → {new.scale.describe()}")
    # Pass / fail always fails on “Fail”: after a change to it, that goes without saying.
    implied = rescaled and new.scale.kind == ScaleKind.BINARY
    if fail_text(old.scale) != fail_text(new.scale) and not implied:
        changes.append(f"“{name}”: fail values {fail_text(old.scale)} → {fail_text(new.scale)}")
    changes.extend(_describe_details(old, new))
    if old.is_active != new.is_active:
        changes.append(f"{'Restored' if new.is_active else 'Retired'} “{name}”")
    return changes


def _describe_details(old: CriterionData, new: CriterionData) -> list[str]:
    name = new.name
    changes = []
    if old.group != new.group:
        where = f"moved to group “{new.group}”" if new.group else "moved out of its group"
        changes.append(f"“{name}”: {where}")
    if old.description != new.description:
        changes.append(f"“{name}”: description edited")
    if (old.guidance_right, old.guidance_wrong) != (new.guidance_right, new.guidance_wrong):
        changes.append(f"“{name}”: guidance edited")
    if old.na_allowed != new.na_allowed:
        changes.append(f"“{name}”: N/A {'now' if new.na_allowed else 'no longer'} allowed")
    if old.weight != new.weight:
        changes.append(
            f"“{name}”: weight {format_number(old.weight)} → {format_number(new.weight)}"
        )
    if old.critical != new.critical:
        changes.append(f"“{name}”: {'now' if new.critical else 'no longer'} critical")
    return changes
