import csv
import json

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from datafiles import ImportFailed, errors_context, read_bytes
from sessions import history
from sessions.selectors import session_for_member
from teams.permissions import content_manager_required, team_required

from .forms import HistoryImportForm
from .selectors import REPORT_CSV_COLUMNS, report_csv_rows, session_report_document


@content_manager_required
@require_http_methods(["GET", "POST"])
def import_history(request):
    form = HistoryImportForm(
        request.POST if request.method == "POST" else None, request.FILES or None
    )
    errors: list = []
    if request.method == "POST" and form.is_valid():
        try:
            result = history.import_history(
                data=read_bytes(form.cleaned_data["file"]),
                team_name=None,
                team=request.membership.team,
                create_missing=form.cleaned_data["create_missing"],
                actor=request.user,
            )
        except ImportFailed as failure:
            errors = failure.errors
        else:
            messages.success(request, result.summary)
            for line in result.inferred_scales:
                messages.info(request, f"Inferred: {line}")
            return redirect("reports:import_history")
    context = {
        "form": form,
        **errors_context(errors),
    }
    status = 400 if errors or (form.is_bound and form.errors) else 200
    return render(request, "reports/import_history.html", context, status=status)


@team_required
def session_report_download(request, session_id: int, fmt: str):
    if fmt not in ("json", "csv"):
        raise Http404("Reports come as .json or .csv.")
    session = session_for_member(team=request.membership.team, session_id=session_id)
    if session is None:
        raise Http404("No such session in this team.")
    document = session_report_document(session=session, viewer=request.user)
    filename = f"session-{session.pk}-report.{fmt}"
    if fmt == "json":
        response = HttpResponse(
            json.dumps(document, indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        writer = csv.writer(response)
        writer.writerow(REPORT_CSV_COLUMNS)
        writer.writerows(report_csv_rows(document))
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
