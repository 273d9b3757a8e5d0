"""Sessions, templates and participants as lists and lookups, and the one join rule."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate

from ..models import (
    CalibrationSession,
    Participant,
    ParticipantRole,
    SessionInteraction,
    SessionStatus,
    SessionTemplate,
    Transition,
    normalize_join_code,
)


def sessions_for_team(*, team, user=None) -> QuerySet[CalibrationSession]:
    is_participant = Exists(
        Participant.objects.filter(session=OuterRef("pk"), user_id=getattr(user, "pk", None))
    )
    return (
        CalibrationSession.objects.filter(team=team)
        .annotate(is_participant=is_participant)
        .select_related("scorecard_version__scorecard", "created_by")
        .annotate(
            item_count=Count("items", distinct=True),
            # People who score: reviewers, and the facilitator only when she scores too.
            participant_count=Count(
                "participants",
                filter=Q(participants__role=ParticipantRole.REVIEWER)
                | Q(participants__role=ParticipantRole.FACILITATOR, facilitator_scores=True),
                distinct=True,
            ),
            # Imported sessions sort by the day they were held, live ones by creation.
            sort_date=Coalesce("held_on_date", TruncDate("created_at")),
        )
        .order_by("-sort_date", "-created_at", "-id")
    )


def session_for_member(*, team, session_id: int) -> CalibrationSession | None:
    return (
        CalibrationSession.objects.filter(team=team, pk=session_id)
        .select_related("scorecard_version__scorecard", "baseline", "created_by", "team")
        .first()
    )


def templates_for_team(*, team) -> QuerySet[SessionTemplate]:
    return SessionTemplate.objects.filter(team=team).select_related("scorecard")


def session_items(*, session: CalibrationSession) -> list[SessionInteraction]:
    return list(
        SessionInteraction.objects.filter(session=session)
        .select_related("interaction")
        .prefetch_related("interaction__messages")
        .order_by("position", "id")
    )


def session_criteria(*, session: CalibrationSession) -> list:
    return list(session.criteria.order_by("position", "id"))


def session_transitions(*, session: CalibrationSession) -> QuerySet[Transition]:
    return session.transitions.select_related("actor").order_by("at", "id")


@dataclass(frozen=True)
class JoinPreview:
    session: CalibrationSession | None
    error: str = ""
    too_late: str = ""
    already_participant: bool = False


JOIN_LINK_INVALID = (
    "This join link is not valid for your teams. Check the link with the facilitator."
)


def join_preview(*, code: str, user) -> JoinPreview:
    """What following a join link leads to, before anything is written."""
    session = CalibrationSession.objects.filter(join_code=normalize_join_code(code)).first()
    return join_preview_for(session=session, user=user)


def join_preview_for(*, session: CalibrationSession | None, user) -> JoinPreview:
    """The one join rule, for the join page and the join service alike. An unknown code and
    another team's code read the same, so a code's existence is never confirmed across teams."""
    if session is None or not user.memberships.filter(team_id=session.team_id).exists():
        return JoinPreview(None, error=JOIN_LINK_INVALID)
    if Participant.objects.filter(session=session, user=user).exists():
        return JoinPreview(session, already_participant=True)
    if session.status in (SessionStatus.REVEALED, SessionStatus.CLOSED):
        return JoinPreview(
            session,
            too_late="The scores of this session are already revealed: it is too late to join. "
            "Its summary is in the session list.",
        )
    return JoinPreview(session)
