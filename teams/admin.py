from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.utils.html import format_html_join

from .audit import AuditedAdmin, describe_changes
from .models import Membership, Team


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "team", "role", "joined_at"]
    list_filter = ["role", "team"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "team__name"]
    raw_id_fields = ["user"]


@admin.register(LogEntry)
class AuditTrailAdmin(admin.ModelAdmin):
    """The admin's own changes, read-only: who, when, what, with old → new values."""

    list_display = ["action_time", "user", "content_type", "object_repr", "action", "changes"]
    list_filter = ["action_flag", "content_type", "user"]
    list_select_related = ["user", "content_type"]
    search_fields = ["object_repr", "user__username"]
    date_hierarchy = "action_time"
    fields = [
        "action_time",
        "user",
        "content_type",
        "object_id",
        "object_repr",
        "action",
        "changes",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="action", ordering="action_flag")
    def action(self, entry):
        return entry.get_action_flag_display()

    @admin.display(description="changes")
    def changes(self, entry):
        return format_html_join("", "<div>{}</div>", ((line,) for line in describe_changes(entry)))
