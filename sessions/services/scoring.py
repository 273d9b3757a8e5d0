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

    Saves of one session run side by side: each holds the session row in KEY SHARE mode, which
    only the writers that must exclude them take exclusively (the reveal, a submission,
    closing: `locked_session`, FOR UPDATE), so a save in flight lands before the reveal or is
    refused after it. The reviewer's own row is locked (NO KEY UPDATE), so two tabs of one
    reviewer save one after the other and the newest change wins. Six statements: the
    criterion, then in the transaction the session, its interaction, the reviewer, the rating,
    and its write."""
    if not isinstance(is_na, bool):
        raise SessionError("N/A must be true or false.")
    if isinstance(client_ts, bool) or not isinstance(client_ts, int) or client_ts < 0:
        raise SessionError("Invalid change timestamp.")
    item_id = as_int(item_id, "item")
    criterion = (
        Criterion.objects.filter(pk=as_int(criterion_id, "criterion"), sessions__pk=session_id)
        .order_by()
        .first()
    )
    text = clean_comment(comment)
    with transaction.atomic():
        found = _shared_lock_for_saving(session_id, item_id)
        participant = (
            selectors.participant_query(session_id=session_id, user=user)
            .select_for_update(no_key=True, of=("self",))
            .first()
        )
        if participant is None or found is None:
            # The refusals in their usual order: no session, not yours, closed, not started,
            # not this session's interaction.
            session, _ = _locked_scorer(session_id, user)
            _unrevealed_item(session, item_id, revealed="")
        status, facilitator_scores, revealed_at = found
        # The session's state as read under the lock, for the checks below.
        session = CalibrationSession(
            pk=session_id, status=status, facilitator_scores=facilitator_scores
        )
        if not participant.scores_in(session):
            raise SessionPermissionError("You are facilitating this session, not scoring it.")
        require_not_closed(session)
        if session.status == SessionStatus.DRAFT:
            raise SessionError("Scoring has not started yet.")
        if revealed_at is not None:
            raise SessionError(
                "The scores of this interaction are revealed: change your rating as a revision."
            )
        item = SessionInteraction(pk=item_id, session_id=session_id)
        if criterion is None:
            raise SessionError("That criterion is not part of this session.")
        if value in (None, "") and not is_na and text:
            code = None  # a comment written before the rating is a draft too: keep it
        else:
            code = checked_rating(criterion, value, is_na)
        # No row lock needed: this reviewer's row lock already orders their saves.
        score = (
            Score.objects.filter(participant=participant, item=item, criterion=criterion)
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


def _shared_lock_for_saving(session_id: int, item_id: int) -> tuple | None:
    """(status, facilitator_scores, revealed_at) of the session and its interaction, holding
    the session row in KEY SHARE mode on PostgreSQL (Django's ORM has no such lock).

    Two statements: the interaction is read after the lock is granted, in a statement of its
    own, so a save that waited for a reveal sees the interaction revealed (a join in the
    locking statement would read it as it was before the wait)."""
    sessions = CalibrationSession._meta.db_table
    lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT "status", "facilitator_scores" FROM "{sessions}" WHERE "id" = %s{lock}',
            [session_id],
        )
        found = cursor.fetchone()
    if found is None:
        return None
    revealed = (
        SessionInteraction.objects.filter(pk=item_id, session_id=session_id)
        .order_by()
        .values_list("revealed_at", flat=True)
    )
    for revealed_at in revealed:
        return (*found, revealed_at)
    return None


def _create_score(*, participant, item, criterion, **fields) -> tuple[Score, bool]:
    """A new rating, or the row another save created first (then the caller updates it).

    Under the reviewer's row lock no two saves of theirs insert at once; SQLite takes no row
    locks, so there two tabs can, and a savepoint lets the loser update instead."""
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
