"""Who is connected to a session's live room."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ..models import CONNECTION_EXPIRY, CalibrationSession, Connection, Participant
from .common import SessionNotFound, announce_presence, participant_of


def connection_open(*, session_id: int, user, channel_name: str) -> Participant:
    with transaction.atomic():
        session = CalibrationSession.objects.filter(pk=session_id).first()
        if session is None:
            raise SessionNotFound("This session does not exist.")
        participant = participant_of(session, user)
        Connection.objects.update_or_create(
            channel_name=channel_name, defaults={"participant": participant}
        )
        announce_presence(session.pk)
    return participant


def connection_touch(*, channel_name: str, session_id: int | None = None) -> None:
    """A heartbeat: this connection is alive. Also sweeps the session's connections that
    stopped beating, so a killed worker's clients leave the people list within seconds."""
    now = timezone.now()
    with transaction.atomic():
        Connection.objects.filter(channel_name=channel_name).update(last_seen_at=now)
        if session_id is None:
            return
        expired, _ = Connection.objects.filter(
            participant__session_id=session_id, last_seen_at__lt=now - CONNECTION_EXPIRY
        ).delete()
        if expired:
            announce_presence(session_id)


def connection_close(*, session_id: int, channel_name: str) -> None:
    with transaction.atomic():
        deleted, _ = Connection.objects.filter(channel_name=channel_name).delete()
        if deleted:
            announce_presence(session_id)
