"""Reviewer profiles: bias and absolute deviation against the consensus and the baseline, over
time and per criterion, from the summary table's sums (aggregated in the database), read
through the one label rule of agreement.reviewers."""

from __future__ import annotations

import pandas as pd
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum

from agreement.display import format_signed_percent
from agreement.reviewers import LABEL_RULE, summarise_deviations
from scorecards.models import Criterion
from sessions.models import (
    Participant,
    ReviewerRollup,
    SessionKind,
    SessionReviewerSummary,
    SessionStatus,
)
from teams.models import Membership

from .access import ReportAccess
from .rollups import combined

SUMS = {
    "n": Sum("n"),
    "dev_sum": Sum("dev_sum"),
    "dev_sq": Sum("dev_sq"),
    "abs_sum": Sum("abs_sum"),
    "match": Sum("match"),
    "n_compared": Sum("n_compared"),
}
REFERENCES = ("consensus", "baseline")
PROFILE_COLUMNS = [
    "reviewer",
    "scope",
    "criterion or period",
    "reference",
    "compared (magnitude)",
    "bias",
    "bias shrunk",
    "bias 95% low",
    "bias 95% high",
    "label",
    "abs deviation",
    "abs deviation 95% low",
    "abs deviation 95% high",
    "match share",
    "compared (all)",
]


def _scope(queryset, access: ReportAccess, user_id=None):
    """The rows the viewer may pool: a profile's own (others' anonymous sessions left out for
    whoever is not the reviewer), or the team's without anyone else's anonymous rows."""
    rows = queryset.filter(team=access.team)
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
        if not access.sees_anonymous_figures_of(user_id):
            rows = rows.filter(anonymous=False)
    elif not access.sees_team_reports:
        rows = rows.filter(user=access.user)
    else:
        rows = rows.exclude(Q(anonymous=True) & ~Q(user=access.user))
    return rows


def _frame(
    access: ReportAccess,
    keys: list[str],
    *,
    user_id=None,
    period=None,
    date_from=None,
    date_to=None,
) -> pd.DataFrame:
    """The deviation sums grouped by ``keys`` (and "period"): whole months from the monthly
    rollup, the range's edges from the session rows, added exactly (`rollups.combined`)."""
    fields = {"user": "user_id", "criterion": "criterion_id", "reference": "reference"}
    data = combined(
        rollups=_scope(ReviewerRollup.objects.all(), access, user_id),
        rows=_scope(SessionReviewerSummary.objects.all(), access, user_id),
        period=period,
        date_from=date_from,
        date_to=date_to,
        keys=[fields[key] for key in keys],
        sums=SUMS,
    )
    frame = pd.DataFrame(
        data, columns=[*(fields[k] for k in keys), *(["period"] if period else []), *SUMS]
    )
    frame = frame.rename(columns={fields[key]: key for key in keys})
    order = [*keys, *(["period"] if period else [])]
    return frame.sort_values(order, kind="stable").reset_index(drop=True) if len(frame) else frame


def _criterion_names(team) -> dict:
    """criterion id -> (stable key, newest name), for every criterion of the team."""
    criteria = Criterion.objects.filter(version__scorecard__team=team).select_related("version")
    newest = {}
    for criterion in sorted(criteria, key=lambda c: c.version.number):
        newest[criterion.key] = criterion.name
    return {c.pk: (str(c.key), newest[c.key]) for c in criteria}


def _by_key(frame: pd.DataFrame, names: dict) -> pd.DataFrame:
    """Criterion ids folded into their key across versions (a reworded criterion stays one)."""
    frame = frame.assign(
        criterion=frame["criterion"].map(lambda pk: names.get(pk, (str(pk), "?"))[0])
    )
    return frame


def reviewer_overview(*, access: ReportAccess, date_from=None, date_to=None) -> dict:
    """Every reviewer's overall figures per reference, and the reviewer × criterion heat map
    (bias against the consensus, shrunk)."""
    names = _criterion_names(access.team)
    # One scan of the rollup; the pooling by reviewer or by cell happens on its few rows.
    sums = _by_key(
        _frame(access, ["user", "reference", "criterion"], date_from=date_from, date_to=date_to),
        names,
    )
    overall = summarise_deviations(sums, ["user", "reference"])
    cells = sums[sums["reference"] == "consensus"]
    per_cell = summarise_deviations(cells, ["user", "criterion"]) if len(cells) else []
    users = {
        u.pk: u
        for u in get_user_model()
        .objects.filter(pk__in={r["user"] for r in overall})
        .order_by("first_name", "username")
    }
    attended = dict(
        Participant.objects.filter(
            session__team=access.team,
            session__status=SessionStatus.CLOSED,
            session__kind=SessionKind.SCORING,
            user_id__in=list(users),
        )
        .values_list("user_id")
        .annotate(n=Count("session", distinct=True))
    )
    reviewers = []
    for pk, user in users.items():
        figures = {r["reference"]: r for r in overall if r["user"] == pk}
        reviewers.append(
            {
                "user": user,
                "name": user.get_full_name() or user.username,
                "sessions": attended.get(pk, 0),
                **{ref: figures.get(ref) for ref in REFERENCES},
            }
        )
    criteria_keys = sorted({c["criterion"] for c in per_cell}, key=lambda k: _name(names, k))
    grid = {(c["user"], c["criterion"]): c for c in per_cell}
    heat = {
        "rows": [r["name"] for r in reviewers],
        "columns": [_name(names, key) for key in criteria_keys],
        "cells": [
            [_heat_cell(grid.get((r["user"].pk, key))) for key in criteria_keys] for r in reviewers
        ],
    }
    return {"reviewers": reviewers, "heat": heat, "rule": LABEL_RULE}


