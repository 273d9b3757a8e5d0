import json
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST

from datafiles import ImportFailed, errors_context, read_bytes
from teams.permissions import content_manager_required, member_manager_required, team_required

from . import selectors, services
from .forms import (
    HelpdeskConnectionForm,
    HelpdeskImportForm,
    ImportForm,
    InteractionFilterForm,
    InteractionForm,
)
from .helpdesks import selectors as helpdesk_selectors
from .helpdesks import services as helpdesk_services
from .importing import FORMATS, detect_import_format, export_interactions, import_interactions
from .models import Channel, HelpdeskConnection, HelpdeskKind, Interaction

PER_PAGE = 25


def _filter_form(request) -> InteractionFilterForm:
    team = request.membership.team
    return InteractionFilterForm(request.GET, agents=selectors.interaction_agents(team=team))


@team_required
def interaction_list(request):
    team = request.membership.team
    form = _filter_form(request)
    interactions = selectors.interaction_list(team=team, **form.valid_filters)
    page = Paginator(interactions, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "interactions/list.html",
        {
            "form": form,
            "filter_errors": form.filter_errors,
            "page_obj": page,
            "interactions": page.object_list,
            "is_filtered": any(request.GET.get(name) for name in form.fields),
            "can_manage": request.membership.can_manage_content,
            "can_manage_members": request.membership.can_manage_members,
        },
    )


@team_required
def interaction_detail(request, pk: int):
    try:
        interaction = selectors.interaction_get(team=request.membership.team, pk=pk)
    except Interaction.DoesNotExist:
        raise Http404("No such interaction in this team.") from None
    metadata = [(key, _metadata_text(value)) for key, value in interaction.metadata.items()]
    # Reviewers score without knowing who handled it; managers see the name.
    show_agent = request.membership.can_manage_content or not interaction.hide_agent_name
    return render(
        request,
        "interactions/detail.html",
        {
            "interaction": interaction,
            "conversation": (
                list(interaction.messages.all())
                if show_agent
                else interaction.messages_for_reviewers
            ),
            "notes": interaction.notes if show_agent else interaction.notes_for_reviewers,
            "show_agent": show_agent,
            "metadata": metadata,
            "is_call": interaction.channel in (Channel.PHONE, Channel.EXPERT_SESSION),
            "recording_verb": _recording_verb(interaction.recording_url),
            "can_manage": request.membership.can_manage_content,
        },
    )


