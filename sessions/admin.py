from django.contrib import admin

from .models import (
    ActionItem,
    CalibrationSession,
    Consensus,
    Participant,
    Revision,
    Score,
    SessionInteraction,
    SessionTemplate,
    Submission,
    Transition,
)

HIDDEN = "hidden until the reveal"
BLIND_FIELDS = {"value", "is_na", "comment", "client_ts"}


class SessionInteractionInline(admin.TabularInline):
    model = SessionInteraction
    extra = 0
    raw_id_fields = ["interaction"]
    readonly_fields = ["revealed_at", "unsubmitted_policy"]


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    raw_id_fields = ["user"]


class TransitionInline(admin.TabularInline):
    model = Transition
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "detail", "actor", "at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CalibrationSession)
class CalibrationSessionAdmin(admin.ModelAdmin):
    list_display = ["title", "team", "status", "source", "scorecard_version", "created_at"]
    list_filter = ["status", "source", "team", "anonymous"]
    search_fields = ["title", "join_code"]
    date_hierarchy = "created_at"
    raw_id_fields = ["scorecard_version", "baseline", "created_by", "template"]
    filter_horizontal = ["criteria"]
    readonly_fields = ["join_code", "scoring_started_at", "revealed_at", "closed_at"]
    inlines = [SessionInteractionInline, ParticipantInline, TransitionInline]


@admin.register(Score)
class ScoreAdmin(admin.ModelAdmin):
    """Even staff see a blind rating only after its interaction is revealed."""

    list_display = ["participant", "item", "criterion", "shown_value", "included", "updated_at"]
    list_filter = ["included", "item__session__status"]
    search_fields = ["participant__user__username", "item__session__title", "criterion__name"]
    list_select_related = ["participant__user", "item__session", "item__interaction", "criterion"]
    fields = ["participant", "item", "criterion", "shown_value", "shown_comment", "included"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def lookup_allowed(self, lookup, value, request=None):
        # Filtering by value or comment from the URL would reveal blind ratings by elimination.
        if lookup.split("__")[0] in BLIND_FIELDS:
            return False
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description="value")
    def shown_value(self, obj):
        if not obj.item.is_revealed:
            return HIDDEN
        return obj.criterion.scale.label_for(None if obj.is_na else obj.value)

    @admin.display(description="comment")
    def shown_comment(self, obj):
        return obj.comment if obj.item.is_revealed else HIDDEN


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["score", "value", "is_na", "revised_by", "revised_at"]
    raw_id_fields = ["score", "revised_by"]


@admin.register(Consensus)
class ConsensusAdmin(admin.ModelAdmin):
    list_display = ["item", "criterion", "value", "is_na", "decided_by", "decided_at"]
    search_fields = ["note", "criterion__name"]
    raw_id_fields = ["item", "criterion", "decided_by"]


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    list_display = ["text", "session", "owner", "created_at"]
    search_fields = ["text"]
    raw_id_fields = ["session", "owner", "created_by"]


@admin.register(SessionTemplate)
class SessionTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "scorecard", "sample_size", "next_rotation_index"]
    list_filter = ["team"]
    search_fields = ["name"]
    filter_horizontal = ["reviewers"]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["participant", "item", "submitted_at"]
    raw_id_fields = ["participant", "item"]


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["user", "session", "role", "alias", "joined_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "session__title"]
    raw_id_fields = ["user", "session"]
