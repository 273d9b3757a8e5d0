from django.contrib import admin

from teams.audit import AuditedAdmin

from .models import HelpdeskConnection, Interaction, Message


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ["position", "author", "role", "sent_at", "body"]
    ordering = ["position"]


@admin.register(Interaction)
class InteractionAdmin(AuditedAdmin):
    list_display = ["external_id", "subject", "channel", "agent_name", "team", "occurred_at"]
    list_filter = ["channel", "team", "hide_agent_name"]
    list_select_related = ["team"]
    search_fields = ["external_id", "subject", "agent_name"]
    date_hierarchy = "occurred_at"
    readonly_fields = ["created_at", "updated_at"]
    inlines = [MessageInline]


@admin.register(HelpdeskConnection)
class HelpdeskConnectionAdmin(AuditedAdmin):
    """Shows a connection without its secret: the encrypted token is neither listed, shown,
    searchable nor editable here (team admins replace a token by adding the connection again)."""

    list_display = ["name", "kind", "site", "team", "connected_as", "last_checked_at"]
    list_filter = ["kind", "team"]
    list_select_related = ["team"]
    search_fields = ["name", "site", "connected_as"]
    fields = [
        "team",
        "name",
        "kind",
        "site",
        "auth",
        "email",
        "connected_as",
        "last_checked_at",
        "created_by",
        "created_at",
    ]
    readonly_fields = [
        "team",
        "kind",
        "site",
        "auth",
        "email",
        "connected_as",
        "last_checked_at",
        "created_by",
        "created_at",
    ]

    # The trail of a deleted connection must not keep its (encrypted) token.
    audit_hidden_fields = frozenset({"secret_encrypted", "account"})

    def has_add_permission(self, request):
        return False  # added from the team's page, which tests the token first
