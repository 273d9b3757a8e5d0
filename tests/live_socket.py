"""Helpers for the websocket tests: connect as someone through the real ASGI application."""

import asyncio
import contextlib

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from calibration.asgi import application

from .factories import SessionWorld

ORIGIN = (b"origin", b"http://127.0.0.1")


def cookie_for(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def connect(user, session, *, origin=ORIGIN, path=None):
    headers = [origin]
    if user is not None:
        headers.append((b"cookie", await sync_to_async(cookie_for)(user)))
    communicator = WebsocketCommunicator(
        application, path or f"/ws/sessions/{session.pk}/", headers=headers
    )
    connected, code = await communicator.connect()
    if not connected:
        # Let the refusing consumer finish inside this test's event loop: left running, it is
        # cancelled when the loop closes, mid-cleanup, and that teardown once never returned.
        with contextlib.suppress(TimeoutError):
            await communicator.disconnect()
    return communicator, connected, code


async def receive_until(communicator, predicate, timeout=3):
    """Frames until one matches (snapshots after presence changes may come first)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        frame = await communicator.receive_json_from(timeout=max(0.05, deadline - loop.time()))
        if predicate(frame):
            return frame


def is_type(kind):
    return lambda frame: frame.get("type") == kind


def has_ref(ref):
    return lambda frame: frame.get("ref") == ref and frame.get("type") != "snapshot"


async def drain(communicator, pause=0.3):
    """Every frame that arrives until the line is quiet (a receive timeout would kill the app)."""
    frames = []
    while not await communicator.receive_nothing(timeout=pause):
        frames.append(await communicator.receive_json_from())
    return frames


async def still_open(communicator, ref="alive") -> bool:
    """The connection answers a heartbeat: it was neither closed nor crashed."""
    await communicator.send_json_to({"type": "ping", "ref": ref})
    frame = await receive_until(communicator, has_ref(ref))
    return frame["type"] == "pong"


@sync_to_async
def make_world(**kwargs):
    return SessionWorld(**kwargs).start()


@sync_to_async
def session_state(session) -> dict:
    """Everything a websocket message could change in a session (presence aside)."""
    from sessions.models import (
        ActionItem,
        CalibrationSession,
        Consensus,
        DiscussionFlag,
        DiscussionTimebox,
        Participant,
        Revision,
        Score,
        SessionInteraction,
        Submission,
        Transition,
    )

    return {
        "session": list(
            CalibrationSession.objects.filter(pk=session.pk).values(
                "status", "version", "revealed_at", "closed_at", "scoring_started_at"
            )
        ),
        "items": list(
            SessionInteraction.objects.filter(session=session)
            .order_by("pk")
            .values("pk", "revealed_at", "unsubmitted_policy")
        ),
        "participants": list(
            Participant.objects.filter(session=session).order_by("pk").values("pk", "role", "alias")
        ),
        "scores": list(
            Score.objects.filter(item__session=session)
            .order_by("pk")
            .values("pk", "participant", "criterion", "value", "is_na", "comment", "client_ts")
        ),
        "included": list(
            Score.objects.filter(item__session=session).order_by("pk").values("pk", "included")
        ),
        "submissions": list(
            Submission.objects.filter(item__session=session).order_by("pk").values("pk")
        ),
        "revisions": list(
            Revision.objects.filter(score__item__session=session).order_by("pk").values("pk")
        ),
        "consensus": list(
            Consensus.objects.filter(item__session=session).order_by("pk").values("pk", "value")
        ),
        "actions": list(
            ActionItem.objects.filter(session=session).order_by("pk").values("pk", "text", "owner")
        ),
        "transitions": list(Transition.objects.filter(session=session).order_by("pk").values("pk")),
        "flags": list(
            DiscussionFlag.objects.filter(item__session=session).order_by("pk").values("pk")
        ),
        "timebox": list(
            DiscussionTimebox.objects.filter(session=session).values("criterion", "started_at")
        ),
    }
