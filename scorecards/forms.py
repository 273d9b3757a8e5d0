import uuid

from django import forms

from .scales import NUMERIC_MAX_POINTS, NUMERIC_MIN_POINTS, ScaleKind
from .specs import (
    GROUP_MAX_LENGTH,
    NAME_MAX_LENGTH,
    CriterionData,
    ScaleInput,
    SpecError,
    build_scale,
    check_critical,
    fail_text_for_input,
    parse_fail_text,
)

# Where a SpecError about a part of the criterion is shown on the form.
SPEC_FIELDS = {"scale": "scale_kind"}


class ScorecardForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="What this scorecard is for: the channel, the team or the kind of contact.",
    )


class CriterionForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX_LENGTH)
    group = forms.CharField(
        label="Group / section",
        max_length=GROUP_MAX_LENGTH,
        required=False,
        help_text="Criteria with the same group are shown together, e.g. “Communication”.",
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    guidance_right = forms.CharField(
        label="What doing it right looks like",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    guidance_wrong = forms.CharField(
        label="What doing it wrong looks like",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    scale_kind = forms.ChoiceField(label="Scale", choices=ScaleKind.choices)
    points = forms.IntegerField(
        min_value=NUMERIC_MIN_POINTS,
        max_value=NUMERIC_MAX_POINTS,
        required=False,
        help_text=f"Numeric scales: from {NUMERIC_MIN_POINTS} to {NUMERIC_MAX_POINTS}.",
    )
    labels = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=(
            "One per line. Numeric scales: optional, one per point, lowest first. "
            "Custom labels: at least two."
        ),
    )
    ordered = forms.BooleanField(
        label="The labels are ordered (from worst to best)", required=False, initial=True
    )
    fail_values = forms.CharField(
        required=False,
        help_text=(
            "Which values count as a fail, separated by commas: e.g. “1, 2” or “Poor”. "
            "Use “|” between them when a label has a comma in it: “Bad, really | Poor”. "
            "Pass / fail scales: always “Fail”. A critical criterion needs at least one."
        ),
    )
    na_allowed = forms.BooleanField(label="N/A allowed", required=False)
    weight = forms.DecimalField(min_value=0, max_digits=6, decimal_places=2, initial=1)
    critical = forms.BooleanField(
        required=False, help_text="A failed critical criterion fails the whole interaction."
    )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.criterion_data = self._build(cleaned)
        except SpecError as error:
            self.add_error(SPEC_FIELDS.get(error.field, error.field), error.message)
        return cleaned

    def _build(self, cleaned: dict) -> CriterionData:
        labels = cleaned["labels"].splitlines()
        scale = build_scale(
            ScaleInput(
                kind=cleaned["scale_kind"],
                points=cleaned["points"],
                labels=labels,
                ordered=cleaned["ordered"],
                fail_values=parse_fail_text(cleaned["fail_values"], labels),
            )
        )
        data = CriterionData(
            name=cleaned["name"],
            scale=scale,
            group=cleaned["group"],
            description=cleaned["description"],
            guidance_right=cleaned["guidance_right"],
            guidance_wrong=cleaned["guidance_wrong"],
            na_allowed=cleaned["na_allowed"],
            weight=cleaned["weight"],
            critical=cleaned["critical"],
        )
        check_critical(data)
        return data

    @staticmethod
    def initial_for(criterion) -> dict:
        scale = criterion.scale
        return {
            "name": criterion.name,
            "group": criterion.group,
            "description": criterion.description,
            "guidance_right": criterion.guidance_right,
            "guidance_wrong": criterion.guidance_wrong,
            "scale_kind": scale.kind,
            "points": scale.points,
            "labels": "\n".join(scale.labels),
            "ordered": scale.ordered,
            "fail_values": fail_text_for_input(scale),
            "na_allowed": criterion.na_allowed,
            "weight": criterion.weight,
            "critical": criterion.critical,
        }


class MoveForm(forms.Form):
    OFFSETS = {"up": -1, "down": 1}

    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])

    @property
    def offset(self) -> int:
        return self.OFFSETS[self.cleaned_data["direction"]]


class ReorderForm(forms.Form):
    order = forms.CharField(help_text="Criterion keys in the new order, separated by commas.")

    def clean_order(self) -> list[uuid.UUID]:
        try:
            return [uuid.UUID(part.strip()) for part in self.cleaned_data["order"].split(",")]
        except ValueError:
            raise forms.ValidationError("The order sent is not a list of criteria.") from None


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Scorecard file (.csv or .json)",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.json"}),
    )


class FoldNotesForm(forms.Form):
    """Which open notes to fold, and the guidance that now says what they said."""

    notes = forms.TypedMultipleChoiceField(
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose the notes to fold into the guidance."},
    )
    guidance_right = CriterionForm.base_fields["guidance_right"]
    guidance_wrong = CriterionForm.base_fields["guidance_wrong"]

    def __init__(self, *args, notes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notes"].choices = [
            (note.pk, f"{note.text} ({note.session_title}, {note.recorded_at:%d %b %Y})")
            for note in notes
        ]
