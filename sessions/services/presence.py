"""Who is connected to a session's live room."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .. import selectors
from ..models import CONNECTION_EXPIRY, CalibrationSession, Connection, Participant
from .common import SessionNotFound, SessionPermissionError, announce_presence


def connection_open(*, session_id: int, user, channel_name: str) -> Participant:
    """Registers a new websocket: two statements, no transaction (each connection has a
    channel name of its own, so there is nothing to update and nothing to race)."""
    participant = selectors.participant_for(session_id=session_id, user=user)
    if participant is None:
        if not CalibrationSession.objects.filter(pk=session_id).exists():
            raise SessionNotFound("This session does not exist.")
        raise SessionPermissionError("You are not a participant of this session.")
    Connection.objects.create(participant=participant, channel_name=channel_name)
    announce_presence(session_id)  # outside a transaction: sent at once
    return participant


# A heartbeat writes only when the row is older than this: browsers ping every 5 s, so about
# every other ping writes, and a live row is never older than 10 s against the 15 s expiry.
TOUCH_AFTER = CONNECTION_EXPIRY / 2


def connection_touch(
    *, channel_name: str, session_id: int | None = None, sweep: bool = True
) -> int | None:
    """A heartbeat: this connection is alive. With `sweep`, also deletes the session's
    connections that stopped beating (a killed worker's clients leave the people list within
    seconds) and returns the session's version, so the client can tell it missed a change. The
    live consumer sweeps once per session and interval, not on every ping.

    No transaction: each statement stands alone, and a heartbeat between two writes is fine."""
    now = timezone.now()
    Connection.objects.filter(channel_name=channel_name, last_seen_at__lt=now - TOUCH_AFTER).update(
        last_seen_at=now
    )
    if session_id is None or not sweep:
        return None
    expired, _ = Connection.objects.filter(
        participant__session_id=session_id, last_seen_at__lt=now - CONNECTION_EXPIRY
    ).delete()
    if expired:
        announce_presence(session_id)  # outside a transaction: sent at once
    return (
        CalibrationSession.objects.filter(pk=session_id).values_list("version", flat=True).first()
    )


def connection_close(*, session_id: int, channel_name: str) -> None:
    with transaction.atomic():
        deleted, _ = Connection.objects.filter(channel_name=channel_name).delete()
        if deleted:
            announce_presence(session_id)
