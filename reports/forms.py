from django import forms


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
