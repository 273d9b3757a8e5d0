"""Scorecard pages. Everyone in the team may read; admins and facilitators may change."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from datafiles import ImportFailed, detect_format, errors_context, read_bytes
from teams.permissions import content_manager_required, team_required

from . import selectors, services
from .forms import (
    CriterionForm,
    FoldNotesForm,
    ImportForm,
    MoveForm,
    ReorderForm,
    ScorecardForm,
)
from .importing import FORMATS, export_scorecards, import_scorecards
from .models import Criterion, Scorecard


def _posted(request):
    """The POST data for a form, or None on GET so the form stays unbound."""
    return request.POST if request.method == "POST" else None


def _scorecard(request, pk: int) -> Scorecard:
    team = request.membership.team
    return get_object_or_404(selectors.scorecards_for_team(team=team), pk=pk)


# --- list, create, details -------------------------------------------------------------------


@team_required
def scorecard_list(request):
    scorecards = selectors.scorecard_list(team=request.membership.team)
    return render(request, "scorecards/list.html", {"scorecards": scorecards})


@content_manager_required
def scorecard_create(request):
    form = ScorecardForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            scorecard = services.scorecard_create(
                team=request.membership.team, user=request.user, **form.cleaned_data
            )
        except services.ScorecardError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"Scorecard “{scorecard.name}” created. Add its criteria.")
            return redirect(scorecard)
    return _render_form(request, "scorecards/form.html", {"form": form, "scorecard": None}, form)


@content_manager_required
def scorecard_edit(request, pk: int):
    scorecard = _scorecard(request, pk)
    initial = {"name": scorecard.name, "description": scorecard.description}
    form = ScorecardForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.scorecard_update(scorecard=scorecard, **form.cleaned_data)
        except services.ScorecardError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, "Scorecard details saved.")
            return redirect(scorecard)
    context = {"form": form, "scorecard": scorecard}
    return _render_form(request, "scorecards/form.html", context, form)


@team_required
def scorecard_detail(request, pk: int):
    scorecard = _scorecard(request, pk)
    version = selectors.current_version(scorecard=scorecard)
    return _render_version(request, scorecard, version, is_current=True)


@team_required
def scorecard_version(request, pk: int, number: int):
    scorecard = _scorecard(request, pk)
    version = selectors.version_by_number(scorecard=scorecard, number=number)
    if version is None:
        raise Http404("No such version of this scorecard.")
    current = selectors.current_version(scorecard=scorecard)
    if version == current:
        return redirect(scorecard)
    return _render_version(request, scorecard, version, is_current=False)


def _render_version(request, scorecard, version, *, is_current: bool):
    criteria = selectors.version_criteria(version=version) if version else []
    can_edit = is_current and request.membership.can_manage_content
    notes = selectors.calibration_notes(scorecard=scorecard)
    for criterion in criteria:
        criterion.notes = notes.get(criterion.key, [])
        criterion.open_notes = sum(not note.is_superseded for note in criterion.notes)
    context = {
        "scorecard": scorecard,
        "version": version,
        "is_current": is_current,
        "can_edit": can_edit,
        "groups": selectors.criteria_groups(criteria),
        "active_count": sum(criterion.is_active for criterion in criteria),
        "retired_count": sum(not criterion.is_active for criterion in criteria),
        "versions": selectors.scorecard_versions(scorecard=scorecard),
    }
    return render(request, "scorecards/detail.html", context)


def _render_form(request, template: str, context: dict, form):
    status = 400 if form.is_bound and form.errors else 200
    return render(request, template, context, status=status)


# --- criteria --------------------------------------------------------------------------------


@content_manager_required
def criterion_add(request, pk: int):
    scorecard = _scorecard(request, pk)
    form = CriterionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        edit = _try_edit(
            form,
            lambda: services.criterion_add(
                scorecard=scorecard, data=form.criterion_data, user=request.user
            ),
        )
        if edit is not None:
            _report_edit(request, edit, f"Added “{form.criterion_data.name}”.")
            return redirect(scorecard)
    context = {"form": form, "scorecard": scorecard, "criterion": None}
    return _render_form(request, "scorecards/criterion_form.html", context, form)


@content_manager_required
def criterion_edit(request, pk: int, key: uuid.UUID):
    scorecard = _scorecard(request, pk)
    criterion = _current_criterion(scorecard, key)
    form = CriterionForm(_posted(request), initial=CriterionForm.initial_for(criterion))
    if request.method == "POST" and form.is_valid():
        edit = _try_edit(
            form,
            lambda: services.criterion_update(
                scorecard=scorecard, key=key, data=form.criterion_data, user=request.user
            ),
        )
        if edit is not None:
            _report_edit(request, edit, f"Saved “{form.criterion_data.name}”.")
            return redirect(scorecard)
    context = {"form": form, "scorecard": scorecard, "criterion": criterion}
    return _render_form(request, "scorecards/criterion_form.html", context, form)


def _current_criterion(scorecard: Scorecard, key: uuid.UUID) -> Criterion:
    version = selectors.current_version(scorecard=scorecard)
    return get_object_or_404(Criterion, version=version, key=key)


def _try_edit(form, call):
    try:
        return call()
    except services.ScorecardError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error))
    except Criterion.DoesNotExist:
        raise Http404("No such criterion on this scorecard.") from None
    return None


@content_manager_required
@require_POST
def criterion_retire(request, pk: int, key: uuid.UUID):
    return _simple_edit(request, pk, key, services.criterion_retire, "Retired")


@content_manager_required
@require_POST
def criterion_restore(request, pk: int, key: uuid.UUID):
    return _simple_edit(request, pk, key, services.criterion_restore, "Restored")


@content_manager_required
@require_POST
def criterion_move(request, pk: int, key: uuid.UUID):
    form = MoveForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Choose up or down.", status=400)

    def move(**kwargs):
        return services.criterion_move(offset=form.offset, **kwargs)

    return _simple_edit(request, pk, key, move, "Moved")


def _simple_edit(request, pk: int, key: uuid.UUID, service, verb: str):
    scorecard = _scorecard(request, pk)
    try:
        edit = service(scorecard=scorecard, key=key, user=request.user)
    except Criterion.DoesNotExist:
        raise Http404("No such criterion on this scorecard.") from None
    except services.ScorecardError as error:
        messages.error(request, str(error))
    else:
        _report_edit(request, edit, f"{verb} the criterion.")
    return redirect(f"{scorecard.get_absolute_url()}#criterion-{key}")


@content_manager_required
@require_POST
def criteria_reorder(request, pk: int):
    """The drag-and-drop path: answers JSON to scripts and redirects browsers."""
    scorecard = _scorecard(request, pk)
    form = ReorderForm(request.POST)
    if not form.is_valid():
        return _reorder_answer(request, scorecard, error=form.errors["order"][0])
    try:
        edit = services.criteria_reorder(
            scorecard=scorecard, keys=form.cleaned_data["order"], user=request.user
        )
    except services.ScorecardError as error:
        return _reorder_answer(request, scorecard, error=str(error))
    return _reorder_answer(request, scorecard, edit=edit)


def _reorder_answer(request, scorecard, *, edit=None, error: str = ""):
    if request.headers.get("Accept", "").startswith("application/json"):
        if error:
            return JsonResponse({"ok": False, "error": error}, status=400)
        return JsonResponse(
            {"ok": True, "version": edit.version.number, "new_version": edit.new_version}
        )
    if error:
        messages.error(request, error)
    else:
        _report_edit(request, edit, "Order saved.")
    return redirect(scorecard)


def _report_edit(request, edit: services.Edit, done: str) -> None:
    if not edit.changed:
        messages.info(request, "Nothing changed.")
    elif edit.new_version:
        messages.success(
            request,
            f"{done} Version {edit.version.number} was started: version "
            f"{edit.version.number - 1} is used in a session and stays as it was.",
        )
    else:
        messages.success(request, done)


# --- calibration notes -----------------------------------------------------------------------


def _note(request, pk: int, note_id: int):
    scorecard = _scorecard(request, pk)
    note = selectors.calibration_note_for_team(team=request.membership.team, pk=note_id)
    if note is None or note.scorecard_id != scorecard.pk:
        raise Http404("No such note on this scorecard.")
    return scorecard, note


@content_manager_required
@require_POST
def note_supersede(request, pk: int, note_id: int):
    scorecard, note = _note(request, pk, note_id)
    return _note_change(
        request,
        scorecard,
        note,
        lambda: services.calibration_note_supersede(note=note, user=request.user),
        "Note marked as superseded: reviewers no longer see it while scoring.",
    )


@content_manager_required
@require_POST
def note_restore(request, pk: int, note_id: int):
    scorecard, note = _note(request, pk, note_id)
    return _note_change(
        request,
        scorecard,
        note,
        lambda: services.calibration_note_restore(note=note),
        "Note restored: reviewers see it again while scoring.",
    )


def _note_change(request, scorecard, note, call, done: str):
    try:
        call()
    except services.ScorecardError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect(f"{scorecard.get_absolute_url()}#note-{note.pk}")


@content_manager_required
def notes_fold(request, pk: int, key: uuid.UUID):
    scorecard = _scorecard(request, pk)
    criterion = _current_criterion(scorecard, key)
    notes = [
        n
        for n in selectors.calibration_notes(scorecard=scorecard).get(key, [])
        if not n.is_superseded
    ]
    initial = {
        "notes": [note.pk for note in notes],
        "guidance_right": criterion.guidance_right,
        "guidance_wrong": criterion.guidance_wrong,
    }
    form = FoldNotesForm(_posted(request), initial=initial, notes=notes)
    if request.method == "POST" and form.is_valid():
        edit = _try_edit(
            form,
            lambda: services.calibration_notes_fold(
                scorecard=scorecard,
                key=key,
                note_ids=form.cleaned_data["notes"],
                guidance_right=form.cleaned_data["guidance_right"],
                guidance_wrong=form.cleaned_data["guidance_wrong"],
                user=request.user,
            ),
        )
        if edit is not None:
            _report_edit(request, edit, f"Folded the notes into “{criterion.name}”'s guidance.")
            return redirect(f"{scorecard.get_absolute_url()}#criterion-{key}")
    context = {"form": form, "scorecard": scorecard, "criterion": criterion, "notes": notes}
    return _render_form(request, "scorecards/notes_fold.html", context, form)


# --- import and export -----------------------------------------------------------------------


@content_manager_required
def scorecard_import(request):
    form = ImportForm(_posted(request), request.FILES or None)
    errors: list = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = import_scorecards(
                team=request.membership.team,
                data=read_bytes(upload),
                fmt=detect_format(upload.name),
                user=request.user,
            )
        except ImportFailed as failure:
            errors = failure.errors
        else:
            messages.success(request, f"Import done. {result.summary}")
            return redirect("scorecards:list")
    context = {
        "form": form,
        **errors_context(errors),
    }
    status = 400 if errors or (form.is_bound and form.errors) else 200
    return render(request, "scorecards/import.html", context, status=status)


@team_required
@require_GET
def scorecard_export(request):
    fmt = request.GET.get("format", "json")
    if fmt not in FORMATS:
        raise Http404("Export as csv or json.")
    team = request.membership.team
    ids = _scorecard_ids(request)
    data = export_scorecards(team=team, fmt=fmt, scorecard_ids=ids)
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    response = HttpResponse(data, content_type=content_type)
    name = f"scorecards-{slugify(team.name) or 'team'}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _scorecard_ids(request) -> list[int] | None:
    raw = request.GET.getlist("scorecard")
    if not raw:
        return None
    try:
        return [int(value) for value in raw]
    except ValueError:
        raise Http404("No such scorecard.") from None
