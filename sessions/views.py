import csv

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from scorecards.selectors import current_version, scorecards_for_team
from teams.middleware import SESSION_KEY as CURRENT_TEAM_KEY
from teams.permissions import content_manager_required, team_required

from . import selectors, services
from .forms import JoinCodeForm, ReviewCreateForm, SessionCreateForm, TemplateForm
from .models import CalibrationSession, SessionKind, SessionStatus, normalize_join_code
from .selectors.review import review_snapshot, review_summary
from .services import reviewing
from .services.creating import HelpdeskFetch, HelpdeskSample


def _session_or_404(request, session_id: int) -> CalibrationSession:
    session = selectors.session_for_member(team=request.membership.team, session_id=session_id)
    if session is None:
        raise Http404("No such session in this team.")
    return session


@team_required
def session_list(request):
    team = request.membership.team
    return render(
        request,
        "sessions/list.html",
        {
            "sessions": selectors.sessions_for_team(team=team, user=request.user),
            "templates": selectors.templates_for_team(team=team),
            "join_form": JoinCodeForm(),
        },
    )


@content_manager_required
@require_http_methods(["GET", "POST"])
def session_create(request):
    team = request.membership.team
    form = SessionCreateForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sample = helpdesk_sample = helpdesk_fetch = None
        privacy = {
            "mask": data.get("helpdesk_mask", False),
            "hide_agent_name": data.get("helpdesk_hide_agent_name", False),
        }
        if data.get("sample_size") and data.get("sample_source") == "helpdesk":
            helpdesk_sample = HelpdeskSample(
                connection=data["sample_connection"],
                size=data["sample_size"],
                channel=data.get("sample_channel") or None,
                days=data.get("sample_days") or 7,
                group=data.get("sample_group", ""),
                tag=data.get("sample_tag", ""),
                **privacy,
            )
        elif data.get("sample_size"):
            sample = services.SampleRequest(
                size=data["sample_size"],
                channel=data.get("sample_channel") or None,
                occurred_from=data.get("sample_from"),
                occurred_to=data.get("sample_to"),
                not_calibrated=data.get("sample_not_calibrated", False),
            )
        if (data.get("helpdesk_references") or "").strip():
            helpdesk_fetch = HelpdeskFetch(
                connection=data["helpdesk_connection"],
                references=data["helpdesk_references"],
                **privacy,
            )
        pasted = None
        if data.get("paste_conversation") or data.get("paste_url"):
            pasted = services.PastedInteraction(
                channel=data["paste_channel"],
                url=data.get("paste_url", ""),
                subject=data.get("paste_subject", ""),
                conversation_text=data.get("paste_conversation", ""),
            )
        try:
            session = services.session_create_from_sources(
                team=team,
                facilitator=request.user,
                title=data["title"],
                scorecard=data["scorecard"],
                picked=list(data.get("interactions") or []),
                sample=sample,
                pasted=pasted,
                reviewers=list(data.get("reviewers") or []),
                criteria=list(data.get("criteria") or []),
                options=services.SessionOptions(
                    anonymous=data.get("anonymous", False),
                    facilitator_scores=data.get("facilitator_scores", False),
                    baseline_user_id=data["baseline"].pk if data.get("baseline") else None,
                    timer_minutes=data.get("timer_minutes"),
                    due_at=data.get("due_at"),
                ),
                helpdesk_fetch=helpdesk_fetch,
                helpdesk_sample=helpdesk_sample,
            )
        except services.SessionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Session “{session.title}” created.")
            return redirect("sessions:room", session_id=session.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "sessions/create.html", {"form": form}, status=status)


@team_required
def session_room(request, session_id: int):
    session = _session_or_404(request, session_id)
    participant = selectors.participant_for(session_id=session.pk, user=request.user)
    if participant is None:
        if session.status == SessionStatus.CLOSED:
            return redirect("sessions:summary", session_id=session.pk)
        return render(request, "sessions/not_participant.html", {"session": session}, status=403)
    if session.status == SessionStatus.CLOSED:
        return redirect("sessions:summary", session_id=session.pk)
    if session.kind == SessionKind.CRITERION_REVIEW:
        return _review_page(request, session, "sessions/review_room.html")
    return render(
        request,
        "sessions/room.html",
        {
            "session": session,
            "participant": participant,
            "items": selectors.session_items(session=session),
            "snapshot": selectors.session_snapshot(session=session, user=request.user),
            "join_url": request.build_absolute_uri(
                reverse("sessions:join", args=[session.join_code])
            ),
        },
    )


