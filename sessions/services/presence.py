"""Who is connected to a session's live room."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ..models import CalibrationSession, Connection, Participant
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


def connection_touch(*, channel_name: str) -> None:
    Connection.objects.filter(channel_name=channel_name).update(last_seen_at=timezone.now())


def connection_close(*, session_id: int, channel_name: str) -> None:
    with transaction.atomic():
        deleted, _ = Connection.objects.filter(channel_name=channel_name).delete()
        if deleted:
            announce_presence(session_id)
