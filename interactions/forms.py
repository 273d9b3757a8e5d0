from django import forms

from .helpdesks.intercom import REGIONS
from .models import Channel, HelpdeskAuth, HelpdeskConnection, HelpdeskKind

DATE_HELP = "Use a date like 2026-10-02."
DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


class InteractionFilterForm(forms.Form):
    """The library filters, read from the query string. Every field is optional."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Subject, id, agent or message text"}
        ),
    )
    channel = forms.ChoiceField(
        label="Channel",
        required=False,
        choices=[("", "All channels"), *Channel.choices],
        error_messages={"invalid_choice": "Unknown channel “%(value)s”: pick one from the list."},
    )
    agent = forms.ChoiceField(
        label="Agent",
        required=False,
        error_messages={"invalid_choice": "No interaction has the agent “%(value)s”."},
    )
    occurred_from = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": f"“From” is not a date. {DATE_HELP}"},
    )
    occurred_to = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": f"“To” is not a date. {DATE_HELP}"},
    )

    def __init__(self, *args, agents: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = [("", "All agents"), *((name, name) for name in agents)]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("occurred_from"), cleaned.get("occurred_to")
        if start and end and start > end:
            # Neither date is used: which one is wrong is not clear.
            self.add_error(None, "“To” is before “From”: swap the dates.")
            cleaned.pop("occurred_from", None)
            cleaned.pop("occurred_to", None)
        return cleaned

    @property
    def valid_filters(self) -> dict:
        """The filters that could be read; the bad ones are dropped (and reported)."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "search": data.get("q", ""),
            "channel": data.get("channel") or None,
            "agent": data.get("agent") or None,
            "occurred_from": data.get("occurred_from"),
            "occurred_to": data.get("occurred_to"),
        }

    @property
    def filter_errors(self) -> list[str]:
        return [message for messages in self.errors.values() for message in messages]


class InteractionForm(forms.Form):
    """Create or edit an interaction. Field names are the arguments of interaction_create."""

    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.EMAIL)
    external_id = forms.CharField(
        label="External id",
        max_length=120,
        required=False,
        help_text="The ticket or call id in your helpdesk. Leave blank to generate one.",
    )
    url = forms.URLField(
        label="Link in the helpdesk",
        max_length=500,
        required=False,
        assume_scheme="https",
    )
    agent_name = forms.CharField(label="Agent", max_length=120, required=False)
    subject = forms.CharField(max_length=300, required=False)
    occurred_at = forms.DateTimeField(
        label="When it happened",
        required=False,
        input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Blank: the time of the first message.",
    )
    recording_url = forms.URLField(
        label="Recording link",
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text="For calls and expert sessions: where reviewers can listen or watch.",
    )
    notes = forms.CharField(
        label="Transcript or notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    hide_agent_name = forms.BooleanField(
        label="Hide the agent's name from reviewers while scoring",
        required=False,
        help_text="Reviewers see “Agent” instead of the name, in the room and in the library.",
    )
    conversation_text = forms.CharField(
        label="Conversation",
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={
                "rows": 14,
                "spellcheck": "false",
                "class": "paste-area",
                "aria-describedby": "id_conversation_text_helptext paste-format",
            }
        ),
        help_text="Paste the messages in the format described below.",
    )

    def clean_conversation_text(self) -> str:
        return _unix_newlines(self.cleaned_data["conversation_text"])

    def clean_notes(self) -> str:
        return _unix_newlines(self.cleaned_data["notes"])

    def changed_values(self) -> dict:
        """The cleaned values of the fields whose submitted text differs from what the form
        showed. A field left as it was keeps its stored value exactly: the form shows times to
        the minute and the conversation as paste text, which would otherwise round it off."""
        changed = {}
        for name, value in self.cleaned_data.items():
            if isinstance(self.fields[name], forms.BooleanField):
                if bool(self[name].initial) != value:
                    changed[name] = value
                continue
            shown = _as_shown(self[name])
            sent = _unix_newlines(self.data.get(self.add_prefix(name), ""))
            if sent != shown:
                changed[name] = value
        return changed


def _unix_newlines(text: str) -> str:
    """Browsers send a textarea's lines separated by CR LF."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def _as_shown(bound_field) -> str:
    """The text the form put in a field's input."""
    shown = bound_field.field.widget.format_value(bound_field.initial)
    if isinstance(shown, list | tuple):
        shown = shown[0] if shown else ""
    return _unix_newlines("" if shown is None else str(shown))


