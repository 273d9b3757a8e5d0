"""The history: every session of the viewer's teams (a reviewer: the sessions they took part
in), filtered and sorted in the database, with the figures of the precomputed summary table.
A page costs the same few queries whatever the number of sessions."""

from __future__ import annotations

from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, TruncDate

from interactions.models import Channel
from scorecards.models import Scorecard
from sessions.models import (
    CalibrationSession,
    Participant,
    ParticipantRole,
    SessionInteraction,
    SessionKind,
    SessionStatus,
)
from teams.models import Membership

from .access import ReportAccess

PAGE_SIZE = 25
HISTORY_SORTS = {
    "date": "held",
    "-date": "-held",
    "title": "title",
    "-title": "-title",
    "alpha": "summary_alpha",
    "-alpha": "-summary_alpha",
    "spread": "summary__mean_spread",
    "-spread": "-summary__mean_spread",
    "reviewers": "summary__n_reviewers",
    "-reviewers": "-summary__n_reviewers",
    "interactions": "item_count",
    "-interactions": "-item_count",
}
HISTORY_COLUMNS = [
    "date held",
    "title",
    "scorecard",
    "state",
    "kind",
    "channel",
    "reviewers",
    "interactions",
    "alpha",
    "alpha 95% low",
    "alpha 95% high",
    "alpha reading",
    "units",
    "mean spread",
    "exact agreement",
]


def _count(queryset) -> Subquery:
    rows = queryset.order_by().values("session").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def history_choices(*, access: ReportAccess) -> dict:
    """The filters' options: the team's scorecards, people, channels and states."""
    people = (
        Membership.objects.filter(team=access.team)
        .select_related("user")
        .order_by("user__first_name", "user__username")
    )
    return {
        "scorecards": [
            (s.pk, s.name) for s in Scorecard.objects.filter(team=access.team).order_by("name")
        ],
        "people": [(m.user_id, m.user.get_full_name() or m.user.username) for m in people],
        "channels": list(Channel.choices),
        "states": list(SessionStatus.choices),
    }


def history_sessions(*, access: ReportAccess, filters: dict) -> QuerySet[CalibrationSession]:
    """The sessions the viewer may see, filtered and sorted; figures from `summary`."""
    sessions = CalibrationSession.objects.filter(team=access.team)
    if not access.sees_team_history:
        sessions = sessions.filter(
            Exists(Participant.objects.filter(session=OuterRef("pk"), user=access.user))
        )
    sessions = sessions.annotate(
        held=Coalesce("held_on_date", TruncDate("created_at")),
        # Correlated counts, not joins: the database computes them for the page's rows only.
        item_count=_count(SessionInteraction.objects.filter(session=OuterRef("pk"))),
        scorer_count=_count(
            Participant.objects.filter(session=OuterRef("pk")).filter(
                Q(role=ParticipantRole.REVIEWER)
                | Q(role=ParticipantRole.FACILITATOR, session__facilitator_scores=True)
            )
        ),
        summary_alpha=Cast(KeyTextTransform("alpha", "summary__alpha"), FloatField()),
    ).select_related("summary", "scorecard_version__scorecard")
    if filters.get("scorecard"):
        sessions = sessions.filter(scorecard_version__scorecard_id=filters["scorecard"])
    if filters.get("date_from"):
        sessions = sessions.filter(held__gte=filters["date_from"])
    if filters.get("date_to"):
        sessions = sessions.filter(held__lte=filters["date_to"])
    if filters.get("channel"):
        sessions = sessions.filter(
            Exists(
                SessionInteraction.objects.filter(
                    session=OuterRef("pk"), interaction__channel=filters["channel"]
                )
            )
        )
    if filters.get("facilitator"):
        sessions = sessions.filter(
            Exists(
                Participant.objects.filter(
                    session=OuterRef("pk"),
                    user_id=filters["facilitator"],
                    role=ParticipantRole.FACILITATOR,
                )
            )
        )
    if filters.get("participant"):
        sessions = sessions.filter(
            Exists(
                Participant.objects.filter(
                    session=OuterRef("pk"), user_id=filters["participant"]
                ).exclude(role=ParticipantRole.OBSERVER)
            )
        )
    if filters.get("state"):
        sessions = sessions.filter(status=filters["state"])
    if filters.get("kind"):
        sessions = sessions.filter(kind=filters["kind"])
    field = HISTORY_SORTS.get(filters.get("sort") or "-date", "-held")
    expression = F(field.lstrip("-"))
    if field.startswith("-"):
        expression = expression.desc(nulls_last=True)
    else:
        expression = expression.asc(nulls_last=True)
    return sessions.order_by(expression, "-id")


def history_row(session: CalibrationSession) -> dict:
    """One row of the table (and of the CSV): figures only for closed sessions."""
    summary = getattr(session, "summary", None) if session.is_closed else None
    alpha = (summary.alpha if summary else None) or {}
    return {
        "session": session,
        "held": session.held,
        "scorecard": session.scorecard_version.scorecard.name,
        "reviewers": summary.n_reviewers if summary else session.scorer_count,
        "interactions": session.item_count,
        "channel": Channel(summary.channel).label if summary and summary.channel else "",
        "alpha": alpha,
        "spread": summary.mean_spread if summary else None,
        "exact": summary.exact_agreement if summary else None,
        "has_figures": summary is not None,
        "is_scoring": session.kind == SessionKind.SCORING,
    }


def history_csv_rows(rows: list[dict]) -> list[list]:
    out = []
    for row in rows:
        alpha = row["alpha"]
        ci = alpha.get("ci") or [None, None]
        out.append(
            [
                row["held"],
                row["session"].title,
                row["scorecard"],
                row["session"].get_status_display(),
                row["session"].get_kind_display(),
                row["channel"],
                row["reviewers"],
                row["interactions"],
                alpha.get("alpha"),
                ci[0],
                ci[1],
                alpha.get("reading", ""),
                alpha.get("n_units"),
                row["spread"],
                row["exact"],
            ]
        )
    return out
