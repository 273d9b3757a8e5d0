"""Admin for support staff. A version used in a session is shown read-only here too: the
editor pages (and their versioning) are the way to change a scorecard."""

from django.contrib import admin

from .models import Criterion, Scorecard, ScorecardVersion


class ScorecardVersionInline(admin.TabularInline):
    model = ScorecardVersion
    fields = ["number", "created_at", "created_by", "locked_at", "changes"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Scorecard)
class ScorecardAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "created_at", "created_by"]
    list_filter = ["team"]
    search_fields = ["name", "description", "team__name"]
    list_select_related = ["team", "created_by"]
    raw_id_fields = ["created_by"]
    inlines = [ScorecardVersionInline]


class CriterionInline(admin.TabularInline):
    model = Criterion
    fields = [
        "position",
        "name",
        "group",
        "scale_kind",
        "scale_points",
        "weight",
        "critical",
        "na_allowed",
        "is_active",
    ]
    extra = 0
    can_delete = False
    ordering = ["position", "id"]

    def has_change_permission(self, request, obj=None):
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return _editable(obj) and super().has_add_permission(request, obj)


def _editable(version) -> bool:
    return version is None or not version.is_locked


@admin.register(ScorecardVersion)
class ScorecardVersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "scorecard", "number", "created_at", "created_by", "locked_at"]
    list_filter = ["scorecard__team", ("locked_at", admin.EmptyFieldListFilter)]
    search_fields = ["scorecard__name"]
    list_select_related = ["scorecard", "created_by"]
    readonly_fields = ["created_at", "updated_at", "locked_at"]
    raw_id_fields = ["scorecard", "created_by"]
    inlines = [CriterionInline]

    def has_delete_permission(self, request, obj=None):
        return _editable(obj) and super().has_delete_permission(request, obj)


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "version",
        "group",
        "scale_kind",
        "position",
        "weight",
        "critical",
        "na_allowed",
        "is_active",
    ]
    list_filter = [
        "scale_kind",
        "critical",
        "na_allowed",
        "is_active",
        "version__scorecard__team",
    ]
    search_fields = ["name", "group", "description", "version__scorecard__name"]
    list_select_related = ["version__scorecard"]
    readonly_fields = ["key"]
    raw_id_fields = ["version"]

    def has_change_permission(self, request, obj=None):
        return _editable(obj and obj.version) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _editable(obj and obj.version) and super().has_delete_permission(request, obj)
