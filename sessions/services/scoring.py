"""A reviewer's blind ratings, submissions and, after the reveal, revisions."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q

from ..models import (
    CalibrationSession,
    Participant,
    Revision,
    Score,
    SessionInteraction,
    SessionStatus,
    Submission,
)
from .common import (
    SessionError,
    SessionPermissionError,
    announce_change,
    checked_rating,
    clean_comment,
    locked_session,
    participant_of,
    require_not_closed,
    session_criterion,
    session_item,
)


def _locked_scorer(
    session_id: int, user, *, refusal: str = "You are facilitating this session, not scoring it."
) -> tuple[CalibrationSession, Participant]:
    # Same row lock as the reveal: a save in flight lands before it or is refused after.
    session = locked_session(session_id)
    participant = participant_of(session, user)
    if not participant.scores_in(session):
        raise SessionPermissionError(refusal)
    require_not_closed(session)
    return session, participant


def _unrevealed_item(session: CalibrationSession, item_id, *, revealed: str) -> SessionInteraction:
    if session.status == SessionStatus.DRAFT:
        raise SessionError("Scoring has not started yet.")
    item = session_item(session, item_id)
    if item.is_revealed:
        raise SessionError(revealed)
    return item


@dataclass(frozen=True)
class SaveResult:
    score: Score
    applied: bool  # False when a newer change had already been saved (a stale re-send)


def score_save(
    *,
    session_id: int,
    user,
    item_id,
    criterion_id,
    value=None,
    is_na: bool = False,
    comment: str | None = "",
    client_ts: int = 0,
) -> SaveResult:
    """Saves a reviewer's own blind rating. Repeats are harmless: the newest client_ts wins."""
    if not isinstance(is_na, bool):
        raise SessionError("N/A must be true or false.")
    if isinstance(client_ts, bool) or not isinstance(client_ts, int) or client_ts < 0:
        raise SessionError("Invalid change timestamp.")
    with transaction.atomic():
        session, participant = _locked_scorer(session_id, user)
        item = _unrevealed_item(
            session,
            item_id,
            revealed="The scores of this interaction are revealed: "
            "change your rating as a revision.",
        )
        criterion = session_criterion(session, criterion_id)
        text = clean_comment(comment)
        if value in (None, "") and not is_na and text:
            code = None  # a comment written before the rating is a draft too: keep it
        else:
            code = checked_rating(criterion, value, is_na)
        score = (
            Score.objects.select_for_update()
            .filter(participant=participant, item=item, criterion=criterion)
            .first()
        )
        if score is not None and client_ts and score.client_ts > client_ts:
            return SaveResult(score=score, applied=False)
        if score is None:
            try:
                with transaction.atomic():
                    score = Score.objects.create(
                        participant=participant,
                        item=item,
                        criterion=criterion,
                        value=code,
                        is_na=is_na,
                        comment=text,
                        client_ts=client_ts,
                    )
            except IntegrityError:
                # Two tabs created it at once: the other one won the insert; update it instead.
                score = Score.objects.select_for_update().get(
                    participant=participant, item=item, criterion=criterion
                )
            else:
                return SaveResult(score=score, applied=True)
        score.value, score.is_na, score.comment = code, is_na, text
        score.client_ts = max(score.client_ts, client_ts)
        score.save(update_fields=["value", "is_na", "comment", "client_ts", "updated_at"])
    return SaveResult(score=score, applied=True)


def submission_create(*, session_id: int, user, item_id) -> Submission:
    with transaction.atomic():
        session, participant = _locked_scorer(session_id, user)
        item = _unrevealed_item(session, item_id, revealed="This interaction is already revealed.")
        rated = set(
            Score.objects.filter(participant=participant, item=item)
            .filter(Q(is_na=True) | Q(value__isnull=False))
            .values_list("criterion_id", flat=True)
        )
        missing = [c.name for c in session.criteria.all() if c.pk not in rated]
        if missing:
            raise SessionError(
                "Rate every criterion (or mark it N/A) before submitting. Missing: "
                + ", ".join(missing)
                + "."
            )
        submission, created = Submission.objects.get_or_create(participant=participant, item=item)
        if created:
            announce_change(session.pk, "submitted")
    return submission


# --- after the reveal ----------------------------------------------------------------------


def revision_create(
    *, session_id: int, user, item_id, criterion_id, value=None, is_na=False, comment=""
) -> Revision:
    """A reviewer changes their mind after the discussion; the blind rating stays as it was."""
    with transaction.atomic():
        session, participant = _locked_scorer(
            session_id, user, refusal="Only people who scored can revise a rating."
        )
        item = session_item(session, item_id)
        if not item.is_revealed:
            raise SessionError("Revisions start after the reveal; until then just change it.")
        criterion = session_criterion(session, criterion_id)
        code = checked_rating(criterion, value, bool(is_na))
        score = Score.objects.filter(
            participant=participant, item=item, criterion=criterion, included=True
        ).first()
        if score is None or not score.is_rated:
            raise SessionError(
                "You have no blind rating in the revealed results for this criterion, "
                "so there is nothing to revise."
            )
        revision = Revision.objects.create(
            score=score,
            value=code,
            is_na=bool(is_na),
            comment=clean_comment(comment),
            revised_by=user,
        )
        announce_change(session.pk, "revised")
    return revision
