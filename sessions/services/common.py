"""What every session write shares: domain errors, the after-commit broadcast, locked lookups
and the checks of ids, ratings and comments."""

from __future__ import annotations

import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import F

from scorecards.models import Criterion

from .. import selectors
from ..models import (
    CalibrationSession,
    Participant,
    ParticipantRole,
    SessionInteraction,
    SessionStatus,
    Transition,
)

MAX_INTERACTIONS = 20
MAX_COMMENT_LENGTH = 5000


class SessionError(Exception):
    """A session action that cannot be done; the message is shown to the person."""


class SessionPermissionError(SessionError):
    pass


class SessionNotFound(SessionError):
    pass


# --- broadcasting -------------------------------------------------------------------------


def group_name_for(session_id: int) -> str:
    return f"calibration-session-{session_id}"


def send_after_commit(session_id: int, message: dict) -> None:
    def send():
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(group_name_for(session_id), message)

    # robust: the change is committed whatever happens to the broadcast. A Redis outage then
    # costs viewers a live update (they resync on reconnect), not the caller an error for a
    # change that was saved, which a retry would apply twice.
    transaction.on_commit(send, robust=True)


def announce_change(session_id: int, reason: str) -> None:
    """A change everyone sees: bump the session's version in this transaction (so the shared
    live state of the new version is built from rows that include the change), and after the
    commit tell the group to look again. Only the id, version and a reason travel."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("announce_change must run inside the change's transaction.")
    CalibrationSession.objects.filter(pk=session_id).update(version=F("version") + 1)
    version = (
        CalibrationSession.objects.filter(pk=session_id).values_list("version", flat=True).first()
    )
    send_after_commit(
        session_id,
        {
            "type": "session.changed",
            "session_id": session_id,
            "version": version,
            "reason": reason,
        },
    )


def announce_presence(session_id: int) -> None:
    """Someone came or went: no shared state changes, so no version; viewers re-read presence.
    The id lets the consumers of one worker read who is online once per announcement."""
    send_after_commit(
        session_id,
        {
            "type": "session.changed",
            "session_id": session_id,
            "reason": "presence",
            "id": uuid.uuid4().hex,
        },
    )


def locked_session(session_id: int) -> CalibrationSession:
    # Row lock: two facilitators revealing or closing at once act one after the other.
    session = CalibrationSession.objects.select_for_update().filter(pk=session_id).first()
    if session is None:
        raise SessionNotFound("This session does not exist.")
    return session


def participant_of(session: CalibrationSession, user) -> Participant:
    participant = selectors.participant_for(session_id=session.pk, user=user)
    if participant is None:
        raise SessionPermissionError("You are not a participant of this session.")
    return participant


def require_facilitator(session: CalibrationSession, user) -> Participant:
    participant = participant_of(session, user)
    if participant.role != ParticipantRole.FACILITATOR:
        raise SessionPermissionError("Only the facilitator can do this.")
    return participant


def session_item(session: CalibrationSession, item_id) -> SessionInteraction:
    item = SessionInteraction.objects.filter(session=session, pk=as_int(item_id, "item")).first()
    if item is None:
        raise SessionError("That interaction is not part of this session.")
    return item


def session_criterion(session: CalibrationSession, criterion_id) -> Criterion:
    criterion = session.criteria.filter(pk=as_int(criterion_id, "criterion")).first()
    if criterion is None:
        raise SessionError("That criterion is not part of this session.")
    return criterion


def as_int(value, what: str) -> int:
    if isinstance(value, bool):
        raise SessionError(f"Invalid {what} id.")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SessionError(f"Invalid {what} id.") from None


def require_not_closed(session: CalibrationSession) -> None:
    if session.status == SessionStatus.CLOSED:
        raise SessionError("This session is closed: it is read-only.")


def checked_rating(criterion: Criterion, value, is_na: bool) -> int | None:
    """The integer code to store, or an error naming what is wrong."""
    if is_na:
        if not criterion.na_allowed:
            raise SessionError(f"N/A is not allowed for “{criterion.name}”.")
        return None
    if value is None or value == "":
        raise SessionError(f"Choose a rating for “{criterion.name}”.")
    scale = criterion.scale
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise SessionError(f"Invalid rating for “{criterion.name}”.")
    try:
        code = int(value)
    except (TypeError, ValueError):
        raise SessionError(f"Invalid rating for “{criterion.name}”.") from None
    if code not in scale.values:
        raise SessionError(
            f"{value!r} is not on the scale of “{criterion.name}” ({scale.describe()})."
        )
    return code


def clean_comment(comment) -> str:
    if comment is None:
        return ""
    if not isinstance(comment, str):
        raise SessionError("A comment must be text.")
    if len(comment) > MAX_COMMENT_LENGTH:
        raise SessionError(f"Comments are limited to {MAX_COMMENT_LENGTH} characters.")
    return comment.strip()


def record_transition(session, from_status, to_status, actor, detail="") -> None:
    Transition.objects.create(
        session=session, from_status=from_status, to_status=to_status, actor=actor, detail=detail
    )
