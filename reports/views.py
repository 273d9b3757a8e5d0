import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from agreement.trends import period_label
from datafiles import ImportFailed, errors_context, read_bytes
from sessions import history as history_import
from sessions.selectors import session_for_member
from teams.permissions import content_manager_required, team_required

from . import charts
from .exports import TABLE_FORMATS, table_response
from .forms import (
    DateRangeForm,
    HistoryFilterForm,
    HistoryImportForm,
    ProfileFilterForm,
    TrendFilterForm,
)
from .selectors import (
    REPORT_CSV_COLUMNS,
    ReportAccess,
    report_csv_rows,
    session_report_document,
)
from .selectors import criteria as criteria_selectors
from .selectors import history as history_selectors
from .selectors import reviewers as reviewer_selectors
from .selectors import trends as trend_selectors
from .selectors import versions as version_selectors


@content_manager_required
@require_http_methods(["GET", "POST"])
def import_history(request):
    form = HistoryImportForm(
        request.POST if request.method == "POST" else None, request.FILES or None
    )
    errors: list = []
    if request.method == "POST" and form.is_valid():
        try:
            result = history_import.import_history(
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
    if fmt not in ("json", *TABLE_FORMATS):
        raise Http404("Reports come as .json, .csv or .xlsx.")
    session = session_for_member(team=request.membership.team, session_id=session_id)
    if session is None:
        raise Http404("No such session in this team.")
    # The figures the summary page shows (a closed session's stored ones).
    document = session_report_document(session=session, viewer=request.user, n_resamples=None)
    name = f"session-{session.pk}-report"
    if fmt != "json":
        return table_response(fmt, name, REPORT_CSV_COLUMNS, report_csv_rows(document))
    response = HttpResponse(
        json.dumps(document, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return response


# --------------------------------------------------------------------------- manager pages
def _download_format(request) -> str | None:
    """The download asked for ("csv" or "xlsx"), or None for the page itself."""
    fmt = request.GET.get("format")
    return fmt if fmt in TABLE_FORMATS else None


def _query_without(request, *names: str) -> str:
    """The page's filters as a query string, minus ``names`` (for sort and page links)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _require_team_reports(access: ReportAccess) -> None:
    if not access.sees_team_reports:
        raise PermissionDenied("Trends, profiles and criterion health are for managers and admins.")


@team_required
def reports_home(request):
    return redirect("reports:history")


@team_required
@require_safe
def history(request):
    access = ReportAccess.for_request(request)
    form = HistoryFilterForm(
        request.GET or None, **history_selectors.history_choices(access=access)
    )
    if request.GET and not form.is_valid():
        return render(request, "reports/history.html", {"form": form, "access": access}, status=400)
    filters = form.cleaned_data if form.is_bound else {}
    sessions = history_selectors.history_sessions(access=access, filters=filters)
    if fmt := _download_format(request):
        rows = [history_selectors.history_row(s) for s in sessions]
        return table_response(
            fmt,
            "history",
            history_selectors.HISTORY_COLUMNS,
            history_selectors.history_csv_rows(rows),
        )
    page = Paginator(sessions, history_selectors.PAGE_SIZE).get_page(filters.get("page"))
    return render(
        request,
        "reports/history.html",
        {
            "form": form,
            "access": access,
            "page": page,
            "rows": [history_selectors.history_row(s) for s in page.object_list],
            "sort": filters.get("sort") or "-date",
            "query_for_sort": _query_without(request, "sort", "page"),
            "query_for_page": _query_without(request, "page"),
            "query": request.GET.urlencode(),
        },
    )


def _trend_choices(access):
    return history_selectors.history_choices(access=access)["scorecards"]


@team_required
@require_safe  # read with GET only: a POST could otherwise fill the trends memo
def trends(request):
    access = ReportAccess.for_request(request)
    _require_team_reports(access)
    form = TrendFilterForm(request.GET or None, scorecards=_trend_choices(access))
    if request.GET and not form.is_valid():
        return render(request, "reports/trends.html", {"form": form}, status=400)
    filters = form.cleaned_data if form.is_bound else {"group": "team", "period": "month"}
    series = trend_selectors.agreement_trends(
        team=access.team,
        group=filters["group"],
        period=filters["period"],
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        scorecard=filters.get("scorecard"),
    )
    if fmt := _download_format(request):
        return table_response(
            fmt, "trends", trend_selectors.TREND_COLUMNS, trend_selectors.trend_csv_rows(series)
        )
    for line in series:
        line["alpha_chart"] = charts.alpha_trend_chart(line["name"], line["points"])
        line["shares_chart"] = charts.shares_trend_chart(line["name"], line["points"])
    return render(
        request,
        "reports/trends.html",
        {"form": form, "series": series, "filters": filters, "query": request.GET.urlencode()},
    )


@team_required
@require_safe
def reviewers(request):
    access = ReportAccess.for_request(request)
    if not access.sees_team_reports:
        return redirect("reports:reviewer", user_id=request.user.pk)
    form = DateRangeForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "reports/reviewers.html", {"form": form}, status=400)
    filters = form.cleaned_data if form.is_bound else {}
    overview = reviewer_selectors.reviewer_overview(
        access=access, date_from=filters.get("date_from"), date_to=filters.get("date_to")
    )
    if fmt := _download_format(request):
        return table_response(
            fmt,
            "reviewers",
            reviewer_selectors.PROFILE_COLUMNS,
            reviewer_selectors.overview_csv_rows(overview),
        )
    heat = overview["heat"]
    return render(
        request,
        "reports/reviewers.html",
        {
            "form": form,
            **overview,
            "heat_map": charts.heat_map(
                "Bias against the consensus, reviewer × criterion (shrunk)",
                heat["rows"],
                heat["columns"],
                heat["cells"],
            )
            if heat["columns"]
            else None,
            "heat_rows": list(zip(heat["rows"], heat["cells"], strict=True)),
            "query": request.GET.urlencode(),
        },
    )


@team_required
@require_safe
def reviewer_profile(request, user_id: int):
    access = ReportAccess.for_request(request)
    user = reviewer_selectors.team_reviewer(access=access, user_id=user_id)
    if user is None or not access.may_see_profile(user.pk):
        raise Http404("No such reviewer in this team.")
    form = ProfileFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "reports/reviewer.html", {"form": form, "name": user}, status=400)
    filters = form.cleaned_data if form.is_bound else {"period": "quarter"}
    profile = reviewer_selectors.reviewer_profile(
        access=access,
        user=user,
        period=filters["period"],
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    if fmt := _download_format(request):
        return table_response(
            fmt,
            f"reviewer-{user.pk}",
            reviewer_selectors.PROFILE_COLUMNS,
            reviewer_selectors.profile_csv_rows(profile),
        )
    for figures in profile["over_time"].values():
        for figure in figures:
            figure["label"] = period_label(figure["period"], profile["period"])
    chart_set = {
        ref: {
            "bias": charts.bias_trend_chart(f"{profile['name']} against the {ref}", figures)
            if figures
            else None,
            "bars": charts.deviation_bars(
                f"{profile['name']} against the {ref}", profile["per_criterion"][ref]
            )
            if profile["per_criterion"][ref]
            else None,
        }
        for ref, figures in profile["over_time"].items()
    }
    return render(
        request,
        "reports/reviewer.html",
        {
            "form": form,
            **profile,
            "charts": chart_set,
            "access": access,
            "query": request.GET.urlencode(),
        },
    )


@team_required
@require_safe
def criterion_health(request):
    access = ReportAccess.for_request(request)
    _require_team_reports(access)
    form = DateRangeForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "reports/criteria.html", {"form": form}, status=400)
    filters = form.cleaned_data if form.is_bound else {}
    health = criteria_selectors.criterion_health(
        team=access.team, date_from=filters.get("date_from"), date_to=filters.get("date_to")
    )
    if fmt := _download_format(request):
        return table_response(
            fmt,
            "criterion-health",
            criteria_selectors.HEALTH_COLUMNS,
            criteria_selectors.health_csv_rows(health["criteria"]),
        )
    for row in health["flagged"]:
        row["chart"] = charts.alpha_trend_chart(row["name"], row["points"])
    return render(
        request,
        "reports/criteria.html",
        {
            "form": form,
            **health,
            # Facilitators and admins create sessions; a manager passes the link on.
            "can_start_review": request.membership.can_manage_content,
            "thresholds": criteria_selectors.THRESHOLDS,
            "query": request.GET.urlencode(),
        },
    )


@team_required
@require_safe
def version_history(request, scorecard_id: int):
    access = ReportAccess.for_request(request)
    scorecard = version_selectors.scorecard_for_reports(team=access.team, scorecard_id=scorecard_id)
    if scorecard is None:
        raise Http404("No such scorecard in this team.")
    if not access.sees_team_history:
        raise PermissionDenied("A scorecard's version history is for its team's managers.")
    versions = version_selectors.version_history(scorecard=scorecard)
    if fmt := _download_format(request):
        return table_response(
            fmt,
            f"scorecard-{scorecard.pk}-versions",
            version_selectors.VERSION_COLUMNS,
            version_selectors.version_csv_rows(versions),
        )
    return render(
        request,
        "reports/versions.html",
        {"scorecard": scorecard, "versions": versions, "query": request.GET.urlencode()},
    )