def _name(names: dict, key: str) -> str:
    for criterion_key, name in names.values():
        if criterion_key == key:
            return name
    return key


def _heat_cell(figure: dict | None) -> dict | None:
    if figure is None or figure["bias"].shrunk is None:
        return None
    bias = figure["bias"]
    return {
        "value": bias.shrunk,
        "short": format_signed_percent(bias.shrunk, 0),
        "text": bias.text,
    }


def team_reviewer(*, access: ReportAccess, user_id: int):
    """The team member whose profile is asked for, or None (another team's person: 404)."""
    membership = (
        Membership.objects.filter(team=access.team, user_id=user_id).select_related("user").first()
    )
    return membership.user if membership else None


def reviewer_profile(
    *, access: ReportAccess, user, period: str = "quarter", date_from=None, date_to=None
) -> dict:
    """One reviewer: figures per reference overall, per period and per criterion, sessions
    attended, the criteria where they deviate most."""
    names = _criterion_names(access.team)
    # One scan of the rollup; overall, per period and per criterion pool its few rows.
    sums = _by_key(
        _frame(
            access,
            ["reference", "criterion"],
            user_id=user.pk,
            period="month" if period == "month" else "quarter",
            date_from=date_from,
            date_to=date_to,
        ),
        names,
    )
    overall = summarise_deviations(sums, ["reference"])
    over_time = summarise_deviations(sums, ["reference", "period"])
    per_criterion = summarise_deviations(sums, ["reference", "criterion"])
    for figure in per_criterion:
        figure["name"] = _name(names, figure["criterion"])
    consensus_criteria = [f for f in per_criterion if f["reference"] == "consensus"]
    deviate_most = sorted(
        (f for f in consensus_criteria if f["abs_deviation"].shrunk is not None),
        key=lambda f: -f["abs_deviation"].shrunk,
    )[:3]
    sessions = (
        Participant.objects.filter(
            user=user,
            session__team=access.team,
            session__status=SessionStatus.CLOSED,
            session__kind=SessionKind.SCORING,
        )
        .select_related("session")
        .order_by("-session__held_on_date", "-session__created_at")
    )
    hidden = 0
    if not access.sees_anonymous_figures_of(user.pk):
        # Their anonymous sessions that have figures for them: from the few anonymous
        # sessions they attended, not a scan of their every summary row.
        hidden = sessions.filter(
            session__anonymous=True,
            session__in=SessionReviewerSummary.objects.filter(
                team=access.team, user=user, session__anonymous=True
            ).values("session_id"),
        ).count()
    return {
        "reviewer": user,
        "name": user.get_full_name() or user.username,
        "overall": {f["reference"]: f for f in overall},
        "over_time": {ref: [f for f in over_time if f["reference"] == ref] for ref in REFERENCES},
        "per_criterion": {
            ref: sorted(
                (f for f in per_criterion if f["reference"] == ref), key=lambda f: f["name"]
            )
            for ref in REFERENCES
        },
        "deviate_most": deviate_most,
        "sessions_attended": sessions.count(),
        "recent_sessions": [p.session for p in sessions[:10]],
        "anonymous_hidden": hidden,
        "rule": LABEL_RULE,
        "period": period,
    }


def _figure_cells(figure: dict) -> list:
    bias, absolute = figure["bias"], figure["abs_deviation"]
    bias_ci = bias.ci or (None, None)
    abs_ci = absolute.ci or (None, None)
    return [
        bias.n,
        bias.mean,
        bias.shrunk,
        bias_ci[0],
        bias_ci[1],
        bias.label or "",
        absolute.mean,
        abs_ci[0],
        abs_ci[1],
        figure["match_share"],
        figure["n_compared"],
    ]


def profile_csv_rows(profile: dict) -> list[list]:
    name = profile["name"]
    out = []
    for ref, figure in profile["overall"].items():
        out.append([name, "overall", "", ref, *_figure_cells(figure)])
    for ref, figures in profile["over_time"].items():
        for figure in figures:
            out.append([name, "period", figure["period"].isoformat(), ref, *_figure_cells(figure)])
    for ref, figures in profile["per_criterion"].items():
        for figure in figures:
            out.append([name, "criterion", figure["name"], ref, *_figure_cells(figure)])
    return out


def overview_csv_rows(overview: dict) -> list[list]:
    out = []
    for reviewer in overview["reviewers"]:
        for ref in REFERENCES:
            figure = reviewer.get(ref)
            if figure:
                out.append([reviewer["name"], "overall", "", ref, *_figure_cells(figure)])
    return out