MASK_LABEL = "Mask customer emails, phone numbers and card numbers before storing"
HIDE_LABEL = "Hide the agent's name from reviewers while scoring"


class ImportForm(forms.Form):
    file = forms.FileField(
        label="File (.json, .csv or a Zendesk .json export)",
        help_text="The formats are described below.",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".json,.jsonl,.ndjson,.csv,application/json,text/csv"}
        ),
    )
    format = forms.ChoiceField(
        label="Format",
        required=False,
        choices=[
            ("", "Tell from the file"),
            ("json", "Concord JSON"),
            ("csv", "Concord CSV"),
            ("zendesk", "Zendesk JSON ticket export (one ticket per line)"),
        ],
    )
    mask = forms.BooleanField(label=MASK_LABEL, required=False)
    hide_agent_name = forms.BooleanField(label=HIDE_LABEL, required=False)


SITE_FIELDS = {
    HelpdeskKind.ZENDESK: ("Zendesk subdomain", "acme for acme.zendesk.com"),
    HelpdeskKind.FRESHDESK: ("Freshdesk domain", "acme.freshdesk.com"),
    HelpdeskKind.INTERCOM: ("Data region", "Where the Intercom workspace is hosted"),
}
SECRET_LABELS = {
    HelpdeskKind.ZENDESK: "API token or OAuth access token",
    HelpdeskKind.FRESHDESK: "API key",
    HelpdeskKind.INTERCOM: "Access token",
}


class HelpdeskConnectionForm(forms.Form):
    """Add one connection; shown once per helpdesk (prefix = the kind)."""

    name = forms.CharField(
        max_length=100, required=False, help_text="Blank: the helpdesk and its address."
    )
    site = forms.CharField(max_length=200)
    auth = forms.ChoiceField(label="Sign in with", choices=HelpdeskAuth.choices)
    email = forms.EmailField(
        label="Agent email",
        required=False,
        help_text="With an API token: the email of the agent the token is for.",
    )
    secret = forms.CharField(
        max_length=4000,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Stored encrypted and never shown again.",
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, prefix=kind, **kwargs)
        self.kind = kind
        label, help_text = SITE_FIELDS[kind]
        self.fields["site"].label = label
        self.fields["site"].help_text = help_text
        self.fields["secret"].label = SECRET_LABELS[kind]
        if kind == HelpdeskKind.INTERCOM:
            self.fields["site"] = forms.ChoiceField(
                label=label,
                help_text=help_text,
                choices=[(key, key.upper()) for key in REGIONS],
                initial="us",
            )
        if kind == HelpdeskKind.ZENDESK:
            self.fields["auth"].choices = [
                (HelpdeskAuth.API_TOKEN, HelpdeskAuth.API_TOKEN.label),
                (HelpdeskAuth.OAUTH, HelpdeskAuth.OAUTH.label),
            ]
            self.fields["auth"].widget = forms.RadioSelect(choices=self.fields["auth"].choices)
            self.fields["auth"].initial = HelpdeskAuth.API_TOKEN
        else:
            del self.fields["email"]
            self.fields["auth"] = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_auth(self) -> str:
        if self.kind == HelpdeskKind.FRESHDESK:
            return HelpdeskAuth.API_KEY
        if self.kind == HelpdeskKind.INTERCOM:
            return HelpdeskAuth.ACCESS_TOKEN
        return self.cleaned_data["auth"]


class ConnectionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_kind_display()})"


class HelpdeskImportForm(forms.Form):
    """“Bring in from helpdesk”: links or ids, one connection, the privacy options."""

    connection = ConnectionChoiceField(
        queryset=HelpdeskConnection.objects.none(), empty_label=None, label="Helpdesk"
    )
    references = forms.CharField(
        label="Ticket or conversation links (or ids)",
        widget=forms.Textarea(
            attrs={
                "rows": 6,
                "spellcheck": "false",
                "placeholder": "https://acme.zendesk.com/agent/tickets/12345",
            }
        ),
        help_text="One per line (or separated by commas). Up to 50 at a time.",
    )
    mask = forms.BooleanField(label=MASK_LABEL, required=False)
    hide_agent_name = forms.BooleanField(label=HIDE_LABEL, required=False)

    def __init__(self, *args, connections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["connection"].queryset = connections
