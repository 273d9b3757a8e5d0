from django.contrib import admin

from .models import Interaction, Message


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ["position", "author", "role", "sent_at", "body"]
    ordering = ["position"]


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["external_id", "subject", "channel", "agent_name", "team", "occurred_at"]
    list_filter = ["channel", "team"]
    list_select_related = ["team"]
    search_fields = ["external_id", "subject", "agent_name"]
    date_hierarchy = "occurred_at"
    readonly_fields = ["created_at", "updated_at"]
    inlines = [MessageInline]