def _metadata_text(value) -> str:
    """Text as it is, a list of plain values as "a, b", anything else as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str | int | float) for item in value):
        return ", ".join(str(item) for item in value)
    return json.dumps(value, ensure_ascii=False)


AUDIO_EXTENSIONS = (".mp3", ".wav", ".m4a", ".ogg", ".oga", ".opus", ".aac", ".flac", ".wma")
VIDEO_EXTENSIONS = (".mp4", ".m4v", ".webm", ".mov", ".mkv", ".avi", ".wmv")


def _recording_verb(url: str) -> str:
    """ "Listen to" an audio file, "Watch" a video, "Open" anything else (a player page)."""
    path = urlsplit(url).path.lower()
    if path.endswith(AUDIO_EXTENSIONS):
        return "Listen to"
    if path.endswith(VIDEO_EXTENSIONS):
        return "Watch"
    return "Open"


@content_manager_required
def interaction_create(request):
    form = InteractionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            interaction = services.interaction_create(
                team=request.membership.team, **form.cleaned_data
            )
        except services.InteractionError as error:
            _add_error(form, error)
        else:
            messages.success(request, f"Interaction {interaction.external_id} added.")
            return redirect(interaction)
    return _render_form(request, form, interaction=None)


@content_manager_required
def interaction_edit(request, pk: int):
    try:
        interaction = selectors.interaction_get(team=request.membership.team, pk=pk)
    except Interaction.DoesNotExist:
        raise Http404("No such interaction in this team.") from None
    initial = {
        "channel": interaction.channel,
        "external_id": interaction.external_id,
        "url": interaction.url,
        "agent_name": interaction.agent_name,
        "subject": interaction.subject,
        "occurred_at": (
            timezone.localtime(interaction.occurred_at) if interaction.occurred_at else None
        ),
        "recording_url": interaction.recording_url,
        "notes": interaction.notes,
        "hide_agent_name": interaction.hide_agent_name,
        "conversation_text": services.format_conversation(interaction.messages.all()),
    }
    form = InteractionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.interaction_update(interaction=interaction, **form.changed_values())
        except services.InteractionError as error:
            _add_error(form, error)
        else:
            messages.success(request, f"Interaction {interaction.external_id} saved.")
            return redirect(interaction)
    return _render_form(request, form, interaction=interaction)


def _add_error(form, error: services.InteractionError) -> None:
    field = error.field if error.field in form.fields else None
    errors = getattr(error, "errors", None) or [error.message]
    for message in errors:
        form.add_error(field, message)


def _render_form(request, form, *, interaction):
    status = 400 if form.is_bound else 200
    return render(
        request,
        "interactions/form.html",
        {"form": form, "interaction": interaction, "paste_example": services.PASTE_EXAMPLE},
        status=status,
    )


@content_manager_required
def interaction_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            data = read_bytes(upload)
            fmt = detect_import_format(upload.name, data, chosen=form.cleaned_data["format"])
            result = import_interactions(
                team=request.membership.team,
                data=data,
                fmt=fmt,
                mask=form.cleaned_data["mask"],
                hide_agent_name=form.cleaned_data["hide_agent_name"],
            )
        except ImportFailed as failure:
            errors = [str(error) for error in failure.errors]
        else:
            messages.success(request, f"Imported {upload.name}: {result.summary}")
            return redirect("interactions:list")
    return render(
        request,
        "interactions/import.html",
        {
            "form": form,
            **errors_context(errors),
            "max_mb": settings.IMPORT_MAX_BYTES / 1_048_576,
        },
        status=400 if form.is_bound else 200,
    )


@content_manager_required
def interaction_export(request, fmt: str):
    if fmt not in FORMATS:
        raise Http404("Export as json or csv.")
    team = request.membership.team
    form = _filter_form(request)
    interactions = selectors.interaction_list(team=team, **form.valid_filters)
    data = export_interactions(team=team, fmt=fmt, queryset=interactions)
    content_type = "application/json" if fmt == "json" else "text/csv; charset=utf-8"
    stamp = timezone.localdate().isoformat()
    filename = f"interactions-{slugify(team.name) or 'team'}-{stamp}.{fmt}"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Helpdesk connections and bringing conversations in ----------------------------------------


def _connection_forms(data=None, *, kind: str | None = None) -> dict:
    return {
        value: HelpdeskConnectionForm(data if value == kind else None, kind=value)
        for value in HelpdeskKind.values
    }


def _render_connections(request, forms, *, status=200):
    return render(
        request,
        "interactions/helpdesks.html",
        {
            "connections": helpdesk_selectors.connections_for_team(team=request.membership.team),
            "forms": forms,
            "kinds": HelpdeskKind,
        },
        status=status,
    )


@member_manager_required
@require_http_methods(["GET", "POST"])
def helpdesk_connections(request):
    """Team admins: the connections, and one form per helpdesk to add another."""
    if request.method != "POST":
        return _render_connections(request, _connection_forms())
    kind = request.POST.get("kind", "")
    if kind not in HelpdeskKind.values:
        messages.error(request, "Choose Zendesk, Freshdesk or Intercom.")
        return _render_connections(request, _connection_forms(), status=400)
    forms = _connection_forms(request.POST, kind=kind)
    form = forms[kind]
    if form.is_valid():
        try:
            connection = helpdesk_services.connection_create(
                team=request.membership.team, creator=request.user, kind=kind, **form.cleaned_data
            )
        except helpdesk_services.HelpdeskError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, f"Connected “{connection.name}” as {connection.connected_as}."
            )
            return redirect("interactions:helpdesks")
    return _render_connections(request, forms, status=400)


def _connection_or_404(request, pk: int) -> HelpdeskConnection:
    try:
        return helpdesk_selectors.connection_get(team=request.membership.team, pk=pk)
    except HelpdeskConnection.DoesNotExist:
        raise Http404("No such helpdesk connection in this team.") from None


@member_manager_required
@require_POST
def helpdesk_connection_test(request, pk: int):
    connection = _connection_or_404(request, pk)
    try:
        helpdesk_services.connection_test(connection=connection)
    except helpdesk_services.HelpdeskError as error:
        messages.error(request, f"“{connection.name}” does not work: {error.message}")
    else:
        messages.success(
            request, f"“{connection.name}” works: connected as {connection.connected_as}."
        )
    return redirect("interactions:helpdesks")


@member_manager_required
@require_POST
def helpdesk_connection_delete(request, pk: int):
    connection = _connection_or_404(request, pk)
    helpdesk_services.connection_delete(connection=connection)
    messages.success(
        request,
        f"Removed “{connection.name}”. Conversations brought in from it stay in the library.",
    )
    return redirect("interactions:helpdesks")


@content_manager_required
@require_http_methods(["GET", "POST"])
def helpdesk_import(request):
    """“Bring in from helpdesk”: pasted links or ids, fetched whole and stored."""
    team = request.membership.team
    connections = helpdesk_selectors.connections_for_team(team=team)
    form = HelpdeskImportForm(request.POST or None, connections=connections)
    if request.method == "POST" and form.is_valid():
        try:
            result = helpdesk_services.helpdesk_import(**form.cleaned_data)
        except helpdesk_services.HelpdeskError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, result.summary)
            if len(result.interactions) == 1:
                return redirect(result.interactions[0])
            return redirect("interactions:list")
    return render(
        request,
        "interactions/bring_in.html",
        {
            "form": form,
            "has_connections": connections.exists(),
            "can_manage_members": request.membership.can_manage_members,
        },
        status=400 if form.is_bound else 200,
    )
