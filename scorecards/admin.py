"""Admin for support staff. A version used in a session is shown read-only here too: the
editor pages (and their versioning) are the way to change a scorecard."""

from django import forms
from django.contrib import admin

from teams.audit import AuditedAdmin

from .models import Criterion, Scorecard, ScorecardVersion
from .scales import Scale, ScaleError
from .specs import CriterionData, SpecError, check_critical

LOCKED = (
    "Version {version} is used in a session and never changes: edit the scorecard on its page "
    "instead (that starts a new version)."
)

CRITERION_FIELDS = [
    "name",
    "group",
    "description",
    "guidance_right",
    "guidance_wrong",
    "scale_kind",
    "scale_points",
    "scale_labels",
    "scale_ordered",
    "fail_values",
    "na_allowed",
    "weight",
    "critical",
    "is_active",
]


class CriterionAdminForm(forms.ModelForm):
    """Refuses what the editor pages refuse: a criterion of a version used in a session, a
    scale that is not valid, a critical criterion that cannot fail, a name used twice."""

    class Meta:
        model = Criterion
        fields = ["version", "position", *CRITERION_FIELDS]

    def clean(self):
        cleaned = super().clean()
        version = cleaned.get("version") or getattr(self.instance, "version", None)
        if version is not None and version.is_locked:
            raise forms.ValidationError(LOCKED.format(version=version))
        if self.errors:
            return cleaned
        value = {
            name: cleaned[name] if name in cleaned else getattr(self.instance, name)
            for name in CRITERION_FIELDS
        }
        try:
            scale = _scale(value)
            data = CriterionData(
                name=value["name"] or "",
                scale=scale,
                group=value["group"] or "",
                description=value["description"] or "",
                guidance_right=value["guidance_right"] or "",
                guidance_wrong=value["guidance_wrong"] or "",
                na_allowed=value["na_allowed"],
                weight=value["weight"] if value["weight"] is not None else 1,
                critical=value["critical"],
                is_active=value["is_active"],
            )
            check_critical(data)
        except ScaleError as error:
            raise forms.ValidationError(f"The scale is not valid: {error}") from None
        except SpecError as error:
            field = error.field if error.field in self.fields else None
            self.add_error(field, error.message)
            return cleaned
        if version is not None:
            _check_name_free(self, version, data.name)
        return cleaned


def _scale(value: dict) -> Scale:
    labels, fails = value["scale_labels"] or [], value["fail_values"] or []
    if not isinstance(labels, list) or not all(isinstance(item, str) for item in labels):
        raise ScaleError('labels must be a list of text, like ["Poor", "Good"].')
    if not isinstance(fails, list) or not all(
        isinstance(item, int) and not isinstance(item, bool) for item in fails
    ):
        raise ScaleError("fail values must be a list of value codes, like [1, 2].")
    return Scale(
        kind=value["scale_kind"],
        points=value["scale_points"],
        labels=tuple(labels),
        ordered=value["scale_ordered"],
        fail_values=tuple(fails),
    )


def _check_name_free(form, version, name: str) -> None:
    if version.pk is None:
        return
    others = Criterion.objects.filter(version=version, name__iexact=name)
    if form.instance.pk is not None:
        others = others.exclude(pk=form.instance.pk)
    if others.exists():
        form.add_error("name", f"There is already a criterion called “{name}” on this version.")


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
class ScorecardAdmin(AuditedAdmin):
    list_display = ["name", "team", "created_at", "created_by"]
    list_filter = ["team"]
    search_fields = ["name", "description", "team__name"]
    list_select_related = ["team", "created_by"]
    raw_id_fields = ["created_by"]
    inlines = [ScorecardVersionInline]


class CriterionInline(admin.TabularInline):
    model = Criterion
    form = CriterionAdminForm
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
class ScorecardVersionAdmin(AuditedAdmin):
    list_display = ["__str__", "scorecard", "number", "created_at", "created_by", "locked_at"]
    list_filter = ["scorecard__team", ("locked_at", admin.EmptyFieldListFilter)]
    search_fields = ["scorecard__name"]
    list_select_related = ["scorecard", "created_by"]
    readonly_fields = ["created_at", "updated_at", "locked_at"]
    raw_id_fields = ["scorecard", "created_by"]
    inlines = [CriterionInline]

    def has_change_permission(self, request, obj=None):
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _editable(obj) and super().has_delete_permission(request, obj)


@admin.register(Criterion)
class CriterionAdmin(AuditedAdmin):
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
    form = CriterionAdminForm

    def has_change_permission(self, request, obj=None):
        return _editable(obj and obj.version) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _editable(obj and obj.version) and super().has_delete_permission(request, obj)
