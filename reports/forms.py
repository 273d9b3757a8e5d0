from django import forms

from sessions.models import SessionKind

from .selectors.history import HISTORY_SORTS


class HistoryImportForm(forms.Form):
    file = forms.FileField(
        label="History file (.csv)",
        help_text="One row per rating: session, date, scorecard, interaction, channel, "
        "criterion, reviewer, score, comment.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    create_missing = forms.BooleanField(
        label="Create missing scorecards and criteria",
        required=False,
        widget=forms.CheckboxInput(attrs={"aria-describedby": "id_create_missing-help"}),
        help_text="Their scales are inferred from the values and listed after the import. "
        "Without this, a scorecard or criterion the team does not have is an error.",
    )


class HistoryFilterForm(forms.Form):
    """The history's filters, read from the URL so a view can be bookmarked and shared."""

    scorecard = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    channel = forms.ChoiceField(required=False)
    facilitator = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    participant = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(choices=[("", "Any kind"), *SessionKind.choices], required=False)
    state = forms.ChoiceField(required=False)
    sort = forms.ChoiceField(required=False, choices=[(key, key) for key in HISTORY_SORTS])
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, data, *, scorecards, people, channels, states):
        super().__init__(data)
        self.fields["scorecard"].choices = [("", "Any scorecard"), *scorecards]
        self.fields["channel"].choices = [("", "Any channel"), *channels]
        self.fields["facilitator"].choices = [("", "Anyone"), *people]
        self.fields["participant"].choices = [("", "Anyone"), *people]
        self.fields["state"].choices = [("", "Any state"), *states]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The start date must not be after the end date.")
        return data


class TrendFilterForm(forms.Form):
    GROUPS = [
        ("team", "Whole team"),
        ("scorecard", "Scorecard"),
        ("criterion", "Criterion"),
        ("channel", "Channel"),
    ]
    PERIODS = [("week", "Weekly"), ("month", "Monthly"), ("quarter", "Quarterly")]

    group = forms.ChoiceField(choices=GROUPS, required=False, label="By")
    # The initial value is what clean() falls back to, so the unfiltered page says what it shows.
    period = forms.ChoiceField(choices=PERIODS, required=False, initial="month")
    scorecard = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data, *, scorecards):
        super().__init__(data)
        self.fields["scorecard"].choices = [("", "Any scorecard"), *scorecards]

    def clean(self):
        data = super().clean()
        data["group"] = data.get("group") or "team"
        data["period"] = data.get("period") or "month"
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The start date must not be after the end date.")
        return data


class DateRangeForm(forms.Form):
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The start date must not be after the end date.")
        return data


class ProfileFilterForm(DateRangeForm):
    PERIODS = [("quarter", "Quarterly"), ("month", "Monthly")]

    period = forms.ChoiceField(choices=PERIODS, required=False)
    field_order = ["period", "date_from", "date_to"]

    def clean(self):
        data = super().clean()
        data["period"] = data.get("period") or "quarter"
        return data
