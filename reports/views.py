from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from calibration.importing import ImportFailed, read_bytes
from teams.permissions import content_manager_required

from . import history
from .forms import HistoryImportForm

MAX_ERRORS_SHOWN = 50


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
        "errors": errors[:MAX_ERRORS_SHOWN],
        "more_errors": max(0, len(errors) - MAX_ERRORS_SHOWN),
        "error_count": len(errors),
    }
    status = 400 if errors or (form.is_bound and form.errors) else 200
    return render(request, "reports/import_history.html", context, status=status)
