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


class MessageRole(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    AGENT = "agent", "Agent"
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
