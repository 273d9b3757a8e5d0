"""Who may see what of a session: the one visibility function and the one viewer policy.

`visible_scores` decides which ratings a viewer may see: before an interaction is revealed,
only the viewer's own; after, everyone's that were included at the reveal. Criterion review
answers follow the same rule beside it (`visible_review_answers`). `ViewerPolicy`
decides how the people behind them are named to that viewer. Every page, websocket frame,
export and report goes through both.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Prefetch, Q, QuerySet

from ..models import (
    CalibrationSession,
    Participant,
    ParticipantRole,
    ReviewAnswer,
    Revision,
    Score,
)


def visible_scores(*, session: CalibrationSession, viewer) -> QuerySet[Score]:
    """The ratings `viewer` may see: their own, plus everyone's included revealed ones.

    `viewer=None` (management commands, the shared agreement figures) sees revealed,
    included ratings only."""
    return (
        Score.objects.filter(item__session=session)
        .filter(score_visibility(viewer))
        .select_related("participant__user")
        .prefetch_related(
            Prefetch("revisions", queryset=Revision.objects.order_by("revised_at", "id"))
        )
    )


def score_visibility(viewer) -> Q:
    """The condition behind `visible_scores`, for the few readers that span sessions (the
    Django admin): the viewer's own ratings, plus revealed ones that were included."""
    revealed = Q(item__revealed_at__isnull=False, included=True)
    if viewer is not None and viewer.is_authenticated:
        return Q(participant__user=viewer) | revealed
    return revealed


def visible_review_answers(*, session: CalibrationSession, viewer) -> QuerySet[ReviewAnswer]:
    """The criterion review answers `viewer` may see: their own, plus everyone's on revealed
    items. The same rule as `visible_scores`: before the reveal nobody else (the facilitator
    included) sees an answer or its comment. `viewer=None` sees revealed answers only."""
    return (
        ReviewAnswer.objects.filter(item__session=session)
        .filter(review_answer_visibility(viewer))
        .select_related("participant__user")
    )


def review_answer_visibility(viewer) -> Q:
    """The condition behind `visible_review_answers`, for readers spanning sessions."""
    revealed = Q(item__revealed_at__isnull=False)
    if viewer is not None and viewer.is_authenticated:
        return Q(participant__user=viewer) | revealed
    return revealed


def display_name(user) -> str:
    return user.get_full_name() or user.username


@dataclass(frozen=True)
class ViewerPolicy:
    """How one viewer sees the people of a session. `viewer_id=None` is a reader outside the
    session (a management command or a download): never "You", aliases in anonymous sessions.

    - `name`: the presence list and the summary's people: real names, since everyone sees who
      is on the call. Never shown next to an alias.
    - `rating_label`: who gave a revealed rating: the alias in an anonymous session, except
      the viewer's own ("You"); otherwise the name.
    - `export_label`: the same in files, where "You" would mean nothing: the viewer's own name.
    - `rating_key`: the key of a revealed rating: the alias in an anonymous session (a
      participant id would link the rating to the named presence list).
    - `shows_progress`: whether a person's "submitted" mark for an interaction is shown: not
      after an anonymous reveal, where a named missing mark points at the missing alias.
    """

    anonymous: bool
    viewer_id: int | None

    @classmethod
    def for_viewer(cls, session: CalibrationSession, viewer) -> ViewerPolicy:
        return cls(anonymous=session.anonymous, viewer_id=getattr(viewer, "pk", None))

    def is_viewer(self, participant: Participant) -> bool:
        return self.viewer_id is not None and participant.user_id == self.viewer_id

    def name(self, participant: Participant) -> str:
        return "You" if self.is_viewer(participant) else display_name(participant.user)

    def rating_label(self, participant: Participant) -> str:
        if self.is_viewer(participant):
            return "You"
        return participant.alias if self.anonymous else display_name(participant.user)

    def export_label(self, participant: Participant) -> str:
        if self.anonymous and not self.is_viewer(participant):
            return participant.alias
        return display_name(participant.user)

    def rating_key(self, participant: Participant) -> str | int:
        return participant.alias if self.anonymous else participant.pk

    def shows_progress(self, *, revealed: bool) -> bool:
        return not (self.anonymous and revealed)


@dataclass(frozen=True)
class ViewerContext:
    participant: Participant | None
    is_facilitator: bool
    can_score: bool


def viewer_context(*, session: CalibrationSession, participants: list[Participant], user):
    me = next((p for p in participants if p.user_id == user.pk), None)
    is_facilitator = me is not None and me.role == ParticipantRole.FACILITATOR
    can_score = me is not None and me.scores_in(session)
    return ViewerContext(participant=me, is_facilitator=is_facilitator, can_score=can_score)


def participant_for(*, session_id: int, user) -> Participant | None:
    """The user's place in the session, while they are still a member of its team: someone
    removed from the team loses the session with it."""
    return participant_query(session_id=session_id, user=user).first()


def participant_query(*, session_id: int, user) -> QuerySet[Participant]:
    """`participant_for` as a query, for a writer that locks the row (a rating's save)."""
    return Participant.objects.filter(
        session_id=session_id, user=user, user__memberships__team=F("session__team")
    ).select_related("user")
