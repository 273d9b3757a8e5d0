"""The admin's audit trail: who changed what, when, with the old and the new values.

Django's admin already writes a `LogEntry` (who, when, which fields) for every addition, change
and deletion. `AuditedAdmin` adds the values to that entry's JSON change message, under a
`values` key beside Django's own `fields` (which Django's history page keeps reading):
`{"changed": {"fields": ["Role"], "values": {"Role": ["reviewer", "facilitator"]}}}`.
Fields named in `audit_hidden_fields` are recorded as changed but never with their values:
a trail must not become a way to read what the admin itself does not show.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.contrib.admin.models import DELETION, LogEntry
from django.utils.translation import override as translation_override

HIDDEN_VALUE = "(hidden)"
MAX_VALUE_LENGTH = 200


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple | set) or hasattr(value, "model"):  # many-to-many
        return ", ".join(sorted(str(item) for item in value))
    text = str(value)
    return text if len(text) <= MAX_VALUE_LENGTH else text[: MAX_VALUE_LENGTH - 1] + "…"


def _form_value(field: forms.Field, value) -> str:
    """A form's initial data holds primary keys where its cleaned data holds objects."""
    single = isinstance(field, forms.ModelChoiceField) and not isinstance(
        field, forms.ModelMultipleChoiceField
    )
    if single and value is not None and not hasattr(value, "_meta"):
        value = field.queryset.model._default_manager.filter(pk=value).first() or value
    return _text(value)


def _label(form, name: str) -> str:
    field = form.fields.get(name)
    return str(field.label) if field is not None and field.label else name


def _values(form, names, hidden, *, add: bool) -> dict[str, list[str]]:
    values = {}
    for name in names:
        if name not in form.fields:
            continue
        if name in hidden:
            values[_label(form, name)] = [HIDDEN_VALUE, HIDDEN_VALUE]
            continue
        field = form.fields[name]
        old = "" if add else _form_value(field, form.initial.get(name, field.initial))
        new = _form_value(field, form.cleaned_data.get(name))
        values[_label(form, name)] = [old, new]
    return values


def _snapshot(obj, hidden) -> dict[str, str]:
    """A deleted object's own fields, for the record of what was removed."""
    values = {}
    for field in obj._meta.concrete_fields:
        if field.primary_key:
            continue
        name = str(field.verbose_name)
        if field.name in hidden:
            values[name] = HIDDEN_VALUE
        elif field.is_relation:
            values[name] = _text(getattr(obj, field.name))
        else:
            values[name] = _text(field.value_from_object(obj))
    return values


def _inline_hidden(formset) -> frozenset[str]:
    return frozenset(getattr(formset, "audit_hidden_fields", ()))


class AuditedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose log entries carry old → new values (and what a deletion removed)."""

    audit_hidden_fields: frozenset[str] = frozenset()
    object_history_template = "admin/audited_object_history.html"

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        actions = getattr(response, "context_data", {}).get("action_list") or []
        for action in actions:  # a page of entries: the template iterates the same objects
            action.audit_lines = describe_changes(action)
        return response

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            formset.audit_hidden_fields = frozenset(getattr(inline, "audit_hidden_fields", ()))
            yield formset, inline

    def construct_change_message(self, request, form, formsets, add=False):
        message = super().construct_change_message(request, form, formsets, add)
        with translation_override(None):
            own = [entry for entry in message if not _is_inline(entry)]
            names = list(form.changed_data) if not add else list(form.fields)
            values = _values(form, names, self.audit_hidden_fields, add=add)
            for entry in own:
                key = "added" if "added" in entry else "changed"
                entry[key]["values"] = values
            inline_entries = iter(entry for entry in message if _is_inline(entry))
            for formset in formsets or []:
                hidden = _inline_hidden(formset)
                forms_by_pk = {f.instance.pk: f for f in formset.forms if f.instance.pk}
                for added in formset.new_objects:
                    entry = next(inline_entries)
                    entry["added"]["values"] = _snapshot(added, hidden)
                for changed, fields in formset.changed_objects:
                    entry = next(inline_entries)
                    entry["changed"]["values"] = _values(
                        forms_by_pk[changed.pk], fields, hidden, add=False
                    )
                for deleted in formset.deleted_objects:
                    entry = next(inline_entries)
                    entry["deleted"]["values"] = _snapshot(deleted, hidden)
        return message

    def log_deletions(self, request, queryset):
        with translation_override(None):
            return [
                LogEntry.objects.log_actions(
                    user_id=request.user.pk,
                    queryset=[obj],
                    action_flag=DELETION,
                    change_message=[
                        {
                            "deleted": {
                                "name": str(obj._meta.verbose_name),
                                "object": str(obj),
                                "values": _snapshot(obj, self.audit_hidden_fields),
                            }
                        }
                    ],
                    single_object=True,
                )
                for obj in queryset
            ]


def _is_inline(entry: dict) -> bool:
    body = next(iter(entry.values()))
    return bool(body) and "name" in body


def describe_changes(entry: LogEntry) -> list[str]:
    """One line per recorded value: "Role: reviewer → facilitator", "Removed team: Support"."""
    try:
        message = json.loads(entry.change_message or "[]")
    except json.JSONDecodeError:
        return [entry.change_message]
    if not isinstance(message, list):
        return [entry.change_message]
    lines = []
    for sub in message:
        (kind, body), *_ = sub.items()
        # Inline rows of a changed object are named; a deleted object is the entry's own.
        inline = body and "name" in body and entry.action_flag != DELETION
        prefix = f"{body['name']} “{body['object']}”: " if inline else ""
        for name, value in (body or {}).get("values", {}).items():
            if kind == "changed":
                old, new = value
                lines.append(f"{prefix}{name}: {old or '—'} → {new or '—'}")
            elif kind == "added":
                new = value[1] if isinstance(value, list) else value
                lines.append(f"{prefix}{name}: set to {new or '—'}")
            else:
                lines.append(f"{prefix}{name} was {value or '—'}")
    return lines