@content_manager_required
@require_http_methods(["GET", "POST"])
def review_create(request):
    """A criterion review of a scorecard's current version; ?scorecard=<id> preselects it."""
    team = request.membership.team
    initial = {}
    if request.method == "GET" and (wanted := request.GET.get("scorecard", "")).isdigit():
        initial["scorecard"] = get_object_or_404(scorecards_for_team(team=team), pk=int(wanted))
    form = ReviewCreateForm(request.POST or None, team=team, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        version = current_version(scorecard=data["scorecard"])
        try:
            if version is None:
                raise services.SessionError("That scorecard has no criteria to review yet.")
            session = reviewing.review_create(
                team=team,
                facilitator=request.user,
                title=data["title"],
                scorecard_version=version,
                reviewers=list(data.get("reviewers") or []),
                anonymous=data.get("anonymous", False),
                facilitator_answers=data.get("facilitator_answers", False),
            )
        except services.SessionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Criterion review “{session.title}” created.")
            return redirect("sessions:room", session_id=session.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "sessions/review_create.html", {"form": form}, status=status)


def _review_page(request, session: CalibrationSession, template: str):
    return render(
        request,
        template,
        {
            "session": session,
            "snapshot": review_snapshot(session=session, user=request.user),
            "join_url": request.build_absolute_uri(
                reverse("sessions:join", args=[session.join_code])
            ),
        },
    )


@team_required
def session_present(request, session_id: int):
    session = _session_or_404(request, session_id)
    participant = selectors.participant_for(session_id=session.pk, user=request.user)
    if participant is None:
        return render(request, "sessions/not_participant.html", {"session": session}, status=403)
    if session.kind == SessionKind.CRITERION_REVIEW:
        return _review_page(request, session, "sessions/review_present.html")
    return render(
        request,
        "sessions/present.html",
        {
            "session": session,
            "items": selectors.session_items(session=session),
            "snapshot": selectors.session_snapshot(session=session, user=request.user),
        },
    )


@team_required
def session_summary(request, session_id: int):
    session = _session_or_404(request, session_id)
    if session.kind == SessionKind.CRITERION_REVIEW:
        return render(
            request,
            "sessions/review_summary.html",
            {"session": session, **review_summary(session=session, user=request.user)},
        )
    return render(
        request,
        "sessions/summary.html",
        {"session": session, **selectors.session_summary(session=session, user=request.user)},
    )


@team_required
def session_ratings_csv(request, session_id: int):
    session = _session_or_404(request, session_id)
    rows = selectors.ratings_table(session=session, user=request.user)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}-ratings.csv"'
    writer = csv.writer(response)
    writer.writerow(selectors.RATINGS_TABLE_COLUMNS)
    for row in rows:
        writer.writerow([row[column] for column in selectors.RATINGS_TABLE_COLUMNS])
    return response


@team_required
@require_http_methods(["GET", "POST"])
def session_join(request, code: str):
    if request.method == "POST":
        try:
            session = services.session_join(join_code=code, user=request.user)
        except services.SessionNotFound as error:
            return render(request, "sessions/join.html", {"error": str(error)}, status=404)
        except services.SessionError as error:
            return render(request, "sessions/join.html", {"error": str(error)}, status=403)
        # The join link may belong to another of the user's teams: work in that one now.
        request.session[CURRENT_TEAM_KEY] = session.team_id
        return redirect("sessions:room", session_id=session.pk)
    preview = selectors.join_preview(code=code, user=request.user)
    if preview.error:
        return render(request, "sessions/join.html", {"error": preview.error}, status=404)
    if preview.already_participant:
        request.session[CURRENT_TEAM_KEY] = preview.session.team_id
        return redirect("sessions:room", session_id=preview.session.pk)
    if preview.too_late:
        return render(request, "sessions/join.html", {"error": preview.too_late}, status=403)
    context = {"session": preview.session, "code": preview.session.join_code}
    return render(request, "sessions/join.html", context)


@team_required
@require_POST
def session_join_code(request):
    form = JoinCodeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Type the join code the facilitator shared.")
        return redirect("sessions:list")
    return redirect("sessions:join", code=normalize_join_code(form.cleaned_data["code"]) or "-")


@content_manager_required
@require_http_methods(["GET", "POST"])
def template_create(request):
    team = request.membership.team
    form = TemplateForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            template = services.session_template_create(
                team=team,
                creator=request.user,
                name=data["name"],
                scorecard=data["scorecard"],
                reviewers=list(data["reviewers"]),
                channel_rotation=data["channel_rotation"],
                sample_size=data["sample_size"],
                anonymous=data["anonymous"],
                facilitator_scores=data["facilitator_scores"],
                baseline=data.get("baseline"),
                timer_minutes=data.get("timer_minutes"),
                helpdesk_connection=data.get("helpdesk_connection"),
                helpdesk_mask=data.get("helpdesk_mask", False),
                helpdesk_hide_agent_name=data.get("helpdesk_hide_agent_name", False),
            )
        except services.SessionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Template “{template.name}” saved.")
            return redirect("sessions:list")
    status = 400 if request.method == "POST" else 200
    return render(request, "sessions/template_form.html", {"form": form}, status=status)


@content_manager_required
@require_POST
def template_next_session(request, template_id: int):
    team = request.membership.team
    get_object_or_404(selectors.templates_for_team(team=team), pk=template_id)
    try:
        session = services.session_create_from_template(
            template_id=template_id, team=team, facilitator=request.user
        )
    except services.SessionError as error:
        messages.error(request, str(error))
        return redirect("sessions:list")
    messages.success(request, f"Session “{session.title}” created.")
    return redirect("sessions:room", session_id=session.pk)
