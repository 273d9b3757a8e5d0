from django import forms
from django.contrib.auth import get_user_model

from interactions.helpdesks.selectors import connections_for_team
from interactions.models import Channel, HelpdeskConnection, Interaction
from scorecards.models import Criterion, Scorecard
from scorecards.selectors import current_criteria_for_team

User = get_user_model()


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class MemberField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class InteractionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        subject = obj.subject or "(no subject)"
        return f"{obj.external_id} · {obj.get_channel_display()} · {subject}"


class ConnectionField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_kind_display()})"


SAMPLE_SOURCES = [("library", "the library"), ("helpdesk", "the helpdesk")]


class HelpdeskPrivacyFields(forms.Form):
    """What happens to conversations brought in from a helpdesk, before they are stored."""

    helpdesk_mask = forms.BooleanField(
        required=False, label="Mask customer emails, phone numbers and card numbers"
    )
    helpdesk_hide_agent_name = forms.BooleanField(
        required=False, label="Hide the agent's name from reviewers while scoring"
    )


class SessionCreateForm(HelpdeskPrivacyFields):
    title = forms.CharField(max_length=200, initial="Weekly calibration")
    scorecard = forms.ModelChoiceField(queryset=Scorecard.objects.none())
    interactions = InteractionChoiceField(
        queryset=Interaction.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Pick from the library, sample at random below, or paste one.",
    )
    sample_size = forms.IntegerField(
        min_value=0, max_value=20, required=False, label="Add a random sample of"
    )
    sample_channel = forms.ChoiceField(
        choices=[("", "Any channel"), *Channel.choices], required=False, label="from channel"
    )
    sample_from = forms.DateField(
        required=False, label="occurred from", widget=forms.DateInput(attrs={"type": "date"})
    )
    sample_to = forms.DateField(
        required=False, label="occurred to", widget=forms.DateInput(attrs={"type": "date"})
    )
    sample_not_calibrated = forms.BooleanField(
        required=False, initial=True, label="Only interactions not calibrated yet"
    )
    sample_source = forms.ChoiceField(
        choices=SAMPLE_SOURCES,
        initial="library",
        required=False,
        widget=forms.RadioSelect,
        label="Sample from",
    )
    sample_connection = ConnectionField(
        queryset=HelpdeskConnection.objects.none(), required=False, label="Helpdesk"
    )
    sample_days = forms.IntegerField(
        min_value=1, max_value=90, initial=7, required=False, label="solved in the last … days"
    )
    sample_group = forms.CharField(
        max_length=100, required=False, label="Group (optional)", help_text="Name or id."
    )
    sample_tag = forms.CharField(max_length=100, required=False, label="Tag (optional)")
    helpdesk_connection = ConnectionField(
        queryset=HelpdeskConnection.objects.none(), required=False, label="Helpdesk"
    )
    helpdesk_references = forms.CharField(
        required=False,
        label="Ticket or conversation links (or ids)",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text="One per line. Each whole thread is fetched and added to the library.",
    )
    paste_url = forms.URLField(
        required=False,
        label="Helpdesk link",
        assume_scheme="https",
        # A text box: the browser's URL check would refuse a link without https://.
        widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "url"}),
    )
    paste_channel = forms.ChoiceField(
        choices=[("", "Choose…"), *Channel.choices], required=False, label="Channel"
    )
    paste_subject = forms.CharField(max_length=300, required=False, label="Subject")
    paste_conversation = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="Conversation",
        help_text="One message per block: Author (role) [2026-10-02 09:14]: text",
    )
    reviewers = MemberChoiceField(
        queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple, required=False
    )
    criteria = forms.ModelMultipleChoiceField(
        queryset=Criterion.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Leave all unticked to calibrate every active criterion.",
    )
    anonymous = forms.BooleanField(
        required=False, label="Anonymous reveal (show Reviewer A, B, … instead of names)"
    )
    facilitator_scores = forms.BooleanField(required=False, label="I score too")
    baseline = MemberField(
        queryset=User.objects.none(),
        required=False,
        label="Baseline reviewer",
        help_text="Whose ratings are the reference, for example the QA lead.",
    )
    timer_minutes = forms.IntegerField(
        min_value=1, max_value=240, required=False, label="Scoring timer (minutes)"
    )
    due_at = forms.DateTimeField(
        required=False,
        label="Due",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scorecard"].queryset = Scorecard.objects.filter(team=team)
        self.fields["interactions"].queryset = Interaction.objects.filter(team=team).order_by(
            "-occurred_at", "-id"
        )
        members = User.objects.filter(memberships__team=team).order_by("first_name", "username")
        self.fields["reviewers"].queryset = members
        self.fields["baseline"].queryset = members
        # Only the newest version of each scorecard: that is the one a new session uses.
        self.fields["criteria"].queryset = current_criteria_for_team(team=team)
        scorecards = self.fields["scorecard"].queryset
        if len(scorecards) == 1:
            self.fields["scorecard"].initial = scorecards[0].pk
        connections = connections_for_team(team=team)
        self.connections = list(connections)
        for name in ("sample_connection", "helpdesk_connection"):
            self.fields[name].queryset = connections
            if len(self.connections) == 1:
                self.fields[name].initial = self.connections[0].pk

    def clean(self):
        data = super().clean()
        has_paste = bool(data.get("paste_conversation") or data.get("paste_url"))
        if has_paste and not data.get("paste_channel"):
            self.add_error("paste_channel", "Choose the channel of the pasted conversation.")
        from_helpdesk = data.get("sample_size") and data.get("sample_source") == "helpdesk"
        references = (data.get("helpdesk_references") or "").strip()
        if (from_helpdesk or references) and not self.connections:
            self.add_error(
                None,
                "No helpdesk is connected to this team yet: a team admin connects one under "
                "Interactions → Helpdesk connections.",
            )
        elif from_helpdesk and not data.get("sample_connection"):
            self.add_error("sample_connection", "Choose the helpdesk to sample from.")
        elif references and not data.get("helpdesk_connection"):
            self.add_error("helpdesk_connection", "Choose the helpdesk these links are from.")
        if (
            not data.get("interactions")
            and not data.get("sample_size")
            and not has_paste
            and not references
            and not self.errors
        ):
            if self.connections:
                raise forms.ValidationError(
                    "Choose at least one interaction: pick, sample, paste one or bring one in "
                    "from the helpdesk."
                )
            raise forms.ValidationError(
                "Choose at least one interaction: pick, sample or paste one."
            )
        return data


class JoinCodeForm(forms.Form):
    code = forms.CharField(max_length=12, label="Join code")


class TemplateForm(HelpdeskPrivacyFields):
    name = forms.CharField(max_length=200, initial="Weekly calibration")
    scorecard = forms.ModelChoiceField(queryset=Scorecard.objects.none())
    reviewers = MemberChoiceField(
        queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple, required=False
    )
    channel_rotation = forms.MultipleChoiceField(
        choices=[
            (channel, Channel(channel).label)
            for channel in ("email", "phone", "chat", "expert_session", "other")
        ],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=[Channel.EMAIL, Channel.PHONE, Channel.CHAT, Channel.EXPERT_SESSION],
        help_text="Each new session takes the next ticked channel, in the order shown.",
    )
    sample_size = forms.IntegerField(min_value=1, max_value=20, initial=2)
    anonymous = forms.BooleanField(required=False, label="Anonymous reveal")
    facilitator_scores = forms.BooleanField(required=False, label="Facilitator scores too")
    baseline = MemberField(queryset=User.objects.none(), required=False, label="Baseline reviewer")
    timer_minutes = forms.IntegerField(min_value=1, max_value=240, required=False)
    helpdesk_connection = ConnectionField(
        queryset=HelpdeskConnection.objects.none(),
        required=False,
        empty_label="The library",
        label="Sample from",
        help_text=(
            "A helpdesk: each new session fetches the rotation channel's solved conversations "
            "of the last seven days, imports them, then samples those."
        ),
    )

    ROTATION_ORDER = [Channel.EMAIL, Channel.PHONE, Channel.CHAT, Channel.EXPERT_SESSION, "other"]

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scorecard"].queryset = Scorecard.objects.filter(team=team)
        members = User.objects.filter(memberships__team=team).order_by("first_name", "username")
        self.fields["reviewers"].queryset = members
        self.fields["baseline"].queryset = members
        scorecards = self.fields["scorecard"].queryset
        if len(scorecards) == 1:
            self.fields["scorecard"].initial = scorecards[0].pk
        self.fields["helpdesk_connection"].queryset = connections_for_team(team=team)

    def clean_channel_rotation(self):
        chosen = self.cleaned_data["channel_rotation"]
        return [channel for channel in self.ROTATION_ORDER if channel in chosen]


class ReviewCreateForm(forms.Form):
    """A criterion review of a scorecard's current version (issue 9)."""

    title = forms.CharField(max_length=200, initial="Quarterly criterion review")
    scorecard = forms.ModelChoiceField(queryset=Scorecard.objects.none())
    reviewers = MemberChoiceField(
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Participants",
    )
    anonymous = forms.BooleanField(
        required=False, label="Anonymous reveal (answers shown as Reviewer A, B, …)"
    )
    facilitator_answers = forms.BooleanField(required=False, label="Facilitator also answers")

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scorecard"].queryset = Scorecard.objects.filter(team=team)
        self.fields["reviewers"].queryset = User.objects.filter(memberships__team=team).order_by(
            "first_name", "username"
        )
        scorecards = self.fields["scorecard"].queryset
        if len(scorecards) == 1:
            self.fields["scorecard"].initial = scorecards[0].pk
