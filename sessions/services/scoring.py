"""A reviewer's blind ratings, submissions and, after the reveal, revisions."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from scorecards.models import Criterion

from .. import selectors
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
    as_int,
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
    """Saves a reviewer's own blind rating. Repeats are harmless: the newest client_ts wins.

    The lookups that no reveal changes (who the reviewer is, the criterion and its scale) come
    first, outside the transaction; the session row lock (the reveal's) is taken last, with the
    interaction in the same query, so a session's saves queue behind each other for three
    statements, not eight: lock, read the rating, write it."""
    if not isinstance(is_na, bool):
        raise SessionError("N/A must be true or false.")
    if isinstance(client_ts, bool) or not isinstance(client_ts, int) or client_ts < 0:
        raise SessionError("Invalid change timestamp.")
    participant = selectors.participant_for(session_id=session_id, user=user)
    if participant is None:
        # The slow path of a refusal: which one (no session, or not yours) as before.
        _locked_scorer(session_id, user)
    item_id = as_int(item_id, "item")
    criterion = (
        Criterion.objects.filter(pk=as_int(criterion_id, "criterion"), sessions__pk=session_id)
        .order_by()
        .first()
    )
    text = clean_comment(comment)
    with transaction.atomic():
        item = (
            SessionInteraction.objects.select_related("session")
            .select_for_update(of=("session",))
            .filter(pk=item_id, session_id=session_id)
            .first()
        )
        if item is None:
            # Not in this session: the refusals in their usual order (closed, draft, foreign).
            session, _ = _locked_scorer(session_id, user)
            _unrevealed_item(session, item_id, revealed="")
        session = item.session
        if not participant.scores_in(session):
            raise SessionPermissionError("You are facilitating this session, not scoring it.")
        require_not_closed(session)
        if session.status == SessionStatus.DRAFT:
            raise SessionError("Scoring has not started yet.")
        if item.is_revealed:
            raise SessionError(
                "The scores of this interaction are revealed: change your rating as a revision."
            )
        if criterion is None:
            raise SessionError("That criterion is not part of this session.")
        if value in (None, "") and not is_na and text:
            code = None  # a comment written before the rating is a draft too: keep it
        else:
            code = checked_rating(criterion, value, is_na)
        score = (
            Score.objects.select_for_update()
            .filter(participant=participant, item=item, criterion=criterion)
            .order_by()
            .first()
        )
        if score is not None and client_ts and score.client_ts > client_ts:
            return SaveResult(score=score, applied=False)
        if score is None:
            score, created = _create_score(
                participant=participant,
                item=item,
                criterion=criterion,
                value=code,
                is_na=is_na,
                comment=text,
                client_ts=client_ts,
            )
            if created:
                return SaveResult(score=score, applied=True)
            if client_ts and score.client_ts > client_ts:
                return SaveResult(score=score, applied=False)
        score.value, score.is_na, score.comment = code, is_na, text
        score.client_ts = max(score.client_ts, client_ts)
        score.save(update_fields=["value", "is_na", "comment", "client_ts", "updated_at"])
    return SaveResult(score=score, applied=True)


def _create_score(*, participant, item, criterion, **fields) -> tuple[Score, bool]:
    """A new rating, or the row another save created first (then the caller updates it).

    Under the session row lock no two saves insert at once; SQLite takes no row locks, so
    there two tabs can, and a savepoint lets the loser update instead."""
    if connection.features.has_select_for_update:
        score = Score.objects.create(
            participant=participant, item=item, criterion=criterion, **fields
        )
        return score, True
    try:
        with transaction.atomic():
            score = Score.objects.create(
                participant=participant, item=item, criterion=criterion, **fields
            )
            return score, True
    except IntegrityError:
        return Score.objects.get(participant=participant, item=item, criterion=criterion), False


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
