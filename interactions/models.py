import re

from django.conf import settings
from django.db import models
from django.urls import reverse


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    CHAT = "chat", "Chat"
    PHONE = "phone", "Phone call"
    EXPERT_SESSION = "expert_session", "Expert session"
    OTHER = "other", "Other"


class Interaction(models.Model):
    """A support conversation to be reviewed: an email thread, a chat, a call."""

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="interactions")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    external_id = models.CharField("External id", max_length=120)
    url = models.URLField("Link in the helpdesk", max_length=500, blank=True)
    agent_name = models.CharField(max_length=120, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    # Calls: the transcript or the reviewer's notes, and where to listen.
    notes = models.TextField("Transcript or notes", blank=True)
    recording_url = models.URLField(max_length=500, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # Privacy: reviewers score without knowing who handled it; what was masked on import.
    hide_agent_name = models.BooleanField("Hide the agent's name from reviewers", default=False)
    privacy_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "external_id"], name="interaction_unique_team_external_id"
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=Channel.values), name="interaction_channel_valid"
            ),
        ]
        indexes = [models.Index(fields=["team", "channel", "occurred_at"])]

    def __str__(self):
        label = self.subject or self.get_channel_display()
        return f"{self.external_id} · {label}"

    def get_absolute_url(self):
        return reverse("interactions:detail", args=[self.pk])

    @property
    def messages_for_reviewers(self) -> list["Message"]:
        """The messages as reviewers read them while scoring: when the agent's name is hidden,
        agents are "Agent" and the agent's name in any text is "[agent]". Unsaved copies."""
        messages = list(self.messages.all())
        if not self.hide_agent_name:
            return messages
        shown = []
        for message in messages:
            by_agent = message.role == MessageRole.AGENT or self._names_agent(message.author)
            shown.append(
                Message(
                    interaction=self,
                    position=message.position,
                    author="Agent" if by_agent else message.author,
                    role=message.role,
                    sent_at=message.sent_at,
                    body=self.without_agent_name(message.body),
                )
            )
        return shown

    @property
    def notes_for_reviewers(self) -> str:
        return self.without_agent_name(self.notes) if self.hide_agent_name else self.notes

    def without_agent_name(self, text: str) -> str:
        """`text` with the agent's full name, and each part of it, replaced by "[agent]"."""
        name = " ".join(self.agent_name.split())
        if not name:
            return text
        parts = [name, *sorted((p for p in name.split(" ") if len(p) > 1), key=len, reverse=True)]
        pattern = "|".join(re.escape(part) for part in dict.fromkeys(parts))
        return re.sub(rf"(?<!\w)(?:{pattern})(?!\w)", "[agent]", text, flags=re.IGNORECASE)

    def _names_agent(self, author: str) -> bool:
        name = " ".join(self.agent_name.split()).lower()
        return bool(name) and " ".join(author.split()).lower() == name


INTERNAL_NOTE_MARK = "[Internal note]"
CALL_TRANSCRIPT_MARK = "[Call transcript]"
MESSAGE_MARKS = (INTERNAL_NOTE_MARK, CALL_TRANSCRIPT_MARK)


class MessageRole(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    AGENT = "agent", "Agent"
    BOT = "bot", "Bot"
    SYSTEM = "system", "System"
    OTHER = "other", "Other"


class Message(models.Model):
    """One turn of a conversation: an email in a thread, a chat line, a call utterance."""

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="messages")
    position = models.PositiveIntegerField()
    author = models.CharField(max_length=120)
    role = models.CharField(max_length=20, choices=MessageRole.choices, default=MessageRole.OTHER)
    sent_at = models.DateTimeField(null=True, blank=True)
    body = models.TextField()

    class Meta:
        ordering = ["interaction", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["interaction", "position"], name="message_unique_position"
            )
        ]

    def __str__(self):
        return f"{self.author} #{self.position}"

    @property
    def is_internal_note(self) -> bool:
        """A helpdesk's internal note (not seen by the customer): its body starts with a
        line "[Internal note]", so the mark survives export, import and the paste format."""
        return self._first_line == INTERNAL_NOTE_MARK

    @property
    def is_call_transcript(self) -> bool:
        """A line of a call's transcript (what was said, not written), marked the same way
        with a first line "[Call transcript]"."""
        return self._first_line == CALL_TRANSCRIPT_MARK

    @property
    def _first_line(self) -> str:
        return self.body.split("\n", 1)[0].strip()

    @property
    def display_body(self) -> str:
        if self._first_line in MESSAGE_MARKS:
            return self.body.split("\n", 1)[1] if "\n" in self.body else ""
        return self.body


class HelpdeskKind(models.TextChoices):
    ZENDESK = "zendesk", "Zendesk"
    FRESHDESK = "freshdesk", "Freshdesk"
    INTERCOM = "intercom", "Intercom"


class HelpdeskAuth(models.TextChoices):
    API_TOKEN = "api_token", "Agent email and API token"
    OAUTH = "oauth", "OAuth access token"
    API_KEY = "api_key", "API key"
    ACCESS_TOKEN = "access_token", "Access token"


class HelpdeskConnection(models.Model):
    """A team's connection to its helpdesk. The secret is stored encrypted (Fernet, key from
    CONCORD_SECRETS_KEY) and never shown again: not in pages, logs, exports or the admin."""

    team = models.ForeignKey(
        "teams.Team", on_delete=models.CASCADE, related_name="helpdesk_connections"
    )
    kind = models.CharField(max_length=20, choices=HelpdeskKind.choices)
    name = models.CharField(max_length=100)
    # Zendesk: the subdomain (acme for acme.zendesk.com); Freshdesk: the domain
    # (acme.freshdesk.com); Intercom: the data region (us, eu, au).
    site = models.CharField(max_length=200)
    auth = models.CharField(max_length=20, choices=HelpdeskAuth.choices)
    email = models.CharField("Agent email", max_length=254, blank=True)
    secret_encrypted = models.TextField(editable=False)
    connected_as = models.CharField(max_length=300, blank=True)
    # What the helpdesk said about the account when tested (e.g. Intercom's app id).
    account = models.JSONField(default=dict, blank=True, editable=False)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="helpdesk_connections_created",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "name"], name="helpdesk_connection_unique_name"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=HelpdeskKind.values),
                name="helpdesk_connection_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"

    def __repr__(self):
        return f"<HelpdeskConnection {self.pk}: {self.kind} {self.site}>"
